// Package s3local runs a real S3-protocol server (gofakes3) on 127.0.0.1 for
// tests and local runs, and reports every object it stores the way S3 event
// notifications would.
//
// It is for development only. It checks no permissions, and of signatures
// only those of presigned URLs (see verifyPresigned), so that a PUT whose
// length or content type differs from what was signed is refused as S3
// refuses it.
package s3local

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/spf13/afero"

	"go-lambda-cdk/internal/layout"
)

// Static credentials and region the server's clients use. The server accepts
// any credentials; these only have to be present for the SDK to sign.
const (
	Region          = "us-east-1"
	AccessKeyID     = "s3local"
	SecretAccessKey = "s3local-secret"
)

// Event names of ObjectCreated, as in S3 event notifications.
const (
	EventPut                     = "ObjectCreated:Put"
	EventPost                    = "ObjectCreated:Post"
	EventCopy                    = "ObjectCreated:Copy"
	EventCompleteMultipartUpload = "ObjectCreated:CompleteMultipartUpload"
)

// ObjectCreated describes one object the server stored.
type ObjectCreated struct {
	Bucket, Key string // Key as stored (not URL-encoded)
	Size        int64
	ETag        string // without quotes
	EventName   string // one of the Event* constants
	Time        time.Time
}

// Options configure Start.
type Options struct {
	// Addr is the address to listen on. Default "127.0.0.1:0" (a free port).
	Addr string
	// Dir is the folder objects are stored in, so they survive restarts; it
	// is created if missing. Default "": objects are kept in memory.
	Dir string
	// Buckets are created at start if missing.
	Buckets []string
	// OnObjectCreated, if set, is called once for every object stored by a
	// PUT (plain or presigned), a form POST, a copy or a completed multipart
	// upload. Each call runs in its own goroutine, after the object is
	// stored, so calls may overlap. Close waits for calls in flight, so a
	// call must not block forever.
	OnObjectCreated func(ObjectCreated)
	// Now is the server's clock: it decides whether a presigned URL has
	// expired and stamps ObjectCreated.Time. Default time.Now.
	Now func() time.Time
}

// Server is a running S3-protocol server.
type Server struct {
	backend   gofakes3.Backend
	http      *http.Server
	url       string
	served    chan error
	onCreated func(ObjectCreated)
	now       func() time.Time
	calls     sync.WaitGroup
}

// Start starts a server and returns once it accepts connections.
func Start(opts Options) (*Server, error) {
	backend, err := newBackend(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("s3local: %w", err)
	}
	for _, b := range opts.Buckets {
		err := backend.CreateBucket(b)
		if err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
			return nil, fmt.Errorf("s3local: create bucket %q: %w", b, err)
		}
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("s3local: %w", err)
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()), gofakes3.WithoutVersioning())
	s := &Server{
		backend:   backend,
		url:       "http://" + ln.Addr().String(),
		served:    make(chan error, 1),
		onCreated: opts.OnObjectCreated,
		now:       opts.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.http = &http.Server{Handler: verifyPresigned(s.notify(faker.Server()), s.now), ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.http.Serve(ln) }()
	return s, nil
}

func newBackend(dir string) (gofakes3.Backend, error) {
	if dir == "" {
		return s3mem.New(), nil
	}
	fs, err := s3afero.NewBasePathFs(afero.NewOsFs(), dir, s3afero.FsPathCreateAll)
	if err != nil {
		return nil, fmt.Errorf("storage folder: %w", err)
	}
	return s3afero.MultiBucket(fs)
}

// URL returns the server's base URL, e.g. http://127.0.0.1:40123.
func (s *Server) URL() string { return s.url }

// Client returns an aws-sdk-go-v2 S3 client for the server (NewClient of
// its URL).
func (s *Server) Client() *s3.Client { return NewClient(s.url) }

// NewClient returns an aws-sdk-go-v2 S3 client for the server at url, e.g.
// a running `make local`'s: static credentials, path-style addressing,
// checksums only where required.
func NewClient(url string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     Region,
		BaseEndpoint:               aws.String(url),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// Env returns the environment (KEY=VALUE) a function process needs to reach
// the server through the SDK's default configuration: the S3 endpoint, a
// region, static credentials, path-style addressing and checksums only where
// required.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_S3=" + s.url,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REQUEST_CHECKSUM_CALCULATION=when_required",
		"AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
		layout.EnvS3ForcePathStyle + "=true",
	}
}

// Close stops the server, waits for OnObjectCreated calls in flight and
// returns the first error of serving.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	s.calls.Wait()
	if err != nil {
		return fmt.Errorf("s3local: close: %w", err)
	}
	return nil
}

// notify wraps the S3 handler and reports the objects that successful
// requests created.
func (s *Server) notify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if s.onCreated == nil || rec.status != http.StatusOK {
			return
		}
		bucket, key, event := created(r)
		if event == "" {
			return
		}
		obj, err := s.backend.HeadObject(bucket, key)
		if err != nil {
			return
		}
		obj.Contents.Close()
		ev := ObjectCreated{
			Bucket:    bucket,
			Key:       key,
			Size:      obj.Size,
			ETag:      hex.EncodeToString(obj.Hash),
			EventName: event,
			Time:      s.now().UTC(),
		}
		s.calls.Add(1)
		go func() {
			defer s.calls.Done()
			s.onCreated(ev)
		}()
	})
}

// created returns the bucket, key and event name of the object a successful
// request r created, or an empty event name when r creates no object.
func created(r *http.Request) (bucket, key, event string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case bucket == "":
		return "", "", ""
	case r.Method == http.MethodPut && key != "" && onlyAuthParams(q):
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			return bucket, key, EventCopy
		}
		return bucket, key, EventPut
	case r.Method == http.MethodPost && key != "" && q.Has("uploadId"):
		return bucket, key, EventCompleteMultipartUpload
	case r.Method == http.MethodPost && key == "" && r.MultipartForm != nil && len(r.MultipartForm.Value["key"]) == 1:
		return bucket, r.MultipartForm.Value["key"][0], EventPost
	}
	return "", "", ""
}

// onlyAuthParams reports whether a query holds nothing but presigning and
// SDK bookkeeping parameters, so a PUT with it writes an object rather than
// a sub-resource (tagging, acl, a multipart part).
func onlyAuthParams(q map[string][]string) bool {
	for k := range q {
		if !strings.HasPrefix(strings.ToLower(k), "x-amz-") && k != "x-id" {
			return false
		}
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
