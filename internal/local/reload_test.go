package local_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/template"
)

// reloadModule is a module of two functions with no third-party
// dependency: greetfn answers greeting.Text() from a package of its own
// dependency graph, other answers "other"; both answer with their process
// id, through a minimal client of Lambda's runtime API. A request with
// ?slow=1 creates the file $PROBE_DIR/inflight and waits for
// $PROBE_DIR/release before answering.
var reloadModule = map[string]string{
	"go.mod": "module reloadprobe\n\ngo 1.26\n",
	"internal/lambdart/lambdart.go": `// Package lambdart is a minimal client of Lambda's runtime API.
package lambdart

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Serve answers every invocation with an API Gateway proxy response whose
// body is answer() and the process id.
func Serve(answer func() string) {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		next, err := http.Get(api + "next")
		if err != nil {
			os.Exit(1)
		}
		event, _ := io.ReadAll(next.Body)
		next.Body.Close()
		if bytes.Contains(event, []byte(` + "`" + `"slow":"1"` + "`" + `)) {
			dir := os.Getenv("PROBE_DIR")
			os.WriteFile(filepath.Join(dir, "inflight"), nil, 0o644)
			for _, err := os.Stat(filepath.Join(dir, "release")); err != nil; _, err = os.Stat(filepath.Join(dir, "release")) {
				time.Sleep(10 * time.Millisecond)
			}
		}
		body, _ := json.Marshal(map[string]any{"statusCode": 200, "body": answer() + " pid " + strconv.Itoa(os.Getpid())})
		resp, err := http.Post(api+next.Header.Get("Lambda-Runtime-Aws-Request-Id")+"/response", "application/json", bytes.NewReader(body))
		if err != nil {
			os.Exit(1)
		}
		resp.Body.Close()
	}
}
`,
	"internal/greeting/greeting.go": greeting("v0"),
	"lambda/greetfn/main.go":        "package main\n\nimport (\n\t\"reloadprobe/internal/greeting\"\n\t\"reloadprobe/internal/lambdart\"\n)\n\nfunc main() { lambdart.Serve(greeting.Text) }\n",
	"lambda/other/main.go":          "package main\n\nimport \"reloadprobe/internal/lambdart\"\n\nfunc main() { lambdart.Serve(func() string { return \"other\" }) }\n",
	"stacks/stack.go":               "package stacks\n",
}

func greeting(text string) string {
	return "// Package greeting is what greetfn says.\npackage greeting\n\n// Text is the greeting.\nfunc Text() string { return \"" + text + "\" }\n"
}

// reloadTemplate routes GET /greet and GET /other of stage dev to the two
// functions, named by the stack's Metadata entry; PROBE_DIR is dir.
func reloadTemplate(dir string) string {
	return fmt.Sprintf(`{"Resources": {
 "GreetfnFunction1A2B": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "greetfn"},
  "Properties": {"Runtime": "provided.al2023", "Handler": "bootstrap", "Timeout": 300, "Environment": {"Variables": {"PROBE_DIR": %[1]q}}}},
 "OtherFunction3C4D": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "other"},
  "Properties": {"Runtime": "provided.al2023", "Handler": "bootstrap", "Timeout": 300, "Environment": {"Variables": {"PROBE_DIR": %[1]q}}}},
 "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "probe"}},
 "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "dev"}},
 %[2]s,
 %[3]s
}}`, dir, reloadRoute("greet", "GreetfnFunction1A2B"), reloadRoute("other", "OtherFunction3C4D"))
}

func reloadRoute(path, function string) string {
	return fmt.Sprintf(`"R%[1]s": {"Type": "AWS::ApiGateway::Resource", "Properties": {"ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "%[1]s", "RestApiId": {"Ref": "Api"}}},
 "M%[1]s": {"Type": "AWS::ApiGateway::Method", "Properties": {"AuthorizationType": "NONE", "HttpMethod": "GET", "ResourceId": {"Ref": "R%[1]s"}, "RestApiId": {"Ref": "Api"},
  "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {"Fn::Join": ["", ["arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["%[2]s", "Arn"]}, "/invocations"]]}}}}`, path, function)
}

// TestReload runs the local run with Reload on a module of two functions
// and edits it: a saved change to a package greetfn depends on is served
// without a restart, a syntax error is reported while the last good build
// keeps serving, a change under RestartOn says that a restart is needed,
// and the other function keeps serving from the same process throughout.
// It reports the time from writing the file to the first response that
// shows the change.
func TestReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and rebuilds functions")
	}
	mod := t.TempDir()
	for name, content := range reloadModule {
		fixture.WriteFile(t, filepath.Join(mod, name), content)
	}
	tpl, err := template.Parse([]byte(reloadTemplate(mod)), "Probe")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var logs fixture.SyncBuffer
	app, err := local.Start(ctx, local.Options{
		Template: tpl, ModuleDir: mod, StateDir: filepath.Join(mod, ".local"),
		API: true, APIAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", Logs: &logs,
		Reload: true, RestartOn: []string{"stacks", filepath.Join("stacks", "stack.go")},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := app.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	}()
	// get answers a transport error as status 0, so that the goroutine
	// below can call it too.
	get := func(path string) (int, string) {
		resp, err := http.Get(app.APIURL() + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	waitFor(t, ctx, "the watcher to start", func() bool { return strings.Contains(logs.String(), "reload: on") })
	if status, body := get("/greet"); status != http.StatusOK || !strings.HasPrefix(body, "v0 pid ") {
		t.Fatalf("GET /greet = %d %q, want v0", status, body)
	}
	status, otherBody := get("/other")
	if status != http.StatusOK || !strings.HasPrefix(otherBody, "other pid ") {
		t.Fatalf("GET /other = %d %q", status, otherBody)
	}

	// other answers from the same process, every time, while greetfn reloads.
	stop := make(chan struct{})
	var otherErrs []string
	var otherCalls int
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			otherCalls++
			if status, body := get("/other"); status != http.StatusOK || body != otherBody {
				otherErrs = append(otherErrs, fmt.Sprintf("%d %q", status, body))
			}
		}
	})

	greetingFile := filepath.Join(mod, "internal", "greeting", "greeting.go")
	// saves is how many times the first subtest saves the dependency: twice,
	// so that a reload also replaces a reload's build, not only Start's
	// (each costs a link; go run ./bin/bench-reload times more saves).
	// Then last is served, and the next subtest saves next.
	const saves = 2
	last, next := fmt.Sprintf("v%d", saves), fmt.Sprintf("v%d", saves+1)
	var served []time.Duration
	t.Run("a saved dependency is served", func(t *testing.T) {
		for i := 1; i <= saves; i++ {
			want := fmt.Sprintf("v%d pid ", i)
			start := time.Now()
			fixture.WriteFile(t, greetingFile, greeting(fmt.Sprintf("v%d", i)))
			waitFor(t, ctx, "GET /greet to answer "+want, func() bool {
				status, body := get("/greet")
				return status == http.StatusOK && strings.HasPrefix(body, want)
			})
			served = append(served, time.Since(start))
		}
		if n := strings.Count(logs.String(), "reload: greetfn rebuilt in "); n != saves {
			t.Errorf("%d lines \"reload: greetfn rebuilt in\", want one per save (%d)", n, saves)
		}
	})

	t.Run("an invocation in flight finishes on the replaced build", func(t *testing.T) {
		type answer struct {
			status int
			body   string
		}
		slow := make(chan answer, 1)
		go func() {
			status, body := get("/greet?slow=1")
			slow <- answer{status, body}
		}()
		waitFor(t, ctx, "the slow invocation to start", func() bool { _, err := os.Stat(filepath.Join(mod, "inflight")); return err == nil })
		fixture.WriteFile(t, greetingFile, greeting(next))
		// The only emulator of the replaced build is busy: new requests
		// reach the new one.
		waitFor(t, ctx, "GET /greet to answer "+next, func() bool {
			status, body := get("/greet")
			return status == http.StatusOK && strings.HasPrefix(body, next+" pid ")
		})
		fixture.WriteFile(t, filepath.Join(mod, "release"), "")
		got := <-slow
		if got.status != http.StatusOK || !strings.HasPrefix(got.body, last+" pid ") {
			t.Fatalf("the slow GET /greet = %d %q, want %s from the build it started on", got.status, got.body, last)
		}
		pid := strings.TrimPrefix(got.body, last+" pid ")
		waitFor(t, ctx, "the replaced build's process "+pid+" to stop", func() bool {
			_, err := os.Stat(filepath.Join("/proc", pid))
			return err != nil
		})
	})

	t.Run("a build error keeps the last good build", func(t *testing.T) {
		fixture.WriteFile(t, greetingFile, "package greeting\n\nfunc Text() string { return \"broken\" \n")
		waitFor(t, ctx, "the build error", func() bool { return strings.Contains(logs.String(), "reload: greetfn: the build failed") })
		if !strings.Contains(logs.String(), "greeting.go:") {
			t.Errorf("the build error does not name the file and line")
		}
		if status, body := get("/greet"); status != http.StatusOK || !strings.HasPrefix(body, next+" pid ") {
			t.Errorf("GET /greet after a failed build = %d %q, want the last good build's %s", status, body, next)
		}
		fixture.WriteFile(t, greetingFile, greeting("fixed"))
		waitFor(t, ctx, "the fix to be served", func() bool {
			status, body := get("/greet")
			return status == http.StatusOK && strings.HasPrefix(body, "fixed pid ")
		})
	})

	t.Run("a change under RestartOn asks for a restart", func(t *testing.T) {
		// A test file is not part of the template's build: saved first, it
		// must not ask for a restart by the time the source's change does.
		fixture.WriteFile(t, filepath.Join(mod, "stacks", "stack_test.go"), "package stacks\n")
		fixture.WriteFile(t, filepath.Join(mod, "stacks", "stack.go"), "package stacks\n\n// Changed.\n")
		waitFor(t, ctx, "the restart notice", func() bool {
			return strings.Contains(logs.String(), "reload: "+filepath.Join("stacks", "stack.go")+" changed")
		})
		if strings.Contains(logs.String(), "stack_test.go") {
			t.Errorf("saving a test file under RestartOn asked for a restart:\n%s", logs.String())
		}
	})

	close(stop)
	wg.Wait()
	if otherCalls == 0 || len(otherErrs) > 0 {
		t.Errorf("other answered %d calls, %d of them not as before the reloads: %v", otherCalls, len(otherErrs), otherErrs)
	}
	if strings.Contains(logs.String(), "reload: other") {
		t.Errorf("other was rebuilt; none of its files changed")
	}
	if len(served) > 0 {
		sorted := slices.Sorted(slices.Values(served))
		t.Logf("save to served: median %s over %d saves (%v)", sorted[len(sorted)/2].Round(time.Millisecond), len(served), served)
	}
}

// waitFor polls cond until it holds; the test fails when ctx ends, or a
// minute passes, first.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
