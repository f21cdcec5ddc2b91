// Package processor handles S3 object-created events for uploads: it streams
// each uploaded object once and writes a JSON result for its owner and a
// copy into the per-day index (see package layout).
//
// It processes exactly the object an event names: the version in the
// event's versionId when the bucket is versioned, else the object whose
// ETag is the event's eTag (a GET with If-Match). A presigned URL may PUT
// again while it is valid, so an event can arrive after its object was
// replaced; such an event is logged as superseded and skipped without
// error, because the replacing object's own event processes it.
package processor

import (
	"cmp"
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

// Result is what the processor writes to layout.ResultKey(Owner, ID) and
// layout.DayIndexKey(EventTime, ID) for one upload.
type Result struct {
	ID    string `json:"id"`
	Owner string `json:"owner"` // the owner segment of the key
	Key   string `json:"key"`   // the upload's key, URL-decoded
	// VersionID is the object version described, when the bucket is
	// versioned; ETag (without quotes) is the ETag of the object described.
	VersionID string `json:"versionId,omitempty"`
	ETag      string `json:"eTag,omitempty"`
	// Size is the number of bytes read from the object.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
	// ContentType is sniffed from the first SniffBytes bytes; it does not
	// trust the type the client declared.
	ContentType string    `json:"contentType"`
	EventTime   time.Time `json:"eventTime"`
}

// Store is the S3 access the processor needs; *s3.Client satisfies it.
// Reading a version (GetObject with VersionId) needs s3:GetObjectVersion,
// and HeadObject needs s3:GetObject, on the uploads.
type Store interface {
	objects.Getter
	objects.Header
	objects.Putter
}

var _ Store = (*s3.Client)(nil)

// Handler processes S3 events. Build it once with New.
type Handler struct {
	store  Store
	bucket string
	log    *slog.Logger
	now    func() time.Time
	// Metrics records objects and bytes processed and the latency; nil records nothing.
	Metrics *metrics.Recorder
}

// New returns a Handler for the uploads in bucket, reading and writing
// through store and logging to log.
func New(store Store, bucket string, log *slog.Logger) *Handler {
	return &Handler{store: store, bucket: bucket, log: log, now: time.Now}
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
	up, err := layout.ParseUploadKey(key)
	if err != nil {
		log.WarnContext(ctx, "skipped: not an upload key", "error", err.Error())
		return nil
	}
	want := exact{versionID: rec.S3.Object.VersionID, eTag: strings.Trim(rec.S3.Object.ETag, `"`)}
	if want == (exact{}) {
		log.WarnContext(ctx, "the event names no version or eTag: reading the current object")
	}
	res, err := h.summarize(ctx, rec.S3.Bucket.Name, key, want)
	if errors.Is(err, errSuperseded) {
		log.InfoContext(ctx, "skipped: superseded", "versionId", want.versionID, "eTag", want.eTag, "reason", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	at := rec.EventTime.UTC()
	if at.IsZero() {
		at = h.now().UTC()
		log.WarnContext(ctx, "the event has no time: indexing under the processing time")
	}
	res.ID, res.Owner, res.Key, res.EventTime = up.ID, up.Owner, key, at
	if err := WriteResult(ctx, h.store, rec.S3.Bucket.Name, res); err != nil {
		return fmt.Errorf("result of %s: %w", key, err)
	}
	log.InfoContext(ctx, "processed", "id", up.ID, "owner", up.Owner, "size", res.Size, "contentType", res.ContentType,
		"versionId", res.VersionID, "eTag", res.ETag)
	h.Metrics.Emit(ctx, metrics.ObjectsProcessed.Of(1), metrics.BytesProcessed.Of(float64(res.Size)), metrics.ProcessingLatency.Since(res.EventTime))
	return nil
}

// WriteResult stores res where the report and the API find it: its entry
// in the day index (layout.DayIndexKey of its EventTime) first, then the
// owner's result (layout.ResultKey), which the API shows, once everything
// else is written.
func WriteResult(ctx context.Context, p objects.Putter, bucket string, res Result) error {
	for _, k := range []string{layout.DayIndexKey(res.EventTime, res.ID), layout.ResultKey(res.Owner, res.ID)} {
		if err := objects.PutJSON(ctx, p, bucket, k, res); err != nil {
			return err
		}
	}
	return nil
}

// exact names the object an event is about: its version in a versioned
// bucket, its ETag (without quotes) otherwise.
type exact struct{ versionID, eTag string }

// errSuperseded marks an event whose object was replaced since.
var errSuperseded = errors.New("superseded")

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

// summarize streams the object the event names once, with bounded memory:
// whatever its size, it holds SniffBytes and the copy buffer. It returns an
// error wrapping errSuperseded when that object is no longer the key's
// current one.
func (h *Handler) summarize(ctx context.Context, bucket, key string, want exact) (Result, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	switch {
	case want.versionID != "":
		// A version stays readable after it is replaced: ask which one is
		// current first.
		head, err := h.store.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return Result{}, fmt.Errorf("head s3://%s/%s: %w", bucket, key, err)
		}
		if cur := aws.ToString(head.VersionId); cur != want.versionID {
			return Result{}, fmt.Errorf("%w: version %s is current, not %s", errSuperseded, cur, want.versionID)
		}
		in.VersionId = aws.String(want.versionID)
	case want.eTag != "":
		in.IfMatch = aws.String(`"` + want.eTag + `"`)
	}
	out, err := h.store.GetObject(ctx, in)
	if in.VersionId != nil && want.eTag != "" && objects.IsAccessDenied(err) {
		// Reading a version needs s3:GetObjectVersion. Without it, the
		// version just checked to be current is the object whose ETag is
		// the event's: read that one.
		h.log.WarnContext(ctx, "reading the version was denied; reading the current object with If-Match instead: grant s3:GetObjectVersion on the uploads",
			"bucket", bucket, "key", key, "versionId", want.versionID)
		in.VersionId, in.IfMatch = nil, aws.String(`"`+want.eTag+`"`)
		out, err = h.store.GetObject(ctx, in)
	}
	if objects.IsPreconditionFailed(err) {
		return Result{}, fmt.Errorf("%w: the object's ETag is no longer %s", errSuperseded, want.eTag)
	}
	if err != nil {
		return Result{}, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	got := exact{versionID: aws.ToString(out.VersionId), eTag: strings.Trim(aws.ToString(out.ETag), `"`)}
	// A server that ignores If-Match (or a race with a versioned PUT)
	// still shows which object it sent.
	if want.eTag != "" && got.eTag != "" && got.eTag != want.eTag && want.versionID == "" {
		return Result{}, fmt.Errorf("%w: the object's ETag is %s, not %s", errSuperseded, got.eTag, want.eTag)
	}
	if want.versionID != "" && got.versionID != "" && got.versionID != want.versionID {
		return Result{}, fmt.Errorf("%w: version %s is current, not %s", errSuperseded, got.versionID, want.versionID)
	}
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
		VersionID:   want.versionID,
		ETag:        cmp.Or(got.eTag, want.eTag),
		Size:        int64(n) + rest,
		SHA256:      hex.EncodeToString(sum.Sum(nil)),
		ContentType: http.DetectContentType(head),
	}, nil
}
