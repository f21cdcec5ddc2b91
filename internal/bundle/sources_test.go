package bundle

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

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
