package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/metrics/metricstest"
	"go-lambda-cdk/internal/objects/objectstest"
)

func TestMetrics(t *testing.T) {
	var buf bytes.Buffer
	h := newHandler(t, &fakePresigner{}, &objectstest.Store{})
	h.Metrics = metrics.New(&buf, "test")
	for _, name := range []string{"post-uploads.json", "post-uploads.json", "get-health.json"} {
		handle(t, h, load(t, name))
	}
	bad := load(t, "post-uploads.json")
	bad.Body = `{"filename":"a.exe","contentType":"application/x-msdownload","size":1}`
	if resp := handle(t, h, bad); resp.StatusCode == http.StatusCreated {
		t.Fatal("a refused upload was presigned")
	}
	if got := metricstest.Sums(t, buf.Bytes()); got["UploadsPresigned"] != 2 || len(got) != 1 {
		t.Errorf("metrics %v, want 2 uploads presigned and nothing else", got)
	}
}
