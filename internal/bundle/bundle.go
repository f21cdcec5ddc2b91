// Package bundle turns the Go Lambda functions under lambda/<name>/ into
// deployment zips for the provided.al2023 runtime, and checks them against
// Lambda's package size limits before the CDK ever sees them.
//
// Each function is compiled with the go command found on PATH:
//
//	GOOS=linux GOARCH=<arm64|amd64> CGO_ENABLED=0 GOAMD64=v1 GOARM64=v8.0 \
//	go build -trimpath -buildvcs=false -ldflags "-s -w -buildid=" \
//	  -tags lambda.norpc -o bootstrap ./lambda/<name>
//
// The binary must be a statically linked ELF executable for the target
// architecture. It is then zipped with a fixed layout (see [ZipModTime]), so
// the same sources built by the same Go toolchain give a byte-identical zip
// whatever the checkout's directory, the user or the time: the CDK asset
// hash is stable and an unchanged function is not redeployed.
//
// Sizes are checked against Lambda's limits ([MaxZippedBytes],
// [MaxUnzippedBytes]): over one the function fails and no zip is written;
// from [WarnPercent] of one a warning is reported and the build goes on.
//
// The package is plain Go with no CDK import: the CDK app calls [Build]
// during synth and `go run ./bin/package` calls it alone.
package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Architectures lists the GOARCH values a function may declare, in the order
// error messages show them. An empty Target.GOARCH means DefaultGOARCH.
var Architectures = []string{"arm64", "amd64"}

// DefaultGOARCH is the architecture of a function that declares none:
// Graviton (arm64) is cheaper per GB-second than x86_64.
const DefaultGOARCH = "arm64"

// Target is one Lambda function to build: its main package and architecture.
type Target struct {
	// Name is the function's name, the folder under lambda/ (e.g. "api"). The
	// zip is written to <OutDir>/<Name>.zip. Required; letters, digits, '-'
	// and '_' only.
	Name string
	// Dir is the main package's folder, relative to Options.ModuleDir or
	// absolute (e.g. "lambda/api"). Required.
	Dir string
	// GOARCH is "arm64" or "amd64". Default: "arm64".
	GOARCH string
	// Files are extra files zipped next to bootstrap, relative to Dir, kept
	// at that relative path inside the zip. They count against the unzipped
	// limit. Optional.
	Files []string
	// LayerBytes is the unzipped size of the layers the function declares; it
	// counts against the unzipped limit. Default: 0.
	LayerBytes int64
}

// Options control a Build.
type Options struct {
	// ModuleDir is the root of the Go module holding the functions.
	// Default: the first folder holding a go.mod, walking up from the
	// working directory.
	ModuleDir string
	// OutDir receives <Name>.zip for every function. It is created if
	// missing. Default: "<ModuleDir>/dist".
	OutDir string
	// Parallel is the number of functions compiled at once.
	// Default: runtime.NumCPU().
	Parallel int
	// Progress receives one line when each function starts and ends, and
	// every warning. Default: nil, which discards them.
	Progress io.Writer
	// KeepBootstrap keeps the compiled binary at
	// <OutDir>/<Name>/bootstrap and sets Result.BootstrapPath, e.g. to run
	// it under the Lambda Runtime Interface Emulator in tests (build with
	// GOARCH=runtime.GOARCH for that). Default: false, the binary is removed
	// once zipped.
	KeepBootstrap bool
	// CacheDir keeps every zip built, by a key of everything that
	// determines it (see [DefaultCacheDir]): a function whose key is there
	// is neither compiled nor zipped again, its zip is copied from the
	// cache after its SHA-256 is checked. Default:
	// "<ModuleDir>/.cache/bundle".
	CacheDir string
	// NoCache builds every function, and neither reads nor writes the
	// cache. Default: false.
	NoCache bool
}

// Result is the outcome of building one function.
type Result struct {
	Function Target // as given, with GOARCH defaulted
	// ZipPath is the absolute path of the zip; empty when Err != nil.
	ZipPath string
	// BootstrapPath is the absolute path of the kept binary; empty unless
	// Options.KeepBootstrap is set and the build succeeded.
	BootstrapPath string
	// BootstrapBytes, UnzippedBytes (the sum of the uncompressed entries
	// plus LayerBytes) and ZipBytes are the sizes measured; each is zero
	// when the build failed before measuring it. They are kept when a limit
	// is exceeded.
	BootstrapBytes, UnzippedBytes, ZipBytes int64
	SHA256                                  string // of the zip, lower-case hex; empty when Err != nil
	Duration                                time.Duration
	// Cached tells that the zip came from the cache, unchanged since it was
	// built for the same Key.
	Cached bool
	// Key is the cache key: the hex SHA-256 of every input of the zip; empty
	// when it could not be computed (the function was then built).
	Key string
	// Warnings holds one line per limit the function uses 80 % or more of.
	Warnings []string
	Err      error
}

// Bootstraps is Build with opts.KeepBootstrap set, for running the
// functions on this machine (build them for the host GOARCH): it returns
// the path of each function's bootstrap by function name, or Build's error.
func Bootstraps(ctx context.Context, opts Options, fns ...Target) (map[string]string, error) {
	opts.KeepBootstrap = true
	results, err := Build(ctx, opts, fns...)
	if err != nil {
		return nil, err
	}
	paths := make(map[string]string, len(results))
	for _, r := range results {
		paths[r.Function.Name] = r.BootstrapPath
	}
	return paths, nil
}

// Build compiles, checks and zips every function, Options.Parallel at a
// time. One function's failure does not stop the others. The results are in
// input order; the error joins every failed function's error and is nil
// when all succeeded.
//
// A function that fails leaves no zip at <OutDir>/<Name>.zip: neither a
// partial one nor the one a previous run wrote, so dist/ never holds a zip
// that does not match the sources.
func Build(ctx context.Context, opts Options, fns ...Target) ([]Result, error) {
	results := make([]Result, len(fns))
	seen := make(map[string]bool)
	for i, fn := range fns {
		if fn.GOARCH == "" {
			fn.GOARCH = DefaultGOARCH
		}
		results[i].Function = fn
		err := fn.validate()
		if err == nil && seen[fn.Name] {
			err = fmt.Errorf("function name given twice; each writes %s.zip", fn.Name)
		}
		seen[fn.Name] = true
		if err != nil {
			results[i].Err = fmt.Errorf("build %s: %w", fn.Name, err)
		}
	}
	setup, err := newBuilder(opts)
	if err == nil && !opts.NoCache {
		var valid []Target
		for _, r := range results {
			if r.Err == nil {
				valid = append(valid, r.Function)
			}
		}
		setup.keys = newKeyer(setup, valid)
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range results {
		r := &results[i]
		switch {
		case r.Err != nil:
			continue
		case err != nil:
			r.Err = fmt.Errorf("build %s: %w", r.Function.Name, err)
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done(): // build fails at once, removing a stale zip
			}
			setup.build(ctx, r)
		})
	}
	wg.Wait()
	return results, joinErrors(results)
}

func joinErrors(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// validate reports the first problem with the function's declared fields.
func (f Target) validate() error {
	if f.Name == "" {
		return errors.New("function name is empty")
	}
	if strings.IndexFunc(f.Name, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	}) >= 0 {
		return fmt.Errorf("function name %q has characters other than letters, digits, '-' and '_'", f.Name)
	}
	if f.Dir == "" {
		return errors.New("function folder (Dir) is empty")
	}
	if !slices.Contains(Architectures, f.GOARCH) {
		return fmt.Errorf("unknown architecture GOARCH=%q; allowed: %s", f.GOARCH, strings.Join(Architectures, ", "))
	}
	if f.LayerBytes < 0 {
		return fmt.Errorf("LayerBytes is %d; want 0 or more", f.LayerBytes)
	}
	return nil
}

// builder holds what every function's build shares.
type builder struct {
	goBin     string
	moduleDir string
	outDir    string
	keep      bool
	progress  *lineWriter
	cache     *cache // nil: Options.NoCache
	keys      *keyer // nil: Options.NoCache
}

func newBuilder(opts Options) (*builder, error) {
	b, err := newLister(opts)
	if err != nil {
		return nil, err
	}
	moduleDir := b.moduleDir
	outDir := opts.OutDir
	if outDir == "" {
		outDir = filepath.Join(moduleDir, "dist")
	}
	if outDir, err = filepath.Abs(outDir); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder cannot be created: %w", err)
	}
	b.outDir, b.keep, b.progress = outDir, opts.KeepBootstrap, &lineWriter{w: opts.Progress}
	if !opts.NoCache {
		cacheDir := opts.CacheDir
		if cacheDir == "" {
			cacheDir = filepath.Join(moduleDir, DefaultCacheDir)
		}
		if cacheDir, err = filepath.Abs(cacheDir); err != nil {
			return nil, fmt.Errorf("cache folder: %w", err)
		}
		b.cache = &cache{dir: cacheDir}
	}
	return b, nil
}

// absModuleDir returns dir as an absolute path, or when it is empty the
// module folder found by FindModuleDir.
func absModuleDir(dir string) (string, error) {
	if dir == "" {
		return FindModuleDir()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("module folder: %w", err)
	}
	return abs, nil
}

// build runs every step for one function and fills r.
func (b *builder) build(ctx context.Context, r *Result) {
	fn := r.Function
	start := time.Now()
	zipPath := filepath.Join(b.outDir, fn.Name+".zip")
	note := ""
	if b.keys != nil {
		key, err := b.keys.key(ctx, fn)
		if err != nil {
			note = fmt.Sprintf(" (not cached: %s)", firstLine(err.Error()))
		}
		r.Key = key
	}
	if r.Key != "" {
		hit, err := b.restore(r, zipPath)
		if err != nil {
			note = fmt.Sprintf(" (cache entry not used: %s)", firstLine(err.Error()))
		}
		if hit {
			r.Duration = time.Since(start)
			if r.Err != nil {
				b.progress.printf("build %s (%s): FAILED (from the cache) after %s", fn.Name, fn.GOARCH, r.Duration.Round(10*time.Millisecond))
				return
			}
			b.progress.printf("build %s (%s): unchanged, %s bytes from the cache in %s", fn.Name, fn.GOARCH, GroupDigits(r.ZipBytes), r.Duration.Round(10*time.Millisecond))
			return
		}
	}
	b.progress.printf("build %s (%s): compiling%s", fn.Name, fn.GOARCH, note)
	err := b.buildZip(ctx, r, zipPath)
	if err == nil && r.Key != "" {
		entry := cacheEntry{Function: fn.Name, GOARCH: fn.GOARCH, Key: r.Key, ZipSHA256: r.SHA256, ZipBytes: r.ZipBytes,
			BootstrapBytes: r.BootstrapBytes, EntryBytes: r.UnzippedBytes - fn.LayerBytes}
		if cerr := b.cache.store(fn, r.Key, zipPath, entry); cerr != nil {
			b.progress.printf("warning: %s: zip not cached: %v", fn.Name, cerr)
		}
	}
	r.Duration = time.Since(start)
	if err != nil {
		// A zip from an earlier run no longer matches the sources.
		if rmErr := os.Remove(zipPath); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove stale zip: %w", rmErr))
		}
		r.Err = fmt.Errorf("build %s: %w", fn.Name, err)
		b.progress.printf("build %s (%s): FAILED after %s", fn.Name, fn.GOARCH, r.Duration.Round(10*time.Millisecond))
		return
	}
	r.ZipPath = zipPath
	b.progress.printf("build %s (%s): %s bytes zipped in %s", fn.Name, fn.GOARCH, GroupDigits(r.ZipBytes), r.Duration.Round(10*time.Millisecond))
}

func (b *builder) buildZip(ctx context.Context, r *Result, zipPath string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fn := r.Function
	dir := b.absDir(fn.Dir)
	if err := checkMainPackage(dir, fn.GOARCH); err != nil {
		return err
	}
	work, err := os.MkdirTemp(b.outDir, "."+fn.Name+"-build-*")
	if err != nil {
		return fmt.Errorf("output folder cannot be written: %w", err)
	}
	defer os.RemoveAll(work)

	bootstrap := filepath.Join(work, "bootstrap")
	if err := b.compile(ctx, dir, fn.GOARCH, bootstrap); err != nil {
		return err
	}
	if err := checkELF(bootstrap, fn.GOARCH); err != nil {
		return err
	}
	entries, err := zipEntries(dir, bootstrap, fn.Files)
	if err != nil {
		return err
	}
	r.BootstrapBytes = entries[0].size
	r.UnzippedBytes = fn.LayerBytes
	for _, e := range entries {
		r.UnzippedBytes += e.size
	}
	// The unzipped size is known before compressing: fail early.
	if err := UnzippedLimit.check(r.UnzippedBytes); err != nil {
		return err
	}
	z, err := writeZip(b.outDir, fn.Name, entries)
	if err != nil {
		return err
	}
	if err := b.finish(r, z, zipPath); err != nil {
		return err
	}
	if b.keep {
		kept, err := b.keepDir(fn)
		if err != nil {
			return err
		}
		if err := os.Rename(bootstrap, kept); err != nil {
			return fmt.Errorf("keep bootstrap: %w", err)
		}
		r.BootstrapPath = kept
	}
	return nil
}

// restore fills r from the cache entry for r.Key and writes its zip to
// zipPath; hit is false when there is none. An error means the entry was
// unusable, or the cached zip fails a limit (r.Err is then set).
func (b *builder) restore(r *Result, zipPath string) (hit bool, err error) {
	fn := r.Function
	z, e, ok, err := b.cache.restore(fn, r.Key, b.outDir)
	if !ok {
		return false, err
	}
	r.Cached = true
	r.BootstrapBytes = e.BootstrapBytes
	r.UnzippedBytes = e.EntryBytes + fn.LayerBytes
	err = UnzippedLimit.check(r.UnzippedBytes)
	if err == nil {
		err = b.finish(r, z, zipPath)
	} else {
		os.Remove(z.tmpPath)
	}
	if err == nil && b.keep {
		var kept string
		if kept, err = b.keepDir(fn); err == nil {
			if err = extractBootstrap(zipPath, kept); err == nil {
				r.BootstrapPath = kept
			}
		}
	}
	if err != nil {
		if rmErr := os.Remove(zipPath); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove stale zip: %w", rmErr))
		}
		r.Err = fmt.Errorf("build %s: %w", fn.Name, err)
		return true, nil
	}
	r.ZipPath = zipPath
	return true, nil
}

// keepDir creates <OutDir>/<Name> and returns the path of the bootstrap kept there.
func (b *builder) keepDir(fn Target) (string, error) {
	dir := filepath.Join(b.outDir, fn.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("keep bootstrap: %w", err)
	}
	return filepath.Join(dir, "bootstrap"), nil
}

// finish checks the zip written to z.tmpPath against the zipped limit,
// moves it to zipPath and reports the warnings of r's sizes.
func (b *builder) finish(r *Result, z zipFile, zipPath string) error {
	fn := r.Function
	r.ZipBytes = z.size
	if err := ZippedLimit.check(r.ZipBytes); err != nil {
		os.Remove(z.tmpPath)
		return err
	}
	if err := os.Rename(z.tmpPath, zipPath); err != nil {
		os.Remove(z.tmpPath)
		return fmt.Errorf("output folder cannot be written: %w", err)
	}
	r.SHA256 = z.sha256
	for _, w := range []string{ZippedLimit.warning(r.ZipBytes), UnzippedLimit.warning(r.UnzippedBytes)} {
		if w != "" {
			w = fmt.Sprintf("warning: %s: %s", fn.Name, w)
			r.Warnings = append(r.Warnings, w)
			b.progress.printf("%s", w)
		}
	}
	return nil
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// absDir returns a function's folder as an absolute, clean path.
func (b *builder) absDir(dir string) string {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(b.moduleDir, dir)
	}
	return filepath.Clean(dir)
}

// lineWriter writes whole lines from several goroutines to one io.Writer.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) printf(format string, args ...any) {
	if l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}
