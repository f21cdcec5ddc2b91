package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"go-lambda-cdk/internal/bundle"
)

// sizes compares one function built by bundle with a naive build.
type sizes struct {
	name                       string
	naiveBootstrap, naiveZip   int64
	bundleBootstrap, bundleZip int64
}

// compareSizes builds every real function with bundle and naively:
//
//	GOOS=linux GOARCH=<arch> CGO_ENABLED=0 go build -o bootstrap ./lambda/<name>
//	zip bootstrap.zip bootstrap
//
// the way most Go CDK samples do it.
func (b *bench) compareSizes(ctx context.Context) ([]sizes, error) {
	zipCmd, err := exec.LookPath("zip")
	if err != nil {
		return nil, fmt.Errorf("naive build: the zip command is needed: %w", err)
	}
	results, err := bundle.Build(ctx, bundle.Options{ModuleDir: b.moduleDir, OutDir: filepath.Join(b.tmp, "dist"), NoCache: true}, b.real...)
	if err != nil {
		return nil, err
	}
	var all []sizes
	for _, r := range results {
		bootstrap, zipPath, err := b.naiveBuild(ctx, zipCmd, b.moduleDir, r.Function, filepath.Join(b.tmp, "naive", r.Function.Name))
		if err != nil {
			return nil, err
		}
		s := sizes{name: r.Function.Name, bundleBootstrap: r.BootstrapBytes, bundleZip: r.ZipBytes}
		if s.naiveBootstrap, err = fileSize(bootstrap); err != nil {
			return nil, err
		}
		if s.naiveZip, err = fileSize(zipPath); err != nil {
			return nil, err
		}
		fmt.Fprintf(b.log, "bench: %s: naive zip %d bytes, bundle zip %d bytes\n", s.name, s.naiveZip, s.bundleZip)
		all = append(all, s)
	}
	return all, nil
}

// naiveBuild builds fn in moduleDir the naive way into dir and returns the
// paths of the bootstrap and of the zip.
func (b *bench) naiveBuild(ctx context.Context, zipCmd, moduleDir string, fn bundle.Target, dir string) (bootstrap, zipPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	bootstrap, zipPath = filepath.Join(dir, "bootstrap"), filepath.Join(dir, "bootstrap.zip")
	build := exec.CommandContext(ctx, "go", "build", "-o", bootstrap, "./"+filepath.ToSlash(fn.Dir))
	build.Dir = moduleDir
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+b.arch, "CGO_ENABLED=0")
	if err := runQuiet(build); err != nil {
		return "", "", fmt.Errorf("naive build %s: %w", fn.Name, err)
	}
	zip := exec.CommandContext(ctx, zipCmd, "-q", "bootstrap.zip", "bootstrap")
	zip.Dir = dir
	if err := runQuiet(zip); err != nil {
		return "", "", fmt.Errorf("naive zip %s: %w", fn.Name, err)
	}
	return bootstrap, zipPath, nil
}

// reproducibility builds the first function from a second copy of the
// module copy (the same sources, even if the working tree changes
// meanwhile), at another path and a few seconds later, both ways, and
// reports whether each way gave the same zip bytes as from the first copy.
func (b *bench) reproducibility(ctx context.Context) (naiveSame, bundleSame bool, err error) {
	zipCmd, err := exec.LookPath("zip")
	if err != nil {
		return false, false, fmt.Errorf("naive build: the zip command is needed: %w", err)
	}
	fn := b.real[0]
	other := filepath.Join(b.tmp, "second", "checkout", "at", "another", "path")
	if err := copySources(b.moduleDir, other); err != nil {
		return false, false, fmt.Errorf("copy module: %w", err)
	}
	var naive, bundled [2][]byte
	for i, moduleDir := range []string{b.moduleDir, other} {
		if i == 1 {
			time.Sleep(2 * time.Second) // zip's timestamps have a 2 s resolution
		}
		_, zipPath, err := b.naiveBuild(ctx, zipCmd, moduleDir, fn, filepath.Join(b.tmp, "repro", fmt.Sprint(i)))
		if err != nil {
			return false, false, err
		}
		if naive[i], err = os.ReadFile(zipPath); err != nil {
			return false, false, err
		}
		results, err := bundle.Build(ctx, bundle.Options{ModuleDir: moduleDir, OutDir: filepath.Join(b.tmp, "repro-dist", fmt.Sprint(i)), NoCache: true}, fn)
		if err != nil {
			return false, false, err
		}
		if bundled[i], err = os.ReadFile(results[0].ZipPath); err != nil {
			return false, false, err
		}
	}
	naiveSame, bundleSame = bytes.Equal(naive[0], naive[1]), bytes.Equal(bundled[0], bundled[1])
	fmt.Fprintf(b.log, "bench: %s from two checkouts: naive zips equal %v, bundle zips equal %v\n", fn.Name, naiveSame, bundleSame)
	return naiveSame, bundleSame, nil
}

func runQuiet(cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w\n%s", err, out.Bytes())
	}
	return nil
}

func fileSize(path string) (int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}
