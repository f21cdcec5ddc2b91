// Package modcopy copies this Go module into another folder for tests and
// benchmarks that change it (new functions) without touching the work
// tree: the files git tracks or would track, with their modes and
// modification times (so make sees the copy as up to date), and
// node_modules linked, not copied.
package modcopy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Copy copies the module at root into dst, which must exist and be empty.
// The files are those `git ls-files --cached --others --exclude-standard`
// lists (a file deleted in the work tree is skipped); root/node_modules,
// when present, is linked as dst/node_modules.
func Copy(root, dst string) error {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("modcopy: git ls-files in %s: %w", root, err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		if err := copyFile(filepath.Join(root, name), filepath.Join(dst, name)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted in the work tree
			}
			return fmt.Errorf("modcopy: %w", err)
		}
	}
	nodeModules := filepath.Join(root, "node_modules")
	if _, err := os.Stat(nodeModules); err == nil {
		if err := os.Symlink(nodeModules, filepath.Join(dst, "node_modules")); err != nil {
			return fmt.Errorf("modcopy: %w", err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	info, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil // a link or a submodule: not needed to build or synthesize
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chtimes(dst, info.ModTime(), info.ModTime())
}

// Env returns environ (as os.Environ gives it) with -trimpath added to
// GOFLAGS, for the go commands run in a copy. Without -trimpath the Go
// build cache keys every package of the module on its folder, so each new
// copy would compile the whole module again; with it, a copy reuses what
// an earlier copy compiled.
func Env(environ []string) []string {
	out := make([]string, 0, len(environ)+1)
	flags := "-trimpath"
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			if v != "" {
				flags = v + " " + flags
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOFLAGS="+flags)
}
