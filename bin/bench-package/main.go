// Command bench-package measures the build step (internal/bundle) and
// writes the "## Build step" section of docs/benchmarks.md; `make bench`
// runs it.
//
// Usage:
//
//	go run ./bin/bench-package [-o docs/benchmarks.md] [-arch arm64] [-warm-runs 3] [-cold=true]
//
// It measures, on a copy of the module's sources in a temporary folder:
//   - build + zip time of 1 and of 8 functions (the repository's functions
//     copied round-robin under new names), with a cold Go build cache (a
//     fresh GOCACHE) and then a warm one (median of -warm-runs runs);
//   - each function's bootstrap and zip sizes against a naive
//     `go build -o bootstrap && zip bootstrap.zip bootstrap` (default flags:
//     symbols and DWARF kept, aws-lambda-go's RPC path compiled in).
//
// Only the "## Build step" section of the output file is replaced; the
// other sections are kept. With -o - the section goes to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"go-lambda-cdk/internal/cli"

	"go-lambda-cdk/internal/benchdoc"
	"go-lambda-cdk/internal/bundle"
)

func main() { cli.Main("bench-package", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bench-package", flag.ContinueOnError)
	out := flags.String("o", "docs/benchmarks.md", "markdown `file` whose \"## Build step\" section is replaced; - for stdout")
	arch := flags.String("arch", bundle.DefaultGOARCH, "`GOARCH` to build for")
	warmRuns := flags.Int("warm-runs", 3, "warm-cache runs per case; the median is reported")
	cold := flags.Bool("cold", true, "also measure with a cold Go build cache (slow: compiles the standard library)")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if flags.NArg() > 0 || *warmRuns < 1 || !slices.Contains(bundle.Architectures, *arch) {
		flags.Usage()
		return cli.UsageError{Err: fmt.Errorf("bad arguments: want no positional arguments, -warm-runs >= 1, -arch in %v", bundle.Architectures)}
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	b, err := newBench(moduleDir, *arch, stderr)
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)

	report := &report{arch: *arch, warmRuns: *warmRuns, cold: *cold, loadBefore: benchdoc.LoadAverage()}
	for _, n := range []int{1, 8} {
		timing, err := b.timeBuilds(ctx, n, *cold, *warmRuns)
		if err != nil {
			return err
		}
		report.timings = append(report.timings, timing)
	}
	if report.sizes, err = b.compareSizes(ctx); err != nil {
		return err
	}
	if report.naiveSame, report.bundleSame, err = b.reproducibility(ctx); err != nil {
		return err
	}
	report.loadAfter = benchdoc.LoadAverage()
	section := report.markdown()
	if *out == "-" {
		_, err := io.WriteString(stdout, section)
		return err
	}
	if err := benchdoc.ReplaceSection(*out, sectionHeading, section); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the %q section of %s\n", sectionHeading, *out)
	return nil
}

// bench holds a copy of the module with 8 functions under lambda/.
type bench struct {
	tmp       string          // removed at the end
	moduleDir string          // the copy
	fns       []bundle.Target // 8 copies of the real functions
	real      []bundle.Target // the real functions, in the copy
	arch      string
	log       io.Writer
}

func newBench(src, arch string, log io.Writer) (*bench, error) {
	real, err := bundle.Discover(src)
	if err != nil {
		return nil, err
	}
	if len(real) == 0 {
		return nil, fmt.Errorf("no functions under %s", filepath.Join(src, bundle.LambdaDir))
	}
	tmp, err := os.MkdirTemp("", "bench-package-")
	if err != nil {
		return nil, err
	}
	b := &bench{tmp: tmp, moduleDir: filepath.Join(tmp, "module"), real: real, arch: arch, log: log}
	for i := range b.real {
		b.real[i].GOARCH = arch
	}
	if err := copySources(src, b.moduleDir); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("copy module: %w", err)
	}
	// Eight distinct main packages: the real functions, round-robin, each
	// copied to its own folder (so its own import path and compile action).
	for i := range 8 {
		fn := real[i%len(real)]
		name := fmt.Sprintf("bench%d-%s", i+1, fn.Name)
		dir := filepath.Join(bundle.LambdaDir, name)
		if err := os.CopyFS(filepath.Join(b.moduleDir, dir), os.DirFS(filepath.Join(src, fn.Dir))); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("copy %s: %w", fn.Dir, err)
		}
		b.fns = append(b.fns, bundle.Target{Name: name, Dir: dir, GOARCH: arch})
	}
	return b, nil
}

// skipped are the top-level entries of the module not copied: build output,
// downloads and VCS data.
var skipped = []string{".git", "node_modules", "cdk.out", "dist", ".local", ".tools"}

func copySources(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if slices.Contains(skipped, e.Name()) {
			continue
		}
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if e.IsDir() {
			err = os.CopyFS(to, os.DirFS(from))
		} else if e.Type().IsRegular() {
			err = copyFile(from, to)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
