package modcopy

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go-lambda-cdk/internal/fixture"
)

func TestCopy(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		fixture.WriteFile(t, filepath.Join(root, name), content)
	}
	run("init", "-q")
	write(".gitignore", "ignored/\nnode_modules/\n")
	write("go.mod", "module x\n")
	write("a/tracked.go", "package a\n")
	write("ignored/big", "x")
	write("node_modules/pkg/index.js", "x")
	run("add", "go.mod", "a/tracked.go", ".gitignore")
	write("a/new.go", "package a\n") // untracked, not ignored: copied
	write("gone.txt", "x")           // tracked, then deleted
	run("add", "gone.txt")
	os.Remove(filepath.Join(root, "gone.txt"))
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(root, "go.mod"), old, old)

	dst := t.TempDir()
	if err := Copy(root, dst); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go.mod", "a/tracked.go", "a/new.go", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dst, want)); err != nil {
			t.Errorf("%s not copied: %v", want, err)
		}
	}
	for _, absent := range []string{"ignored/big", "gone.txt"} {
		if _, err := os.Stat(filepath.Join(dst, absent)); err == nil {
			t.Errorf("%s copied", absent)
		}
	}
	if info, err := os.Stat(filepath.Join(dst, "go.mod")); err != nil || !info.ModTime().Equal(old) {
		t.Errorf("go.mod's modification time not kept: %v", info.ModTime())
	}
	if target, err := os.Readlink(filepath.Join(dst, "node_modules")); err != nil || target != filepath.Join(root, "node_modules") {
		t.Errorf("node_modules is not a link to the original: %q, %v", target, err)
	}
}

// TestEnvAddsTrimpath: Env adds -trimpath to GOFLAGS, keeps other flags
// and every other variable, and leaves one GOFLAGS entry.
func TestEnvAddsTrimpath(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []string
	}{
		{"no GOFLAGS", []string{"HOME=/h"}, []string{"HOME=/h", "GOFLAGS=-trimpath"}},
		{"empty GOFLAGS", []string{"GOFLAGS=", "HOME=/h"}, []string{"HOME=/h", "GOFLAGS=-trimpath"}},
		{"other flags kept", []string{"GOFLAGS=-mod=mod", "HOME=/h"}, []string{"HOME=/h", "GOFLAGS=-mod=mod -trimpath"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Env(tt.environ); !slices.Equal(got, tt.want) {
				t.Errorf("Env(%q) = %q, want %q", tt.environ, got, tt.want)
			}
		})
	}
}
