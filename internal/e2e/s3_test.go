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
	srv, _ := startS3(t)
	ctx := context.Background()
	c := srv.Client()

	id := layout.NewUploadID()
	key := layout.UploadKey(id, "my song été+1.bin")
	data := []byte(strings.Repeat("0123456789abcdef", 3<<16)) // 3 MiB
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(e2e.Bucket), Key: aws.String(key), Body: strings.NewReader(string(data))}); err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	payload, err := e2e.S3Payload(key, int64(len(data)), time.Now())
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
	if err := objects.GetJSON(ctx, c, e2e.Bucket, layout.ResultKey(id), 1<<20, &res); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if res.Key != key || res.Size != int64(len(data)) || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("result %+v", res)
	}

	// 1,100 more results: the listing takes two pages.
	const extra = 1100
	for i := range extra {
		rid := layout.NewUploadID()
		r := processor.Result{ID: rid, Key: layout.UploadKey(rid, "x.png"), Size: int64(i), ContentType: "image/png"}
		if err := objects.PutJSON(ctx, c, e2e.Bucket, layout.ResultKey(rid), r); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	rep, err := report.New(c, e2e.Bucket, discard).Summarize(ctx, now.Add(-report.Window), now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	wantBytes := int64(len(data)) + extra*(extra-1)/2
	if rep.Count != extra+1 || rep.TotalBytes != wantBytes || rep.ByContentType["image/png"].Count != extra {
		t.Errorf("report counts %d results, %d bytes; want %d, %d", rep.Count, rep.TotalBytes, extra+1, wantBytes)
	}
	if old, err := report.New(c, e2e.Bucket, discard).Summarize(ctx, now.Add(-48*time.Hour), now.Add(-24*time.Hour)); err != nil || old.Count != 0 {
		t.Errorf("a window before the results counts %d (%v)", old.Count, err)
	}
}
