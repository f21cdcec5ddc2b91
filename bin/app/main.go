// Command app is the CDK app: `npx cdk synth` runs it (see cdk.json). It
// loads and validates the stage's configuration from the CDK context, builds
// every function's zip, and defines the stage's stack and the account stack
// ("<project>-account", see stacks.NewAccountStack).
//
// A configuration mistake ends it with exit code 1 and one line per problem
// on stderr, before any construct is created: no template is written.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/stacks"
	"go-lambda-cdk/stacks/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stderr)
	stop()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stderr io.Writer) error {
	// The builds start first: they overlap the jsii kernel's start and the
	// constructs' creation up to the functions.
	early := startEarlyBuilds(ctx, stderr)
	defer early.stop()
	app := awscdk.NewApp(nil)
	cdkContext, _ := app.Node().GetAllContext(nil).(map[string]any)
	cfg, err := config.Load(cdkContext)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration of stage %s:\n%w", cfg.Stage, err)
	}
	if err := cfg.CheckAccountStackTarget(os.Getenv(defaultAccountEnv)); err != nil {
		return fmt.Errorf("configuration of stage %s:\n%w", cfg.Stage, err)
	}
	// Provisioned concurrency bills whether used or not: say what it costs.
	for _, line := range cfg.ProvisionedCost() {
		fmt.Fprintln(stderr, "provisioned concurrency:", line)
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	warnings, err := synthWarnings(cfg, moduleDir)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	assets, err := buildAssets(ctx, cfg, early, stderr)
	if err != nil {
		return err
	}
	if _, err := stacks.NewAppStack(app, cfg, assets); err != nil {
		return err
	}
	stacks.NewAccountStack(app, cfg)
	stacks.CheckAwsSolutions(app)
	app.Synth(nil)
	return nil
}

// synthWarnings are what synth prints to stderr without stopping: the
// configuration's warnings, then one for each lambda/<name> folder under
// moduleDir with a main package that synth does not build (no declared
// function has its name).
func synthWarnings(cfg config.Config, moduleDir string) ([]string, error) {
	var built []string
	for _, fn := range functions(cfg) {
		built = append(built, fn.Name)
	}
	undeclared, err := config.UndeclaredWarnings(moduleDir, built)
	if err != nil {
		return nil, err
	}
	return append(cfg.Warnings(), undeclared...), nil
}
