package main

import (
	"flag"
	"fmt"
	"io"

	"go-lambda-cdk/internal/config"
)

// printName prints a name the stacks get from the configuration, for the
// Makefile: args are -print stack-name|account-stack-name, -stage and any
// -c key=value, read over cdk.json's context as the CDK CLI would. The
// names depend on project and stage alone, so the configuration is read
// (config.LoadNames) but not validated: a prod stage without its account still
// has a name.
func printName(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("app", flag.ContinueOnError)
	what := flags.String("print", "", "`name` to print: stack-name or account-stack-name")
	stage := config.AddStageFlags(flags, "`stage` whose stack to name")
	if err := flags.Parse(args); err != nil {
		return err
	}
	cfg, err := stage.LoadNames()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	switch *what {
	case "stack-name":
		fmt.Fprintln(stdout, cfg.StackName())
	case "account-stack-name":
		fmt.Fprintln(stdout, cfg.AccountStackName())
	default:
		return fmt.Errorf("-print %q: allowed: stack-name, account-stack-name", *what)
	}
	return nil
}
