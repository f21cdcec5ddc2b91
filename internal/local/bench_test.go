package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/modcopy"
)

// BenchmarkStart measures `make local`'s start-up after the first build:
// building the three functions for the host (Go build cache warm), the S3
// server, an emulator per function and the API.
func BenchmarkStart(b *testing.B) {
	tpl := readTemplate(b)
	state := b.TempDir()
	for b.Loop() {
		app := startApp(b, context.Background(), tpl, state, io.Discard)
		app.Close()
	}
}

// BenchmarkAPIRequest measures one warm GET /health through the local API
// Gateway and the api function under the emulator.
func BenchmarkAPIRequest(b *testing.B) {
	app := startApp(b, context.Background(), readTemplate(b), b.TempDir(), io.Discard)
	defer app.Close()
	url := app.APIURL() + "/health"
	do(b, "GET", url, "", nil) // cold start
	var d durations
	for b.Loop() {
		start := time.Now()
		if status, body := do(b, "GET", url, "", nil); status != http.StatusOK {
			b.Fatalf("GET /health = %d %s", status, body)
		}
		d = append(d, time.Since(start))
	}
	d.report(b)
}

// durations collects one duration per iteration and reports the fastest
// (min-ms), p50 (the median, by nearest rank below), p90, p99 and the
// slowest (max-ms), in milliseconds.
type durations []time.Duration

func (d durations) report(b *testing.B) {
	slices.Sort(d)
	for _, q := range []struct {
		name string
		p    float64
	}{{"min-ms", 0}, {"p50-ms", 0.50}, {"p90-ms", 0.90}, {"p99-ms", 0.99}, {"max-ms", 1}} {
		b.ReportMetric(float64(d[int(q.p*float64(len(d)-1))].Microseconds())/1000, q.name)
	}
}

// BenchmarkUploadToResult measures the README flow: from the PUT to the
// presigned URL until GET /uploads/{id} answers 200 (S3 notification,
// processor, result written), polling every 5 ms.
func BenchmarkUploadToResult(b *testing.B) {
	app := startApp(b, context.Background(), readTemplate(b), b.TempDir(), io.Discard)
	defer app.Close()
	api := app.APIURL()
	content := []byte("benchmark upload\n")
	var d durations
	for b.Loop() {
		b.StopTimer()
		status, resp := do(b, "POST", api+"/uploads", "application/json",
			[]byte(`{"filename":"bench.txt","contentType":"text/plain","size":`+strconv.Itoa(len(content))+`}`))
		var created struct{ ID, UploadURL string }
		if status != http.StatusCreated || json.Unmarshal(resp, &created) != nil {
			b.Fatalf("POST /uploads = %d %s", status, resp)
		}
		b.StartTimer()
		start := time.Now()
		if status, resp := do(b, "PUT", created.UploadURL, "text/plain", content); status != http.StatusOK {
			b.Fatalf("PUT = %d %s", status, resp)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if status, _ := do(b, "GET", api+"/uploads/"+created.ID, "", nil); status == http.StatusOK {
				d = append(d, time.Since(start))
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("no result within 10s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	d.report(b)
}

// BenchmarkReload measures `make local`'s save to served on this project's
// own api function: from writing internal/api/api.go with a new /health
// answer to the first GET /health that returns it (the change noticed,
// the function rebuilt for the host, its emulator swapped), in a copy of
// the module, polling every 5 ms.
func BenchmarkReload(b *testing.B) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		b.Fatal(err)
	}
	mod := b.TempDir()
	if err := modcopy.Copy(root, mod); err != nil {
		b.Fatal(err)
	}
	apiFile := filepath.Join(mod, "internal", "api", "api.go")
	source, err := os.ReadFile(apiFile)
	const answer = `map[string]string{"status": "ok"}`
	if err != nil || !bytes.Contains(source, []byte(answer)) {
		b.Fatalf("%s does not hold %s (%v)", apiFile, answer, err)
	}
	var logs fixture.SyncBuffer
	app, err := local.Start(context.Background(), local.Options{
		Template: readTemplate(b), ModuleDir: mod, StateDir: filepath.Join(mod, ".local"),
		API: true, APIAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", Reload: true, Logs: &logs,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	url := app.APIURL() + "/health"
	do(b, "GET", url, "", nil)
	for !strings.Contains(logs.String(), "reload: on") { // the watcher has taken its first look
		if strings.Contains(logs.String(), "reload: off") {
			b.Fatalf("no reload:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var d durations
	n := 0
	for b.Loop() {
		n++
		status := fmt.Sprintf("ok-%d", n)
		start := time.Now()
		if err := os.WriteFile(apiFile, bytes.Replace(source, []byte(answer), []byte(`map[string]string{"status": "`+status+`"}`), 1), 0o644); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			if code, body := do(b, "GET", url, "", nil); code == http.StatusOK && strings.Contains(string(body), status) {
				d = append(d, time.Since(start))
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("GET /health did not answer %s within a minute of the save", status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	d.report(b)
}
