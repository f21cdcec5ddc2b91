package smoke

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3API is the part of S3 that S3Objects uses; *s3.Client satisfies it.
// The caller needs s3:GetBucketVersioning and s3:ListBucketVersions on the
// bucket and s3:DeleteObject and s3:DeleteObjectVersion on the keys.
type S3API interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// S3Objects deletes objects of one bucket for good. In a bucket that is or
// was versioned, a plain DeleteObject only adds a delete marker and keeps
// the data, so it deletes every version and delete marker of the key by
// version ID
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html);
// in a bucket that never was, DeleteObject deletes the object.
type S3Objects struct {
	api    S3API
	bucket string

	mu        sync.Mutex
	known     bool // versioned was read
	versioned bool
}

var _ Objects = (*S3Objects)(nil)

// NewS3Objects returns the Objects of bucket.
func NewS3Objects(api S3API, bucket string) *S3Objects { return &S3Objects{api: api, bucket: bucket} }

func (o *S3Objects) String() string { return o.bucket }

// Delete deletes key and, in a versioned bucket, all its versions.
func (o *S3Objects) Delete(ctx context.Context, key string) error {
	versioned, err := o.isVersioned(ctx)
	if err != nil {
		return err
	}
	if !versioned {
		if _, err := o.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)}); err != nil {
			return fmt.Errorf("delete s3://%s/%s: %w", o.bucket, key, err)
		}
		return nil
	}
	pages := s3.NewListObjectVersionsPaginator(o.api, &s3.ListObjectVersionsInput{Bucket: aws.String(o.bucket), Prefix: aws.String(key)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the versions of s3://%s/%s: %w", o.bucket, key, err)
		}
		var ids []*string
		for _, v := range page.Versions {
			if aws.ToString(v.Key) == key {
				ids = append(ids, v.VersionId)
			}
		}
		for _, m := range page.DeleteMarkers {
			if aws.ToString(m.Key) == key {
				ids = append(ids, m.VersionId)
			}
		}
		for _, id := range ids {
			if _, err := o.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key), VersionId: id}); err != nil {
				return fmt.Errorf("delete s3://%s/%s version %s: %w", o.bucket, key, aws.ToString(id), err)
			}
		}
	}
	return nil
}

// isVersioned reads the bucket's versioning once: Enabled, or Suspended
// with older versions still there.
func (o *S3Objects) isVersioned(ctx context.Context) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.known {
		out, err := o.api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(o.bucket)})
		if err != nil {
			return false, fmt.Errorf("read the versioning of bucket %s: %w", o.bucket, err)
		}
		o.known, o.versioned = true, out.Status != ""
	}
	return o.versioned, nil
}
