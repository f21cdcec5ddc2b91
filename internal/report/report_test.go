package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/report"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// eventTime is the time in testdata/scheduled.json.
var eventTime = time.Date(2026, 11, 25, 0, 5, 0, 0, time.UTC)

func putResult(t *testing.T, s *objectstest.Store, n int, size int64, ct string, mod time.Time) {
	t.Helper()
	id := fmt.Sprintf("%032x", n)
	data, err := json.Marshal(processor.Result{ID: id, Key: layout.UploadKey(id, "f"), Size: size, ContentType: ct})
	if err != nil {
		t.Fatal(err)
	}
	s.Set(layout.ResultKey(id), objectstest.Object{Data: data, LastModified: mod})
}

func TestScheduledEvent(t *testing.T) {
	store := &objectstest.Store{}
	from := eventTime.Add(-24 * time.Hour)
	putResult(t, store, 1, 100, "image/png", from)                     // first instant: in
	putResult(t, store, 2, 50, "image/png", eventTime.Add(-time.Hour)) // in
	putResult(t, store, 3, 7, "text/plain; charset=utf-8", from.Add(time.Minute))
	putResult(t, store, 4, 1000, "image/png", eventTime)              // at the end: out
	putResult(t, store, 5, 1000, "image/png", from.Add(-time.Second)) // before: out
	store.Set(layout.ResultKey("broken"), objectstest.Object{Data: []byte("{not json"), LastModified: from.Add(time.Hour)})
	store.Set(layout.ResultsPrefix+"notes.txt", objectstest.Object{Data: []byte("x"), LastModified: from.Add(time.Hour)})
	store.Set(layout.UploadKey("x", "y"), objectstest.Object{Data: []byte("not a result"), LastModified: from.Add(time.Hour)})

	var ev events.EventBridgeEvent
	fixture.Load(t, "scheduled.json", &ev)
	h := report.New(store, "app-bucket", discard)
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	obj, ok := store.Get("reports/2026-11-24.json")
	if !ok {
		t.Fatalf("no report at reports/2026-11-24.json; keys %v", store.Keys())
	}
	var got report.Report
	if err := json.Unmarshal(obj.Data, &got); err != nil {
		t.Fatal(err)
	}
	want := report.Report{
		Date: "2026-11-24", From: from, To: eventTime, Count: 3, TotalBytes: 157, Skipped: 1,
		ByContentType: map[string]report.Totals{
			"image/png":                 {Count: 2, Bytes: 150},
			"text/plain; charset=utf-8": {Count: 1, Bytes: 7},
		},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("report = %+v\nwant     %+v", got, want)
	}

	// Running again for the same day overwrites the same object, identically.
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	again, _ := store.Get("reports/2026-11-24.json")
	if string(again.Data) != string(obj.Data) || store.Puts() != 2 {
		t.Errorf("second run: %d puts, report\n%s\nfirst\n%s", store.Puts(), again.Data, obj.Data)
	}
}

func TestManyPages(t *testing.T) {
	store := &objectstest.Store{}
	const n = 2345 // more than two pages of 1000
	for i := range n {
		putResult(t, store, i, 2, "application/pdf", eventTime.Add(-time.Minute))
	}
	rep, err := report.New(store, "b", discard).Summarize(context.Background(), eventTime.Add(-report.Window), eventTime)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count != n || rep.TotalBytes != 2*n || rep.ByContentType["application/pdf"].Count != n {
		t.Errorf("report counts %d results of %d bytes, want %d of %d", rep.Count, rep.TotalBytes, n, 2*n)
	}
}

func TestFailures(t *testing.T) {
	boom := errors.New("boom")
	var scheduled events.EventBridgeEvent
	fixture.Load(t, "scheduled.json", &scheduled)
	for _, tc := range []struct {
		name  string
		store *objectstest.Store
		ev    events.EventBridgeEvent
		want  error
	}{
		{"no time", &objectstest.Store{}, events.EventBridgeEvent{DetailType: "Scheduled Event"}, nil},
		{"list fails", &objectstest.Store{ListErr: boom}, scheduled, boom},
		{"get fails", &objectstest.Store{GetErr: boom}, scheduled, boom},
		{"put fails", &objectstest.Store{PutErr: boom}, scheduled, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			putResult(t, tc.store, 1, 1, "image/png", eventTime.Add(-time.Hour))
			err := report.New(tc.store, "b", discard).Handle(context.Background(), tc.ev)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Handle = %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}
