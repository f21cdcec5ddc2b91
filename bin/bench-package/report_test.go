package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReplaceSection(t *testing.T) {
	section := sectionHeading + "\n\nnew numbers\n"
	tests := []struct {
		name   string
		before string // "": no file
		want   string
	}{
		{"no file", "", "# Benchmarks\n\n" + section},
		{"no section yet", "# Benchmarks\n\n## Handlers\n\nh\n", "# Benchmarks\n\n## Handlers\n\nh\n\n" + section},
		{"section between others",
			"# Benchmarks\n\n## Handlers\n\nh\n\n## Build step\n\nold\n\n### sub\n\nold\n\n## Stack\n\ns\n",
			"# Benchmarks\n\n## Handlers\n\nh\n\n" + section + "\n## Stack\n\ns\n"},
		{"section last", "# Benchmarks\n\n## Build step\n\nold\n", "# Benchmarks\n\n" + section},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "docs", "benchmarks.md")
			if tt.before != "" {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(tt.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := replaceSection(path, section); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("file:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}
