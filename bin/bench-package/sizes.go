package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

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
	results, err := bundle.Build(ctx, bundle.Options{ModuleDir: b.moduleDir, OutDir: filepath.Join(b.tmp, "dist")}, b.real...)
	if err != nil {
		return nil, err
	}
	var all []sizes
	for _, r := range results {
		dir := filepath.Join(b.tmp, "naive", r.Function.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "bootstrap"), "./"+filepath.ToSlash(r.Function.Dir))
		build.Dir = b.moduleDir
		build.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+b.arch, "CGO_ENABLED=0")
		if err := runQuiet(build); err != nil {
			return nil, fmt.Errorf("naive build %s: %w", r.Function.Name, err)
		}
		zip := exec.CommandContext(ctx, zipCmd, "-q", "bootstrap.zip", "bootstrap")
		zip.Dir = dir
		if err := runQuiet(zip); err != nil {
			return nil, fmt.Errorf("naive zip %s: %w", r.Function.Name, err)
		}
		s := sizes{name: r.Function.Name, bundleBootstrap: r.BootstrapBytes, bundleZip: r.ZipBytes}
		if s.naiveBootstrap, err = fileSize(filepath.Join(dir, "bootstrap")); err != nil {
			return nil, err
		}
		if s.naiveZip, err = fileSize(filepath.Join(dir, "bootstrap.zip")); err != nil {
			return nil, err
		}
		fmt.Fprintf(b.log, "bench: %s: naive zip %d bytes, bundle zip %d bytes\n", s.name, s.naiveZip, s.bundleZip)
		all = append(all, s)
	}
	return all, nil
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
