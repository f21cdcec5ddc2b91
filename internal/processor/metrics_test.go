package processor_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/metrics/metricstest"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/processor"
)

func TestMetrics(t *testing.T) {
	store := &objectstest.Store{}
	store.Set(fixtureKey, objectstest.Object{Data: make([]byte, 1500), ETag: fixtureETag})
	var ev events.S3Event
	fixture.Load(t, "s3-put.json", &ev)
	var buf bytes.Buffer
	h := processor.New(store, "app-bucket", discard)
	h.Metrics = metrics.New(&buf, "test")
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	got := metricstest.Sums(t, buf.Bytes())
	if got["ObjectsProcessed"] != 1 || got["BytesProcessed"] != 1500 || got["ProcessingLatency"] <= 0 {
		t.Errorf("metrics %v, want 1 object of 1500 bytes and a positive latency", got)
	}

	buf.Reset()
	ev.Records[0].S3.Object.URLDecodedKey = layout.Upload{Owner: owner, ID: id, Filename: "missing"}.Key()
	if err := h.Handle(context.Background(), ev); err == nil {
		t.Fatal("a missing object did not fail")
	}
	if buf.Len() != 0 {
		t.Errorf("a failed record emitted metrics: %s", buf.String())
	}
}
