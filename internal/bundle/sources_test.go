package bundle

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestSources lists what each function's build reads from the module and
// from a module replaced by a local folder, and nothing of another
// function, the standard library or the module cache.
func TestSources(t *testing.T) {
	dir := newModule(t, map[string]string{
		"go.mod":                "module example\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n",
		"lib/go.mod":            "module example.com/lib\n\ngo 1.26\n",
		"lib/lib.go":            "package lib\n\nfunc Name() string { return \"lib\" }\n",
		"shared/shared.go":      "package shared\n\nimport _ \"embed\"\n\n//go:embed greeting.txt\nvar Greeting string\n",
		"shared/greeting.txt":   "hello",
		"shared/shared_test.go": "package shared\n",
		"lambda/a/main.go":      "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n\t\"example/shared\"\n)\n\nfunc main() { fmt.Println(shared.Greeting, lib.Name()) }\n",
		"lambda/b/main.go":      helloMain,
	})
	got, err := Sources(context.Background(), Options{ModuleDir: dir},
		Target{Name: "a", Dir: "lambda/a"}, Target{Name: "b", Dir: filepath.Join(dir, "lambda", "b"), GOARCH: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fn   string
		want []string // relative to dir, slash-separated
	}{
		{"a", []string{"go.mod", "lambda/a", "lambda/a/main.go", "lib", "lib/go.mod", "lib/lib.go", "shared", "shared/greeting.txt", "shared/shared.go"}},
		{"b", []string{"go.mod", "lambda/b", "lambda/b/main.go"}},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			var rel []string
			for _, p := range got[tc.fn] {
				r, err := filepath.Rel(dir, p)
				if err != nil || strings.HasPrefix(r, "..") {
					t.Errorf("%s is outside the module (GOROOT is %s)", p, runtime.GOROOT())
					continue
				}
				rel = append(rel, filepath.ToSlash(r))
			}
			if !slices.Equal(rel, tc.want) {
				t.Errorf("sources of %s = %q, want %q", tc.fn, rel, tc.want)
			}
		})
	}
}

// TestCompile builds a bootstrap for the host without a zip, and reports a
// compile error with the file and line.
func TestCompile(t *testing.T) {
	dir := newModule(t, map[string]string{
		"lambda/ok/main.go":     helloMain,
		"lambda/broken/main.go": "package main\n\nfunc main() {\n",
		"lambda/lib/lib.go":     "package lib\n",
	})
	for _, tc := range []struct {
		fn      string
		wantErr string
	}{
		{"ok", ""},
		{"broken", "main.go:4"},
		{"lib", "not a main package"},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			err := Compile(context.Background(), Options{ModuleDir: dir}, Target{Name: tc.fn, Dir: "lambda/" + tc.fn, GOARCH: runtime.GOARCH}, out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "compile "+tc.fn) {
					t.Fatalf("Compile = %v, want an error naming %s and containing %q", err, tc.fn, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode()&0o100 == 0 {
				t.Errorf("bootstrap %s has mode %v, want an executable", out, fi.Mode())
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
				t.Errorf("Compile left %d files next to the bootstrap, want none (no zip)", len(entries)-1)
			}
		})
	}
}
