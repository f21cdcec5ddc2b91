package local_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
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

// durations collects one duration per iteration and reports p50 and p99.
type durations []time.Duration

func (d durations) report(b *testing.B) {
	slices.Sort(d)
	for _, q := range []struct {
		name string
		p    float64
	}{{"p50-ms", 0.50}, {"p99-ms", 0.99}} {
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
