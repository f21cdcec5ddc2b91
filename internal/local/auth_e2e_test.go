package local_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/auth"
)

// TestEndToEndAuth runs the dev stack as `make local` does, with its
// default auth.mode cognito (template/testdata/cdk-synth-cognito, written by
// `make update-snapshots`), whose upload methods have a Cognito user pools
// authorizer, and checks the local run
// enforces it as API Gateway does: no or a bad token gets 401 and never
// reaches the function; alice uploads and reads her result; bob gets 404
// for alice's id.
func TestEndToEndAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every function")
	}
	tpl := readTemplateFile(t, "cdk-synth-cognito.template.json")
	state := t.TempDir()
	var logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // includes building every function for this machine, slow on a cold cache
	defer cancel()
	app := startApp(t, ctx, tpl, state, &logs)
	defer func() {
		app.Close()
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	}()
	api := app.APIURL()
	issuer, err := auth.LoadOrCreate(local.IssuerDir(state)) // the key the app made
	if err != nil {
		t.Fatal(err)
	}
	token := func(sub string) string {
		tok, err := issuer.Token(sub, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := auth.New(otherKey).Token("alice", time.Hour, time.Now())
	expired, _ := issuer.Token("alice", time.Minute, time.Now().Add(-2*time.Minute))

	content := []byte("alice's file\n")
	create := `{"filename":"a.txt","contentType":"text/plain","size":` + strconv.Itoa(len(content)) + `}`
	for _, tc := range []struct{ name, auth string }{
		{"no token", ""}, {"another key's token", "Bearer " + forged}, {"expired token", "Bearer " + expired}, {"garbage", "Bearer x.y.z"},
	} {
		status, body := send(t, "POST", api+"/uploads", tc.auth, "application/json", []byte(create))
		if status != http.StatusUnauthorized || string(body) != `{"message":"Unauthorized"}` {
			t.Errorf("%s: POST /uploads = %d %s, want 401 {\"message\":\"Unauthorized\"}", tc.name, status, body)
		}
	}
	if status, body := send(t, "GET", api+"/health", "", "", nil); status != http.StatusOK {
		t.Errorf("GET /health without a token = %d %s, want 200", status, body)
	}

	alice, bob := token("alice"), token("bob")
	status, resp := send(t, "POST", api+"/uploads", alice, "application/json", []byte(create))
	if status != http.StatusCreated {
		t.Fatalf("alice: POST /uploads = %d %s", status, resp)
	}
	var created struct{ ID, Key, UploadURL string }
	if err := json.Unmarshal(resp, &created); err != nil {
		t.Fatal(err)
	}
	if want := "uploads/alice/" + created.ID + "/a.txt"; created.Key != want {
		t.Errorf("alice's key %q, want %q", created.Key, want)
	}
	if status, resp := send(t, "PUT", created.UploadURL, "", "text/plain", content); status != http.StatusOK {
		t.Fatalf("PUT = %d %s", status, resp)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, resp := send(t, "GET", api+"/uploads/"+created.ID, alice, "", nil)
		if status == http.StatusOK {
			break
		}
		if status != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("alice: GET /uploads/%s = %d %s, want 200 within 10s", created.ID, status, resp)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, resp := send(t, "GET", api+"/uploads/"+created.ID, bob, "", nil); status != http.StatusNotFound {
		t.Errorf("bob: GET alice's upload = %d %s, want 404", status, resp)
	}
	if status, _ := send(t, "GET", api+"/uploads/"+created.ID, "", "", nil); status != http.StatusUnauthorized {
		t.Errorf("no token: GET alice's upload = %d, want 401", status)
	}
}

// send makes one request with an optional Authorization header.
func send(t testing.TB, method, url, authorization, contentType string, body []byte) (int, []byte) {
	t.Helper()
	return fixture.Send(t, method, url, map[string]string{"Authorization": authorization, "Content-Type": contentType}, body)
}
