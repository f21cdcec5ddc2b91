// Package objectstest holds an in-memory fake of the S3 calls in package
// objects, for unit tests of the handlers.
package objectstest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
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
	_ objects.Header = (*Store)(nil)
)

// Object is one stored object.
type Object struct {
	Data         []byte
	ContentType  string
	LastModified time.Time
	// ETag is the hex MD5 of Data without quotes, as S3 gives a
	// single-part upload; Set and PutObject fill it when empty.
	ETag string
	// VersionID is set by PutObject and Set when the store is Versioned.
	VersionID string
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
	// Versioned keeps every version of a key, each with its own VersionID,
	// as a versioned bucket does.
	Versioned bool
	// DenyVersions makes GetObject with a VersionId answer 403
	// AccessDenied, as S3 does without s3:GetObjectVersion.
	DenyVersions bool

	mu       sync.Mutex
	objects  map[string]Object
	versions map[string]Object // by key + "\x00" + version id
	puts     int
	nextVer  int
}

// Set stores an object directly and returns it as stored, with its ETag
// and, when the store is Versioned, a new VersionID.
func (s *Store) Set(key string, o Object) Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects == nil {
		s.objects, s.versions = map[string]Object{}, map[string]Object{}
	}
	if o.ETag == "" {
		sum := md5.Sum(o.Data)
		o.ETag = hex.EncodeToString(sum[:])
	}
	if s.Versioned {
		s.nextVer++
		o.VersionID = fmt.Sprintf("v%04d", s.nextVer)
		s.versions[key+"\x00"+o.VersionID] = o
	}
	s.objects[key] = o
	return o
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
	return slices.Sorted(maps.Keys(s.objects))
}

// Puts counts the PutObject calls that succeeded.
func (s *Store) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

// find returns the object a GET or HEAD names: a version when versionID
// is set, else the current object, checked against ifMatch (an ETag,
// quoted or not) when set.
func (s *Store) find(key, versionID, ifMatch string) (Object, error) {
	var o Object
	var ok bool
	if versionID != "" {
		s.mu.Lock()
		o, ok = s.versions[key+"\x00"+versionID]
		s.mu.Unlock()
		if !ok {
			return o, &smithy.GenericAPIError{Code: "NoSuchVersion", Message: "The specified version does not exist."}
		}
	} else if o, ok = s.Get(key); !ok {
		if s.DenyMissing {
			return o, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
		}
		return o, &types.NoSuchKey{Message: aws.String("The specified key does not exist.")}
	}
	if ifMatch != "" && strings.Trim(ifMatch, `"`) != o.ETag {
		return o, &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
	}
	return o, nil
}

// GetObject implements objects.Getter, with VersionId and IfMatch.
func (s *Store) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if s.GetErr != nil {
		return nil, s.GetErr
	}
	if s.DenyVersions && in.VersionId != nil {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
	}
	o, err := s.find(aws.ToString(in.Key), aws.ToString(in.VersionId), aws.ToString(in.IfMatch))
	if err != nil {
		return nil, err
	}
	return &s3.GetObjectOutput{
		Body:          io.NopCloser(bytes.NewReader(o.Data)),
		ContentLength: aws.Int64(int64(len(o.Data))),
		ContentType:   aws.String(o.ContentType),
		LastModified:  aws.Time(o.LastModified),
		ETag:          aws.String(`"` + o.ETag + `"`),
		VersionId:     versionOut(o.VersionID),
	}, nil
}

// HeadObject implements objects.Header, with VersionId and IfMatch. It
// fails with GetErr too.
func (s *Store) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if s.GetErr != nil {
		return nil, s.GetErr
	}
	o, err := s.find(aws.ToString(in.Key), aws.ToString(in.VersionId), aws.ToString(in.IfMatch))
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, &types.NotFound{Message: aws.String("Not Found")}
		}
		return nil, err
	}
	return &s3.HeadObjectOutput{
		ContentLength: aws.Int64(int64(len(o.Data))),
		ContentType:   aws.String(o.ContentType),
		LastModified:  aws.Time(o.LastModified),
		ETag:          aws.String(`"` + o.ETag + `"`),
		VersionId:     versionOut(o.VersionID),
	}, nil
}

func versionOut(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
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
