package bundle

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
)

// Inputs are the files of one function's build that an edit can change:
// the part of its cache key (see Options.CacheDir) that lives in the
// developer's folders. Packages of the standard library and of modules in
// the module cache are left out (they change only with the toolchain or
// go.mod, which is listed).
type Inputs struct {
	// Function is the function's name.
	Function string
	// Files are absolute paths, sorted: every Go, assembly, cgo, syso and
	// embedded file of the main package and of each package it imports
	// from the main module (or a module replaced by a local folder), those
	// modules' go.mod, go.work when used, and the declared extra files.
	Files []string
	// Dirs are the folders of those packages, absolute and sorted: a file
	// added to one can change the build without changing any of Files.
	Dirs []string
}

// ListInputs reports each function's Inputs, computed as the cache key
// computes them: one `go list` per architecture. Only Options.ModuleDir is
// read from opts.
func ListInputs(ctx context.Context, opts Options, fns ...Target) ([]Inputs, error) {
	b, err := newLister(opts)
	if err != nil {
		return nil, err
	}
	for i := range fns {
		if fns[i].GOARCH == "" {
			fns[i].GOARCH = DefaultGOARCH
		}
		if err := fns[i].validate(); err != nil {
			return nil, fmt.Errorf("inputs of %s: %w", fns[i].Name, err)
		}
	}
	k := newKeyer(b, fns)
	out := make([]Inputs, len(fns))
	for i, fn := range fns {
		pkgs, err := k.packages(ctx, fn)
		if err != nil {
			return nil, fmt.Errorf("inputs of %s: %w", fn.Name, err)
		}
		files, dirs := map[string]bool{}, map[string]bool{}
		for _, p := range pkgs {
			if !p.editable() {
				continue // the standard library, or a module from the module cache
			}
			dirs[p.Dir] = true
			for _, f := range p.files() {
				files[filepath.Join(p.Dir, f[1])] = true
			}
			if p.Module.GoMod != "" {
				files[p.Module.GoMod] = true
			}
		}
		if k.env.GOWORK != "" && k.env.GOWORK != "off" {
			files[k.env.GOWORK] = true
		}
		dir := b.absDir(fn.Dir)
		for _, f := range fn.Files {
			files[filepath.Join(dir, f)] = true
		}
		out[i] = Inputs{Function: fn.Name, Files: slices.Sorted(maps.Keys(files)), Dirs: slices.Sorted(maps.Keys(dirs))}
	}
	return out, nil
}
