package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"go-lambda-cdk/internal/lambdaenv"
	"go-lambda-cdk/internal/layout"
)

// cloudWatchUnits are the units CloudWatch accepts (MetricDatum.Unit).
var cloudWatchUnits = []Unit{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
	"Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
	"Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// emf is an EMF log line as CloudWatch reads it.
type emf struct {
	AWS struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit Unit   `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
}

// parse reads one line and checks it against the EMF specification's
// rules; it returns the root members.
func parse(t *testing.T, line []byte) (emf, map[string]any) {
	t.Helper()
	var doc emf
	var root map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatalf("line is not JSON: %v\n%s", err, line)
	}
	_ = json.Unmarshal(line, &root)
	if doc.AWS.Timestamp == nil || len(doc.AWS.CloudWatchMetrics) == 0 {
		t.Fatalf("_aws lacks Timestamp or CloudWatchMetrics: %s", line)
	}
	for _, mc := range doc.AWS.CloudWatchMetrics {
		if mc.Namespace == "" || len(mc.Namespace) > 255 {
			t.Errorf("namespace %q", mc.Namespace)
		}
		if mc.Dimensions == nil {
			t.Errorf("Dimensions missing: %s", line)
		}
		for _, set := range mc.Dimensions {
			for _, dim := range set {
				if _, ok := root[dim].(string); !ok {
					t.Errorf("dimension %q is not a string member of the root", dim)
				}
			}
		}
		if len(mc.Metrics) == 0 || len(mc.Metrics) > 100 {
			t.Errorf("%d metrics in a directive; allowed 1 to 100", len(mc.Metrics))
		}
		for _, m := range mc.Metrics {
			if _, ok := root[m.Name].(float64); !ok {
				t.Errorf("metric %q has no numeric member at the root: %s", m.Name, line)
			}
			if !slices.Contains(cloudWatchUnits, m.Unit) {
				t.Errorf("metric %q has unit %q, not a CloudWatch unit", m.Name, m.Unit)
			}
		}
	}
	return doc, root
}

func TestEmit(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "go-lambda-cdk/prod")
	at := time.Date(2026, 11, 25, 6, 0, 0, 123_000_000, time.UTC)
	r.now = func() time.Time { return at }
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})

	r.Emit(ctx, ObjectsProcessed.Of(1), BytesProcessed.Of(3_145_728), ProcessingLatency.Of(842.5))

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(lines), buf.String())
	}
	doc, root := parse(t, lines[0])
	if *doc.AWS.Timestamp != at.UnixMilli() {
		t.Errorf("Timestamp %d, want %d (milliseconds since the epoch)", *doc.AWS.Timestamp, at.UnixMilli())
	}
	mc := doc.AWS.CloudWatchMetrics[0]
	if mc.Namespace != "go-lambda-cdk/prod" {
		t.Errorf("namespace %q", mc.Namespace)
	}
	var got []string
	for _, m := range mc.Metrics {
		got = append(got, m.Name+"/"+string(m.Unit))
	}
	if want := []string{"ObjectsProcessed/Count", "BytesProcessed/Bytes", "ProcessingLatency/Milliseconds"}; !slices.Equal(got, want) {
		t.Errorf("metrics %v, want %v", got, want)
	}
	for name, want := range map[string]float64{"ObjectsProcessed": 1, "BytesProcessed": 3_145_728, "ProcessingLatency": 842.5} {
		if root[name] != want {
			t.Errorf("%s = %v, want %v", name, root[name], want)
		}
	}
	if root["requestId"] != "req-1" || root["level"] != "INFO" {
		t.Errorf("requestId %v, level %v", root["requestId"], root["level"])
	}
}

func TestEmitEdgeCases(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "ns")
	r.Emit(context.Background())
	r.Emit(context.Background(), ReportItems.Of(math.NaN()), UploadsPresigned.Of(math.Inf(1)))
	if buf.Len() != 0 {
		t.Errorf("no values, or none finite, wrote %q", buf.String())
	}
	r.Emit(context.Background(), ReportItems.Of(1), ReportItems.Of(7))
	_, root := parse(t, bytes.TrimSpace(buf.Bytes()))
	if root["ReportItems"] != float64(7) || strings.Count(buf.String(), `"Name":"ReportItems"`) != 1 {
		t.Errorf("a metric given twice: %s", buf.String())
	}
	var nilRecorder *Recorder
	nilRecorder.Emit(context.Background(), ReportItems.Of(1)) // must not panic
}

func TestFromEnv(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, DefaultNamespace},
		{map[string]string{layout.EnvMetricsNamespace: ""}, DefaultNamespace},
		{map[string]string{layout.EnvMetricsNamespace: "shop/prod"}, "shop/prod"},
	} {
		var buf bytes.Buffer
		FromEnv(lambdaenv.MapLookup(tt.env), &buf).Emit(context.Background(), UploadsPresigned.Of(1))
		doc, _ := parse(t, bytes.TrimSpace(buf.Bytes()))
		if got := doc.AWS.CloudWatchMetrics[0].Namespace; got != tt.want {
			t.Errorf("env %v: namespace %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestMetricsDeclarations keeps the declarations usable as EMF members:
// unique names, CloudWatch units, no clash with the log line's own keys.
func TestMetricsDeclarations(t *testing.T) {
	reserved := []string{"_aws", "timestamp", "level", "message", "requestId"}
	seen := map[string]bool{}
	for _, m := range All() {
		if seen[m.Name] || slices.Contains(reserved, m.Name) || m.Name == "" || len(m.Name) > 255 {
			t.Errorf("metric name %q is repeated, reserved or out of range", m.Name)
		}
		seen[m.Name] = true
		if !slices.Contains(cloudWatchUnits, m.Unit) || m.Function == "" || m.Description == "" {
			t.Errorf("metric %+v lacks a CloudWatch unit, a function or a description", m)
		}
	}
}
