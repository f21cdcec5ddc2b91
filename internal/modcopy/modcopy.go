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

	"go-lambda-cdk/internal/bundle"
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

// SharedZipCache is the folder, under the module's .cache, that copies
// made with ShareZipCache use as their bundle cache (bundle.DefaultCacheDir).
// A zip's cache key does not depend on the module's folder, so a function
// no copy changed is compiled and zipped once, not in every copy of every
// run. It is kept apart from the module's own cache: the copies build with
// -trimpath in GOFLAGS (Env), which gives other keys, and their entries
// should not push the module's own out.
const SharedZipCache = ".cache/bundle-copies"

// ShareZipCache links the bundle cache of the copy at dst to root's
// SharedZipCache, creating both folders as needed.
func ShareZipCache(root, dst string) error {
	shared := filepath.Join(root, filepath.FromSlash(SharedZipCache))
	link := filepath.Join(dst, filepath.FromSlash(bundle.DefaultCacheDir))
	for _, d := range []string{shared, filepath.Dir(link)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("modcopy: %w", err)
		}
	}
	if err := os.Symlink(shared, link); err != nil {
		return fmt.Errorf("modcopy: %w", err)
	}
	return nil
}
