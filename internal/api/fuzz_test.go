package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
)

// FuzzHandle sends arbitrary methods, resources, paths and bodies: the handler must
// answer each with a known status and a JSON body, never an error or a
// panic, and presign only keys the processor accepts.
func FuzzHandle(f *testing.F) {
	f.Add("POST", "/uploads", "", "", `{"filename":"a.png","contentType":"image/png","size":10}`, false, "application/json", "alice")
	f.Add("POST", "/uploads", "", "", `eyJmaWxlbmFtZSI6ImEucG5nIiwiY29udGVudFR5cGUiOiJpbWFnZS9wbmciLCJzaXplIjoxMH0=`, true, "", "")
	f.Add("POST", "/uploads", "", "", `{"filename":"../../etc/passwd","contentType":"image/png","size":10}`, false, "", "../x")
	f.Add("POST", "/uploads", "", "", `{"filename":"a\u0000","contentType":"IMAGE/PNG; q=1","size":1e30}`, false, "application/json; charset=utf-8", "_anonymous")
	f.Add("GET", "/uploads/{id}", "id", "0123456789abcdef0123456789abcdef", "", false, "", "")
	f.Add("GET", "/uploads/{id}", "id", "..%2F..", "", false, "", "alice")
	f.Add("OPTIONS", "//uploads//", "", "", "", false, "", "")
	f.Add("DELETE", "/health", "x", "y", "{", true, "text/html", "")
	f.Fuzz(func(t *testing.T, method, resource, param, value, body string, b64 bool, contentType, sub string) {
		req := load(t, "post-uploads.json")
		req.HTTPMethod, req.Resource, req.Body, req.IsBase64Encoded = method, resource, body, b64
		req.Path = "/base" + resource
		req.Headers["content-type"] = contentType
		req.PathParameters = map[string]string{param: value}
		if sub != "" {
			req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": sub}}
		}
		p := &fakePresigner{}
		store := &objectstest.Store{}
		store.Set(layout.ResultKey(layout.AnonymousOwner, "0123456789abcdef0123456789abcdef"), objectstest.Object{Data: []byte(`{"size":1}`)})
		h, err := api.New(config(), p, store, discard)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatalf("Handle returned %v", err)
		}
		known := []int{200, 201, 204, 400, 403, 404, 405, 413, 415}
		if !slices.Contains(known, resp.StatusCode) {
			t.Fatalf("status %d for %s %q %q", resp.StatusCode, method, resource, body)
		}
		if resp.StatusCode == http.StatusOK && req.HTTPMethod == http.MethodGet && resource == api.ResourceUpload && sub != "" {
			t.Fatalf("caller %q read the anonymous owner's result", sub)
		}
		if resp.StatusCode != http.StatusNoContent && !json.Valid([]byte(resp.Body)) {
			t.Fatalf("body is not JSON: %q", resp.Body)
		}
		if resp.StatusCode == http.StatusCreated {
			var got api.CreateResponse
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			u, err := layout.ParseUploadKey(got.Key)
			if err != nil || u.ID != got.ID {
				t.Fatalf("presigned key %q: %v", got.Key, err)
			}
			if want, ok := api.Sub(&req); (ok && u.Owner != want) || (!ok && u.Owner != layout.AnonymousOwner) {
				t.Fatalf("presigned key %q for sub %q", got.Key, sub)
			}
		}
	})
}
