package scaffold

// Templates of the generated files, per trigger kind. Each gets a data
// value with Module, Name, Description, Paths, Prefix and Cron; the Go
// sources are gofmt'ed after execution.

const mainHeader = `// Command {{.Name}} is the Lambda function "{{.Description}}";
// the logic is in package {{.Module}}/internal/{{.Name}}. This main only
// wires: it reads the environment, builds clients once and starts.
package main
`

var mainTemplates = map[string]string{
	"api": mainHeader + `
import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"{{.Module}}/internal/{{.Name}}"
	"{{.Module}}/internal/lambdaenv"
)

func main() {
	lambdaenv.Main("{{.Name}}", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.Handler[events.APIGatewayProxyRequest, events.APIGatewayProxyResponse], error) {
	return {{.Name}}.New(lambdacontext.NewLogger()).Handle, nil
}
`,
	"s3": mainHeader + `
import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"{{.Module}}/internal/{{.Name}}"
	"{{.Module}}/internal/lambdaenv"
)

func main() {
	lambdaenv.MainEvent("{{.Name}}", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.EventHandler[events.S3Event], error) {
	client, err := lambdaenv.S3Client(ctx, lookup)
	if err != nil {
		return nil, err
	}
	return {{.Name}}.New(client, lambdacontext.NewLogger()).Handle, nil
}
`,
	"schedule": mainHeader + `
import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"{{.Module}}/internal/{{.Name}}"
	"{{.Module}}/internal/lambdaenv"
)

func main() {
	lambdaenv.MainEvent("{{.Name}}", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.EventHandler[events.EventBridgeEvent], error) {
	bucket, client, err := lambdaenv.BucketClient(ctx, lookup)
	if err != nil {
		return nil, err
	}
	return {{.Name}}.New(client, bucket, lambdacontext.NewLogger()).Handle, nil
}
`,
	"none": mainHeader + `
import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"{{.Module}}/internal/{{.Name}}"
	"{{.Module}}/internal/lambdaenv"
)

func main() {
	lambdaenv.MainEvent("{{.Name}}", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.EventHandler[json.RawMessage], error) {
	return {{.Name}}.New(lambdacontext.NewLogger()).Handle, nil
}
`,
}

var handlerTemplates = map[string]string{
	"api": `// Package {{.Name}} is the logic of the {{.Name}} function: it answers the
// REST API's {{join .Paths ", "}} (API Gateway Lambda proxy events).
package {{.Name}}

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Handler answers API Gateway proxy requests. Build it once with New.
type Handler struct {
	log *slog.Logger
}

// New returns a Handler logging to log.
func New(log *slog.Logger) *Handler {
	return &Handler{log: log}
}

// Handle answers GET with a JSON document naming the function and the
// path, and any other method with 405 and an Allow header.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if req.HTTPMethod != http.MethodGet {
		return respond(http.StatusMethodNotAllowed, map[string]string{"error": "method " + req.HTTPMethod + " not allowed"}, "Allow", http.MethodGet)
	}
	h.log.InfoContext(ctx, "request", "path", req.Path, "resource", req.Resource)
	return respond(http.StatusOK, map[string]string{"function": "{{.Name}}", "path": req.Path})
}

// respond encodes body as the JSON response, with extra header name/value
// pairs.
func respond(status int, body any, header ...string) (events.APIGatewayProxyResponse, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("encode response: %w", err)
	}
	headers := map[string]string{"Content-Type": "application/json"}
	for i := 0; i+1 < len(header); i += 2 {
		headers[header[i]] = header[i+1]
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers, Body: string(data)}, nil
}
`,
	"s3": `// Package {{.Name}} is the logic of the {{.Name}} function: S3 invokes it
// for every object created under {{.Prefix}} in the app's bucket.
package {{.Name}}

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"{{.Module}}/internal/objects"
)

// Store is the S3 access the handler needs; *s3.Client satisfies it. Its
// role may read objects under {{.Prefix}} only (see its declaration).
type Store interface {
	objects.Getter
}

var _ Store = (*s3.Client)(nil)

// Handler handles S3 object-created events. Build it once with New.
type Handler struct {
	store Store
	log   *slog.Logger
}

// New returns a Handler reading through store and logging to log.
func New(store Store, log *slog.Logger) *Handler {
	return &Handler{store: store, log: log}
}

// Handle reads every object the event names and logs its size. An error
// makes Lambda retry the event, then send it to the failure queue.
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) error {
	for _, rec := range ev.Records {
		bucket, key := rec.S3.Bucket.Name, rec.S3.Object.URLDecodedKey
		out, err := h.store.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
		}
		n, err := io.Copy(io.Discard, out.Body)
		out.Body.Close()
		if err != nil {
			return fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
		}
		h.log.InfoContext(ctx, "object read", "bucket", bucket, "key", key, "bytes", n)
	}
	return nil
}
`,
	"schedule": `// Package {{.Name}} is the logic of the {{.Name}} function: EventBridge
// invokes it on the schedule cron({{.Cron}}).
package {{.Name}}

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"{{.Module}}/internal/objects"
)

// Prefix is where the function writes in the app's bucket; its role may
// write under it only (see its declaration).
const Prefix = "{{.Name}}/"

// Store is the S3 access the handler needs; *s3.Client satisfies it.
type Store interface {
	objects.Putter
}

var _ Store = (*s3.Client)(nil)

// Run is what the handler records for each scheduled run.
type Run struct {
	Time string ` + "`json:\"time\"`" + `
	Rule string ` + "`json:\"rule\"`" + `
}

// Handler handles scheduled events. Build it once with New.
type Handler struct {
	store  Store
	bucket string
	log    *slog.Logger
}

// New returns a Handler writing to bucket through store and logging to log.
func New(store Store, bucket string, log *slog.Logger) *Handler {
	return &Handler{store: store, bucket: bucket, log: log}
}

// Handle records the run as Prefix + <time>.json. An error makes
// EventBridge's asynchronous invocation retry, then send the event to the
// failure queue.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	run := Run{Time: ev.Time.UTC().Format("2006-01-02T15:04:05Z")}
	if len(ev.Resources) > 0 {
		run.Rule = ev.Resources[0]
	}
	key := Prefix + run.Time + ".json"
	if err := objects.PutJSON(ctx, h.store, h.bucket, key, run); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	h.log.InfoContext(ctx, "run recorded", "key", key)
	return nil
}
`,
	"none": `// Package {{.Name}} is the logic of the {{.Name}} function, which other
// functions invoke asynchronously (InvocationType Event) with a JSON
// payload.
package {{.Name}}

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
)

// Handler handles asynchronous invocations. Build it once with New.
type Handler struct {
	log *slog.Logger
}

// New returns a Handler logging to log.
func New(log *slog.Logger) *Handler {
	return &Handler{log: log}
}

// Handle accepts a JSON object and logs its keys. Anything else is an
// error, which makes Lambda retry, then send the event to the failure
// queue.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
		return errors.New("payload is not a JSON object")
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	h.log.InfoContext(ctx, "invoked", "keys", keys)
	return nil
}
`,
}

var testTemplates = map[string]string{
	"api": `package {{.Name}}_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"{{.Module}}/internal/fixture"
	"{{.Module}}/internal/{{.Name}}"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestHandle(t *testing.T) {
	tests := []struct {
		name   string
		method string
		want   int
	}{
		{"get", http.MethodGet, http.StatusOK},
		{"post is not allowed", http.MethodPost, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req events.APIGatewayProxyRequest
			fixture.Load(t, "api-request.json", &req)
			req.HTTPMethod = tt.method
			resp, err := {{.Name}}.New(discard).Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, resp.Body)
			}
			var body map[string]string
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body is not JSON: %s", resp.Body)
			}
			if tt.want == http.StatusOK && body["path"] != req.Path {
				t.Errorf("body %v, want path %s", body, req.Path)
			}
		})
	}
}
`,
	"s3": `package {{.Name}}_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"{{.Module}}/internal/fixture"
	"{{.Module}}/internal/objects/objectstest"
	"{{.Module}}/internal/{{.Name}}"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestHandle(t *testing.T) {
	var ev events.S3Event
	fixture.Load(t, "s3-put.json", &ev)
	key := ev.Records[0].S3.Object.URLDecodedKey

	store := &objectstest.Store{}
	store.Set(key, objectstest.Object{Data: []byte("hello")})
	if err := {{.Name}}.New(store, discard).Handle(context.Background(), ev); err != nil {
		t.Fatalf("existing object: %v", err)
	}
	if err := {{.Name}}.New(&objectstest.Store{}, discard).Handle(context.Background(), ev); err == nil {
		t.Fatal("a missing object gave no error, so Lambda would not retry")
	}
}
`,
	"schedule": `package {{.Name}}_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"{{.Module}}/internal/fixture"
	"{{.Module}}/internal/objects/objectstest"
	"{{.Module}}/internal/{{.Name}}"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestHandle(t *testing.T) {
	var ev events.EventBridgeEvent
	fixture.Load(t, "scheduled.json", &ev)
	store := &objectstest.Store{}
	if err := {{.Name}}.New(store, "app-bucket", discard).Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	want := {{.Name}}.Prefix + ev.Time.UTC().Format("2006-01-02T15:04:05Z") + ".json"
	obj, ok := store.Get(want)
	if !ok {
		t.Fatalf("no object %s; keys %v", want, store.Keys())
	}
	var run {{.Name}}.Run
	if err := json.Unmarshal(obj.Data, &run); err != nil || run.Rule != ev.Resources[0] {
		t.Errorf("recorded %s (%v), want the rule %s", obj.Data, err, ev.Resources[0])
	}
}
`,
	"none": `package {{.Name}}_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"{{.Module}}/internal/fixture"
	"{{.Module}}/internal/{{.Name}}"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestHandle(t *testing.T) {
	h := {{.Name}}.New(discard)
	if err := h.Handle(context.Background(), fixture.Bytes(t, "invocation.json")); err != nil {
		t.Fatal(err)
	}
	if err := h.Handle(context.Background(), []byte("[1, 2]")); err == nil {
		t.Error("a payload that is not an object gave no error")
	}
}
`,
}
