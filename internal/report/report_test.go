package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/report"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// eventTime is the time in testdata/scheduled.json; it reports on day.
var (
	eventTime = time.Date(2026, 11, 25, 0, 5, 0, 0, time.UTC)
	day       = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
)

// putResult stores result n of the upload event at time at, as the
// processor does: for its owner and in the day's index.
func putResult(t testing.TB, s *objectstest.Store, n int, size int64, ct string, at time.Time) {
	t.Helper()
	id := fmt.Sprintf("%032x", n)
	u := layout.Upload{Owner: "alice", ID: id, Filename: "f"}
	data, err := json.Marshal(processor.Result{ID: id, Owner: u.Owner, Key: u.Key(), Size: size, ContentType: ct, EventTime: at})
	if err != nil {
		t.Fatal(err)
	}
	s.Set(layout.ResultKey(u.Owner, id), objectstest.Object{Data: data})
	s.Set(layout.DayIndexKey(at, id), objectstest.Object{Data: data})
}

func TestReportedDay(t *testing.T) {
	for _, at := range []time.Time{eventTime, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 24, 20, 0, 0, 0, time.FixedZone("EST", -5*3600))} {
		if got := report.ReportedDay(at); !got.Equal(day) {
			t.Errorf("ReportedDay(%s) = %s, want %s", at, got, day)
		}
	}
}

func TestScheduledEvent(t *testing.T) {
	store := &objectstest.Store{}
	putResult(t, store, 1, 100, "image/png", day)                     // first instant: in
	putResult(t, store, 2, 50, "image/png", day.Add(Day-time.Second)) // last second: in
	putResult(t, store, 3, 7, "text/plain; charset=utf-8", day.Add(time.Minute))
	putResult(t, store, 4, 1000, "image/png", day.Add(Day))          // the next day: out
	putResult(t, store, 5, 1000, "image/png", day.Add(-time.Second)) // the day before: out
	store.Set(layout.DayIndexPrefix(day)+"broken.json", objectstest.Object{Data: []byte("{not json")})
	store.Set(layout.DayIndexPrefix(day)+"notes.txt", objectstest.Object{Data: []byte("x")})
	store.Set(layout.Upload{Owner: "alice", ID: fmt.Sprintf("%032x", 9), Filename: "y"}.Key(), objectstest.Object{Data: []byte("not a result")})

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
		Date: "2026-11-24", From: day, To: day.Add(Day), Count: 3, TotalBytes: 157, Skipped: 1,
		ByContentType: map[string]report.Totals{
			"image/png":                 {Count: 2, Bytes: 150},
			"text/plain; charset=utf-8": {Count: 1, Bytes: 7},
		},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("report = %+v\nwant     %+v", got, want)
	}

	// Running again for the same day overwrites the same object, identically.
	puts := store.Puts()
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	again, _ := store.Get("reports/2026-11-24.json")
	if string(again.Data) != string(obj.Data) || store.Puts() != puts+1 {
		t.Errorf("second run: %d puts, report\n%s\nfirst\n%s", store.Puts()-puts, again.Data, obj.Data)
	}
}

const Day = report.Day

// countingStore counts the GETs in flight and the keys listed. Its GETs
// wait, instead of sleeping and hoping to overlap, until pool of them are
// in flight at once (or overlapTimeout passed, when the handler never runs
// that many, which the peak then shows).
type countingStore struct {
	*objectstest.Store
	pool           int64
	inFlight, peak atomic.Int64
	listed         atomic.Int64
	full           chan struct{} // closed once pool GETs were in flight, or on timeout
	closeFull      sync.Once
	startTimer     sync.Once
}

const overlapTimeout = 10 * time.Second

func newCountingStore(pool int) *countingStore {
	return &countingStore{Store: &objectstest.Store{}, pool: int64(pool), full: make(chan struct{})}
}

func (s *countingStore) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	s.startTimer.Do(func() { time.AfterFunc(overlapTimeout, func() { s.closeFull.Do(func() { close(s.full) }) }) })
	if n >= s.pool {
		s.closeFull.Do(func() { close(s.full) })
	}
	select {
	case <-s.full:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.GetObject(ctx, in, opts...)
}

func (s *countingStore) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out, err := s.Store.ListObjectsV2(ctx, in, opts...)
	if err == nil {
		s.listed.Add(int64(len(out.Contents)))
	}
	return out, err
}

func TestManyPagesBoundedPool(t *testing.T) {
	const pool = 8
	store := newCountingStore(pool)
	const n = 2345 // more than two pages of 1000
	for i := range n {
		putResult(t, store.Store, i, 2, "application/pdf", day.Add(time.Duration(i)*time.Second))
	}
	for i := range 500 { // other days: never listed
		putResult(t, store.Store, n+i, 2, "application/pdf", day.Add(-Day))
	}
	h := report.New(store, "b", discard)
	h.Concurrency = pool
	rep, err := h.Summarize(context.Background(), day)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count != n || rep.TotalBytes != 2*n || rep.ByContentType["application/pdf"].Count != n {
		t.Errorf("report counts %d results of %d bytes, want %d of %d", rep.Count, rep.TotalBytes, n, 2*n)
	}
	if got := store.listed.Load(); got != n {
		t.Errorf("listed %d keys, want only the day's %d", got, n)
	}
	if p := store.peak.Load(); p != pool {
		t.Errorf("peak GETs in flight %d, want the pool's %d", p, pool)
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
			putResult(t, tc.store, 1, 1, "image/png", day.Add(time.Hour))
			err := report.New(tc.store, "b", discard).Handle(context.Background(), tc.ev)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Handle = %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}
