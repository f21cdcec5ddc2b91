package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/stacks"
)

// The environment variables through which the CDK CLI hands the context to
// the app (cdk.json, cdk.context.json and -c values, merged); aws-cdk-lib's
// App reads the same two.
const (
	contextEnv         = "CDK_CONTEXT_JSON"
	contextOverflowEnv = "CONTEXT_OVERFLOW_LOCATION_ENV"
)

// defaultAccountEnv is where the CDK CLI puts the account of the caller's
// credentials for an environment-agnostic stack; unset when it has none.
const defaultAccountEnv = "CDK_DEFAULT_ACCOUNT"

// contextFromEnvironment reads the CDK context as awscdk.App does, without
// starting the jsii kernel: CDK_CONTEXT_JSON, then the file the CLI names
// when the context is too large for the environment.
func contextFromEnvironment() (map[string]any, error) {
	context := map[string]any{}
	if raw := os.Getenv(contextEnv); raw != "" {
		if err := json.Unmarshal([]byte(raw), &context); err != nil {
			return nil, fmt.Errorf("%s: %w", contextEnv, err)
		}
	}
	if path := os.Getenv(contextOverflowEnv); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &context); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return context, nil
}

// builds is a bundle.Build running in the background, while the synth
// cache computes its key and, when a synth is certain, the jsii kernel
// starts.
type builds struct {
	fns     []bundle.Target
	cancel  context.CancelFunc
	done    chan struct{}
	results []bundle.Result
	err     error
}

// startBuilds starts building fns and returns at once.
func startBuilds(ctx context.Context, fns []bundle.Target, progress io.Writer) *builds {
	ctx, cancel := context.WithCancel(ctx)
	b := &builds{fns: fns, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.results, b.err = bundle.Build(ctx, bundle.Options{Progress: progress}, fns...)
	}()
	return b
}

// stop cancels the builds if they still run and waits for them (a cancelled
// build removes what it wrote). b may be nil.
func (b *builds) stop() {
	if b != nil {
		b.cancel()
		<-b.done
	}
}

// assets waits for the builds, prints the size table and maps each function
// to its zip.
func (b *builds) assets(stderr io.Writer) (stacks.Assets, error) {
	<-b.done
	bundle.WriteTable(stderr, b.results)
	if b.err != nil {
		return nil, fmt.Errorf("build functions:\n%w", b.err)
	}
	assets := stacks.Assets{}
	for _, r := range b.results {
		assets[r.Function.Name] = r.ZipPath
	}
	return assets, nil
}

// digests maps each function to its zip's SHA-256, once the builds
// succeeded.
func (b *builds) digests() map[string]string {
	<-b.done
	out := map[string]string{}
	for _, r := range b.results {
		out[r.Function.Name] = r.SHA256
	}
	return out
}

// printName prints a name the stacks get from the configuration, for the
// Makefile: args are -print stack-name|account-stack-name, -stage and any
// -c key=value, read over cdk.json's context as the CDK CLI would. The
// names depend on project and stage alone, so the configuration is read
// (config.Load) but not validated: a prod stage without its account still
// has a name.
func printName(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("app", flag.ContinueOnError)
	what := flags.String("print", "", "`name` to print: stack-name or account-stack-name")
	stage := flags.String("stage", config.DefaultStage, "`stage` whose stack to name")
	overrides := config.ContextFlag{}
	flags.Var(overrides, "c", "`key=value` context setting, as cdk -c (repeatable)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	context, err := config.ReadContext(filepath.Join(moduleDir, "cdk.json"))
	if err != nil {
		return err
	}
	for k, v := range overrides {
		context[k] = v
	}
	context[config.StageKey] = *stage
	cfg, err := config.Load(context)
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
