package local_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/events"
	"go-lambda-cdk/internal/local/template"
)

// TestEndToEnd runs the stack of a template synthesized from this project
// (the committed copy in template/testdata, so that `make test` needs no
// CDK synth) with the real handlers under the emulator, and walks the
// README's flow: create an upload, PUT the file to the presigned URL, see
// the result appear.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every function")
	}
	tpl := readTemplate(t)
	state := t.TempDir()
	var logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // includes building every function for this machine, slow on a cold cache
	defer cancel()
	app := startApp(t, ctx, tpl, state, &logs)
	closed := false
	defer func() {
		if !closed {
			app.Close()
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	}()
	api := app.APIURL()

	content := []byte("hello from the end-to-end test\n")
	sum := sha256.Sum256(content)
	wantSHA := hex.EncodeToString(sum[:])

	t.Run("upload, process, fetch", func(t *testing.T) {
		body := `{"filename":"hello world.txt","contentType":"text/plain","size":` + strconv.Itoa(len(content)) + `}`
		status, resp := do(t, "POST", api+"/uploads", "application/json", []byte(body))
		if status != http.StatusCreated {
			t.Fatalf("POST /uploads = %d %s", status, resp)
		}
		var created struct {
			ID        string `json:"id"`
			UploadURL string `json:"uploadUrl"`
		}
		if err := json.Unmarshal(resp, &created); err != nil || created.ID == "" || created.UploadURL == "" {
			t.Fatalf("POST /uploads body %s: %v", resp, err)
		}
		if !strings.HasPrefix(created.UploadURL, app.S3().URL()) {
			t.Errorf("uploadUrl %s does not point at the local S3 %s", created.UploadURL, app.S3().URL())
		}
		if status, resp := do(t, "GET", api+"/uploads/"+created.ID, "", nil); status != http.StatusNotFound {
			t.Fatalf("GET before upload = %d %s, want 404", status, resp)
		}
		if status, resp := do(t, "PUT", created.UploadURL, "text/plain", content); status != http.StatusOK {
			t.Fatalf("PUT to presigned URL = %d %s", status, resp)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			status, resp := do(t, "GET", api+"/uploads/"+created.ID, "", nil)
			if status == http.StatusOK {
				if !bytes.Contains(resp, []byte(wantSHA)) {
					t.Errorf("result %s does not hold sha256 %s", resp, wantSHA)
				}
				break
			}
			if status != http.StatusNotFound || time.Now().After(deadline) {
				t.Fatalf("GET /uploads/%s = %d %s, want 200 within 10s", created.ID, status, resp)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("unknown route", func(t *testing.T) {
		status, resp := do(t, "GET", api+"/no/such/route", "", nil)
		if status != http.StatusForbidden || string(resp) != `{"message":"Missing Authentication Token"}` {
			t.Errorf("GET unknown route = %d %s, want 403 Missing Authentication Token", status, resp)
		}
	})

	t.Run("processor failure is kept", func(t *testing.T) {
		// An event for an object that does not exist makes the processor
		// fail on every attempt, as S3 would deliver it.
		bucket := tpl.Notifications[0].Bucket
		key := layout.Upload{Owner: layout.AnonymousOwner, ID: layout.NewUploadID(), Filename: "gone.txt"}.Key()
		ev, _ := json.Marshal(events.S3Put(bucket, key, 3, "0123456789abcdef0123456789abcdef", "us-east-1", time.Now()))
		out, err := app.InvokeAsync(ctx, "processor", ev)
		if err != nil {
			t.Fatal(err)
		}
		proc, _ := tpl.Function("processor")
		if out.FunctionErr == nil || out.Attempts != proc.RetryAttempts+1 {
			t.Fatalf("outcome = %+v, want a function error after %d attempts", out, proc.RetryAttempts+1)
		}
		files, err := os.ReadDir(filepath.Join(state, "failed"))
		if err != nil || len(files) != 1 {
			t.Fatalf("failed/ holds %v (%v), want one record", files, err)
		}
		rec, _ := os.ReadFile(filepath.Join(state, "failed", files[0].Name()))
		if !bytes.Contains(rec, []byte(key)) || !bytes.Contains(rec, []byte(`"RetriesExhausted"`)) {
			t.Errorf("failure record:\n%s", rec)
		}
	})

	closed = true
	if err := app.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if procs := processesMentioning(t, state); len(procs) > 0 {
		t.Errorf("processes still running after Close: %v", procs)
	}
	if !strings.Contains(logs.String(), "processor | ") || !strings.Contains(logs.String(), "api | ") {
		t.Errorf("function logs are not streamed with their prefix")
	}
}

func readTemplate(tb testing.TB) *template.Template {
	tb.Helper()
	return readTemplateFile(tb, "cdk-synth.template.json")
}

// readTemplateFile reads a template of template/testdata.
func readTemplateFile(tb testing.TB, name string) *template.Template {
	tb.Helper()
	tpl, err := template.ReadFile(filepath.Join("template", "testdata", name), "GoLambdaCdk-dev")
	if err != nil {
		tb.Fatal(err)
	}
	return tpl
}

// startApp starts the whole stack on free ports with its state in state.
func startApp(tb testing.TB, ctx context.Context, tpl *template.Template, state string, logs io.Writer) *local.App {
	tb.Helper()
	app, err := local.Start(ctx, local.Options{
		Template: tpl, StateDir: state, API: true, APIAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0",
		RetryDelay: func(int) time.Duration { return 10 * time.Millisecond },
		Logs:       logs, // the app serializes its writes
	})
	if err != nil {
		tb.Fatal(err)
	}
	return app
}

func do(t testing.TB, method, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	return send(t, method, url, "", contentType, body)
}

// processesMentioning lists the command lines of processes whose command
// line contains s (the emulators and bootstraps run from the state folder).
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var found []string
	for _, e := range entries {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmd, []byte(s)) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return found
}
