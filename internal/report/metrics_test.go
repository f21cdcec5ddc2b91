package report_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/metrics/metricstest"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/report"
)

func TestMetrics(t *testing.T) {
	store := &objectstest.Store{}
	for n := range 3 {
		putResult(t, store, n, 10, "image/png", eventTime.Add(-time.Hour))
	}
	var ev events.EventBridgeEvent
	fixture.Load(t, "scheduled.json", &ev)
	var buf bytes.Buffer
	h := report.New(store, "app-bucket", discard)
	h.Metrics = metrics.New(&buf, "test")
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got := metricstest.Sums(t, buf.Bytes()); got["ReportItems"] != 3 {
		t.Errorf("metrics %v, want 3 report items", got)
	}
}
