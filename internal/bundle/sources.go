package bundle

import (
	"context"
	"fmt"
)

// editable reports whether the package's files may change without a
// change to a go.mod or to the toolchain: it is neither in the standard
// library nor in the module cache.
func (p *listedPackage) editable() bool {
	switch m := p.Module; {
	case p.Standard:
		return false
	case m == nil:
		return true
	case m.Replace != nil:
		return m.Replace.Version == "" // replaced by a local folder
	default:
		return m.Version == "" // the main module
	}
}

// Compile builds fn's main package for linux/fn.GOARCH into the file out,
// with Build's flags and environment, and checks that it is a static ELF
// executable for that architecture; it neither zips, checks sizes nor
// uses the cache. The local run rebuilds a changed function with it.
// Options.OutDir, CacheDir, NoCache, Parallel and KeepBootstrap are
// ignored.
func Compile(ctx context.Context, opts Options, fn Target, out string) error {
	if fn.GOARCH == "" {
		fn.GOARCH = DefaultGOARCH
	}
	if err := fn.validate(); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	b, err := newLister(opts)
	if err != nil {
		return err
	}
	dir := b.absDir(fn.Dir)
	if err := checkMainPackage(dir, fn.GOARCH); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	if err := b.compile(ctx, dir, fn.GOARCH, out); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	if err := checkELF(out, fn.GOARCH); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	return nil
}

// newLister returns a builder that runs the go command in the module
// folder, without an output folder or a cache.
func newLister(opts Options) (*builder, error) {
	goBin, err := goToolchain()
	if err != nil {
		return nil, err
	}
	moduleDir, err := absModuleDir(opts.ModuleDir)
	if err != nil {
		return nil, err
	}
	return &builder{goBin: goBin, moduleDir: moduleDir, progress: &lineWriter{}}, nil
}
