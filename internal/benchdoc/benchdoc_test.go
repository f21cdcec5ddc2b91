package benchdoc

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReplaceSection(t *testing.T) {
	tests := []struct {
		name, before, heading, section, want string
	}{
		{"creates the file", "", "## A", "## A\n\nnew\n", "# Benchmarks\n\n## A\n\nnew\n"},
		{"appends a missing section", "# Benchmarks\n\n## A\n\na\n", "## B", "b", "# Benchmarks\n\n## A\n\na\n\n## B\n\nb\n"},
		{"replaces a middle section, keeps the others", "# Benchmarks\n\n## A\n\na\n\n## B\n\nold b\nmore\n\n## C\n\nc\n", "## B", "## B\n\nnew b\n", "# Benchmarks\n\n## A\n\na\n\n## B\n\nnew b\n\n## C\n\nc\n"},
		{"replaces a section with subsections", "# Benchmarks\n\n## B\n\nold\n\n### sub\n\nold\n\n## C\n\nc\n", "## B", "## B\n\nnew\n", "# Benchmarks\n\n## B\n\nnew\n\n## C\n\nc\n"},
		{"replaces the last section", "# Benchmarks\n\n## A\n\na\n\n## B\n\nold\n", "## B", "## B\n\nnew\n", "# Benchmarks\n\n## A\n\na\n\n## B\n\nnew\n"},
		{"a heading that only starts like another is not it", "# Benchmarks\n\n## Build step 2\n\nx\n", "## Build step", "## Build step\n\ny\n", "# Benchmarks\n\n## Build step 2\n\nx\n\n## Build step\n\ny\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "docs", "benchmarks.md")
			if tt.before != "" {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(tt.before), 0o644)
			}
			if err := ReplaceSection(path, tt.heading, tt.section); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	if err := ReplaceSection(filepath.Join(t.TempDir(), "x.md"), "# Title", "x"); err == nil {
		t.Error("want an error for a heading that is not a section")
	}
}

// TestEditGoChangesTheBinary builds a main package as the bundle does
// (symbols stripped, no build ID) unedited and after EditGo with two
// nonces: all three executables must differ, or an "edit" benchmark would
// time a build whose zip and caches did not change.
func TestEditGoChangesTheBinary(t *testing.T) {
	dir := t.TempDir()
	src := []byte("// Command x does nothing.\npackage main\n\nfunc main() {}\n")
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(source []byte) []byte {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), source, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-o", "x.bin", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s\nsource:\n%s", err, out, source)
		}
		bin, err := os.ReadFile(filepath.Join(dir, "x.bin"))
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
	builds := map[string][]byte{"unedited": build(src), "edit a": build(EditGo(src, "a")), "edit b": build(EditGo(src, "b"))}
	for _, pair := range [][2]string{{"unedited", "edit a"}, {"unedited", "edit b"}, {"edit a", "edit b"}} {
		if bytes.Equal(builds[pair[0]], builds[pair[1]]) {
			t.Errorf("%s and %s built the same executable", pair[0], pair[1])
		}
	}
}

func TestMedianSpreadSecs(t *testing.T) {
	s := time.Second
	tests := []struct {
		name         string
		ts           []time.Duration
		median       time.Duration
		spread, secs string
	}{
		{"one value", []time.Duration{2 * s}, 2 * s, "2.0–2.0 s", "2.0 s"},
		{"odd count, unsorted: the middle value", []time.Duration{3 * s, 1 * s, 2 * s}, 2 * s, "1.0–3.0 s", "2.0 s"},
		{"even count: the mean of the two middle values", []time.Duration{4 * s, 1 * s, 2 * s, 3 * s}, 2500 * time.Millisecond, "1.0–4.0 s", "2.5 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]time.Duration(nil), tt.ts...)
			if got := Median(tt.ts); got != tt.median {
				t.Errorf("Median(%v) = %v, want %v", tt.ts, got, tt.median)
			}
			if !slices.Equal(tt.ts, before) {
				t.Errorf("Median reordered its argument: %v, was %v", tt.ts, before)
			}
			if got := Spread(tt.ts); got != tt.spread {
				t.Errorf("Spread(%v) = %q, want %q", tt.ts, got, tt.spread)
			}
			if got := Secs(Median(tt.ts)); got != tt.secs {
				t.Errorf("Secs(%v) = %q, want %q", Median(tt.ts), got, tt.secs)
			}
		})
	}
}

func TestTimedReturnsOutputAndNamesAFailedCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, script string
		wantOut      string // the output on success
		wantErr      []string
	}{
		{"success gives both streams and runs in dir", "echo out; echo err >&2; pwd", "out\nerr\n" + dir + "\n", nil},
		{"failure names the command and dir and holds the output", "echo why >&2; exit 3", "", []string{"sh -c echo why >&2; exit 3 in " + dir, "exit status 3", "why"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, out, err := Timed(context.Background(), dir, "sh", "-c", tt.script)
			if tt.wantErr == nil {
				if err != nil || out != tt.wantOut || d <= 0 {
					t.Fatalf("Timed = %v, %q, %v; want a duration, %q, no error", d, out, err, tt.wantOut)
				}
				return
			}
			if err == nil {
				t.Fatalf("Timed succeeded with %q; want an error", out)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
