// Package report summarizes the processing results of the last 24 hours into
// one JSON report per day, on a scheduled EventBridge event.
package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/objects"
	"go-lambda-cdk/internal/processor"
)

// Window is the span of time a report covers, ending at the event's time.
const Window = 24 * time.Hour

// maxResultBytes bounds how much of one result object is read.
const maxResultBytes = 64 << 10

// Report is what the report function writes to layout.ReportKey(From).
type Report struct {
	// Date is the UTC day the window starts in, YYYY-MM-DD; it names the
	// report's key, so a run at 00:05 UTC reports on the day before.
	Date string    `json:"date"`
	From time.Time `json:"from"` // inclusive
	To   time.Time `json:"to"`   // exclusive: the event's time
	// Count and TotalBytes sum the results last modified in [From, To).
	Count      int   `json:"count"`
	TotalBytes int64 `json:"totalBytes"`
	// ByContentType splits Count and TotalBytes by sniffed content type.
	ByContentType map[string]Totals `json:"byContentType"`
	// Skipped counts result objects in the window that could not be read
	// as results; they are logged.
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
}

// New returns a Handler for bucket.
func New(store Store, bucket string, log *slog.Logger) *Handler {
	return &Handler{store: store, bucket: bucket, log: log}
}

// Handle summarizes the results written in the Window before ev.Time and
// writes the report; running it again for the same event overwrites the
// same object with the same content, unless results changed meanwhile.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	if ev.Time.IsZero() {
		return errors.New("scheduled event has no time")
	}
	to := ev.Time.UTC()
	rep, err := h.Summarize(ctx, to.Add(-Window), to)
	if err != nil {
		return err
	}
	key := layout.ReportKey(rep.From)
	if err := objects.PutJSON(ctx, h.store, h.bucket, key, rep); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "report written", "key", key, "count", rep.Count, "totalBytes", rep.TotalBytes, "skipped", rep.Skipped)
	h.Metrics.Emit(ctx, metrics.ReportItems.Of(float64(rep.Count)))
	return nil
}

// Summarize builds the report of the results last modified in [from, to).
func (h *Handler) Summarize(ctx context.Context, from, to time.Time) (Report, error) {
	rep := Report{
		Date:          from.UTC().Format(time.DateOnly),
		From:          from.UTC(),
		To:            to.UTC(),
		ByContentType: map[string]Totals{},
	}
	pages := s3.NewListObjectsV2Paginator(h.store, &s3.ListObjectsV2Input{
		Bucket: aws.String(h.bucket),
		Prefix: aws.String(layout.ResultsPrefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("list s3://%s/%s: %w", h.bucket, layout.ResultsPrefix, err)
		}
		for _, obj := range page.Contents {
			mod := aws.ToTime(obj.LastModified)
			key := aws.ToString(obj.Key)
			if mod.Before(from) || !mod.Before(to) || !strings.HasSuffix(key, ".json") {
				continue
			}
			if err := h.add(ctx, &rep, key); err != nil {
				return Report{}, err
			}
		}
	}
	return rep, nil
}

// add counts the result at key into rep. A result that vanished or is not
// a result is skipped and logged; any other failure is returned.
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
