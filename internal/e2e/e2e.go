// Package e2e runs the real function bootstraps under the Lambda Runtime
// Interface Emulator against a local S3 server, for the end-to-end tests and
// the handler benchmark (bin/bench-handlers).
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/layout"
	localevents "go-lambda-cdk/internal/local/events"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/rie"
	"go-lambda-cdk/internal/s3local"
)

// Settings the tests give the functions, as the stack would.
const (
	Bucket         = "app-bucket"
	Origin         = "https://app.example.com"
	MaxUploadBytes = 100 << 20
	ContentTypes   = "text/plain,image/png,audio/mpeg,application/octet-stream"
)

// Build compiles every declared function (package functions) for
// the host GOARCH into outDir and returns the path of each bootstrap by
// function name.
func Build(ctx context.Context, outDir string) (map[string]string, error) {
	names := functions.Names()
	fns := make([]bundle.Target, len(names))
	for i, name := range names {
		fns[i] = bundle.ForFunction(name, runtime.GOARCH)
	}
	results, err := bundle.Build(ctx, bundle.Options{OutDir: outDir, KeepBootstrap: true}, fns...)
	if err != nil {
		return nil, fmt.Errorf("build bootstraps: %w", err)
	}
	paths := map[string]string{}
	for _, r := range results {
		paths[r.Function.Name] = r.BootstrapPath
	}
	return paths, nil
}

// Env is a hand-written environment like the one the stack sets on the
// functions (without AUTH_MODE, so the api runs unauthenticated), with srv
// as S3 and JSON logs, for the handler benchmark. The end-to-end tests take
// theirs from the synthesized template (TemplateEnv).
func Env(srv *s3local.Server) []string {
	return append(srv.Env(),
		layout.EnvBucketName+"="+Bucket,
		layout.EnvAllowedContentTypes+"="+ContentTypes,
		layout.EnvMaxUploadBytes+"="+strconv.Itoa(MaxUploadBytes),
		layout.EnvCORSAllowedOrigins+"="+Origin,
		"AWS_LAMBDA_LOG_FORMAT=JSON",
	)
}

// TemplateEnv is the environment tpl gives function name, resolved as the
// local run resolves it (template.Environment): its Environment variables,
// with the stack's bucket name, and the log level and format of its
// LoggingConfig. The caller adds the S3 endpoint (s3local.Server.Env).
func TemplateEnv(tpl *template.Template, name string) (map[string]string, error) {
	f, ok := tpl.Function(name)
	if !ok {
		return nil, fmt.Errorf("template of %s has no function %s", tpl.StackName, name)
	}
	return tpl.Environment(f, s3local.Region)
}

// Start runs bootstrap as function name under the emulator with env; the
// function's and the emulator's output go to logs (nil discards).
func Start(ctx context.Context, bootstrap, name string, env []string, logs io.Writer) (*rie.Emulator, error) {
	return rie.Start(ctx, rie.Options{
		Bootstrap: bootstrap, FunctionName: name, Env: env, Timeout: 30 * time.Second,
		MemoryMB: 256, Stdout: logs, Stderr: logs,
	})
}

// APIPayload is the REST proxy event for method path with body, sent from
// Origin with a JSON content type, by an anonymous caller (no authorizer
// claims, as on a public method).
func APIPayload(method, path, resource, body string) ([]byte, error) {
	return APIPayloadAs("", method, path, resource, body)
}

// APIPayloadAs is APIPayload from the caller sub, whose claims API
// Gateway's Cognito user pools authorizer put in
// requestContext.authorizer.claims; "" sends none.
func APIPayloadAs(sub, method, path, resource, body string) ([]byte, error) {
	ev, err := localevents.API(localevents.APIRequest{
		Method: method, Path: path, Resource: resource, Body: body, Sub: sub,
		Headers: []string{"Content-Type: application/json", "Origin: " + Origin},
	}, time.Now())
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

// S3Payload is the S3 ObjectCreated:Put event for an object of Bucket
// stored as key with the ETag eTag (quotes are dropped).
func S3Payload(key string, size int64, eTag string, at time.Time) ([]byte, error) {
	return S3PayloadIn(Bucket, key, size, eTag, at)
}

// S3PayloadIn is S3Payload for an object of bucket.
func S3PayloadIn(bucket, key string, size int64, eTag string, at time.Time) ([]byte, error) {
	return json.Marshal(localevents.S3Put(bucket, key, size, strings.Trim(eTag, `"`), s3local.Region, at))
}

// SchedulePayload is the scheduled EventBridge event fired at t.
func SchedulePayload(t time.Time) ([]byte, error) {
	return json.Marshal(localevents.Schedule("GoLambdaCdk-dev", "ReportSchedule", s3local.Region, t))
}

// APIResponse decodes the api function's answer, failing on a function
// error.
func APIResponse(r rie.Response) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	if r.ErrorType != "" {
		return resp, fmt.Errorf("function error %s: %s", r.ErrorType, r.ErrorMessage)
	}
	if err := json.Unmarshal(r.Body, &resp); err != nil {
		return resp, fmt.Errorf("decode API response %s: %w", r.Body, err)
	}
	if resp.StatusCode == 0 {
		return resp, errors.New("API response has no statusCode: " + string(r.Body))
	}
	return resp, nil
}
