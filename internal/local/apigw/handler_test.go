package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeInvoker records the last event and answers with a fixed output.
type fakeInvoker struct {
	function string
	payload  []byte
	out      []byte
	err      error
	wait     bool // block until the context ends
}

var _ Invoker = (*fakeInvoker)(nil)

func (f *fakeInvoker) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	f.function, f.payload = function, payload
	if f.wait {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return f.out, f.err
}

func (f *fakeInvoker) event(t *testing.T) Event {
	t.Helper()
	if f.payload == nil {
		t.Fatal("function was not invoked")
	}
	var ev Event
	if err := json.Unmarshal(f.payload, &ev); err != nil {
		t.Fatalf("event is not JSON: %v", err)
	}
	return ev
}

var testRoutes = []Route{
	{Path: "/uploads", Method: "POST", Function: "api"},
	{Path: "/uploads/{id}", Method: "GET", Function: "api"},
	{Path: "/uploads/{id}", Method: "OPTIONS", Mock: &MockResponse{StatusCode: 204, Headers: map[string]string{"Access-Control-Allow-Origin": "*"}}},
	{Path: "/health", Method: "ANY", Function: "health"},
	{Path: "/files/{proxy+}", Method: "ANY", Function: "files"},
	{Path: "/files/special", Method: "GET", Function: "special"},
}

const okResponse = `{"statusCode":200,"body":"ok"}`

func newTestHandler(t *testing.T, inv Invoker) *Handler {
	t.Helper()
	h, err := New(Config{
		Stage: "dev", Routes: testRoutes, Invoker: inv, BinaryMediaTypes: []string{"image/*", "application/octet-stream"},
		Now:          func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) },
		NewRequestID: func() string { return "req-1" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRouting(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantFunction string
		wantResource string
		wantParams   map[string]string
	}{
		{"POST", "/dev/uploads", 200, "api", "/uploads", nil},
		{"POST", "/dev/uploads/", 200, "api", "/uploads", nil},
		{"GET", "/dev/uploads/abc", 200, "api", "/uploads/{id}", map[string]string{"id": "abc"}},
		{"GET", "/dev/uploads/a%20b", 200, "api", "/uploads/{id}", map[string]string{"id": "a b"}},
		{"DELETE", "/dev/health", 200, "health", "/health", nil},
		{"GET", "/dev/files/special", 200, "special", "/files/special", nil},
		{"POST", "/dev/files/special", 403, "", "", nil}, // the literal resource wins even without the method
		{"POST", "/dev/files/other", 200, "files", "/files/{proxy+}", map[string]string{"proxy": "other"}},
		{"GET", "/dev/files/a/b/c.txt", 200, "files", "/files/{proxy+}", map[string]string{"proxy": "a/b/c.txt"}},
		{"GET", "/dev/uploads", 403, "", "", nil},       // resource exists, method does not
		{"GET", "/dev/uploads/a/b", 403, "", "", nil},   // no such resource
		{"GET", "/dev/files", 403, "", "", nil},         // greedy needs at least one segment
		{"GET", "/prod/health", 403, "", "", nil},       // other stage
		{"GET", "/health", 403, "", "", nil},            // no stage
		{"GET", "/dev", 403, "", "", nil},               // root has no method
		{"PROPFIND", "/dev/health", 403, "", "", nil},   // method API Gateway does not know
		{"OPTIONS", "/dev/uploads/x", 204, "", "", nil}, // MOCK integration
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			inv := &fakeInvoker{out: []byte(okResponse)}
			w := serve(newTestHandler(t, inv), httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 403 {
				if got := w.Body.String(); got != `{"message":"Missing Authentication Token"}` {
					t.Errorf("body = %s", got)
				}
				if got := w.Header().Get("x-amzn-ErrorType"); got != "MissingAuthenticationTokenException" {
					t.Errorf("x-amzn-ErrorType = %q", got)
				}
			}
			if tt.wantFunction == "" {
				if inv.payload != nil {
					t.Errorf("function %s invoked, want none", inv.function)
				}
				return
			}
			if inv.function != tt.wantFunction {
				t.Errorf("function = %q, want %q", inv.function, tt.wantFunction)
			}
			ev := inv.event(t)
			if ev.Resource != tt.wantResource || ev.RequestContext.ResourcePath != tt.wantResource {
				t.Errorf("resource = %q / %q, want %q", ev.Resource, ev.RequestContext.ResourcePath, tt.wantResource)
			}
			if !reflect.DeepEqual(ev.PathParameters, tt.wantParams) {
				t.Errorf("pathParameters = %v, want %v", ev.PathParameters, tt.wantParams)
			}
		})
	}
}

func TestMockIntegrationHeaders(t *testing.T) {
	w := serve(newTestHandler(t, &fakeInvoker{}), httptest.NewRequest("OPTIONS", "/dev/uploads/x", nil))
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
	}
}

func TestEventShape(t *testing.T) {
	tests := []struct {
		name  string
		req   func() *http.Request
		check func(t *testing.T, ev Event, raw map[string]any)
	}{
		{
			name: "repeated query keys",
			req:  func() *http.Request { return httptest.NewRequest("GET", "/dev/uploads/1?a=1&a=2&b=x%20y&c=", nil) },
			check: func(t *testing.T, ev Event, _ map[string]any) {
				wantSingle := map[string]string{"a": "2", "b": "x y", "c": ""}
				wantMulti := map[string][]string{"a": {"1", "2"}, "b": {"x y"}, "c": {""}}
				if !reflect.DeepEqual(ev.QueryStringParameters, wantSingle) {
					t.Errorf("queryStringParameters = %v, want %v", ev.QueryStringParameters, wantSingle)
				}
				if !reflect.DeepEqual(ev.MultiValueQueryStringParameters, wantMulti) {
					t.Errorf("multiValueQueryStringParameters = %v, want %v", ev.MultiValueQueryStringParameters, wantMulti)
				}
			},
		},
		{
			name: "no query string is null",
			req:  func() *http.Request { return httptest.NewRequest("GET", "/dev/uploads/1", nil) },
			check: func(t *testing.T, _ Event, raw map[string]any) {
				for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "stageVariables", "body"} {
					if v, ok := raw[k]; !ok || v != nil {
						t.Errorf("%s = %v (present %v), want null", k, v, ok)
					}
				}
				if v, ok := raw["isBase64Encoded"]; !ok || v != false {
					t.Errorf("isBase64Encoded = %v (present %v), want false", v, ok)
				}
			},
		},
		{
			name: "repeated headers",
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "/dev/uploads/1", nil)
				r.Header.Add("X-Tag", "one")
				r.Header.Add("X-Tag", "two")
				r.Header.Set("Accept", "text/plain, application/json")
				return r
			},
			check: func(t *testing.T, ev Event, _ map[string]any) {
				if got := ev.Headers["X-Tag"]; got != "two" {
					t.Errorf("headers X-Tag = %q, want last value", got)
				}
				if got := ev.MultiValueHeaders["X-Tag"]; !reflect.DeepEqual(got, []string{"one", "two"}) {
					t.Errorf("multiValueHeaders X-Tag = %q", got)
				}
				if got := ev.MultiValueHeaders["Accept"]; !reflect.DeepEqual(got, []string{"text/plain, application/json"}) {
					t.Errorf("one header with commas must stay one value, got %q", got)
				}
				if ev.Headers["Host"] != "example.com" || ev.Headers["X-Forwarded-Proto"] != "http" || ev.Headers["X-Forwarded-For"] != "192.0.2.1" {
					t.Errorf("host/forwarded headers = %v", ev.Headers)
				}
			},
		},
		{name: "text body", req: upload("application/json", []byte(`{"filename":"a.txt"}`)), check: wantBody(new(`{"filename":"a.txt"}`), false)},
		{name: "binary media type body", req: upload("image/png", []byte("plain ascii png")), check: wantBody(new(base64.StdEncoding.EncodeToString([]byte("plain ascii png"))), true)},
		{name: "non-UTF-8 body", req: upload("", []byte{0xff, 0x00, 0xfe}), check: wantBody(new("/wD+"), true)},
		{name: "empty body is null", req: upload("image/png", nil), check: wantBody(nil, false)},
		{
			name: "request context",
			req:  func() *http.Request { return httptest.NewRequest("GET", "/dev/uploads/xyz", nil) },
			check: func(t *testing.T, ev Event, _ map[string]any) {
				rc := ev.RequestContext
				if ev.Path != "/uploads/xyz" || rc.Path != "/dev/uploads/xyz" {
					t.Errorf("path = %q, requestContext.path = %q", ev.Path, rc.Path)
				}
				if rc.Stage != "dev" || rc.RequestID != "req-1" || rc.HTTPMethod != "GET" || rc.AccountID != accountID {
					t.Errorf("requestContext = %+v", rc)
				}
				if rc.RequestTime != "04/Mar/2025:05:06:07 +0000" || rc.RequestTimeEpoch != 1741064767000 {
					t.Errorf("requestTime = %q, epoch %d", rc.RequestTime, rc.RequestTimeEpoch)
				}
				if rc.Identity.SourceIP != "192.0.2.1" || rc.Protocol != "HTTP/1.1" {
					t.Errorf("identity = %+v, protocol %q", rc.Identity, rc.Protocol)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{out: []byte(okResponse)}
			if w := serve(newTestHandler(t, inv), tt.req()); w.Code != 200 {
				t.Fatalf("status = %d: %s", w.Code, w.Body)
			}
			var raw map[string]any
			if err := json.Unmarshal(inv.payload, &raw); err != nil {
				t.Fatal(err)
			}
			tt.check(t, inv.event(t), raw)
		})
	}
}

// upload returns a POST /dev/uploads request with body and, unless "", the
// content type.
func upload(contentType string, body []byte) func() *http.Request {
	return func() *http.Request {
		r := httptest.NewRequest("POST", "/dev/uploads", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		return r
	}
}

// quoted is s quoted, or null for nil.
func quoted(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// wantBody checks the event's body (nil: null) and its isBase64Encoded.
func wantBody(body *string, base64 bool) func(*testing.T, Event, map[string]any) {
	return func(t *testing.T, ev Event, _ map[string]any) {
		if quoted(ev.Body) != quoted(body) || ev.IsBase64Encoded != base64 {
			t.Errorf("body = %s, base64 %v; want %s, %v", quoted(ev.Body), ev.IsBase64Encoded, quoted(body), base64)
		}
	}
}

func TestResponse(t *testing.T) {
	tests := []struct {
		name       string
		out        string
		err        error
		wantStatus int
		wantBody   string
		wantHeader map[string][]string
	}{
		{"plain", `{"statusCode":201,"headers":{"X-A":"1"},"body":"{\"id\":\"x\"}"}`, nil, 201, `{"id":"x"}`,
			map[string][]string{"X-A": {"1"}, "Content-Type": {"application/json"}}},
		{"content type kept", `{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"hi"}`, nil, 200, "hi",
			map[string][]string{"Content-Type": {"text/plain"}}},
		{"multi-value headers merged", `{"statusCode":200,"headers":{"X-A":"h","X-B":"b"},"multiValueHeaders":{"X-A":["m1","m2"],"Set-Cookie":["a=1","b=2"]}}`, nil, 200, "",
			map[string][]string{"X-A": {"m1", "m2"}, "X-B": {"b"}, "Set-Cookie": {"a=1", "b=2"}}},
		{"base64 body", `{"statusCode":200,"isBase64Encoded":true,"body":"/wD+"}`, nil, 200, "\xff\x00\xfe", nil},
		{"null body", `{"statusCode":204,"body":null}`, nil, 204, "", nil},
		{"function error", `{"errorMessage":"boom","errorType":"errorString"}`, errors.New("function error: boom"), 502, `{"message":"Internal server error"}`, nil},
		{"not JSON", `hello`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"null", `null`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"missing status", `{"body":"x"}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"status out of range", `{"statusCode":99}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"body not a string", `{"statusCode":200,"body":{"a":1}}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"header not a string", `{"statusCode":200,"headers":{"X":1}}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"multi-value header not a list", `{"statusCode":200,"multiValueHeaders":{"X":"1"}}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"unknown field", `{"statusCode":200,"cookies":["a=1"]}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"bad base64", `{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`, nil, 502, `{"message":"Internal server error"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{out: []byte(tt.out), err: tt.err}
			w := serve(newTestHandler(t, inv), httptest.NewRequest("GET", "/dev/uploads/1", nil))
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				if got := w.Header().Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if got := w.Header().Get("x-amzn-RequestId"); got != "req-1" {
				t.Errorf("x-amzn-RequestId = %q", got)
			}
		})
	}
}

func TestIntegrationTimeout(t *testing.T) {
	h, err := New(Config{Stage: "dev", Routes: testRoutes, Invoker: &fakeInvoker{wait: true}, IntegrationTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := serve(h, httptest.NewRequest("GET", "/dev/health", nil))
	if w.Code != http.StatusGatewayTimeout || w.Body.String() != `{"message":"Endpoint request timed out"}` {
		t.Errorf("got %d %s, want 504 timeout", w.Code, w.Body)
	}
}

func TestPayloadTooLarge(t *testing.T) {
	inv := &fakeInvoker{out: []byte(okResponse)}
	w := serve(newTestHandler(t, inv), httptest.NewRequest("POST", "/dev/uploads", io.LimitReader(zeros{}, MaxPayloadBytes+1)))
	if w.Code != http.StatusRequestEntityTooLarge || inv.payload != nil {
		t.Errorf("status = %d, invoked %v; want 413 and no invocation", w.Code, inv.payload != nil)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, []string{"stage", "routes", "invoker"}},
		{"slash in stage", Config{Stage: "a/b", Routes: testRoutes, Invoker: &fakeInvoker{}}, []string{"stage"}},
		{"bad route", Config{Stage: "dev", Routes: []Route{{Path: "/{proxy+}/x", Method: "GET", Function: "f"}}, Invoker: &fakeInvoker{}}, []string{"greedy"}},
		{"no target", Config{Stage: "dev", Routes: []Route{{Path: "/x", Method: "GET"}}, Invoker: &fakeInvoker{}}, []string{"exactly one"}},
		{"duplicate", Config{Stage: "dev", Routes: []Route{{Path: "/x", Method: "GET", Function: "f"}, {Path: "/x", Method: "GET", Function: "g"}}, Invoker: &fakeInvoker{}}, []string{"twice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatal("want error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
