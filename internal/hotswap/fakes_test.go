package hotswap

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"go-lambda-cdk/internal/bundle"
)

// fakeFunction is one function as the fake Lambda holds it.
type fakeFunction struct {
	latest   string   // $LATEST's CodeSha256
	versions []string // CodeSha256 of version i+1
	alias    string   // the live alias's version
	routing  map[string]float64
	// pending are the LastUpdateStatus values GetFunction reports after an
	// update, one per call, before Successful.
	pending []types.LastUpdateStatus
	reason  string
	updated bool // UpdateFunctionCode was called
}

// fakeLambda is a Lambda API over fakeFunctions, recording the writes.
type fakeLambda struct {
	mu       sync.Mutex
	fns      map[string]*fakeFunction
	uploaded map[string][]byte // by function: the last zip
	calls    []string
}

var _ LambdaAPI = (*fakeLambda)(nil)

func (f *fakeLambda) fn(name *string) (*fakeFunction, error) {
	fn := f.fns[aws.ToString(name)]
	if fn == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no function " + aws.ToString(name))}
	}
	return fn, nil
}

func (f *fakeLambda) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeLambda) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.fn(in.FunctionName)
	if err != nil {
		return nil, err
	}
	cfg := &types.FunctionConfiguration{CodeSha256: aws.String(fn.latest), RevisionId: aws.String("rev-" + fn.latest), LastUpdateStatus: types.LastUpdateStatusSuccessful}
	if q := aws.ToString(in.Qualifier); q != "" && q != "$LATEST" {
		i, err := strconv.Atoi(q)
		if err != nil || i < 1 || i > len(fn.versions) {
			return nil, &types.ResourceNotFoundException{Message: aws.String("no version " + q)}
		}
		cfg.CodeSha256 = aws.String(fn.versions[i-1])
	} else if fn.updated && len(fn.pending) > 0 {
		cfg.LastUpdateStatus, fn.pending = fn.pending[0], fn.pending[1:]
		cfg.LastUpdateStatusReason = aws.String(fn.reason)
	}
	return &lambda.GetFunctionOutput{Configuration: cfg}, nil
}

func (f *fakeLambda) UpdateFunctionCode(_ context.Context, in *lambda.UpdateFunctionCodeInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.fn(in.FunctionName)
	if err != nil {
		return nil, err
	}
	if aws.ToString(in.RevisionId) != "rev-"+fn.latest {
		return nil, &types.PreconditionFailedException{Message: aws.String("revision " + aws.ToString(in.RevisionId))}
	}
	f.record("UpdateFunctionCode %s", aws.ToString(in.FunctionName))
	sum := sha256.Sum256(in.ZipFile)
	fn.latest = base64.StdEncoding.EncodeToString(sum[:])
	if f.uploaded == nil {
		f.uploaded = map[string][]byte{}
	}
	f.uploaded[aws.ToString(in.FunctionName)] = in.ZipFile
	fn.updated = true
	out := &lambda.UpdateFunctionCodeOutput{LastUpdateStatus: types.LastUpdateStatusSuccessful}
	if len(fn.pending) > 0 {
		out.LastUpdateStatus = types.LastUpdateStatusInProgress
	}
	return out, nil
}

func (f *fakeLambda) PublishVersion(_ context.Context, in *lambda.PublishVersionInput, _ ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.fn(in.FunctionName)
	if err != nil {
		return nil, err
	}
	if len(fn.pending) > 0 {
		return nil, &types.ResourceConflictException{Message: aws.String("update in progress")}
	}
	if in.CodeSha256 != nil && aws.ToString(in.CodeSha256) != fn.latest {
		return nil, &types.InvalidParameterValueException{Message: aws.String("CodeSha256 does not match")}
	}
	fn.versions = append(fn.versions, fn.latest)
	v := strconv.Itoa(len(fn.versions))
	f.record("PublishVersion %s -> %s", aws.ToString(in.FunctionName), v)
	return &lambda.PublishVersionOutput{Version: aws.String(v), CodeSha256: aws.String(fn.latest)}, nil
}

func (f *fakeLambda) GetAlias(_ context.Context, in *lambda.GetAliasInput, _ ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.fn(in.FunctionName)
	if err != nil {
		return nil, err
	}
	out := &lambda.GetAliasOutput{Name: in.Name, FunctionVersion: aws.String(fn.alias), RevisionId: aws.String("alias-rev-" + fn.alias)}
	if fn.routing != nil {
		out.RoutingConfig = &types.AliasRoutingConfiguration{AdditionalVersionWeights: fn.routing}
	}
	return out, nil
}

func (f *fakeLambda) UpdateAlias(_ context.Context, in *lambda.UpdateAliasInput, _ ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.fn(in.FunctionName)
	if err != nil {
		return nil, err
	}
	if aws.ToString(in.RevisionId) != "alias-rev-"+fn.alias {
		return nil, &types.PreconditionFailedException{Message: aws.String("alias revision")}
	}
	fn.alias = aws.ToString(in.FunctionVersion)
	f.record("UpdateAlias %s %s -> %s", aws.ToString(in.FunctionName), aws.ToString(in.Name), fn.alias)
	return &lambda.UpdateAliasOutput{FunctionVersion: in.FunctionVersion}, nil
}

// writeZip writes content to dir/name.zip and returns the path, the hex
// SHA-256 (as bundle reports it) and the base64 one (as Lambda does).
func writeZip(t *testing.T, dir, name, content string) (path, hexSum, b64Sum string) {
	t.Helper()
	path = filepath.Join(dir, name+".zip")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	return path, hex.EncodeToString(sum[:]), base64.StdEncoding.EncodeToString(sum[:])
}

// fakeBuilder "builds" each function into a zip holding the concatenated
// contents of its sources, or fails for the names in fail.
type fakeBuilder struct {
	dir     string
	sources map[string][]string // function -> files
	fail    map[string]bool
	mu      sync.Mutex
	built   [][]string // names per call
}

var _ Builder = (*fakeBuilder)(nil)

func (b *fakeBuilder) Build(_ context.Context, fns ...bundle.Target) ([]bundle.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var names []string
	var errs []error
	out := make([]bundle.Result, len(fns))
	for i, fn := range fns {
		names = append(names, fn.Name)
		out[i].Function = fn
		if b.fail[fn.Name] {
			out[i].Err = fmt.Errorf("build %s: compile: syntax error", fn.Name)
			errs = append(errs, out[i].Err)
			continue
		}
		var content []byte
		for _, src := range b.sources[fn.Name] {
			data, err := os.ReadFile(src)
			if err != nil {
				out[i].Err = err
				break
			}
			content = append(content, data...)
		}
		path := filepath.Join(b.dir, fn.Name+".zip")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			out[i].Err = err
		}
		sum := sha256.Sum256(content)
		out[i].ZipPath, out[i].SHA256 = path, hex.EncodeToString(sum[:])
	}
	b.built = append(b.built, names)
	return out, errors.Join(errs...)
}

// fakeLogs returns the events of each log group.
type fakeLogs struct {
	events map[string][]logtypes.FilteredLogEvent
}

var _ LogsAPI = fakeLogs{}

func (l fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	events, ok := l.events[aws.ToString(in.LogGroupName)]
	if !ok {
		return nil, &logtypes.ResourceNotFoundException{Message: aws.String("no group")}
	}
	var out []logtypes.FilteredLogEvent
	for _, e := range events {
		if aws.ToInt64(e.Timestamp) >= aws.ToInt64(in.StartTime) {
			out = append(out, e)
		}
	}
	return &cloudwatchlogs.FilterLogEventsOutput{Events: out}, nil
}
