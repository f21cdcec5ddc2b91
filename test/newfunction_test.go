package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go-lambda-cdk/internal/modcopy"
)

// declarationTests are the stack tests that read the declarations, and
// the app's configuration-message test, which TestNewFunctionOfEveryKind
// runs again with a function of each kind added.
var declarationTests = []string{"TestFunctions", "TestLogGroups", "TestBucket", "TestNotificationSuffixes", "TestAsyncInvocation", "TestSchedule", "TestRestAPI", "TestBadConfigMessages"}

// wholeTestPackages are the packages, besides the scaffolded ones, whose
// every test TestNewFunctionOfEveryKind runs again with a function of each
// kind added: the configuration's and the declarations'.
var wholeTestPackages = []string{"internal/config", "internal/declare", "functions"}

// scaffoldKinds are the functions the scaffolded copy adds with `make
// new-function`: one of each trigger kind.
var scaffoldKinds = []struct{ name, trigger string }{
	{"probeapi", "TRIGGER=api:/probe/{id}"},
	{"probes3", "TRIGGER=s3:probe-in/"},
	{"probecron", "TRIGGER=schedule:30 6 ? * MON-FRI *"},
	{"probeasync", "TRIGGER=none"},
}

// scaffoldedCopy is a temporary copy of the module with scaffoldKinds
// added by `make new-function`, synthesized once through the real CDK CLI
// into its cdk.out. TestNewFunctionOfEveryKind checks what the scaffold
// made; TestSynthReusesUnchangedAssembly runs the CLI again on the same
// copy, so the two share one copy and one full CLI synth. The Go build
// cache is shared with the copy, the go commands there run with -trimpath
// (modcopy.Env), and the copies share a zip cache
// (modcopy.SharedZipCache), so only what changed since an earlier run is
// compiled.
type scaffoldedCopy struct {
	root, cdk, dir string
	scaffoldTime   time.Duration

	synthOnce sync.Once
	synthErr  error
	synthOut  string            // the first synth's stdout and stderr
	templates map[string]string // cdk.out's templates right after it
	synthTime time.Duration
}

var (
	scaffoldOnce sync.Once
	scaffolded   *scaffoldedCopy
	scaffoldErr  error
)

// scaffoldedModule returns the copy with scaffoldKinds added, made by
// the first test that asks; the CLI synth is firstSynth's.
func scaffoldedModule(t *testing.T) *scaffoldedCopy {
	t.Helper()
	root, cdk := cdkCLI(t)
	scaffoldOnce.Do(func() {
		start := time.Now()
		c := &scaffoldedCopy{root: root, cdk: cdk}
		scaffoldErr = c.scaffold()
		c.scaffoldTime = time.Since(start)
		scaffolded = c
	})
	if scaffoldErr != nil {
		t.Fatal(scaffoldErr)
	}
	return scaffolded
}

func (c *scaffoldedCopy) scaffold() error {
	// Not t.TempDir: the copy outlives the test that made it; TestMain
	// removes it.
	var err error
	if c.dir, err = os.MkdirTemp("", "go-lambda-cdk-scaffolded-"); err != nil {
		return err
	}
	if err := modcopy.Copy(c.root, c.dir); err != nil {
		return err
	}
	// The zips are cached by a key of everything that goes into them,
	// like the Go build cache: the copies share one cache.
	if err := modcopy.ShareZipCache(c.root, c.dir); err != nil {
		return err
	}
	for _, k := range scaffoldKinds {
		out, err := c.run(context.Background(), "make", "--no-print-directory", "new-function", "NAME="+k.name, k.trigger)
		if err != nil {
			return err
		}
		if !strings.Contains(out, "new function "+k.name) {
			return fmt.Errorf("make new-function %s printed:\n%s", k.name, out)
		}
	}
	return nil
}

// run runs a command in the copy, with modcopy's environment and the
// module's CDK CLI first on PATH, and returns its stdout and stderr.
func (c *scaffoldedCopy) run(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.dir
	path := filepath.Join(c.root, "node_modules", ".bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	cmd.Env = append(modcopy.Env(os.Environ()), "PATH="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, &out)
	}
	return out.String(), nil
}

// synthArgs are the CLI arguments of every synth of the copy.
func (c *scaffoldedCopy) synthArgs() []string {
	return []string{"synth", "--quiet", "--no-notices", "-c", "stage=dev", "-o", c.outdir()}
}

func (c *scaffoldedCopy) outdir() string { return filepath.Join(c.dir, "cdk.out") }

// firstSynth runs the copy's first `cdk synth` (it builds every zip and
// synthesizes), once, and returns its output; the templates it wrote are
// in c.templates.
func (c *scaffoldedCopy) firstSynth(t *testing.T) string {
	t.Helper()
	c.synthOnce.Do(func() {
		start := time.Now()
		c.synthOut, c.synthErr = c.run(context.Background(), c.cdk, c.synthArgs()...)
		c.synthTime = time.Since(start)
		if c.synthErr == nil {
			c.templates, c.synthErr = templatesIn(c.outdir())
		}
	})
	if c.synthErr != nil {
		t.Fatal(c.synthErr)
	}
	return c.synthOut
}

// TestNewFunctionOfEveryKind proves that a function is one folder and one
// declaration: in scaffoldedCopy (`make new-function` for a function of
// each trigger kind, synthesized once with the real CDK CLI, which builds
// every zip) it checks each new function's role statements, trigger
// wiring, log group and asynchronous invocation settings, written out here
// by hand, and runs the scaffolded unit tests, the configuration's and the
// declarations' tests and the stack tests that read the declarations
// (declarationTests) in the copy, alongside the synth.
func TestNewFunctionOfEveryKind(t *testing.T) {
	t.Parallel() // waits on other processes, alongside the other such tests
	c := scaffoldedModule(t)
	// The project's own tests that read the declarations hold for any set
	// of declared functions: run them in the copy, with the four new ones
	// declared, in one go test (its builds run in parallel and share work)
	// alongside the CLI's synth. Only those: every test of the scaffolded
	// packages, the configuration's and the declarations', and the stack
	// tests that derive their expectations from the declarations and the
	// app's configuration messages (-run selects by name in every package,
	// so the pattern names each package's tests).
	packages, names := []string{"./test/", "./bin/app/"}, slices.Clone(declarationTests)
	for _, pkg := range wholeTestPackages {
		packages, names = append(packages, "./"+pkg+"/"), append(names, testFuncs(t, filepath.Join(c.dir, pkg))...)
	}
	for _, k := range scaffoldKinds {
		pkg := filepath.Join("internal", k.name)
		packages, names = append(packages, "./"+pkg+"/"), append(names, testFuncs(t, filepath.Join(c.dir, pkg))...)
	}
	pattern := "^(" + strings.Join(names, "|") + ")$"
	tested := make(chan error, 1)
	testStart := time.Now()
	go func() {
		out, err := c.run(t.Context(), "go", append([]string{"test", "-short", "-run", pattern}, packages...)...)
		if err == nil && strings.Contains(out, "no tests to run") {
			err = fmt.Errorf("go test -run %s ran no test in a package:\n%s", pattern, out)
		}
		tested <- err
	}()
	synthOut := c.firstSynth(t)
	testErr := <-tested
	t.Logf("copy and 4 scaffolds %s, cdk synth of the functions with the 4 new ones %s, the tests of the copy alongside it %s",
		c.scaffoldTime.Round(100*time.Millisecond), c.synthTime.Round(100*time.Millisecond), time.Since(testStart).Round(100*time.Millisecond))
	if testErr != nil {
		t.Errorf("with a function of each kind added, the tests that read the declarations or the scaffolded unit tests fail: %v", testErr)
	}

	for _, k := range scaffoldKinds {
		if !strings.Contains(synthOut, k.name+" ") || !strings.Contains(synthOut, "build "+k.name+" (arm64)") {
			t.Errorf("the size table does not show %s:\n%s", k.name, synthOut)
		}
	}
	var tpl template
	if err := json.Unmarshal([]byte(c.templates["GoLambdaCdk-dev.template.json"]), &tpl); err != nil {
		t.Fatal(err)
	}

	objects := func(prefix string) string {
		return `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::go-lambda-cdk-dev-",` + stackUUIDGroup + `,"/` + prefix + `*"]]}`
	}
	queueSend := failureQueueSend(t, tpl)
	t.Run("roles", func(t *testing.T) {
		checkRole(t, tpl, "Probeapi", nil)
		checkRole(t, tpl, "Probes3", []statement{
			{"ReadProbeIn", []string{"s3:GetObject"}, objects("probe-in/"), ""}, queueSend})
		checkRole(t, tpl, "Probecron", []statement{
			{"WriteProbecron", []string{"s3:PutObject"}, objects("probecron/"), ""}, queueSend})
		checkRole(t, tpl, "Probeasync", []statement{queueSend})
	})

	t.Run("log groups", func(t *testing.T) {
		for _, id := range []string{"Probeapi", "Probes3", "Probecron", "Probeasync"} {
			groupID, g := tpl.one(t, "AWS::Logs::LogGroup", id+"LogGroup")
			if get(g, "Properties.RetentionInDays") != 7.0 || g["DeletionPolicy"] != "Delete" {
				t.Errorf("%s: retention %v, deletion %v; want dev's 7 days, Delete", groupID, get(g, "Properties.RetentionInDays"), g["DeletionPolicy"])
			}
			_, fn := tpl.one(t, "AWS::Lambda::Function", id+"Function")
			if got := js(get(fn, "Properties.LoggingConfig.LogGroup")); got != `{"Ref":"`+groupID+`"}` {
				t.Errorf("%s logs to %s, want its own %s", id, got, groupID)
			}
		}
	})

	permitted := func(t *testing.T, fnID, principal string) bool {
		t.Helper()
		for _, p := range tpl.resources("AWS::Lambda::Permission") {
			if js(get(p, "Properties.FunctionName")) == `{"Ref":"`+fnID+`"}` && get(p, "Properties.Principal") == principal {
				return true
			}
		}
		return false
	}
	t.Run("triggers", func(t *testing.T) {
		apiID := liveAliasOf(t, tpl, "Probeapi")
		_, method := tpl.one(t, "AWS::ApiGateway::Method", "RestApiprobeidANY")
		if got := get(method, "Properties.Integration.Type"); got != "AWS_PROXY" {
			t.Errorf("ANY /probe/{id}: integration %v, want AWS_PROXY", got)
		}
		if got := refTarget(get(method, "Properties.Integration.Uri")); got != apiID {
			t.Errorf("ANY /probe/{id} integrates %v, want %s", got, apiID)
		}
		if !permitted(t, apiID, "apigateway.amazonaws.com") {
			t.Error("API Gateway may not invoke probeapi")
		}

		s3ID := liveAliasOf(t, tpl, "Probes3")
		_, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
		want := `{"Event":"s3:ObjectCreated:*","Filter":{"S3Key":{"Rules":[{"Name":"prefix","Value":"probe-in/"}]}},"Function":{"Ref":"` + s3ID + `"}}`
		if got := js(get(b, "Properties.NotificationConfiguration.LambdaConfigurations")); !strings.Contains(got, want) {
			t.Errorf("bucket notifications %s lack %s", got, want)
		}
		if !permitted(t, s3ID, "s3.amazonaws.com") {
			t.Error("S3 may not invoke probes3")
		}

		cronID := liveAliasOf(t, tpl, "Probecron")
		_, rule := tpl.one(t, "AWS::Events::Rule", "ProbecronSchedule")
		if got := get(rule, "Properties.ScheduleExpression"); got != "cron(30 6 ? * MON-FRI *)" {
			t.Errorf("schedule %v", got)
		}
		if got := js(get(rule, "Properties.Targets.0.Arn")); got != `{"Ref":"`+cronID+`"}` {
			t.Errorf("rule targets %s, want %s", got, cronID)
		}
		if !permitted(t, cronID, "events.amazonaws.com") {
			t.Error("EventBridge may not invoke probecron")
		}

		asyncID := liveAliasOf(t, tpl, "Probeasync")
		for _, principal := range []string{"apigateway.amazonaws.com", "s3.amazonaws.com", "events.amazonaws.com"} {
			if permitted(t, asyncID, principal) {
				t.Errorf("probeasync has no trigger, yet %s may invoke it", principal)
			}
		}
	})

	t.Run("async", func(t *testing.T) {
		queueID, _ := tpl.one(t, "AWS::SQS::Queue", "FailureQueue")
		for _, id := range []string{"Probes3", "Probecron", "Probeasync"} {
			fnID, _ := tpl.one(t, "AWS::Lambda::Function", id+"Function")
			_, c := tpl.one(t, "AWS::Lambda::EventInvokeConfig", id+"LiveEventInvokeConfig")
			for path, want := range map[string]string{
				"Properties.FunctionName":                            `{"Ref":"` + fnID + `"}`,
				"Properties.MaximumRetryAttempts":                    `2`,
				"Properties.MaximumEventAgeInSeconds":                `21600`,
				"Properties.DestinationConfig.OnFailure.Destination": `{"Fn::GetAtt":["` + queueID + `","Arn"]}`,
			} {
				if got := js(get(c, path)); got != want {
					t.Errorf("%s %s = %s, want %s", id, path, got, want)
				}
			}
		}
		for id := range tpl.resources("AWS::Lambda::EventInvokeConfig") {
			if strings.HasPrefix(id, "Probeapi") {
				t.Errorf("%s: a function behind the API is invoked synchronously; it needs no async config", id)
			}
		}
	})
}

// testFuncs returns the names of the tests, examples and fuzz tests that
// the _test.go files of dir declare, for go test's -run.
func testFuncs(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test file in %s (%v)", dir, err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, path := range paths {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Name.Name == "TestMain" {
				continue
			}
			for _, prefix := range []string{"Test", "Example", "Fuzz"} {
				if strings.HasPrefix(fn.Name.Name, prefix) {
					names = append(names, fn.Name.Name)
				}
			}
		}
	}
	return names
}
