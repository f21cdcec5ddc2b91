package apigw

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeTokens accepts the token "good" (with or without "Bearer ") as alice.
type fakeTokens struct{ seen string }

var _ TokenVerifier = (*fakeTokens)(nil)

func (f *fakeTokens) Verify(token string, _ time.Time) (map[string]string, error) {
	f.seen = token
	if strings.TrimPrefix(token, "Bearer ") == "good" {
		return map[string]string{"sub": "alice", "token_use": "id"}, nil
	}
	return nil, errors.New("bad token")
}

func TestAuthorizer(t *testing.T) {
	cognito := &Authorizer{Name: "CognitoAuth", Header: "Authorization"}
	routes := []Route{
		{Path: "/uploads", Method: "POST", Function: "api", Authorizer: cognito},
		{Path: "/uploads", Method: "OPTIONS", Function: "api"},
		{Path: "/health", Method: "GET", Function: "api"},
	}
	if _, err := New(Config{Stage: "dev", Routes: routes, Invoker: &fakeInvoker{}}); err == nil || !strings.Contains(err.Error(), "no token verifier") {
		t.Errorf("New without Tokens = %v, want an error", err)
	}
	for _, tc := range []struct {
		name, method, path, auth string
		status                   int
		sub                      string // the claims' sub the function sees; "" for no claims
	}{
		{"no token", "POST", "/dev/uploads", "", 401, ""},
		{"bad token", "POST", "/dev/uploads", "Bearer forged", 401, ""},
		{"good token", "POST", "/dev/uploads", "Bearer good", 200, "alice"},
		{"raw token", "POST", "/dev/uploads", "good", 200, "alice"},
		{"preflight needs none", "OPTIONS", "/dev/uploads", "", 200, ""},
		{"health needs none", "GET", "/dev/health", "", 200, ""},
		{"a token on an open method is not passed on", "GET", "/dev/health", "Bearer good", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{out: []byte(okResponse)}
			h, err := New(Config{Stage: "dev", Routes: routes, Invoker: inv, Tokens: &fakeTokens{}})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, strings.NewReader(`{}`))
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := serve(h, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if tc.status == http.StatusUnauthorized {
				if w.Body.String() != `{"message":"Unauthorized"}` || w.Header().Get("x-amzn-ErrorType") != "UnauthorizedException" {
					t.Errorf("401 body %s, type %q; want API Gateway's", w.Body, w.Header().Get("x-amzn-ErrorType"))
				}
				if inv.payload != nil {
					t.Error("the function ran for an unauthorized request")
				}
				return
			}
			claims, _ := inv.event(t).RequestContext.Authorizer["claims"].(map[string]any)
			if got, _ := claims["sub"].(string); got != tc.sub {
				t.Errorf("requestContext.authorizer.claims.sub = %q, want %q (authorizer %v)", got, tc.sub, inv.event(t).RequestContext.Authorizer)
			}
		})
	}
}
