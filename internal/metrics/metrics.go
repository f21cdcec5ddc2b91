// Package metrics writes the handlers' business metrics as CloudWatch
// Embedded Metric Format (EMF) log lines: one JSON object per line, through
// log/slog, that CloudWatch Logs turns into metrics without any API call
// from the function (no PutMetricData, no extra latency, no extra IAM).
//
// The format is specified in "Specification: Embedded metric format"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
//
//	{"_aws":{"Timestamp":1764050400000,"CloudWatchMetrics":[{"Namespace":"go-lambda-cdk/prod",
//	  "Dimensions":[[]],"Metrics":[{"Name":"ObjectsProcessed","Unit":"Count"}]}]},
//	 "ObjectsProcessed":1, "timestamp":"...", "level":"INFO", "message":"metrics", "requestId":"..."}
//
// Lines are written at level INFO, so a function whose log level is WARN or
// above (functions.<name>.logLevel) drops them, as Lambda's log-level
// filtering does.
package metrics

import (
	"context"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"go-lambda-cdk/internal/layout"
)

// DefaultNamespace is the namespace when layout.EnvMetricsNamespace is not
// set (the stack sets it to the stage's namespace).
const DefaultNamespace = "go-lambda-cdk"

// Unit is a CloudWatch metric unit.
type Unit string

// The units the metrics use.
const (
	Count        Unit = "Count"
	Bytes        Unit = "Bytes"
	Milliseconds Unit = "Milliseconds"
)

// Metric is one business metric: declared once here, emitted by a handler,
// shown on the dashboard.
type Metric struct {
	Name string
	Unit Unit
	// Function is the function that emits it.
	Function string
	// Description says what one data point means.
	Description string
}

// The business metrics of the app.
var (
	UploadsPresigned  = Metric{"UploadsPresigned", Count, "api", "an upload URL was presigned (POST /uploads answered 201)"}
	ObjectsProcessed  = Metric{"ObjectsProcessed", Count, "processor", "an uploaded object was read and its result written"}
	BytesProcessed    = Metric{"BytesProcessed", Bytes, "processor", "bytes read from uploaded objects"}
	ProcessingLatency = Metric{"ProcessingLatency", Milliseconds, "processor", "time from the upload (the S3 event's time) to its result written"}
	ReportItems       = Metric{"ReportItems", Count, "report", "results counted into the daily report"}
)

// All lists every metric, for dashboards and tests.
func All() []Metric {
	return []Metric{UploadsPresigned, ObjectsProcessed, BytesProcessed, ProcessingLatency, ReportItems}
}

// Value is a data point of a metric.
type Value struct {
	Metric Metric
	Value  float64
}

// Of returns a data point of m.
func (m Metric) Of(v float64) Value { return Value{Metric: m, Value: v} }

// Since returns a data point of m in milliseconds from start to now; none
// (it is dropped) when start is zero.
func (m Metric) Since(start time.Time) Value {
	if start.IsZero() {
		return m.Of(math.NaN())
	}
	return m.Of(float64(time.Since(start).Microseconds()) / 1000)
}

// Recorder writes EMF lines. A nil *Recorder records nothing, so that a
// handler built without one (in tests) needs no check.
type Recorder struct {
	log       *slog.Logger
	namespace string
	now       func() time.Time
}

// New returns a Recorder writing JSON lines to w (os.Stdout in a function:
// Lambda sends it to CloudWatch Logs) in namespace. It uses its own JSON
// handler, whatever the function's log format, because EMF must be JSON.
func New(w io.Writer, namespace string) *Recorder {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr})
	return &Recorder{log: slog.New(h), namespace: namespace, now: time.Now}
}

// FromEnv returns a Recorder writing to w in the namespace named by
// layout.EnvMetricsNamespace, or DefaultNamespace.
func FromEnv(lookup func(string) (string, bool), w io.Writer) *Recorder {
	ns, ok := lookup(layout.EnvMetricsNamespace)
	if !ok || ns == "" {
		ns = DefaultNamespace
	}
	return New(w, ns)
}

// directive is the _aws member of an EMF line.
type directive struct {
	Timestamp         int64           `json:"Timestamp"`
	CloudWatchMetrics []metricsConfig `json:"CloudWatchMetrics"`
}

type metricsConfig struct {
	Namespace  string         `json:"Namespace"`
	Dimensions [][]string     `json:"Dimensions"`
	Metrics    []metricDefine `json:"Metrics"`
}

type metricDefine struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

// Emit writes one EMF line holding values; a metric given twice keeps the
// last value, and a value that is not a finite number is dropped (EMF
// values are JSON numbers). It adds Lambda's request ID when ctx has one.
func (r *Recorder) Emit(ctx context.Context, values ...Value) {
	if r == nil {
		return
	}
	var names []string
	last := map[string]Value{}
	for _, v := range values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			continue
		}
		if _, ok := last[v.Metric.Name]; !ok {
			names = append(names, v.Metric.Name)
		}
		last[v.Metric.Name] = v
	}
	if len(names) == 0 {
		return
	}
	mc := metricsConfig{Namespace: r.namespace, Dimensions: [][]string{{}}}
	attrs := make([]any, 0, len(names)+2)
	for _, name := range names {
		v := last[name]
		mc.Metrics = append(mc.Metrics, metricDefine{Name: name, Unit: v.Metric.Unit})
		attrs = append(attrs, slog.Float64(name, v.Value))
	}
	attrs = append(attrs, slog.Any("_aws", directive{Timestamp: r.now().UnixMilli(), CloudWatchMetrics: []metricsConfig{mc}}))
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}
	r.log.InfoContext(ctx, "metrics", attrs...)
}
