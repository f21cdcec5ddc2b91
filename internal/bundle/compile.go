package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildTags are the build tags every bootstrap is compiled with.
// lambda.norpc drops aws-lambda-go's net/rpc path, which only the retired
// go1.x runtime used.
const BuildTags = "lambda.norpc"

// goToolchain returns the go command on PATH.
func goToolchain() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no Go toolchain: %w (install Go and put its bin folder on PATH)", err)
	}
	return goBin, nil
}

// FindModuleDir returns the first folder holding a go.mod, walking up from
// the working directory.
func FindModuleDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module folder: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("find module folder: no go.mod in %s or any parent", wd)
		}
	}
}

// checkMainPackage reports an error unless dir holds a main package when
// built for linux/goarch.
func checkMainPackage(dir, goarch string) error {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = "linux", goarch, false
	ctx.BuildTags = []string{BuildTags}
	pkg, err := ctx.ImportDir(dir, 0)
	var noGo *build.NoGoError
	switch {
	case errors.As(err, &noGo):
		return fmt.Errorf("%s holds no Go files for linux/%s; want a main package", dir, goarch)
	case err != nil:
		return fmt.Errorf("read package %s: %w", dir, err)
	case pkg.Name != "main":
		return fmt.Errorf("%s is package %s, not a main package", dir, pkg.Name)
	}
	return nil
}

// buildFlags are the flags of `go build` before -o, the same for every
// function; the cache key covers them.
var buildFlags = []string{
	"-trimpath",
	"-buildvcs=false",
	"-ldflags=-s -w -buildid=",
	"-tags=" + BuildTags,
}

// buildEnv is the environment of `go build` (and of the `go list` and `go
// env` that compute the cache key) for linux/goarch.
func buildEnv(goarch string) []string {
	return append(os.Environ(),
		"GOOS=linux",
		"GOARCH="+goarch,
		"CGO_ENABLED=0",
		// The baseline instruction sets, whatever the developer's
		// environment says: the binary is the same on every machine and
		// runs on every Lambda host.
		"GOAMD64=v1",
		"GOARM64=v8.0",
	)
}

// compile builds the main package in dir into out for linux/goarch.
func (b *builder) compile(ctx context.Context, dir, goarch, out string) error {
	args := append(append([]string{"build"}, buildFlags...), "-o", out, dir)
	cmd := exec.CommandContext(ctx, b.goBin, args...)
	cmd.Dir = b.moduleDir
	cmd.Env = buildEnv(goarch)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("compile: %w", ctx.Err())
		}
		return fmt.Errorf("compile: %w\n%s", err, strings.TrimSpace(output.String()))
	}
	return nil
}
