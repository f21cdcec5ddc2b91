// Package processor handles S3 object-created events for uploads: it streams
// each uploaded object once and writes a JSON result next to it.
package processor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/objects"
)

// SniffBytes is how many leading bytes of an object the content type is
// sniffed from (http.DetectContentType reads at most this many).
const SniffBytes = 512

// Result is what the processor writes to layout.ResultKey(ID) for one upload.
type Result struct {
	ID  string `json:"id"`
	Key string `json:"key"` // the upload's key, URL-decoded
	// Size is the number of bytes read from the object.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
	// ContentType is sniffed from the first SniffBytes bytes; it does not
	// trust the type the client declared.
	ContentType string    `json:"contentType"`
	EventTime   time.Time `json:"eventTime"`
}

// Store is the S3 access the processor needs; *s3.Client satisfies it.
type Store interface {
	objects.Getter
	objects.Putter
}

var _ Store = (*s3.Client)(nil)

// Handler processes S3 events. Build it once with New.
type Handler struct {
	store  Store
	bucket string
	log    *slog.Logger
	// Metrics records objects and bytes processed and the latency; nil records nothing.
	Metrics *metrics.Recorder
}

// New returns a Handler for the uploads in bucket, reading and writing
// through store and logging to log.
func New(store Store, bucket string, log *slog.Logger) *Handler {
	return &Handler{store: store, bucket: bucket, log: log}
}

// Handle processes every record of ev. Records of other buckets, keys
// outside layout.UploadsPrefix, malformed upload keys and events other than
// ObjectCreated are logged and skipped. It returns the joined errors of the
// records that failed, so that Lambda retries the event; processing a
// record again writes the same result.
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for i, rec := range ev.Records {
		if err := h.record(ctx, rec); err != nil {
			h.log.ErrorContext(ctx, "record failed", "record", i, "bucket", rec.S3.Bucket.Name, "key", rec.S3.Object.Key, "error", err.Error())
			errs = append(errs, fmt.Errorf("record %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

func (h *Handler) record(ctx context.Context, rec events.S3EventRecord) error {
	key, err := decodedKey(rec.S3.Object)
	if err != nil {
		return err
	}
	log := h.log.With("bucket", rec.S3.Bucket.Name, "key", key, "eventName", rec.EventName)
	if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
		log.InfoContext(ctx, "skipped: not an object-created event")
		return nil
	}
	if rec.S3.Bucket.Name != h.bucket {
		log.WarnContext(ctx, "skipped: not the app's bucket "+h.bucket)
		return nil
	}
	if !strings.HasPrefix(key, layout.UploadsPrefix) {
		log.InfoContext(ctx, "skipped: key outside "+layout.UploadsPrefix)
		return nil
	}
	id, _, err := layout.ParseUploadKey(key)
	if err != nil {
		log.WarnContext(ctx, "skipped: not an upload key", "error", err.Error())
		return nil
	}
	res, err := h.summarize(ctx, rec.S3.Bucket.Name, key)
	if err != nil {
		return err
	}
	res.ID, res.Key, res.EventTime = id, key, rec.EventTime.UTC()
	if err := objects.PutJSON(ctx, h.store, rec.S3.Bucket.Name, layout.ResultKey(id), res); err != nil {
		return fmt.Errorf("result of %s: %w", key, err)
	}
	log.InfoContext(ctx, "processed", "id", id, "size", res.Size, "contentType", res.ContentType)
	h.Metrics.Emit(ctx, metrics.ObjectsProcessed.Of(1), metrics.BytesProcessed.Of(float64(res.Size)), metrics.ProcessingLatency.Since(res.EventTime))
	return nil
}

// decodedKey returns the object's key as stored. aws-lambda-go fills
// URLDecodedKey when it decodes an event; a record built in Go may have
// only the URL-encoded Key.
func decodedKey(o events.S3Object) (string, error) {
	if o.URLDecodedKey != "" {
		return o.URLDecodedKey, nil
	}
	key, err := url.QueryUnescape(o.Key)
	if err != nil {
		return "", fmt.Errorf("decode key %q: %w", o.Key, err)
	}
	return key, nil
}

// summarize streams the object once with bounded memory: whatever its size,
// it holds SniffBytes and the copy buffer.
func (h *Handler) summarize(ctx context.Context, bucket, key string) (Result, error) {
	out, err := h.store.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return Result{}, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	sum := sha256.New()
	head := make([]byte, SniffBytes)
	n, err := io.ReadFull(out.Body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Result{}, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	head = head[:n]
	sum.Write(head)
	rest, err := io.Copy(sum, out.Body)
	if err != nil {
		return Result{}, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return Result{
		Size:        int64(n) + rest,
		SHA256:      hex.EncodeToString(sum.Sum(nil)),
		ContentType: http.DetectContentType(head),
	}, nil
}
