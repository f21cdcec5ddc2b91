// Package objectstest holds an in-memory fake of the S3 calls in package
// objects, for unit tests of the handlers.
package objectstest

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"go-lambda-cdk/internal/objects"
)

var (
	_ objects.Getter = (*Store)(nil)
	_ objects.Putter = (*Store)(nil)
	_ objects.Lister = (*Store)(nil)
)

// Object is one stored object.
type Object struct {
	Data         []byte
	ContentType  string
	LastModified time.Time
}

// Store is a single-bucket in-memory object store. The zero value is empty
// and ready; it is safe for concurrent use.
type Store struct {
	// Now stamps LastModified on PutObject; default time.Now.
	Now func() time.Time
	// GetErr, PutErr and ListErr, when set, are returned by every call of
	// that kind.
	GetErr, PutErr, ListErr error
	// DenyMissing makes GetObject of a missing key answer 403 AccessDenied,
	// as S3 does when the caller lacks an unconditioned s3:ListBucket.
	DenyMissing bool

	mu      sync.Mutex
	objects map[string]Object
	puts    int
}

// Set stores an object directly.
func (s *Store) Set(key string, o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects == nil {
		s.objects = map[string]Object{}
	}
	s.objects[key] = o
}

// Get returns the object at key.
func (s *Store) Get(key string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[key]
	return o, ok
}

// Keys returns every key, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Puts counts the PutObject calls that succeeded.
func (s *Store) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

// GetObject implements objects.Getter.
func (s *Store) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if s.GetErr != nil {
		return nil, s.GetErr
	}
	o, ok := s.Get(aws.ToString(in.Key))
	if !ok && s.DenyMissing {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
	}
	if !ok {
		return nil, &types.NoSuchKey{Message: aws.String("The specified key does not exist.")}
	}
	return &s3.GetObjectOutput{
		Body:          io.NopCloser(bytes.NewReader(o.Data)),
		ContentLength: aws.Int64(int64(len(o.Data))),
		ContentType:   aws.String(o.ContentType),
		LastModified:  aws.Time(o.LastModified),
	}, nil
}

// PutObject implements objects.Putter.
func (s *Store) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if s.PutErr != nil {
		return nil, s.PutErr
	}
	data, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	s.Set(aws.ToString(in.Key), Object{Data: data, ContentType: aws.ToString(in.ContentType), LastModified: now()})
	s.mu.Lock()
	s.puts++
	s.mu.Unlock()
	return &s3.PutObjectOutput{}, nil
}

// ListObjectsV2 implements objects.Lister. It honours Prefix, MaxKeys and
// ContinuationToken (the last key of the previous page).
func (s *Store) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if s.ListErr != nil {
		return nil, s.ListErr
	}
	limit := int(aws.ToInt32(in.MaxKeys))
	if limit <= 0 {
		limit = 1000
	}
	out := &s3.ListObjectsV2Output{}
	for _, k := range s.Keys() {
		if !strings.HasPrefix(k, aws.ToString(in.Prefix)) || k <= aws.ToString(in.ContinuationToken) {
			continue
		}
		if len(out.Contents) == limit {
			out.IsTruncated = aws.Bool(true)
			out.NextContinuationToken = out.Contents[limit-1].Key
			break
		}
		o, _ := s.Get(k)
		out.Contents = append(out.Contents, types.Object{
			Key: aws.String(k), Size: aws.Int64(int64(len(o.Data))), LastModified: aws.Time(o.LastModified),
		})
	}
	out.KeyCount = aws.Int32(int32(len(out.Contents)))
	return out, nil
}
