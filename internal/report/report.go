// Package report summarizes one UTC day of processing results into a JSON
// report, on a scheduled EventBridge event.
//
// It never lists the results' history: it lists the day's index
// (results/by-day/<YYYY-MM-DD>/, written by the processor; see package
// layout), a thousand keys per page, and GETs the entries with a bounded
// pool of concurrent requests. Its memory does not grow with the day's
// volume: it holds one page of keys, the requests in flight and the totals.
//
// A day's index holds the uploads whose S3 event happened that day (UTC).
// An event processed after the nightly run (a retry hours later) is still
// indexed under its own day, so running the report again for that day
// counts it; the run overwrites the day's report.
package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/objects"
	"go-lambda-cdk/internal/processor"
)

// Day is the span of time a report covers: one UTC day.
const Day = 24 * time.Hour

// DefaultConcurrency is how many result GETs are in flight at once unless
// Handler.Concurrency says otherwise. At S3's usual 10-20 ms per small GET
// it reads some 3,000-6,000 results a second; the S3 client must keep as
// many idle connections per host (lambda/report sets it).
const DefaultConcurrency = 64

// maxResultBytes bounds how much of one result object is read.
const maxResultBytes = 64 << 10

// Report is what the report function writes to layout.ReportKey(From).
type Report struct {
	// Date is the UTC day reported, YYYY-MM-DD; it names the report's key.
	Date string    `json:"date"`
	From time.Time `json:"from"` // inclusive: 00:00 UTC of Date
	To   time.Time `json:"to"`   // exclusive: 00:00 UTC of the next day
	// Count and TotalBytes sum the results in the day's index: the uploads
	// whose S3 event happened that day.
	Count      int   `json:"count"`
	TotalBytes int64 `json:"totalBytes"`
	// ByContentType splits Count and TotalBytes by sniffed content type.
	ByContentType map[string]Totals `json:"byContentType"`
	// Skipped counts index entries that could not be read as results; they
	// are logged.
	Skipped int `json:"skipped"`
}

// Totals are the count and bytes of one content type.
type Totals struct {
	Count int   `json:"count"`
	Bytes int64 `json:"bytes"`
}

// Store is the S3 access the report needs; *s3.Client satisfies it.
type Store interface {
	objects.Lister
	objects.Getter
	objects.Putter
}

var _ Store = (*s3.Client)(nil)

// Handler writes reports into one bucket. Build it once with New.
type Handler struct {
	store  Store
	bucket string
	log    *slog.Logger
	// Metrics records the items of each report written; nil records nothing.
	Metrics *metrics.Recorder
	// Concurrency is the number of result GETs in flight at once; default
	// DefaultConcurrency when 0 or less.
	Concurrency int
}

// New returns a Handler for bucket.
func New(store Store, bucket string, log *slog.Logger) *Handler {
	return &Handler{store: store, bucket: bucket, log: log}
}

// ReportedDay is the UTC day a scheduled event at t reports on: the day
// before t's UTC day, so the nightly run at 00:00 UTC reports the day that
// just ended, and a run later that day reports the same one.
func ReportedDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
}

// Handle summarizes the day before ev.Time (see ReportedDay) and writes
// the report; running it again for the same event overwrites the same
// object with the same content, unless results were added meanwhile.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	if ev.Time.IsZero() {
		return errors.New("scheduled event has no time")
	}
	start := time.Now()
	rep, err := h.Summarize(ctx, ReportedDay(ev.Time))
	if err != nil {
		return err
	}
	key := layout.ReportKey(rep.From)
	if err := objects.PutJSON(ctx, h.store, h.bucket, key, rep); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "report written", "key", key, "count", rep.Count, "totalBytes", rep.TotalBytes,
		"skipped", rep.Skipped, "duration", time.Since(start).Round(time.Millisecond).String())
	h.Metrics.Emit(ctx, metrics.ReportItems.Of(float64(rep.Count)))
	return nil
}

// Summarize builds the report of the UTC day that day falls in from its
// index, reading the entries with Concurrency GETs in flight. The first
// failure of a listing or a GET (other than an entry that is not a result)
// stops it and is returned.
func (h *Handler) Summarize(ctx context.Context, day time.Time) (Report, error) {
	y, m, d := day.UTC().Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	rep := Report{Date: from.Format(time.DateOnly), From: from, To: from.Add(Day), ByContentType: map[string]Totals{}}
	prefix := layout.DayIndexPrefix(from)
	n := h.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	keys := make(chan string, n)
	parts := make([]Report, n)
	var wg sync.WaitGroup
	for i := range parts {
		parts[i].ByContentType = map[string]Totals{}
		wg.Go(func() {
			for key := range keys {
				if ctx.Err() == nil {
					if err := h.add(ctx, &parts[i], key); err != nil {
						cancel(err)
					}
				}
			}
		})
	}
	listErr := h.list(ctx, prefix, keys)
	close(keys)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return Report{}, err
	}
	if listErr != nil {
		return Report{}, listErr
	}
	for _, p := range parts {
		rep.Count += p.Count
		rep.TotalBytes += p.TotalBytes
		rep.Skipped += p.Skipped
		for ct, t := range p.ByContentType {
			sum := rep.ByContentType[ct]
			sum.Count += t.Count
			sum.Bytes += t.Bytes
			rep.ByContentType[ct] = sum
		}
	}
	return rep, nil
}

// list sends the keys of the JSON objects under prefix into keys until
// the listing ends or ctx is done.
func (h *Handler) list(ctx context.Context, prefix string, keys chan<- string) error {
	pages := s3.NewListObjectsV2Paginator(h.store, &s3.ListObjectsV2Input{
		Bucket: aws.String(h.bucket),
		Prefix: aws.String(prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", h.bucket, prefix, err)
		}
		for _, obj := range page.Contents {
			key := aws.ToString(obj.Key)
			if !strings.HasSuffix(key, ".json") {
				continue
			}
			select {
			case keys <- key:
			case <-ctx.Done():
				return nil // the cause is the caller's to report
			}
		}
	}
	return nil
}

// add counts the result at key into rep, one worker's share of the report.
// An entry that vanished or is not a result is skipped and logged; any
// other failure is returned.
func (h *Handler) add(ctx context.Context, rep *Report, key string) error {
	var res processor.Result
	err := objects.GetJSON(ctx, h.store, h.bucket, key, maxResultBytes, &res)
	switch {
	case err == nil && res.ContentType != "" && res.Size >= 0:
		rep.Count++
		rep.TotalBytes += res.Size
		t := rep.ByContentType[res.ContentType]
		t.Count++
		t.Bytes += res.Size
		rep.ByContentType[res.ContentType] = t
		return nil
	case err == nil || objects.IsNotFound(err) || errors.Is(err, objects.ErrTooLarge) || errors.Is(err, objects.ErrMalformed):
		rep.Skipped++
		h.log.WarnContext(ctx, "skipped result", "key", key, "error", fmt.Sprint(err))
		return nil
	}
	return err
}
