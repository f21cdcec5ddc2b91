// Command names prints a name the stacks get from the configuration, for
// the Makefile (its APP_STACK):
//
//	names -print stack-name|account-stack-name [-stage dev|prod] [-c key=value ...]
//
// stack-name is the stage's stack (the project in PascalCase and the
// stage: GoLambdaCdk-dev), account-stack-name the account stack
// (<project>-account). The -c settings are read over cdk.json's context as
// the CDK CLI would. The names depend on project and stage alone, so the
// configuration is read (config.LoadNames) but not validated: a prod stage
// without its account still has a name. It does not link the CDK, so `go
// run` starts it in a fraction of the time the CDK app (bin/app) takes.
// Usage errors exit 2, a configuration error 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/config"
)

func main() { cli.Main("names", run) }

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("names", flag.ContinueOnError)
	what := flags.String("print", "", "`name` to print: stack-name or account-stack-name")
	stage := config.AddStageFlags(flags, "`stage` whose stack to name")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", flags.Args())
	}
	if *what != "stack-name" && *what != "account-stack-name" {
		return cli.Usagef("-print %q: allowed: stack-name, account-stack-name", *what)
	}
	cfg, err := stage.LoadNames()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if *what == "stack-name" {
		fmt.Fprintln(stdout, cfg.StackName())
	} else {
		fmt.Fprintln(stdout, cfg.AccountStackName())
	}
	return nil
}
