// Command package builds every Lambda function's bootstrap zip and prints a
// size table; it is what `make package` runs, and what the CDK app does
// during synth, without the CDK.
//
// Usage:
//
//	go run ./bin/package [-out dir] [-arch arm64|amd64] [function ...]
//
// With no function names it builds every lambda/<name> folder that holds a
// main package. It exits 1 when any function fails and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"go-lambda-cdk/internal/bundle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "package:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is an error in the command line.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("package", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("out", "dist", "output `folder` for <function>.zip")
	arch := flags.String("arch", bundle.DefaultGOARCH, "`GOARCH` of every function: "+strings.Join(bundle.Architectures, " or "))
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: package [-out dir] [-arch arm64|amd64] [function ...]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if !slices.Contains(bundle.Architectures, *arch) {
		return usageError{fmt.Errorf("-arch %q: allowed: %s", *arch, strings.Join(bundle.Architectures, ", "))}
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	all, err := bundle.Discover(moduleDir)
	if err != nil {
		return err
	}
	fns, err := selectFunctions(all, flags.Args())
	if err != nil {
		return usageError{err}
	}
	for i := range fns {
		fns[i].GOARCH = *arch
	}
	return buildAll(ctx, bundle.Options{ModuleDir: moduleDir, OutDir: *out, Progress: stderr}, fns, stdout)
}

// selectFunctions returns the functions named, in the order given, or all
// of them when names is empty.
func selectFunctions(all []bundle.Function, names []string) ([]bundle.Function, error) {
	if len(names) == 0 {
		if len(all) == 0 {
			return nil, fmt.Errorf("no functions found under %s/", bundle.LambdaDir)
		}
		return all, nil
	}
	var fns []bundle.Function
	for _, name := range names {
		i := slices.IndexFunc(all, func(f bundle.Function) bool { return f.Name == name })
		if i < 0 {
			var known []string
			for _, f := range all {
				known = append(known, f.Name)
			}
			return nil, fmt.Errorf("unknown function %q; known: %s", name, strings.Join(known, ", "))
		}
		fns = append(fns, all[i])
	}
	return fns, nil
}

// buildAll builds fns, each with the architecture it declares, prints the
// table to stdout and returns every failure.
func buildAll(ctx context.Context, opts bundle.Options, fns []bundle.Function, stdout io.Writer) error {
	results, err := bundle.Build(ctx, opts, fns...)
	bundle.WriteTable(stdout, results)
	return err
}
