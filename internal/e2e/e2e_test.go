package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/e2e"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/report"
	"go-lambda-cdk/internal/rie"
	"go-lambda-cdk/internal/s3local"
)

var built struct {
	once  sync.Once
	dir   string
	paths map[string]string
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// bootstrap returns the bootstrap of function name, building all of them
// once per test binary.
func bootstrap(t *testing.T, name string) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "e2e-bootstraps-"); built.err == nil {
			built.paths, built.err = e2e.Build(context.Background(), built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.paths[name]
}

type fn struct {
	*rie.Emulator
	logs *fixture.SyncBuffer // the emulator writes the function's output from its own goroutine
}

func start(t *testing.T, name string, env []string) fn {
	t.Helper()
	logs := &fixture.SyncBuffer{}
	e, err := e2e.Start(context.Background(), bootstrap(t, name), name, env, logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Close()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, logs)
		}
	})
	return fn{e, logs}
}

func invoke(t *testing.T, f fn, payload []byte, err error) rie.Response {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// stackTemplate is the dev stack as `make local` and a deploy run it, with
// its default auth.mode cognito: the local run's fixture, which `make
// update-snapshots` writes from the stack and TestLocalFixtureMatchesStack
// (test/) keeps equal to what the stack synthesizes.
const stackTemplate = "../local/template/testdata/cdk-synth-cognito.template.json"

// deployed is what the tests take from stackTemplate: each function's
// environment, and the bucket it names.
type deployed struct {
	env    map[string]map[string]string // by function name
	bucket string
}

func readDeployed(t *testing.T) deployed {
	t.Helper()
	tpl, err := template.ReadFile(stackTemplate, "GoLambdaCdk-dev")
	if err != nil {
		t.Fatal(err)
	}
	d := deployed{env: map[string]map[string]string{}}
	for _, name := range functions.Names() {
		env, err := e2e.TemplateEnv(tpl, name)
		if err != nil {
			t.Fatal(err)
		}
		if d.bucket == "" {
			d.bucket = env[layout.EnvBucketName]
		}
		if env[layout.EnvBucketName] == "" || env[layout.EnvBucketName] != d.bucket {
			t.Fatalf("%s: %s is %q, want the app's bucket %q", name, layout.EnvBucketName, env[layout.EnvBucketName], d.bucket)
		}
		d.env[name] = env
	}
	return d
}

// envList is the function's environment from the template with srv as S3.
func (d deployed) envList(name string, srv *s3local.Server) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(d.env[name])) {
		out = append(out, k+"="+d.env[name][k])
	}
	return append(out, srv.Env()...)
}

// caller is who calls the API: sub is the sub claim API Gateway's Cognito
// authorizer passes on, "" for a request without claims.
type caller struct {
	sub        string
	corsOrigin string // the Access-Control-Allow-Origin the api answers e2e.Origin with
}

func (c caller) callAPI(t *testing.T, f fn, method, path, resource, body string, wantStatus int, into any) {
	t.Helper()
	payload, err := e2e.APIPayloadAs(c.sub, method, path, resource, body)
	resp, err := e2e.APIResponse(invoke(t, f, payload, err))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s as %q: status %d, want %d; body %s", method, path, c.sub, resp.StatusCode, wantStatus, resp.Body)
	}
	if resp.Headers["Access-Control-Allow-Origin"] != c.corsOrigin {
		t.Errorf("%s %s: Access-Control-Allow-Origin %q, want %q for %s: %v", method, path, resp.Headers["Access-Control-Allow-Origin"], c.corsOrigin, e2e.Origin, resp.Headers)
	}
	if into != nil {
		if err := json.Unmarshal([]byte(resp.Body), into); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, resp.Body)
		}
	}
}

func startS3(t *testing.T, bucket string) (*s3local.Server, <-chan s3local.ObjectCreated) {
	t.Helper()
	created := make(chan s3local.ObjectCreated, 10)
	srv, err := s3local.Start(s3local.Options{Buckets: []string{bucket}, OnObjectCreated: func(o s3local.ObjectCreated) {
		select {
		case created <- o:
		default: // tests that store many objects do not read the events
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, created
}

// TestUploadCycle drives the three functions the way the deployed app runs
// them: with the environment of the synthesized template (auth.mode
// cognito, the default), and API events carrying the claims API Gateway's
// Cognito authorizer passes on. The API refuses a caller without claims,
// presigns for alice, the client uploads, S3 invokes the processor, the API
// serves the result to alice and not to bob, and the nightly report counts
// it.
func TestUploadCycle(t *testing.T) {
	stack := readDeployed(t)
	apiEnv := stack.env["api"]
	if apiEnv[layout.EnvAuthMode] != layout.AuthModeCognito {
		t.Fatalf("%s: the api's %s is %q, want the deployed default %q", stackTemplate, layout.EnvAuthMode, apiEnv[layout.EnvAuthMode], layout.AuthModeCognito)
	}
	srv, created := startS3(t, stack.bucket)
	apiFn, procFn, reportFn := start(t, "api", stack.envList("api", srv)), start(t, "processor", stack.envList("processor", srv)), start(t, "report", stack.envList("report", srv))
	corsOrigin := e2e.Origin
	if apiEnv[layout.EnvCORSAllowedOrigins] == "*" {
		corsOrigin = "*"
	}
	// Cognito subs are UUIDs.
	alice := caller{sub: "2f1e8c4a-0b7d-4e2f-9a31-5c6d7e8f9a0b", corsOrigin: corsOrigin}
	bob := caller{sub: "7d3b9e10-5c2a-4f6b-8e1d-0a9b8c7d6e5f", corsOrigin: corsOrigin}
	anonymous := caller{corsOrigin: corsOrigin}

	content := []byte("hello from the end-to-end test\n")
	create := fmt.Sprintf(`{"filename":"my song été.txt","contentType":"text/plain","size":%d}`, len(content))
	// A method the authorizer guards never reaches the function without
	// claims on API Gateway; if one is left unguarded, the api refuses it.
	anonymous.callAPI(t, apiFn, "POST", "/uploads", "", create, http.StatusUnauthorized, nil)
	anonymous.callAPI(t, apiFn, "GET", "/health", "", "", http.StatusOK, nil) // public
	var up api.CreateResponse
	alice.callAPI(t, apiFn, "POST", "/uploads", "", create, http.StatusCreated, &up)
	if up.Key != (layout.Upload{Owner: alice.sub, ID: up.ID, Filename: "my song été.txt"}).Key() {
		t.Fatalf("upload key %q for id %q, want one under alice's sub %s", up.Key, up.ID, alice.sub)
	}
	alice.callAPI(t, apiFn, "GET", "/uploads/"+up.ID, "/uploads/{id}", "", http.StatusNotFound, nil)
	// The signature pins the content type and length: S3 (and s3local,
	// which verifies presigned URLs) refuses a PUT whose headers differ.
	u, err := url.Parse(up.UploadURL)
	if err != nil {
		t.Fatal(err)
	}
	if signed := u.Query().Get("X-Amz-SignedHeaders"); signed != "content-length;content-type;host" {
		t.Errorf("X-Amz-SignedHeaders = %q, want content-length;content-type;host", signed)
	}
	if exp := u.Query().Get("X-Amz-Expires"); exp != apiEnv[layout.EnvUploadURLExpirySeconds] {
		t.Errorf("X-Amz-Expires = %q, want the template's %s %q", exp, layout.EnvUploadURLExpirySeconds, apiEnv[layout.EnvUploadURLExpirySeconds])
	}

	for _, bad := range []struct {
		contentType string
		body        []byte
	}{{"application/octet-stream", content}, {"text/plain", append(bytes.Clone(content), "more"...)}} {
		req, _ := http.NewRequest(up.Method, up.UploadURL, bytes.NewReader(bad.body))
		req.Header.Set("Content-Type", bad.contentType)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("PUT of %d bytes as %s to the URL signed for %d bytes of text/plain = %s, want 403", len(bad.body), bad.contentType, len(content), res.Status)
		}
	}

	// The client PUTs with exactly the signed headers.
	if status, body := fixture.Send(t, up.Method, up.UploadURL, up.Headers, content); status != http.StatusOK {
		t.Fatalf("PUT to the presigned URL: %d %s", status, body)
	}
	head, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(stack.bucket), Key: aws.String(up.Key)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ContentType) != "text/plain" || aws.ToInt64(head.ContentLength) != int64(len(content)) {
		t.Errorf("uploaded object is %s, %d bytes; want text/plain, %d", aws.ToString(head.ContentType), aws.ToInt64(head.ContentLength), len(content))
	}

	// S3 notifies the processor.
	var obj s3local.ObjectCreated
	select {
	case obj = <-created:
	case <-time.After(10 * time.Second):
		t.Fatal("the upload fired no object-created event")
	}
	if obj.Key != up.Key {
		t.Fatalf("object created at %q, want %q", obj.Key, up.Key)
	}
	payload, err := e2e.S3PayloadIn(obj.Bucket, obj.Key, obj.Size, obj.ETag, obj.Time)
	if resp := invoke(t, procFn, payload, err); resp.StatusCode != http.StatusOK || resp.ErrorType != "" {
		t.Fatalf("processor: %d %s %s", resp.StatusCode, resp.ErrorType, resp.Body)
	}
	procFn.Close() // flushes its output
	assertJSONLog(t, procFn, "processed")

	var res processor.Result
	alice.callAPI(t, apiFn, "GET", "/uploads/"+up.ID, "/uploads/{id}", "", http.StatusOK, &res)
	bob.callAPI(t, apiFn, "GET", "/uploads/"+up.ID, "/uploads/{id}", "", http.StatusNotFound, nil)
	anonymous.callAPI(t, apiFn, "GET", "/uploads/"+up.ID, "/uploads/{id}", "", http.StatusUnauthorized, nil)
	sum := sha256.Sum256(content)
	if res.ID != up.ID || res.Key != up.Key || res.Size != int64(len(content)) || res.SHA256 != hex.EncodeToString(sum[:]) || res.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("result %+v does not describe the upload", res)
	}

	// A run tomorrow reports on the day of the upload's event.
	payload, err = e2e.SchedulePayload(obj.Time.Add(report.Day))
	if resp := invoke(t, reportFn, payload, err); resp.StatusCode != http.StatusOK || resp.ErrorType != "" {
		t.Fatalf("report: %d %s %s", resp.StatusCode, resp.ErrorType, resp.Body)
	}
	var rep report.Report
	key := layout.ReportKey(obj.Time)
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(stack.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("report %s: %v", key, err)
	}
	defer out.Body.Close()
	if err := json.NewDecoder(out.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if rep.Count != 1 || rep.TotalBytes != int64(len(content)) || rep.ByContentType["text/plain; charset=utf-8"].Count != 1 {
		t.Errorf("report %+v, want the one upload", rep)
	}
}

// assertJSONLog checks that the function logged message as a JSON line
// carrying the Lambda request id.
func assertJSONLog(t *testing.T, f fn, message string) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(f.logs.String()))
	for sc.Scan() {
		var line struct {
			Message   string `json:"message"`
			RequestID string `json:"requestId"`
			Level     string `json:"level"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Message == message {
			if line.RequestID == "" || line.Level == "" {
				t.Errorf("log line %s has no requestId or level", sc.Text())
			}
			return
		}
	}
	t.Errorf("no JSON log line with message %q", message)
}

func TestErrors(t *testing.T) {
	stack := readDeployed(t)
	srv, _ := startS3(t, stack.bucket)

	t.Run("processor returns a failure for Lambda to retry", func(t *testing.T) {
		key := layout.Upload{Owner: "alice", ID: layout.NewUploadID(), Filename: "gone.txt"}.Key()
		payload, err := e2e.S3PayloadIn(stack.bucket, key, 10, "0123456789abcdef0123456789abcdef", time.Now())
		resp := invoke(t, start(t, "processor", stack.envList("processor", srv)), payload, err)
		if resp.StatusCode != http.StatusOK || resp.ErrorType == "" || !strings.Contains(resp.ErrorMessage, key) {
			t.Errorf("got %d errorType %q errorMessage %q, want a function error naming %s", resp.StatusCode, resp.ErrorType, resp.ErrorMessage, key)
		}
	})
	t.Run("api without its configuration fails to start", func(t *testing.T) {
		var partial []string
		for _, kv := range stack.envList("api", srv) {
			if !strings.HasPrefix(kv, layout.EnvMaxUploadBytes+"=") {
				partial = append(partial, kv)
			}
		}
		f := start(t, "api", partial)
		payload, err := e2e.APIPayload("GET", "/health", "", "")
		resp := invoke(t, f, payload, err)
		f.Close() // flushes its output
		// Lambda reports Runtime.ExitError; the emulator answers 502.
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("got %d %s, want 502 for the failed init", resp.StatusCode, resp.Body)
		}
		if !strings.Contains(f.logs.String(), layout.EnvMaxUploadBytes+" is not set") {
			t.Errorf("log does not name %s", layout.EnvMaxUploadBytes)
		}
	})
	t.Run("report on an event without time", func(t *testing.T) {
		resp := invoke(t, start(t, "report", stack.envList("report", srv)), []byte(`{"detail-type":"Scheduled Event","source":"aws.events"}`), nil)
		if resp.ErrorType == "" || !strings.Contains(resp.ErrorMessage, "no time") {
			t.Errorf("got %d %s", resp.StatusCode, resp.Body)
		}
	})
}
