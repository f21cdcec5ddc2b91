package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	fns "go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/fixture"
)

// TestContextFromEnvironment reads the context as aws-cdk-lib's App does:
// CDK_CONTEXT_JSON, then the overflow file, whose keys win.
func TestContextFromEnvironment(t *testing.T) {
	overflow := filepath.Join(t.TempDir(), "context.json")
	if err := os.WriteFile(overflow, []byte(`{"stage":"prod","b":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, json, file string
		want             map[string]any
		wantErr          bool
	}{
		{name: "none", want: map[string]any{}},
		{name: "environment", json: `{"stage":"dev","a":1}`, want: map[string]any{"stage": "dev", "a": 1.0}},
		{name: "overflow file wins", json: `{"stage":"dev","a":1}`, file: overflow, want: map[string]any{"stage": "prod", "a": 1.0, "b": 2.0}},
		{name: "not JSON", json: `{`, wantErr: true},
		{name: "missing file", file: filepath.Join(t.TempDir(), "nope.json"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(contextEnv, tt.json)
			t.Setenv(contextOverflowEnv, tt.file)
			got, err := contextFromEnvironment()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("context = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBadConfigStartsNoKernel runs the app on bad contexts with a jsii
// runtime (JSII_RUNTIME) that only leaves a mark: the run must end with the
// configuration error alone, having started neither the kernel (no mark)
// nor a build (which prints a progress line).
func TestBadConfigStartsNoKernel(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "kernel-started")
	t.Setenv("JSII_RUNTIME", "touch "+mark+"; exit 1")
	t.Setenv(outdirEnv, t.TempDir())
	t.Setenv(contextOverflowEnv, "")
	tests := []struct{ name, context, want string }{
		{name: "unknown stage", context: `{"stage":"qa"}`, want: "configuration:\ncontext stage: \"qa\""},
		{name: "unknown key", context: `{"timeoutSeconds":901}`, want: "configuration:\ncontext timeoutSeconds: not a configuration key"},
		{name: "not JSON", context: `{`, want: "configuration:\n" + contextEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(contextEnv, tt.context)
			var stderr bytes.Buffer
			err := run(context.Background(), &stderr)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("run = %v, want an error starting %q", err, tt.want)
			}
			if _, err := os.Stat(mark); err == nil {
				t.Error("the jsii kernel was started")
			}
			if stderr.Len() > 0 {
				t.Errorf("printed before the configuration error:\n%s", stderr.String())
			}
		})
	}
}

// TestBadConfigMessages runs the app on the contexts the CDK CLI would
// pass for bad -c values (cdk.json's context plus each case's, as strings):
// each run must end with every problem's message, before the jsii kernel
// starts, and without a Go or jsii stack trace. (test/
// TestBadConfigThroughCLI runs one such case through the real CLI.)
//
// It selects functions by their trigger and derives the lists of function
// names from the declarations, so it holds for any set of declared
// functions with an API and a schedule trigger among them.
func TestBadConfigMessages(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "kernel-started")
	t.Setenv("JSII_RUNTIME", "touch "+mark+"; exit 1")
	t.Setenv(outdirEnv, t.TempDir())
	t.Setenv(contextOverflowEnv, "")
	t.Setenv(defaultAccountEnv, "")
	cdkJSON, err := config.ReadContext("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	api := fixture.DeclaredWith(t, fns.KindAPI).Name
	outOfRange, outOfRangeWant := fixture.OutOfRange(t)
	names := strings.Join(fns.Names(), ", ")
	timeoutHint := "functions.<name>.timeoutSeconds (<name>: " + names + ")" // every function has a timeout
	if len(fns.Names()) == 1 {
		timeoutHint = "functions." + names + ".timeoutSeconds"
	}
	tests := []struct {
		name    string
		context []string
		want    []string
	}{
		{name: "values out of range", context: outOfRange, want: outOfRangeWant},
		{
			name:    "unknown stage",
			context: []string{"stage=staging"},
			want:    []string{`stage: "staging" is not a known stage; allowed: "dev", "prod"`},
		},
		{
			name:    "prod without an account",
			context: []string{"stage=prod"},
			want: []string{
				"configuration of stage prod:",
				`prod.account: "" is not a 12-digit AWS account ID`,
				`prod.region: "" is not an AWS region`,
			},
		},
		{
			name:    "prod without the front end's origins",
			context: []string{"stage=prod", "prod.account=111111111111", "prod.region=eu-west-1"},
			want: []string{
				"configuration of stage prod:",
				"api.corsAllowedOrigins: is not set, and has no default in stage prod",
				`auth.callbackUrls: is not set, so it defaults to "http://localhost:3000/"`,
				`auth.logoutUrls: is not set, so it defaults to "http://localhost:3000/"`,
			},
		},
		{
			name:    "prod with the example.com placeholder",
			context: []string{"stage=prod", "prod.account=111111111111", "prod.region=eu-west-1", "api.corsAllowedOrigins=https://app.example.com"},
			want: []string{
				`api.corsAllowedOrigins[0]: "https://app.example.com" is a placeholder: example.com is reserved for documentation (RFC 2606)`,
				`auth.callbackUrls: is not set, so it defaults to "https://app.example.com/"`,
			},
		},
		{
			name:    "public API in prod, WAF limit too low",
			context: []string{"stage=prod", "prod.account=111111111111", "prod.region=eu-west-1", "api.corsAllowedOrigins=https://uploads.acme.dev", "auth.mode=none", "api.wafRequestsPer5Minutes=5"},
			want: []string{
				"configuration of stage prod:",
				`auth.mode: "none" is allowed only in stage dev (it makes every route public); allowed in prod: "cognito"`,
				"api.wafRequestsPer5Minutes: 5 is out of range; allowed 0 (no web ACL) or 10 to 2000000000",
			},
		},
		{
			name:    "not a number and a misspelt key",
			context: []string{"api.throttleRateLimit=fast", "functions." + api + ".memory=512"},
			want: []string{
				`context api.throttleRateLimit: value "fast": want a number`,
				"context functions." + api + ".memory: not a configuration key; did you mean functions." + api + ".memoryMB?",
			},
		},
		{
			name:    "a key that is not ours, and an undeclared function",
			context: []string{"timeoutSeconds=901", "functions.thumbnail.memoryMB=512"},
			want: []string{
				"context timeoutSeconds: not a configuration key; did you mean " + timeoutHint + "?",
				`context functions.thumbnail.memoryMB: no function "thumbnail" is declared; declared: ` + names,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			context := maps.Clone(cdkJSON)
			for _, kv := range tt.context {
				k, v, _ := strings.Cut(kv, "=")
				context[k] = v // the CLI passes -c values as strings
			}
			raw, err := json.Marshal(context)
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv(contextEnv, string(raw))
			var stderr bytes.Buffer
			err = run(t.Context(), &stderr)
			if err == nil {
				t.Fatalf("run succeeded with bad config; stderr:\n%s", &stderr)
			}
			fixture.Contains(t, "error", err.Error(), tt.want, fixture.StackTrace)
			if _, err := os.Stat(mark); err == nil {
				t.Error("the jsii kernel was started")
			}
		})
	}
}

// TestSynthWarnings: synth warns about a lambda folder with a main package
// that no declared function builds, after the configuration's warnings,
// and about no declared function's folder.
func TestSynthWarnings(t *testing.T) {
	cfg, err := config.ForStage(config.StageDev)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth.Mode = config.AuthModeNone // a configuration warning
	plan, err := config.NewPlan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	undeclared := "zzundeclared"
	for _, fn := range plan.BuildTargets() {
		writeMain(t, filepath.Join(dir, fn.Dir))
		if fn.Name == undeclared {
			t.Fatalf("%s is declared; pick another name for the test", undeclared)
		}
	}
	writeMain(t, filepath.Join(dir, "lambda", undeclared))
	got, err := synthWarnings(plan, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := len(cfg.Warnings()) + 1
	if len(got) != want || !slices.Equal(got[:want-1], cfg.Warnings()) {
		t.Fatalf("warnings %q, want the configuration's %q and one about lambda/%s", got, cfg.Warnings(), undeclared)
	}
	if last := got[want-1]; !strings.HasPrefix(last, "lambda/"+undeclared+" holds a main package") || !strings.Contains(last, "make new-function NAME="+undeclared) {
		t.Errorf("warning %q does not name lambda/%s and make new-function", last, undeclared)
	}
}

// writeMain writes a main package into dir.
func writeMain(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
