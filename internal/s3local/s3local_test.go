package s3local_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/s3local"
)

const bucket = "app-bucket"

func start(t *testing.T, opts s3local.Options) (*s3local.Server, <-chan s3local.ObjectCreated) {
	t.Helper()
	events := make(chan s3local.ObjectCreated, 10)
	opts.Buckets = []string{bucket}
	opts.OnObjectCreated = func(e s3local.ObjectCreated) { events <- e }
	srv, err := s3local.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL() = %q, want http://127.0.0.1:<port>", srv.URL())
	}
	return srv, events
}

func nextEvent(t *testing.T, events <-chan s3local.ObjectCreated) s3local.ObjectCreated {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no ObjectCreated event within 5s")
		return s3local.ObjectCreated{}
	}
}

func TestPutGetListAndEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  bool
	}{{"memory", false}, {"dir", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var opts s3local.Options
			if tc.dir {
				opts.Dir = t.TempDir()
			}
			srv, events := start(t, opts)
			ctx := context.Background()
			c := srv.Client()
			key := "uploads/x/my song été.mp3"
			body := []byte("hello, s3local")
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(key),
				Body: bytes.NewReader(body), ContentType: aws.String("audio/mpeg"),
			}); err != nil {
				t.Fatal(err)
			}
			e := nextEvent(t, events)
			if e.Bucket != bucket || e.Key != key || e.Size != int64(len(body)) || e.EventName != s3local.EventPut {
				t.Errorf("event = %+v, want bucket %q key %q size %d %s", e, bucket, key, len(body), s3local.EventPut)
			}
			if len(e.ETag) != 32 {
				t.Errorf("ETag = %q, want 32 hex digits", e.ETag)
			}

			got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(got.Body)
			got.Body.Close()
			if !bytes.Equal(data, body) || aws.ToString(got.ContentType) != "audio/mpeg" {
				t.Errorf("GetObject = %q (%s), want %q (audio/mpeg)", data, aws.ToString(got.ContentType), body)
			}
			if strings.Trim(aws.ToString(got.ETag), `"`) != e.ETag {
				t.Errorf("GetObject ETag %s, event ETag %s", aws.ToString(got.ETag), e.ETag)
			}

			list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("uploads/")})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != key {
				t.Errorf("ListObjectsV2 = %d objects, want only %q", len(list.Contents), key)
			}
		})
	}
}

func TestPresignedPutFiresEvent(t *testing.T) {
	srv, events := start(t, s3local.Options{})
	ctx := context.Background()
	key := "uploads/y/a+b.txt"
	body := "presigned body"
	req, err := s3.NewPresignClient(srv.Client()).PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		ContentType: aws.String("text/plain"), ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		t.Fatal(err)
	}
	if status, b := fixture.Send(t, req.Method, req.URL, map[string]string{"Content-Type": "text/plain"}, []byte(body)); status != http.StatusOK {
		t.Fatalf("presigned PUT: %d %s", status, b)
	}
	e := nextEvent(t, events)
	if e.Key != key || e.Size != int64(len(body)) || e.EventName != s3local.EventPut {
		t.Errorf("event = %+v, want key %q size %d", e, key, len(body))
	}
}

// TestNoEventForReadsAndFailures: reads and failed writes notify nothing.
// The one successful PUT at the end shows events do get through; Close
// waits for every request and every OnObjectCreated call in flight, so
// after it the channel holds every event there will ever be.
func TestNoEventForReadsAndFailures(t *testing.T) {
	events := make(chan s3local.ObjectCreated, 10)
	srv, err := s3local.Start(s3local.Options{Buckets: []string{bucket}, OnObjectCreated: func(e s3local.ObjectCreated) { events <- e }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := srv.Client()
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("missing-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	if err == nil {
		t.Fatal("PutObject to a missing bucket succeeded")
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{}); err == nil {
		t.Fatal("empty CopyObject succeeded")
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("last"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("last")}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	close(events)
	var got []string
	for e := range events {
		got = append(got, e.EventName+" "+e.Key)
	}
	if want := []string{s3local.EventPut + " last"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want only %q", got, want)
	}
}

func TestDirSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv, err := s3local.Start(s3local.Options{Dir: dir, Buckets: []string{bucket}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("results/a.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv, err = s3local.Start(s3local.Options{Dir: dir, Buckets: []string{bucket}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got, err := srv.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("results/a.json")})
	if err != nil {
		t.Fatalf("object lost across restart: %v", err)
	}
	got.Body.Close()
}

func TestEnvNamesEndpoint(t *testing.T) {
	srv, _ := start(t, s3local.Options{})
	want := "AWS_ENDPOINT_URL_S3=" + srv.URL()
	for _, kv := range srv.Env() {
		if kv == want {
			return
		}
	}
	t.Errorf("Env() = %q, missing %q", srv.Env(), want)
}
