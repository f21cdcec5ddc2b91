package bundle

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
)

// Sources returns, by function name, the files and folders whose change
// changes the function's build: for every package of its dependency graph
// that belongs to the main module or to a module replaced by a local
// folder, each file the cache key hashes (Go, assembly, cgo, syso and
// embedded files), the folder that holds them (a file added to it may
// join the build) and the module's go.mod. Standard library and module cache files are left out:
// they change only with the toolchain or a go.mod, both of which the list
// covers or the key does. The paths are absolute and sorted.
//
// It runs one `go list -deps` per architecture, as Build does to compute
// the cache keys. The local run watches these paths to rebuild a function
// when one of them changes.
func Sources(ctx context.Context, opts Options, fns ...Function) (map[string][]string, error) {
	b, err := newLister(opts)
	if err != nil {
		return nil, err
	}
	for i := range fns {
		if fns[i].GOARCH == "" {
			fns[i].GOARCH = DefaultGOARCH
		}
	}
	k := newKeyer(b, fns)
	out := map[string][]string{}
	for _, fn := range fns {
		l := k.lists[fn.GOARCH]
		l.once.Do(func() { l.pkgs, l.main, l.err = k.goList(ctx, fn.GOARCH, l.dirs) })
		if l.err != nil {
			return nil, fmt.Errorf("sources of %s: %w", fn.Name, l.err)
		}
		main := l.main[b.absDir(fn.Dir)]
		if main == nil {
			return nil, fmt.Errorf("sources of %s: go list did not report the package in %s", fn.Name, b.absDir(fn.Dir))
		}
		seen := map[string]bool{}
		for _, path := range append([]string{main.ImportPath}, main.Deps...) {
			p := l.pkgs[path]
			if p == nil || !p.editable() {
				continue
			}
			seen[p.Dir] = true
			if p.Module != nil && p.Module.GoMod != "" {
				seen[p.Module.GoMod] = true
			}
			for _, f := range p.files() {
				seen[filepath.Join(p.Dir, f[1])] = true
			}
		}
		paths := make([]string, 0, len(seen))
		for p := range seen {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		out[fn.Name] = paths
	}
	return out, nil
}

// editable reports whether the package's files may change without a
// change to a go.mod or to the toolchain: it is neither in the standard
// library nor in the module cache.
func (p *listedPackage) editable() bool {
	switch m := p.Module; {
	case p.Standard:
		return false
	case m == nil:
		return true
	case m.Replace != nil:
		return m.Replace.Version == "" // replaced by a local folder
	default:
		return m.Version == "" // the main module
	}
}

// Compile builds fn's main package for linux/fn.GOARCH into the file out,
// with Build's flags and environment, and checks that it is a static ELF
// executable for that architecture; it neither zips, checks sizes nor
// uses the cache. The local run rebuilds a changed function with it.
// Options.OutDir, CacheDir, NoCache, Parallel and KeepBootstrap are
// ignored.
func Compile(ctx context.Context, opts Options, fn Function, out string) error {
	if fn.GOARCH == "" {
		fn.GOARCH = DefaultGOARCH
	}
	if err := fn.validate(); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	b, err := newLister(opts)
	if err != nil {
		return err
	}
	dir := b.absDir(fn.Dir)
	if err := checkMainPackage(dir, fn.GOARCH); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	if err := b.compile(ctx, dir, fn.GOARCH, out); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	if err := checkELF(out, fn.GOARCH); err != nil {
		return fmt.Errorf("compile %s: %w", fn.Name, err)
	}
	return nil
}

// newLister returns a builder that runs the go command in the module
// folder, without an output folder or a cache.
func newLister(opts Options) (*builder, error) {
	goBin, err := goToolchain()
	if err != nil {
		return nil, err
	}
	moduleDir := opts.ModuleDir
	if moduleDir == "" {
		if moduleDir, err = FindModuleDir(); err != nil {
			return nil, err
		}
	}
	if moduleDir, err = filepath.Abs(moduleDir); err != nil {
		return nil, fmt.Errorf("module folder: %w", err)
	}
	return &builder{goBin: goBin, moduleDir: moduleDir, progress: &lineWriter{}}, nil
}
