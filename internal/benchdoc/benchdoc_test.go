package benchdoc

import (
	"os"
	"path/filepath"
	"testing"
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
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".benchmarks-*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	if err := ReplaceSection(filepath.Join(t.TempDir(), "x.md"), "# Title", "x"); err == nil {
		t.Error("want an error for a heading that is not a section")
	}
}
