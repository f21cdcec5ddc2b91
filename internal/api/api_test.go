package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
)

const (
	fixtureID        = "0123456789abcdef0123456789abcdef"
	fixtureRequestID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
	origin           = "https://app.example.com"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakePresigner records the last input and signs nothing.
type fakePresigner struct {
	in      *s3.PutObjectInput
	expires time.Duration
	err     error
}

var _ api.Presigner = (*fakePresigner)(nil)

func (f *fakePresigner) PresignPutObject(_ context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if f.err != nil {
		return nil, f.err
	}
	var o s3.PresignOptions
	for _, opt := range opts {
		opt(&o)
	}
	f.in, f.expires = in, o.Expires
	return &v4.PresignedHTTPRequest{
		URL:    "https://" + aws.ToString(in.Bucket) + ".s3.amazonaws.com/" + aws.ToString(in.Key) + "?X-Amz-Signature=x",
		Method: http.MethodPut,
		SignedHeader: http.Header{
			"Host":           {aws.ToString(in.Bucket) + ".s3.amazonaws.com"},
			"Content-Type":   {aws.ToString(in.ContentType)},
			"Content-Length": {"1048576"},
		},
	}, nil
}

func config() api.Config {
	return api.Config{
		Bucket:              "app-bucket",
		AllowedContentTypes: []string{"audio/mpeg", "image/png", "text/plain"},
		MaxUploadBytes:      10 << 20,
		CORSAllowedOrigins:  []string{origin, "https://admin.example.com"},
	}
}

func newHandler(t *testing.T, p api.Presigner, store *objectstest.Store) *api.Handler {
	t.Helper()
	h, err := api.New(config(), p, store, discard)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func load(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	var req events.APIGatewayProxyRequest
	fixture.Load(t, name, &req)
	return req
}

func handle(t *testing.T, h *api.Handler, req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle returned error %v; it must answer every request", err)
	}
	if ct := resp.Headers["Content-Type"]; resp.StatusCode != http.StatusNoContent && ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	return resp
}

func errorOf(t *testing.T, resp events.APIGatewayProxyResponse) api.ErrorBody {
	t.Helper()
	var body api.ErrorBody
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("error body %q is not {error:{code,message,requestId}} (%v)", resp.Body, err)
	}
	return body
}

func TestCreateUpload(t *testing.T) {
	for _, name := range []string{"post-uploads.json", "post-uploads-base64.json"} {
		t.Run(name, func(t *testing.T) {
			p := &fakePresigner{}
			h := newHandler(t, p, &objectstest.Store{})
			before := time.Now()
			resp := handle(t, h, load(t, name))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d, body %s", resp.StatusCode, resp.Body)
			}
			var got api.CreateResponse
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			if !layout.ValidUploadID(got.ID) {
				t.Errorf("id %q is not a valid upload id", got.ID)
			}
			wantKey := "uploads/_anonymous/" + got.ID + "/my song été.mp3"
			if got.Key != wantKey || aws.ToString(p.in.Key) != wantKey || aws.ToString(p.in.Bucket) != "app-bucket" {
				t.Errorf("key %q, presigned s3://%s/%s, want %q", got.Key, aws.ToString(p.in.Bucket), aws.ToString(p.in.Key), wantKey)
			}
			if aws.ToString(p.in.ContentType) != "audio/mpeg" || aws.ToInt64(p.in.ContentLength) != 1048576 {
				t.Errorf("presigned content type %q length %d, want audio/mpeg 1048576", aws.ToString(p.in.ContentType), aws.ToInt64(p.in.ContentLength))
			}
			if p.expires != 5*time.Minute {
				t.Errorf("presign expiry %s, want the default 5m", p.expires)
			}
			if got.ExpiresAt.Before(before.Add(5*time.Minute-time.Second)) || got.ExpiresAt.After(time.Now().Add(5*time.Minute)) {
				t.Errorf("expiresAt %s, want 5 minutes from now", got.ExpiresAt)
			}
			if got.Method != http.MethodPut || got.Headers["Content-Type"] != "audio/mpeg" || got.Headers["Host"] != "" || !strings.HasPrefix(got.UploadURL, "https://") {
				t.Errorf("upload instructions %+v", got)
			}
			if resp.Headers["Access-Control-Allow-Origin"] != origin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", resp.Headers["Access-Control-Allow-Origin"], origin)
			}
		})
	}
	t.Run("ids differ", func(t *testing.T) {
		h := newHandler(t, &fakePresigner{}, &objectstest.Store{})
		a, b := handle(t, h, load(t, "post-uploads.json")), handle(t, h, load(t, "post-uploads.json"))
		if a.Body == b.Body {
			t.Error("two uploads got the same answer")
		}
	})
}

func TestCreateUploadRejects(t *testing.T) {
	long := strings.Repeat("é", 128) // 256 bytes
	tests := []struct {
		name, body, contentType string
		status                  int
		code                    string
	}{
		{"not json", `{"filename":`, "", 400, "invalid_json"},
		{"empty", ``, "", 400, "invalid_json"},
		{"array", `[]`, "", 400, "invalid_json"},
		{"unknown field", `{"filename":"a.mp3","contentType":"audio/mpeg","size":1,"acl":"public-read"}`, "", 400, "invalid_json"},
		{"two objects", `{"filename":"a.mp3","contentType":"audio/mpeg","size":1}{}`, "", 400, "invalid_json"},
		{"size is a string", `{"filename":"a.mp3","contentType":"audio/mpeg","size":"1"}`, "", 400, "invalid_json"},
		{"body too large", `{"filename":"` + strings.Repeat("a", api.MaxBodyBytes) + `"}`, "", 413, "body_too_large"},
		{"not application/json", `{}`, "text/plain", 415, "unsupported_media_type"},
		{"no filename", `{"contentType":"audio/mpeg","size":1}`, "", 400, "invalid_filename"},
		{"slash", `{"filename":"a/b.mp3","contentType":"audio/mpeg","size":1}`, "", 400, "invalid_filename"},
		{"backslash", `{"filename":"a\\b.mp3","contentType":"audio/mpeg","size":1}`, "", 400, "invalid_filename"},
		{"dot dot", `{"filename":"..","contentType":"audio/mpeg","size":1}`, "", 400, "invalid_filename"},
		{"256 bytes", `{"filename":"` + long + `","contentType":"audio/mpeg","size":1}`, "", 400, "invalid_filename"},
		{"NUL", `{"filename":"a\u0000.mp3","contentType":"audio/mpeg","size":1}`, "", 400, "invalid_filename"},
		{"type not allowed", `{"filename":"a.exe","contentType":"application/x-msdownload","size":1}`, "", 415, "unsupported_content_type"},
		{"type garbage", `{"filename":"a.mp3","contentType":"audio/","size":1}`, "", 415, "unsupported_content_type"},
		{"size zero", `{"filename":"a.mp3","contentType":"audio/mpeg","size":0}`, "", 400, "invalid_size"},
		{"size negative", `{"filename":"a.mp3","contentType":"audio/mpeg","size":-5}`, "", 400, "invalid_size"},
		{"size over max", `{"filename":"a.mp3","contentType":"audio/mpeg","size":10485761}`, "", 413, "upload_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &fakePresigner{}
			h := newHandler(t, p, &objectstest.Store{})
			req := load(t, "post-uploads.json")
			req.Body = tc.body
			if tc.contentType != "" {
				req.Headers["content-type"] = tc.contentType
			}
			resp := handle(t, h, req)
			body := errorOf(t, resp)
			if resp.StatusCode != tc.status || body.Error.Code != tc.code || body.Error.RequestID != fixtureRequestID {
				t.Errorf("got %d %s (request %q), want %d %s; body %s", resp.StatusCode, body.Error.Code, body.Error.RequestID, tc.status, tc.code, resp.Body)
			}
			if p.in != nil {
				t.Error("a rejected request was presigned")
			}
		})
	}
	t.Run("bad base64", func(t *testing.T) {
		req := load(t, "post-uploads-base64.json")
		req.Body = "!!!" + req.Body
		resp := handle(t, newHandler(t, &fakePresigner{}, &objectstest.Store{}), req)
		if body := errorOf(t, resp); resp.StatusCode != 400 || body.Error.Code != "invalid_body" {
			t.Errorf("got %d %s", resp.StatusCode, body.Error.Code)
		}
	})
}

func TestGetUpload(t *testing.T) {
	result := `{"id":"` + fixtureID + `","size":3}`
	boom := errors.New("dial tcp 10.0.0.1:443: secret internal detail")
	tests := []struct {
		name   string
		store  *objectstest.Store
		id     string // replaces the path parameter when set
		status int
		code   string
	}{
		{"processed", &objectstest.Store{}, "", 200, ""},
		{"not yet", &objectstest.Store{}, "0123456789abcdef0123456789abcde0", 404, "not_found"},
		{"upper case id", &objectstest.Store{}, strings.ToUpper(fixtureID), 400, "invalid_id"},
		{"dot dot", &objectstest.Store{}, "..", 400, "invalid_id"},
		{"short", &objectstest.Store{}, "abc", 400, "invalid_id"},
		{"s3 fails", &objectstest.Store{GetErr: boom}, "", 500, "internal"},
		// With s3:ListBucket on results/ only, S3 answers 403 for a missing key.
		{"not yet, role cannot list the bucket", &objectstest.Store{DenyMissing: true}, "0123456789abcdef0123456789abcde0", 404, "not_found"},
		{"denied and listing fails too", &objectstest.Store{DenyMissing: true, ListErr: boom}, "0123456789abcdef0123456789abcde0", 500, "internal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.store.Set(layout.ResultKey(layout.AnonymousOwner, fixtureID), objectstest.Object{Data: []byte(result)})
			req := load(t, "get-upload.json")
			if tc.id != "" {
				req.PathParameters["id"] = tc.id
				req.Path = "/uploads/" + tc.id
			}
			resp := handle(t, newHandler(t, &fakePresigner{}, tc.store), req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.status, resp.Body)
			}
			if tc.code == "" {
				if resp.Body != result {
					t.Errorf("body %s, want the stored result %s", resp.Body, result)
				}
				return
			}
			if body := errorOf(t, resp); body.Error.Code != tc.code {
				t.Errorf("code %s, want %s", body.Error.Code, tc.code)
			}
			if strings.Contains(resp.Body, "secret") {
				t.Errorf("response shows internal details: %s", resp.Body)
			}
		})
	}
}

func TestRoutesAndCORS(t *testing.T) {
	tests := []struct {
		name, fixture, method, path, origin string
		status                              int
		headers                             map[string]string
	}{
		{"health, origin only in multiValueHeaders", "get-health.json", "", "", "", 200,
			map[string]string{"Access-Control-Allow-Origin": origin, "Vary": "Origin"}},
		{"health HEAD", "get-health.json", "HEAD", "", "", 200, nil},
		{"unknown resource", "get-health.json", "", "/nothing/here", "", 404, nil},
		{"greedy resource", "get-health.json", "", "/{proxy+}", "", 404, nil},
		{"wrong method", "post-uploads.json", "DELETE", "", "", 405, map[string]string{"Allow": "POST, OPTIONS"}},
		{"wrong method on result", "get-upload.json", "PUT", "", "", 405, map[string]string{"Allow": "GET, OPTIONS"}},
		{"preflight", "post-uploads.json", "OPTIONS", "", "", 204, map[string]string{
			"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Allow-Headers": "Content-Type, Authorization", "Access-Control-Max-Age": "3600"}},
		{"preflight from an unknown origin", "post-uploads.json", "OPTIONS", "", "https://evil.example", 204, map[string]string{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"other allowed origin", "get-health.json", "", "", "https://admin.example.com", 200, map[string]string{
			"Access-Control-Allow-Origin": "https://admin.example.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := load(t, tc.fixture)
			if tc.method != "" {
				req.HTTPMethod = tc.method
			}
			if tc.path != "" {
				req.Resource, req.Path, req.PathParameters = tc.path, tc.path, nil
			}
			if tc.origin != "" {
				req.Headers["origin"] = tc.origin
				req.MultiValueHeaders["origin"] = []string{tc.origin}
			}
			resp := handle(t, newHandler(t, &fakePresigner{}, &objectstest.Store{}), req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.status, resp.Body)
			}
			if resp.StatusCode >= 400 {
				errorOf(t, resp)
			}
			for k, want := range tc.headers {
				if got := resp.Headers[k]; got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
	t.Run("any origin", func(t *testing.T) {
		cfg := config()
		cfg.CORSAllowedOrigins = []string{"*"}
		h, err := api.New(cfg, &fakePresigner{}, &objectstest.Store{}, discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := handle(t, h, load(t, "get-health.json")).Headers["Access-Control-Allow-Origin"]; got != "*" {
			t.Errorf("Access-Control-Allow-Origin %q, want *", got)
		}
	})
	t.Run("presign fails", func(t *testing.T) {
		h := newHandler(t, &fakePresigner{err: errors.New("no credentials at 169.254.169.254")}, &objectstest.Store{})
		resp := handle(t, h, load(t, "post-uploads.json"))
		if body := errorOf(t, resp); resp.StatusCode != 500 || strings.Contains(resp.Body, "169.254") || body.Error.RequestID != fixtureRequestID {
			t.Errorf("got %d %s", resp.StatusCode, resp.Body)
		}
	})
}

// as returns req as made by the caller whose token has the sub claim, the
// way API Gateway's Cognito user pools authorizer passes it.
func as(req events.APIGatewayProxyRequest, sub string) events.APIGatewayProxyRequest {
	req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{
		"sub": sub, "aud": "client", "token_use": "id", "cognito:username": sub,
	}}
	return req
}

func TestOwnership(t *testing.T) {
	const alice, bob = "2f1e8c4a-0b7d-4e2f-9a31-5c6d7e8f9a0b", "bob"
	store := &objectstest.Store{}
	p := &fakePresigner{}
	h := newHandler(t, p, store)

	resp := handle(t, h, as(load(t, "post-uploads.json"), alice))
	var created api.CreateResponse
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create as alice: %d %s", resp.StatusCode, resp.Body)
	}
	want := layout.Upload{Owner: alice, ID: created.ID, Filename: "my song été.mp3"}.Key()
	if created.Key != want || aws.ToString(p.in.Key) != want {
		t.Fatalf("alice's upload key %q (presigned %q), want %q", created.Key, aws.ToString(p.in.Key), want)
	}
	result := `{"id":"` + created.ID + `"}`
	store.Set(layout.ResultKey(alice, created.ID), objectstest.Object{Data: []byte(result)})

	get := load(t, "get-upload.json")
	get.PathParameters["id"], get.Path = created.ID, "/uploads/"+created.ID
	for _, tc := range []struct {
		name   string
		req    events.APIGatewayProxyRequest
		status int
	}{
		{"owner reads", as(get, alice), 200},
		{"another caller gets 404", as(get, bob), 404},
		{"no caller gets 404", get, 404},
		{"a sub that cannot be a key segment", as(get, "../"+alice), 403},
		{"a sub posing as the anonymous owner", as(get, layout.AnonymousOwner), 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := handle(t, h, tc.req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.status, resp.Body)
			}
			if tc.status == 200 && resp.Body != result {
				t.Errorf("body %s, want %s", resp.Body, result)
			}
			if tc.status == 404 && strings.Contains(resp.Body, alice) {
				t.Errorf("404 body names the owner: %s", resp.Body)
			}
		})
	}

	t.Run("cognito mode refuses a request without claims", func(t *testing.T) {
		cfg := config()
		cfg.AuthMode = layout.AuthModeCognito
		h, err := api.New(cfg, p, store, discard)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"post-uploads.json", "get-upload.json"} {
			resp := handle(t, h, load(t, name))
			if body := errorOf(t, resp); resp.StatusCode != http.StatusUnauthorized || body.Error.Code != "unauthorized" {
				t.Errorf("%s without claims: %d %s", name, resp.StatusCode, resp.Body)
			}
		}
		if resp := handle(t, h, load(t, "get-health.json")); resp.StatusCode != http.StatusOK {
			t.Errorf("health without claims: %d", resp.StatusCode)
		}
		if resp := handle(t, h, as(get, alice)); resp.StatusCode != http.StatusOK {
			t.Errorf("alice in cognito mode: %d %s", resp.StatusCode, resp.Body)
		}
	})
}

// TestBasePath routes requests through a custom domain's base path
// mapping: API Gateway then sends path "/v1/uploads/..." with the resource
// and path parameters unchanged.
func TestBasePath(t *testing.T) {
	store := &objectstest.Store{}
	result := `{"id":"` + fixtureID + `"}`
	store.Set(layout.ResultKey(layout.AnonymousOwner, fixtureID), objectstest.Object{Data: []byte(result)})
	h := newHandler(t, &fakePresigner{}, store)
	for _, tc := range []struct {
		fixture, path string
		status        int
	}{
		{"get-upload.json", "/v1/uploads/" + fixtureID, 200},
		{"get-upload.json", "/api/v1/uploads/" + fixtureID + "/", 200},
		{"post-uploads.json", "/v1/uploads", 201},
		{"get-health.json", "/v1/health", 200},
	} {
		req := load(t, tc.fixture)
		req.Path = tc.path
		req.RequestContext.Path = tc.path
		resp := handle(t, h, req)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s (resource %s) = %d %s, want %d", req.HTTPMethod, tc.path, req.Resource, resp.StatusCode, resp.Body, tc.status)
		}
		if tc.status == 200 && tc.fixture == "get-upload.json" && resp.Body != result {
			t.Errorf("body %s", resp.Body)
		}
	}
}
