package apigw

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestErrorHeaders: API Gateway's own answers carry the headers of their
// class's gateway response (DEFAULT_4XX, DEFAULT_5XX); the function's
// answers do not.
func TestErrorHeaders(t *testing.T) {
	routes := []Route{
		{Path: "/uploads", Method: "POST", Function: "api", Authorizer: &Authorizer{Name: "A", Header: "Authorization"}},
		{Path: "/health", Method: "GET", Function: "api"},
	}
	for _, tc := range []struct {
		name, method, path, auth string
		invokeErr                error
		status                   int
		origin                   string // Access-Control-Allow-Origin
	}{
		{"authorizer 401", "POST", "/dev/uploads", "", nil, 401, "*"},
		{"unknown route 403", "GET", "/dev/nope", "", nil, 403, "*"},
		{"function failure 502", "GET", "/dev/health", "", errors.New("crash"), 502, "https://five.example"},
		{"the function's own answer", "GET", "/dev/health", "", nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{out: []byte(okResponse), err: tc.invokeErr}
			h, err := New(Config{
				Stage: "dev", Routes: routes, Invoker: inv, Tokens: &fakeTokens{},
				ErrorHeaders4XX: map[string]string{"Access-Control-Allow-Origin": "*"},
				ErrorHeaders5XX: map[string]string{"Access-Control-Allow-Origin": "https://five.example"},
			})
			if err != nil {
				t.Fatal(err)
			}
			w := serve(h, httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, strings.NewReader(`{}`)))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.origin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.origin)
			}
		})
	}
}
