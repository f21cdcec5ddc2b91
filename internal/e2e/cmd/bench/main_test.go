package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReplaceSection(t *testing.T) {
	const section = "## Handlers\n\nnew numbers\n\n"
	for _, tc := range []struct{ name, before, after string }{
		{"missing file", "", "# Benchmarks\n\n## Handlers\n\nnew numbers\n"},
		{"appended", "# Benchmarks\n\n## Build step\n\nb\n", "# Benchmarks\n\n## Build step\n\nb\n\n## Handlers\n\nnew numbers\n"},
		{"replaced in the middle", "# B\n\n## Handlers\n\nold\n### sub\nold\n\n## Local\n\nl\n", "# B\n\n## Handlers\n\nnew numbers\n\n## Local\n\nl\n"},
		{"replaced at the end", "# B\n\n## Build step\n\nb\n\n## Handlers\n\nold\n", "# B\n\n## Build step\n\nb\n\n## Handlers\n\nnew numbers\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "benchmarks.md")
			if tc.before != "" {
				if err := os.WriteFile(file, []byte(tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := replaceSection(file, "## Handlers", section); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(file)
			if string(got) != tc.after {
				t.Errorf("got\n%q\nwant\n%q", got, tc.after)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if got := quantile(d, 0.5); got != 50*time.Millisecond {
		t.Errorf("p50 = %s, want 50ms", got)
	}
	if got := quantile(d, 0.99); got != 99*time.Millisecond {
		t.Errorf("p99 = %s, want 99ms", got)
	}
	if got := quantile(d[:1], 0.99); got != 100*time.Millisecond {
		t.Errorf("p99 of one = %s", got)
	}
}
