// Command hotswap puts the work tree's function code live in the deployed
// dev stack without CloudFormation: `make deploy STAGE=dev HOTSWAP=1` runs
// it once, `make watch` with -watch.
//
//	hotswap [-stage dev] [-c key=value ...] [-watch] [-interval 300ms]
//
// It reads the stage's configuration as the CDK app does (cdk.json's
// context plus -c key=value: each function's architecture), builds every
// declared function with the build cache, finds each in the stack by its
// CDK path, and for each whose zip is not the code its live alias runs,
// uploads it, publishes a version and moves the alias (see package
// internal/hotswap). With -watch it then polls the files each function is
// built from, swaps a function a moment after a save, prints the time from
// save to live and streams the swapped functions' logs until Ctrl-C.
//
// It refuses stage prod (exit 2). The AWS clients use the standard AWS
// settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/hotswap"
)

func main() { cli.Main("hotswap", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	began := time.Now()
	flags := flag.NewFlagSet("hotswap", flag.ContinueOnError)
	stage := config.AddStageFlags(flags, "`stage` whose stack to update (dev; prod is refused)")
	watch := flags.Bool("watch", false, "keep watching the functions' files and swap each one on save; stream their logs (Ctrl-C stops)")
	interval := flags.Duration("interval", 300*time.Millisecond, "with -watch: how often the files are checked")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	switch {
	case flags.NArg() > 0:
		return cli.Usagef("unexpected arguments %q", flags.Args())
	case *interval <= 0:
		return cli.Usagef("-interval must be positive, got %s", *interval)
	}
	if err := hotswap.CheckStage(stage.Stage); err != nil {
		return cli.UsageError{Err: err}
	}
	moduleDir, plan, err := stage.LoadPlan()
	if err != nil {
		return err
	}
	cfg := plan.Config
	var fns []hotswap.Declared
	for _, f := range plan.Functions {
		fns = append(fns, hotswap.Declared{ConstructID: f.Declaration.ConstructID(), Build: f.Build})
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("AWS settings: %w", err)
	}
	stack := cfg.StackName()
	targets, err := hotswap.Resolve(ctx, cloudformation.NewFromConfig(awsCfg), stack, fns)
	if err != nil {
		return err
	}
	h := hotswap.Hotswap{
		Swapper: hotswap.Swapper{Lambda: lambda.NewFromConfig(awsCfg)},
		Builder: hotswap.BundleBuilder{Options: bundle.Options{ModuleDir: moduleDir}},
		Targets: targets,
	}
	fmt.Fprintf(stdout, "hotswap: %s (CodeDeploy's canary and alarms skipped; the stack drifts until the next make deploy)\n", stack)
	if !*watch {
		outcomes, err := h.Run(ctx, fns)
		for _, o := range outcomes {
			fmt.Fprintln(stdout, o.Line("", began))
		}
		return err
	}
	ticks := time.NewTicker(*interval)
	defer ticks.Stop()
	logTicks := time.NewTicker(2 * time.Second)
	defer logTicks.Stop()
	w := &hotswap.Watch{
		Hotswap:   h,
		Functions: fns,
		Inputs: func(ctx context.Context, fns ...bundle.Target) ([]bundle.Inputs, error) {
			return bundle.ListInputs(ctx, bundle.Options{ModuleDir: moduleDir}, fns...)
		},
		Logs:     cloudwatchlogs.NewFromConfig(awsCfg),
		Ticks:    ticks.C,
		LogTicks: logTicks.C,
		Out:      stdout,
		Root:     moduleDir,
	}
	return w.Run(ctx)
}
