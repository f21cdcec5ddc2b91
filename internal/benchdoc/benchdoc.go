// Package benchdoc keeps docs/benchmarks.md: each benchmark command owns one
// "## " section of it and replaces only that section.
package benchdoc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go-lambda-cdk/internal/bundle"
)

// DefaultPath is where `make bench` writes, relative to the module root.
const DefaultPath = "docs/benchmarks.md"

// ReplaceSection replaces the section that starts with the line heading
// (e.g. "## Build step") up to the next "## " heading, or appends it when
// missing, in the markdown file at path. The file is created with a
// "# Benchmarks" title when missing, and written through a temporary file
// and a rename, so a failed write leaves the old file whole.
func ReplaceSection(path, heading, section string) error {
	if !strings.HasPrefix(heading, "## ") || strings.Contains(heading, "\n") {
		return fmt.Errorf("benchdoc: heading %q must be one line starting with \"## \"", heading)
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		data, err = []byte("# Benchmarks\n"), nil
	}
	if err != nil {
		return err
	}
	section = strings.TrimRight(section, "\n") + "\n"
	if !strings.HasPrefix(section, heading+"\n") {
		section = heading + "\n\n" + section
	}
	doc := string(data)
	start := strings.Index(doc, "\n"+heading+"\n")
	if start < 0 {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + section
	} else {
		start++ // keep the newline before the heading
		rest := doc[start+len(heading):]
		end := len(doc)
		if next := strings.Index(rest, "\n## "); next >= 0 {
			end = start + len(heading) + next + 1
			section += "\n"
		}
		doc = doc[:start] + section + doc[end:]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return bundle.WriteFileAtomic(path, []byte(doc))
}

// LoadAverage returns the machine's 1-minute load average from
// /proc/loadavg, or "unknown": benchmark numbers on a busy machine need it
// next to them.
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// EditGo returns Go source src with a real change appended: an init
// function that stores nonce in a package-level variable. The linker keeps
// both, so the built executable differs for each nonce; a comment or an
// unused declaration (which the linker drops) would leave the executable,
// the zip and any cache keyed on them as they were, and the "edit" would
// measure a no-op. src must be a whole Go file; the names benchEdit is
// declared with must be free in its package.
func EditGo(src []byte, nonce string) []byte {
	out := strings.TrimRight(string(src), "\n")
	return fmt.Appendf(nil, "%s\n\n// A benchmark's edit (%s): the linked binary keeps it.\nfunc init() { benchEdit = %q }\n\nvar benchEdit string\n", out, nonce, nonce)
}

// Median returns the median of ts (the mean of the two middle values when
// len(ts) is even) without reordering ts. ts must not be empty.
func Median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Spread returns the range of ts as "min–max s" with one decimal, for a
// table cell. ts must not be empty.
func Spread(ts []time.Duration) string {
	return fmt.Sprintf("%.1f–%.1f s", slices.Min(ts).Seconds(), slices.Max(ts).Seconds())
}

// Secs returns d as seconds with one decimal, e.g. "1.5 s".
func Secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// Timed runs name with args in dir and returns how long it took and its
// output (stdout and stderr together). A failure's error names the
// command and dir and holds the whole output.
func Timed(ctx context.Context, dir, name string, args ...string) (time.Duration, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, "", fmt.Errorf("%s %s in %s: %w\n%s", name, strings.Join(args, " "), dir, err, output.String())
	}
	return time.Since(start), output.String(), nil
}
