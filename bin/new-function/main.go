// Command new-function scaffolds a function: lambda/<name>/main.go,
// internal/<name>/ (handler, test, event fixture) and its declaration in
// functions/declared.go. `make new-function NAME=... TRIGGER=...`
// runs it.
//
// Usage:
//
//	new-function -name NAME -trigger 'api:/path | s3:prefix/ | schedule:cron expr | none' [-description TEXT]
//
// Bad input is refused before anything is written (exit 2).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/scaffold"
)

func main() { cli.Main("new-function", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("new-function", flag.ContinueOnError)
	name := flags.String("name", "", "the function's `name`: lower-case letters and digits, the folder under lambda/ and internal/ (required)")
	trigger := flags.String("trigger", "", "`trigger`: "+scaffold.TriggerUsage+" (required)")
	description := flags.String("description", "", "the function's `description` (default: derived from the trigger)")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: new-function -name NAME -trigger TRIGGER [-description TEXT]")
		flags.PrintDefaults()
	}
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", flags.Args())
	}
	if *name == "" || *trigger == "" {
		return cli.Usagef("NAME and TRIGGER are required, e.g. make new-function NAME=thumbnail TRIGGER=s3:images/\n  TRIGGER: %s", scaffold.TriggerUsage)
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	opts := scaffold.Options{ModuleDir: moduleDir, Name: *name, Trigger: *trigger, Description: *description, Declared: functions.All()}
	err = scaffold.Run(opts, stdout)
	if refused := new(scaffold.RefusedError); errors.As(err, &refused) {
		return cli.UsageError{Err: err}
	}
	return err
}
