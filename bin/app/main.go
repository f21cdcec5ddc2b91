// Command app is the CDK app: `npx cdk synth` runs it (see cdk.json). It
// loads and validates the stage's configuration from the CDK context, builds
// every function's zip, and defines the stage's stack and the account stack
// ("<project>-account", see stacks.NewAccountStack).
//
// A configuration mistake ends it with exit code 1 and one line per problem
// on stderr, before the jsii kernel starts and any construct is created: no
// template is written.
//
// When nothing that determines the cloud assembly changed since the synth
// that wrote the output folder (see internal/synthcache), it exits at once,
// without starting the jsii kernel, and the CDK CLI reads that assembly;
// when only function zips changed, it rewrites that assembly for them as a
// synth would (synthcache.Patch), without the kernel either.
// SYNTH_CACHE=off makes it synthesize anyway.
//
// It takes no arguments (the CLI passes the context in the environment).
// The stacks' names, without a synth, come from bin/names.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cdkerrors"
	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/declare"
	"go-lambda-cdk/internal/nesting"
	"go-lambda-cdk/stacks"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "app: unexpected arguments %q: the CDK app takes none (cdk synth runs it); a stack's name: go run ./bin/names -print stack-name -stage STAGE\n", os.Args[1:])
		os.Exit(2)
	}
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
	start := time.Now()
	cdkContext, plan, err := loadPlan()
	if err != nil {
		return err
	}
	cfg := plan.Config
	if err := cfg.CheckAccountStackTarget(os.Getenv(defaultAccountEnv)); err != nil {
		return fmt.Errorf("configuration of stage %s:\n%w", cfg.Stage, err)
	}
	// Provisioned concurrency bills whether used or not: say what it costs,
	// and what the alarms cost, which grow with the functions.
	for _, line := range plan.ProvisionedCost() {
		fmt.Fprintln(stderr, "provisioned concurrency:", line)
	}
	fmt.Fprintln(stderr, "alarms:", cfg.AlarmCost())
	// Every template's counts and size, before any construct exists: a
	// CloudFormation limit is refused here with what to do.
	placement, err := nesting.Split(cfg)
	if err != nil {
		return fmt.Errorf("stage %s: %w", cfg.Stage, err)
	}
	if w := placement.Warning(); w != "" {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if placement.Nested {
		fmt.Fprintf(stderr, "stacks: %d functions in %d nested stacks (nestedStacks %s)\n", len(plan.Functions), len(placement.Groups), cfg.NestedStacks)
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	warnings, err := synthWarnings(plan, moduleDir)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	builds := startBuilds(ctx, plan.BuildTargets(), stderr)
	defer builds.stop()
	cache := openCache(cdkContext)
	// When more than the zips changed, the synth is certain: the kernel
	// starts now, while the functions build.
	var app awscdk.App
	var kernelStart time.Duration
	if !cache.mayReuse() {
		t := time.Now()
		app = awscdk.NewApp(nil)
		kernelStart = time.Since(t)
	}
	assets, err := builds.assets(stderr)
	if err != nil {
		return err
	}
	if cache.reuse(builds.digests(), start, stderr) {
		return nil
	}
	// Only the zips changed: rewrite the assembly in place of a synth.
	if app == nil && cache.patch(assets, start, stderr) {
		return nil
	}
	if app == nil {
		t := time.Now()
		app = awscdk.NewApp(nil)
		kernelStart = time.Since(t)
	}
	if err := cache.forget(); err != nil {
		return err
	}
	t := time.Now()
	var outdir string
	err = cdkerrors.Recover(func() error {
		if _, err := stacks.NewPlacedAppStack(app, plan, placement, assets); err != nil {
			return err
		}
		stacks.NewAccountStack(app, cfg)
		stacks.CheckAwsSolutions(app)
		return nil
	})
	if err != nil {
		return err
	}
	constructs := time.Since(t)
	t = time.Now()
	if err := cdkerrors.Recover(func() error { outdir = *app.Synth(nil).Directory(); return nil }); err != nil {
		return err
	}
	// The estimate (nesting.Split) kept every template within the margin;
	// the written templates are the truth.
	violations, err := cfnlimits.CheckAssembly(outdir)
	if err != nil {
		return err
	}
	if len(violations) > 0 {
		lines := make([]string, len(violations))
		for i, v := range violations {
			lines[i] = "  " + v.Error()
		}
		return fmt.Errorf("synth: the templates in %s exceed CloudFormation's limits with the margin of %g %%:\n%s", outdir, cfnlimits.DefaultMargin*100, strings.Join(lines, "\n"))
	}
	cache.synthesized(stderr, fmt.Sprintf("in %s: jsii kernel start %s, constructs %s, app.Synth %s",
		round(time.Since(start)), round(kernelStart), round(constructs), round(time.Since(t))))
	return nil
}

// loadPlan reads the context the CDK CLI passed and resolves the stage's
// plan from it, without starting the jsii kernel.
func loadPlan() (map[string]any, config.Plan, error) {
	cdkContext, err := contextFromEnvironment()
	if err != nil {
		return nil, config.Plan{}, fmt.Errorf("configuration:\n%w", err)
	}
	plan, err := config.LoadPlan(cdkContext)
	if err != nil {
		return nil, config.Plan{}, err
	}
	return cdkContext, plan, nil
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

// synthWarnings are what synth prints to stderr without stopping: the
// configuration's warnings, then one for each lambda/<name> folder under
// moduleDir with a main package that synth does not build (no declared
// function has its name).
func synthWarnings(plan config.Plan, moduleDir string) ([]string, error) {
	var built []string
	for _, fn := range plan.Functions {
		built = append(built, fn.Name)
	}
	undeclared, err := declare.UndeclaredWarnings(moduleDir, built)
	if err != nil {
		return nil, err
	}
	return append(plan.Warnings(), undeclared...), nil
}
