package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/e2e"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/report"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestHandlersOnRealS3Client runs the processor and the report in process
// against s3local through the real aws-sdk-go-v2 client: objects larger
// than any buffer, keys that need encoding, and a listing of more than one
// page.
func TestHandlersOnRealS3Client(t *testing.T) {
	srv, _ := startS3(t, e2e.Bucket)
	ctx := context.Background()
	c := srv.Client()

	up := layout.Upload{Owner: "2f1e8c4a-0b7d-4e2f-9a31-5c6d7e8f9a0b", ID: layout.NewUploadID(), Filename: "my song été+1.bin"}
	key := up.Key()
	data := []byte(strings.Repeat("0123456789abcdef", 3<<16)) // 3 MiB
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(e2e.Bucket), Key: aws.String(key), Body: strings.NewReader(string(data))})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	payload, err := e2e.S3Payload(key, int64(len(data)), aws.ToString(put.ETag), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	if err := processor.New(c, e2e.Bucket, discard).Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	var res processor.Result
	if err := objects.GetJSON(ctx, c, e2e.Bucket, layout.ResultKey(up.Owner, up.ID), 1<<20, &res); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if res.Key != key || res.Size != int64(len(data)) || res.SHA256 != hex.EncodeToString(sum[:]) || res.ETag == "" {
		t.Errorf("result %+v", res)
	}

	// The same key PUT again: the first event is superseded (gofakes3
	// ignores If-Match on GET, so the processor compares the ETag it got).
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(e2e.Bucket), Key: aws.String(key), Body: strings.NewReader("replaced")}); err != nil {
		t.Fatal(err)
	}
	if err := processor.New(c, e2e.Bucket, discard).Handle(ctx, ev); err != nil {
		t.Fatalf("superseded event: %v", err)
	}
	var again processor.Result
	if err := objects.GetJSON(ctx, c, e2e.Bucket, layout.ResultKey(up.Owner, up.ID), 1<<20, &again); err != nil || again != res {
		t.Errorf("the superseded event changed the result to %+v (%v)", again, err)
	}

	// 1,100 more results the same day: the listing takes two pages.
	const extra = 1100
	for i := range extra {
		u := layout.Upload{Owner: "bob", ID: layout.NewUploadID(), Filename: "x.png"}
		r := processor.Result{ID: u.ID, Owner: u.Owner, Key: u.Key(), Size: int64(i), ContentType: "image/png", EventTime: res.EventTime}
		if err := processor.WriteResult(ctx, c, e2e.Bucket, r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := report.New(c, e2e.Bucket, discard).Summarize(ctx, res.EventTime)
	if err != nil {
		t.Fatal(err)
	}
	wantBytes := int64(len(data)) + extra*(extra-1)/2
	if rep.Count != extra+1 || rep.TotalBytes != wantBytes || rep.ByContentType["image/png"].Count != extra {
		t.Errorf("report counts %d results, %d bytes; want %d, %d", rep.Count, rep.TotalBytes, extra+1, wantBytes)
	}
	if old, err := report.New(c, e2e.Bucket, discard).Summarize(ctx, res.EventTime.Add(-report.Day)); err != nil || old.Count != 0 {
		t.Errorf("the day before the results counts %d (%v)", old.Count, err)
	}
}
