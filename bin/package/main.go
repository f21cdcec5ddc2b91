// Command package builds every Lambda function's bootstrap zip and prints a
// size table; it is what `make package` runs, and what the CDK app does
// during synth, without the CDK.
//
// Usage:
//
//	go run ./bin/package [-out dir] [-stage dev|prod] [-arch arm64|amd64] [function ...]
//
// With no function names it builds every declared function (package
// functions) from its lambda/<name> folder. Each function is built for the architecture the stage's
// configuration gives it (the preset plus cdk.json's context, as synth
// reads them; default arm64); -arch overrides that for all of them. It exits 1 when any function fails and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"go-lambda-cdk/internal/cli"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/declare"
)

func main() {
	cli.Main("package", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return run(ctx, args, functions.Names(), stdout, stderr)
	})
}

// run builds the declared functions, or those of them named in args.
func run(ctx context.Context, args []string, declared []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("package", flag.ContinueOnError)
	out := flags.String("out", "dist", "output `folder` for <function>.zip")
	stage := flags.String("stage", config.DefaultStage, "`stage` whose configuration gives each function's architecture")
	arch := flags.String("arch", "", "`GOARCH` of every function, instead of the stage's configuration: "+strings.Join(bundle.Architectures, " or "))
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: package [-out dir] [-stage dev|prod] [-arch arm64|amd64] [function ...]")
		flags.PrintDefaults()
	}
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if *arch != "" && !slices.Contains(bundle.Architectures, *arch) {
		return cli.UsageError{Err: fmt.Errorf("-arch %q: allowed: %s", *arch, strings.Join(bundle.Architectures, ", "))}
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	undeclared, err := declare.UndeclaredWarnings(moduleDir, declared)
	if err != nil {
		return err
	}
	for _, w := range undeclared {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	all := make([]bundle.Target, len(declared))
	for i, name := range declared {
		all[i] = bundle.ForFunction(name, "")
	}
	fns, err := selectFunctions(all, flags.Args())
	if err != nil {
		return cli.UsageError{Err: err}
	}
	archs, err := stageArchitectures(moduleDir, *stage)
	if err != nil {
		return err
	}
	for i := range fns {
		fns[i].GOARCH = archs[fns[i].Name]
		if *arch != "" {
			fns[i].GOARCH = *arch
		}
	}
	return buildAll(ctx, bundle.Options{ModuleDir: moduleDir, OutDir: *out, Progress: stderr}, fns, stdout)
}

// stageArchitectures maps each configured function to its GOARCH for a
// stage, reading cdk.json's context as the CDK app does. Functions that are
// not in the configuration get the default.
func stageArchitectures(moduleDir, stage string) (map[string]string, error) {
	cfg, err := config.LoadNames(filepath.Join(moduleDir, "cdk.json"), stage, nil)
	if err != nil {
		return nil, err
	}
	archs := map[string]string{}
	for _, fn := range cfg.Functions.Named() {
		archs[fn.Name] = fn.GOARCH()
	}
	return archs, nil
}

// selectFunctions returns the functions named, in the order given, or all
// of them when names is empty.
func selectFunctions(all []bundle.Target, names []string) ([]bundle.Target, error) {
	if len(names) == 0 {
		if len(all) == 0 {
			return nil, errors.New("no functions are declared")
		}
		return all, nil
	}
	var fns []bundle.Target
	for _, name := range names {
		i := slices.IndexFunc(all, func(f bundle.Target) bool { return f.Name == name })
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
func buildAll(ctx context.Context, opts bundle.Options, fns []bundle.Target, stdout io.Writer) error {
	results, err := bundle.Build(ctx, opts, fns...)
	bundle.WriteTable(stdout, results)
	return err
}
