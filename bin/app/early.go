package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"go-lambda-cdk/internal/bundle"
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
	cancel  context.CancelFunc
	done    chan struct{}
	results []bundle.Result
	err     error
}

// startBuilds starts building fns and returns at once.
func startBuilds(ctx context.Context, fns []bundle.Target, progress io.Writer) *builds {
	ctx, cancel := context.WithCancel(ctx)
	b := &builds{cancel: cancel, done: make(chan struct{})}
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
