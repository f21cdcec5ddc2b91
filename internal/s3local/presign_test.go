package s3local_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/s3local"
)

// TestPresignedURLsAreVerified presigns PUTs with the SDK, as the api
// function does, and checks that the server accepts exactly the request
// that was signed: the same content type and length, before expiry, with
// its own key. The server's clock is the test's: expiry is checked by
// moving it past the URL's lifetime, not by waiting.
func TestPresignedURLsAreVerified(t *testing.T) {
	var ahead atomic.Int64 // how far the server's clock runs ahead of the SDK's, in nanoseconds
	srv, err := s3local.Start(s3local.Options{Buckets: []string{"b"}, Now: func() time.Time {
		return time.Now().Add(time.Duration(ahead.Load()))
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	content := []byte("signed content\n")
	presign := func(c *s3.Client, key string, expires time.Duration) string {
		t.Helper()
		p, err := s3.NewPresignClient(c).PresignPutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("b"), Key: aws.String(key), ContentType: aws.String("text/plain"), ContentLength: aws.Int64(int64(len(content))),
		}, func(o *s3.PresignOptions) { o.Expires = expires })
		if err != nil {
			t.Fatal(err)
		}
		return p.URL
	}
	put := func(url, contentType string, body []byte) (int, string) {
		t.Helper()
		status, b := fixture.Send(t, http.MethodPut, url, map[string]string{"Content-Type": contentType}, body)
		return status, string(b)
	}
	key := "uploads/alice/0123456789abcdef0123456789abcdef/my song été+1.txt"
	good := presign(srv.Client(), key, time.Minute)
	stranger := s3.New(s3.Options{Region: s3local.Region, BaseEndpoint: aws.String(srv.URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSTRANGER", s3local.SecretAccessKey, "")})
	for _, tc := range []struct {
		name, url, contentType string
		body                   []byte
		code                   string
		ahead                  time.Duration // of the server's clock when the PUT arrives
	}{
		{"other content type", good, "application/x-msdownload", content, "SignatureDoesNotMatch", 0},
		{"longer body", good, "text/plain", append(bytes.Clone(content), '!'), "SignatureDoesNotMatch", 0},
		{"shorter body", good, "text/plain", content[:3], "SignatureDoesNotMatch", 0},
		{"tampered signature", good[:len(good)-2] + "00", "text/plain", content, "SignatureDoesNotMatch", 0},
		{"other key in the path", strings.Replace(good, "alice", "bob", 1), "text/plain", content, "SignatureDoesNotMatch", 0},
		{"expired", presign(srv.Client(), key, time.Minute), "text/plain", content, "AccessDenied", time.Minute + time.Second},
		{"unknown access key", presign(stranger, key, time.Minute), "text/plain", content, "InvalidAccessKeyId", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ahead.Store(int64(tc.ahead))
			defer ahead.Store(0)
			status, body := put(tc.url, tc.contentType, tc.body)
			if status != http.StatusForbidden || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Errorf("PUT = %d %s, want 403 %s", status, body, tc.code)
			}
		})
	}
	if _, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String(key)}); err == nil {
		t.Fatal("a refused PUT stored the object")
	}
	if status, body := put(good, "text/plain", content); status != http.StatusOK {
		t.Fatalf("the signed PUT = %d %s, want 200", status, body)
	}
}
