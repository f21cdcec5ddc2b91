package config

// Warnings are settings that validate but that whoever deploys the stage
// should know about: the operations warnings (OperationsWarnings) and the
// auth ones. The app prints each to stderr at synth; none stops it.
func (c Config) Warnings() []string {
	return append(c.OperationsWarnings(), c.authWarnings()...)
}
