// Package hotswap puts a function's new code live in a deployed dev stack
// without CloudFormation, as `sam sync` does: it builds the function's zip
// (internal/bundle, with its cache), and for each function whose zip
// differs from the code its live alias runs it calls Lambda's
// UpdateFunctionCode, waits for the update, publishes a version and moves
// the live alias to it. `make deploy STAGE=dev HOTSWAP=1` does this once;
// `make watch` does it on every save and streams the function's logs.
//
// What it skips, on purpose: CodeDeploy's gradual shift and its rollback
// alarms (the alias moves at once), and CloudFormation (the stack's
// template still names the old code, version and alias target until the
// next full deploy, which publishes and shifts as usual). It refuses prod.
package hotswap

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"go-lambda-cdk/internal/layout"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/config"
)

// LiveAlias is layout.LiveAlias, the alias every trigger invokes.
const LiveAlias = layout.LiveAlias

// CheckStage refuses every stage a hotswap must not touch: prod, whose
// changes go through CodeDeploy's canary and its alarms only.
func CheckStage(stage string) error {
	if stage == config.StageProd {
		return fmt.Errorf("stage %s: hotswap refuses prod: it would skip CodeDeploy's canary and its rollback alarms and leave the stack drifted; deploy prod with make deploy STAGE=prod", stage)
	}
	return nil
}

// LambdaAPI is the part of the Lambda client a Swapper uses;
// *lambda.Client satisfies it.
type LambdaAPI interface {
	lambda.GetFunctionAPIClient
	UpdateFunctionCode(ctx context.Context, in *lambda.UpdateFunctionCodeInput, opts ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error)
	PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, opts ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error)
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, opts ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, opts ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
}

var _ LambdaAPI = (*lambda.Client)(nil)

// Target is one declared function as the stack deployed it.
type Target struct {
	// Name is the function's declared name (lambda/<Name>).
	Name string
	// FunctionName is its physical name.
	FunctionName string
	// Alias is the name of the alias its triggers invoke (LiveAlias).
	Alias string
	// LogGroup is the name of the log group it writes to.
	LogGroup string
}

// Swapped is the outcome of one Swap.
type Swapped struct {
	Target Target
	// Changed is false when the alias already ran the zip: nothing was
	// called but reads.
	Changed bool
	// Version is the version the alias points at afterwards; Previous the
	// one it pointed at before.
	Version, Previous string
	// CodeSha256 is the zip's SHA-256 in base64, as Lambda reports it.
	CodeSha256 string
	// Live is when the alias was moved (when Swap returned, if unchanged).
	Live time.Time
}

// Swapper updates deployed functions through the Lambda API.
type Swapper struct {
	Lambda LambdaAPI
	// Poll is the shortest wait between two reads of a function whose code
	// update is in progress; the waits grow up to 5 s. Default: 250 ms
	// (Lambda usually takes a few seconds; an emulator answers at once).
	Poll time.Duration
	// MaxWait bounds the wait for one code update. Default: 2 minutes.
	MaxWait time.Duration
	// Now tells the time. Default: time.Now.
	Now func() time.Time
}

// Swap makes t's live alias run the zip at zipPath, whose SHA-256 (lower
// case hex, as bundle.Result.SHA256) is sha256Hex. When the version the
// alias points at already has that code nothing changes. Otherwise it
// uploads the zip (unless $LATEST has it already), waits until the update
// succeeded, publishes a version guarded by the code's hash and moves the
// alias to it, guarded by the alias's revision.
//
// It refuses a zip over Lambda's direct upload limit (50 MB, see
// bundle.MaxZippedBytes), and an alias that routes part of its traffic to
// a second version: a CodeDeploy deployment is shifting it.
func (s Swapper) Swap(ctx context.Context, t Target, zipPath, sha256Hex string) (Swapped, error) {
	out := Swapped{Target: t}
	raw, err := hex.DecodeString(sha256Hex)
	if err != nil || len(raw) != 32 {
		return out, fmt.Errorf("%s: zip SHA-256 %q is not 64 hex digits", t.Name, sha256Hex)
	}
	out.CodeSha256 = base64.StdEncoding.EncodeToString(raw)
	fn := aws.String(t.FunctionName)
	alias, err := s.Lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: fn, Name: aws.String(t.Alias)})
	if err != nil {
		return out, fmt.Errorf("%s: get alias %s: %w", t.Name, t.Alias, err)
	}
	out.Previous = aws.ToString(alias.FunctionVersion)
	if rc := alias.RoutingConfig; rc != nil && len(rc.AdditionalVersionWeights) > 0 {
		return out, fmt.Errorf("%s: alias %s sends %s besides version %s: a CodeDeploy deployment is shifting it; wait until it ends (or stop it), then hotswap again",
			t.Name, t.Alias, weights(rc.AdditionalVersionWeights), out.Previous)
	}
	live, err := s.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: fn, Qualifier: alias.FunctionVersion})
	if err != nil {
		return out, fmt.Errorf("%s: get version %s: %w", t.Name, out.Previous, err)
	}
	if aws.ToString(live.Configuration.CodeSha256) == out.CodeSha256 {
		out.Version, out.Live = out.Previous, s.now()
		return out, nil
	}
	out.Changed = true
	latest, err := s.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: fn})
	if err != nil {
		return out, fmt.Errorf("%s: get function: %w", t.Name, err)
	}
	if aws.ToString(latest.Configuration.CodeSha256) != out.CodeSha256 {
		if err := s.upload(ctx, t, zipPath, aws.ToString(latest.Configuration.RevisionId)); err != nil {
			return out, err
		}
	}
	version, err := s.Lambda.PublishVersion(ctx, &lambda.PublishVersionInput{
		FunctionName: fn,
		CodeSha256:   aws.String(out.CodeSha256), // fails if $LATEST changed meanwhile
		Description:  aws.String("hotswap " + s.now().UTC().Format(time.RFC3339)),
	})
	if err != nil {
		return out, fmt.Errorf("%s: publish version: %w", t.Name, err)
	}
	out.Version = aws.ToString(version.Version)
	if _, err := s.Lambda.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName:    fn,
		Name:            aws.String(t.Alias),
		FunctionVersion: version.Version,
		RevisionId:      alias.RevisionId, // fails if CodeDeploy moved it meanwhile
	}); err != nil {
		return out, fmt.Errorf("%s: move alias %s to version %s: %w", t.Name, t.Alias, out.Version, err)
	}
	out.Live = s.now()
	return out, nil
}

// upload sends the zip's bytes with UpdateFunctionCode and waits until
// Lambda reports the update Successful.
func (s Swapper) upload(ctx context.Context, t Target, zipPath, revision string) error {
	zip, err := os.ReadFile(zipPath)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html:
	// 50 MB zipped for a direct upload; beyond that the zip goes through S3,
	// which a full deploy does.
	if len(zip) > bundle.MaxZippedBytes {
		return fmt.Errorf("%s: zip %s is %s bytes, over the %s bytes Lambda accepts by direct upload; deploy it with make deploy (through S3)",
			t.Name, zipPath, bundle.GroupDigits(int64(len(zip))), bundle.GroupDigits(bundle.MaxZippedBytes))
	}
	in := &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(t.FunctionName), ZipFile: zip}
	if revision != "" {
		in.RevisionId = aws.String(revision) // fails if the function changed meanwhile
	}
	updated, err := s.Lambda.UpdateFunctionCode(ctx, in)
	if err != nil {
		return fmt.Errorf("%s: update function code: %w", t.Name, err)
	}
	switch updated.LastUpdateStatus {
	case types.LastUpdateStatusSuccessful:
		return nil
	case types.LastUpdateStatusFailed:
		return fmt.Errorf("%s: code update failed: %s", t.Name, aws.ToString(updated.LastUpdateStatusReason))
	}
	poll := s.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	maxWait := s.MaxWait
	if maxWait <= 0 {
		maxWait = 2 * time.Minute
	}
	// https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html:
	// LastUpdateStatus goes InProgress -> Successful or Failed; publishing
	// meanwhile fails with ResourceConflictException.
	waiter := lambda.NewFunctionUpdatedV2Waiter(s.Lambda, func(o *lambda.FunctionUpdatedV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = poll, max(poll, 5*time.Second)
		o.Retryable = func(ctx context.Context, in *lambda.GetFunctionInput, out *lambda.GetFunctionOutput, err error) (bool, error) {
			if err == nil && out.Configuration != nil && out.Configuration.LastUpdateStatus == types.LastUpdateStatusFailed {
				return false, errors.New(aws.ToString(out.Configuration.LastUpdateStatusReason))
			}
			if err == nil && out.Configuration != nil && out.Configuration.LastUpdateStatus == types.LastUpdateStatusSuccessful {
				return false, nil
			}
			return err == nil, err
		}
	})
	if err := waiter.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(t.FunctionName)}, maxWait); err != nil {
		return fmt.Errorf("%s: code update: %w", t.Name, err)
	}
	return nil
}

func (s Swapper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// weights renders an alias's additional version weights: "10% to version 3".
func weights(w map[string]float64) string {
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(w)) {
		parts = append(parts, fmt.Sprintf("%g%% to version %s", w[v]*100, v))
	}
	return strings.Join(parts, ", ")
}
