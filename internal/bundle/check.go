package bundle

import (
	"debug/elf"
	"fmt"
	"strconv"
)

// Lambda's deployment package limits, from the "Lambda quotas" page of the
// AWS Lambda developer guide.
const (
	// MaxZippedBytes is the largest zip Lambda accepts by direct upload
	// (50 MB); a zip of exactly this size passes.
	MaxZippedBytes = 52_428_800
	// MaxUnzippedBytes bounds the function's code plus all its layers,
	// unzipped (250 MB). The service wants the total strictly smaller:
	// "Unzipped size must be smaller than 262144000 bytes".
	MaxUnzippedBytes = 262_144_000
	// WarnPercent is the share of a limit from which a build warns.
	WarnPercent = 80
)

// Limit is one of Lambda's size limits.
type Limit struct {
	Name      string // e.g. "zipped"
	Bytes     int64
	Inclusive bool // whether a size of exactly Bytes is allowed
}

var (
	// ZippedLimit is the limit on the zip's size.
	ZippedLimit = Limit{Name: "zipped", Bytes: MaxZippedBytes, Inclusive: true}
	// UnzippedLimit is the limit on the uncompressed entries plus layers.
	UnzippedLimit = Limit{Name: "unzipped", Bytes: MaxUnzippedBytes, Inclusive: false}
)

// Percent is size as a share of the limit, in percent.
func (l Limit) Percent(size int64) float64 {
	return float64(size) * 100 / float64(l.Bytes)
}

// check reports an error naming the size, the limit and the excess when
// size is over the limit.
func (l Limit) check(size int64) error {
	if size < l.Bytes || l.Inclusive && size == l.Bytes {
		return nil
	}
	if l.Inclusive {
		return fmt.Errorf("%s size %s bytes is over Lambda's %s limit of %s bytes by %s bytes",
			l.Name, GroupDigits(size), l.Name, GroupDigits(l.Bytes), GroupDigits(size-l.Bytes))
	}
	// size == l.Bytes is already one byte too many.
	return fmt.Errorf("%s size %s bytes is over Lambda's %s limit (smaller than %s bytes) by %s bytes",
		l.Name, GroupDigits(size), l.Name, GroupDigits(l.Bytes), GroupDigits(size-l.Bytes+1))
}

// warning returns a line when size is WarnPercent of the limit or more, and
// "" otherwise.
func (l Limit) warning(size int64) string {
	if size*100 < l.Bytes*WarnPercent {
		return ""
	}
	return fmt.Sprintf("%s size %s bytes is %.1f%% of Lambda's %s-byte %s limit",
		l.Name, GroupDigits(size), l.Percent(size), GroupDigits(l.Bytes), l.Name)
}

// elfMachines maps each GOARCH to the ELF machine Lambda runs it on.
var elfMachines = map[string]elf.Machine{
	"arm64": elf.EM_AARCH64,
	"amd64": elf.EM_X86_64,
}

// checkELF reports an error unless path is a statically linked ELF
// executable for goarch: Lambda's provided.al2023 runtime executes bootstrap
// directly, with no guarantee about the shared libraries present.
func checkELF(path, goarch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("check binary: not an ELF executable: %w", err)
	}
	defer f.Close()
	if want := elfMachines[goarch]; f.Machine != want {
		return fmt.Errorf("check binary: machine is %s, want %s for GOARCH=%s", f.Machine, want, goarch)
	}
	if f.Type != elf.ET_EXEC {
		return fmt.Errorf("check binary: ELF type is %s, want %s (a statically linked executable)", f.Type, elf.ET_EXEC)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("check binary: dynamically linked (has a %s program header); build with CGO_ENABLED=0", elf.PT_INTERP)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("check binary: read dynamic section: %w", err)
	}
	if len(libs) > 0 {
		return fmt.Errorf("check binary: dynamically linked against %v; build with CGO_ENABLED=0", libs)
	}
	return nil
}

// GroupDigits formats n with a comma every three digits: 52,428,800.
func GroupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
