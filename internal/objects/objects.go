// Package objects holds the small S3 interfaces the handlers depend on,
// satisfied by *s3.Client, and JSON helpers over them.
package objects

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Getter reads objects.
type Getter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Putter writes objects.
type Putter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Header reads an object's metadata.
type Header interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Lister lists objects; s3.NewListObjectsV2Paginator accepts it.
type Lister = s3.ListObjectsV2APIClient

var (
	_ Getter = (*s3.Client)(nil)
	_ Putter = (*s3.Client)(nil)
	_ Header = (*s3.Client)(nil)
	_ Lister = (*s3.Client)(nil)
)

// Errors GetJSON and GetBytes wrap, to tell a bad object from a failed call.
var (
	ErrTooLarge  = errors.New("object too large")
	ErrMalformed = errors.New("object is not the expected JSON")
)

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound")
}

// IsPreconditionFailed reports whether err is S3's 412 PreconditionFailed,
// the answer to a conditional request (If-Match) whose condition no longer
// holds.
func IsPreconditionFailed(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed" {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed
}

// IsAccessDenied reports whether err is S3's 403 AccessDenied. S3 also
// answers a GET of a missing key that way when the caller may not list the
// bucket without conditions; see Exists.
func IsAccessDenied(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "AccessDenied"
}

// Exists reports whether bucket holds key, by listing at most one key with
// key as the prefix, which a role allowed s3:ListBucket on that prefix only
// may do.
func Exists(ctx context.Context, l Lister, bucket, key string) (bool, error) {
	out, err := l.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(key), MaxKeys: aws.Int32(1)})
	if err != nil {
		return false, fmt.Errorf("list s3://%s/%s: %w", bucket, key, err)
	}
	return len(out.Contents) > 0 && aws.ToString(out.Contents[0].Key) == key, nil
}

// GetJSON reads the object bucket/key, at most limit bytes, and decodes it
// into v. Errors wrap the SDK's, so IsNotFound works on them.
func GetJSON(ctx context.Context, g Getter, bucket, key string, limit int64, v any) error {
	data, err := GetBytes(ctx, g, bucket, key, limit)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode s3://%s/%s: %w: %w", bucket, key, ErrMalformed, err)
	}
	return nil
}

// GetBytes reads the object bucket/key, at most limit bytes.
func GetBytes(ctx context.Context, g Getter, bucket, key string, limit int64) ([]byte, error) {
	out, err := g.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read s3://%s/%s: %w: more than %d bytes", bucket, key, ErrTooLarge, limit)
	}
	return data, nil
}

// PutJSON writes v as indented JSON to bucket/key with content type
// application/json. The same v always gives the same bytes.
func PutJSON(ctx context.Context, p Putter, bucket, key string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode s3://%s/%s: %w", bucket, key, err)
	}
	data = append(data, '\n')
	_, err = p.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
