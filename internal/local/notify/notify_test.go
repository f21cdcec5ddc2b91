package notify

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/internal/local/template"
)

func TestMatches(t *testing.T) {
	rule := template.Notification{Bucket: "b", Function: "processor", Events: []string{"s3:ObjectCreated:*"}, Prefix: "uploads/", Suffix: ".png"}
	put := func(bucket, key, event string) Object { return Object{Bucket: bucket, Key: key, EventName: event} }
	tests := []struct {
		name string
		rule template.Notification
		obj  Object
		want bool
	}{
		{"match", rule, put("b", "uploads/1/a.png", "ObjectCreated:Put"), true},
		{"copy matches wildcard", rule, put("b", "uploads/1/a.png", "ObjectCreated:Copy"), true},
		{"multipart matches wildcard", rule, put("b", "uploads/1/a.png", "ObjectCreated:CompleteMultipartUpload"), true},
		{"other bucket", rule, put("c", "uploads/1/a.png", "ObjectCreated:Put"), false},
		{"outside prefix", rule, put("b", "results/1.png", "ObjectCreated:Put"), false},
		{"wrong suffix", rule, put("b", "uploads/1/a.jpg", "ObjectCreated:Put"), false},
		{"prefix and suffix overlap", template.Notification{Bucket: "b", Events: []string{"s3:ObjectCreated:*"}, Prefix: "ab", Suffix: "bc"}, put("b", "abc", "ObjectCreated:Put"), false},
		{"removal is not creation", rule, put("b", "uploads/1/a.png", "ObjectRemoved:Delete"), false},
		{"exact event", template.Notification{Bucket: "b", Events: []string{"s3:ObjectCreated:Put"}}, put("b", "k", "ObjectCreated:Put"), true},
		{"exact event other", template.Notification{Bucket: "b", Events: []string{"s3:ObjectCreated:Put"}}, put("b", "k", "ObjectCreated:Post"), false},
		{"no filter", template.Notification{Bucket: "b", Events: []string{"s3:ObjectCreated:*"}}, put("b", "anything", "ObjectCreated:Put"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Matches(tt.rule, tt.obj); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEncodeKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"uploads/x/my song été.mp3", "uploads/x/my+song+%C3%A9t%C3%A9.mp3"},
		{"uploads/a+b=c&d.txt", "uploads/a%2Bb%3Dc%26d.txt"},
		{"uploads/plain-file_1.txt", "uploads/plain-file_1.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got := EncodeKey(tt.key)
			if got != tt.want {
				t.Errorf("EncodeKey = %q, want %q", got, tt.want)
			}
			// aws-lambda-go's decoded key must give the stored key back.
			var o events.S3Object
			if err := json.Unmarshal([]byte(`{"key":"`+got+`"}`), &o); err != nil || o.URLDecodedKey != tt.key {
				t.Errorf("URLDecodedKey = %q (%v), want %q", o.URLDecodedKey, err, tt.key)
			}
		})
	}
}

func TestNewRecord(t *testing.T) {
	when := time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	o := Object{Bucket: "bkt", Key: "uploads/1/my file.txt", Size: 42, ETag: "0123abcd", EventName: "ObjectCreated:Put", Time: when}
	r1 := NewRecord(o, "eu-west-1", "cfg", "REQ")
	r2 := NewRecord(o, "eu-west-1", "cfg", "REQ")
	if r2.S3.Object.Sequencer <= r1.S3.Object.Sequencer || len(r1.S3.Object.Sequencer) < 16 {
		t.Errorf("sequencers %q then %q, want growing hex of 16+ digits", r1.S3.Object.Sequencer, r2.S3.Object.Sequencer)
	}
	b, err := json.Marshal(Event{Records: []Record{r1}})
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	rec := raw.Records[0]
	s3 := rec["s3"].(map[string]any)
	obj := s3["object"].(map[string]any)
	bucket := s3["bucket"].(map[string]any)
	checks := map[string][2]any{
		"eventVersion":  {rec["eventVersion"], "2.1"},
		"eventSource":   {rec["eventSource"], "aws:s3"},
		"awsRegion":     {rec["awsRegion"], "eu-west-1"},
		"eventTime":     {rec["eventTime"], "2025-03-04T05:06:07.891Z"},
		"eventName":     {rec["eventName"], "ObjectCreated:Put"},
		"schemaVersion": {s3["s3SchemaVersion"], "1.0"},
		"bucket name":   {bucket["name"], "bkt"},
		"bucket arn":    {bucket["arn"], "arn:aws:s3:::bkt"},
		"key":           {obj["key"], "uploads/1/my+file.txt"},
		"size":          {obj["size"], float64(42)},
		"eTag":          {obj["eTag"], "0123abcd"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if _, ok := obj["urlDecodedKey"]; ok {
		t.Error("record has urlDecodedKey, which S3 does not send")
	}
	// aws-lambda-go reads it back.
	var ev events.S3Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Records[0].S3.Object.URLDecodedKey; got != o.Key {
		t.Errorf("decoded key = %q, want %q", got, o.Key)
	}
	if !ev.Records[0].EventTime.Equal(when) {
		t.Errorf("event time = %v, want %v", ev.Records[0].EventTime, when)
	}
}

// flakyInvoker fails its first failures calls, then succeeds.
type flakyInvoker struct {
	mu       sync.Mutex
	failures int
	calls    int
}

var _ Invoker = (*flakyInvoker)(nil)

func (f *flakyInvoker) Invoke(_ context.Context, _ string, _ []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.failures {
		return []byte(`{"errorMessage":"boom","errorType":"errorString"}`), errors.New("function error: boom")
	}
	return []byte(`null`), nil
}

func TestAsyncRetries(t *testing.T) {
	tests := []struct {
		name          string
		failures      int
		target        Target
		wantCalls     int
		wantRecord    bool
		wantCondition string
	}{
		{"first attempt succeeds", 0, Target{Function: "p", RetryAttempts: 2}, 1, false, ""},
		{"second retry succeeds", 2, Target{Function: "p", RetryAttempts: 2}, 3, false, ""},
		{"retries exhausted", 5, Target{Function: "p", RetryAttempts: 2}, 3, true, "RetriesExhausted"},
		{"no retries", 5, Target{Function: "p", RetryAttempts: 0}, 1, true, "RetriesExhausted"},
		{"through an alias", 5, Target{Function: "p", Qualifier: "live", RetryAttempts: 1}, 2, true, "RetriesExhausted"},
		{"event too old to retry", 5, Target{Function: "p", RetryAttempts: 2, MaxEventAge: time.Millisecond}, 1, true, "EventAgeExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "failed")
			inv := &flakyInvoker{failures: tt.failures}
			a, err := NewAsync(AsyncOptions{Invoker: inv, FailedDir: dir, Region: "eu-west-1",
				RetryDelay: func(int) time.Duration { return 5 * time.Millisecond }})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			out, err := a.Run(context.Background(), tt.target, []byte(`{"Records":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			path := out.FailureRecord
			if out.Attempts != tt.wantCalls || (out.FunctionErr != nil) != tt.wantRecord {
				t.Errorf("outcome = %+v", out)
			}
			if inv.calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", inv.calls, tt.wantCalls)
			}
			files, _ := os.ReadDir(dir)
			if !tt.wantRecord {
				if path != "" || len(files) != 0 {
					t.Errorf("failure record %q (%d files), want none", path, len(files))
				}
				return
			}
			if len(files) != 1 || filepath.Join(dir, files[0].Name()) != path {
				t.Fatalf("files %v, record %q; want exactly the record", files, path)
			}
			var rec FailureRecord
			b, _ := os.ReadFile(path)
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.RequestContext.Condition != tt.wantCondition || rec.RequestContext.ApproximateInvokeCount != tt.wantCalls {
				t.Errorf("requestContext = %+v", rec.RequestContext)
			}
			var compact bytes.Buffer
			_ = json.Compact(&compact, rec.RequestPayload)
			if compact.String() != `{"Records":[]}` || !strings.Contains(string(rec.ResponsePayload), "boom") {
				t.Errorf("payloads %s / %s", rec.RequestPayload, rec.ResponsePayload)
			}
			if want := ":function:p:" + cmp.Or(tt.target.Qualifier, "$LATEST"); !strings.HasSuffix(rec.RequestContext.FunctionARN, want) || rec.ResponseContext.FunctionError != "Unhandled" {
				t.Errorf("record = %+v", rec)
			}
		})
	}
}

func TestNotifierQueuesMatchingRules(t *testing.T) {
	dir := t.TempDir()
	inv := &flakyInvoker{}
	a, err := NewAsync(AsyncOptions{Invoker: inv, FailedDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rules := []template.Notification{
		{Bucket: "b", Function: "processor", Events: []string{"s3:ObjectCreated:*"}, Prefix: "uploads/", Suffix: ".png"},
		{Bucket: "b", Function: "processor", Events: []string{"s3:ObjectCreated:*"}, Prefix: "uploads/", Suffix: ".jpg"},
	}
	if _, err := NewNotifier(rules, map[string]Target{}, a, "us-east-1", nil); err == nil {
		t.Error("NewNotifier without target settings: want error")
	}
	n, err := NewNotifier(rules, map[string]Target{"processor": {Function: "processor"}}, a, "us-east-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := n.ObjectCreated(Object{Bucket: "b", Key: "uploads/1/a.png", EventName: "ObjectCreated:Put", Time: time.Now()}) +
		n.ObjectCreated(Object{Bucket: "b", Key: "uploads/1/a.txt", EventName: "ObjectCreated:Put", Time: time.Now()})
	a.Wait()
	if got != 1 || inv.calls != 1 {
		t.Errorf("queued %d, invoked %d; want 1 and 1", got, inv.calls)
	}
}
