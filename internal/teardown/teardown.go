// Package teardown empties a dev stack's buckets before `cdk destroy`, which
// cannot delete a bucket that still holds objects. It is what `make destroy
// STAGE=dev` runs first.
//
// Emptying deletes every object version and delete marker, so it works for
// versioned buckets too. It refuses any stage but dev, and any bucket tagged
// stage=prod: prod keeps its retained bucket.
package teardown

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"go-lambda-cdk/internal/config"
)

// maxDeleteBatch is the most keys one DeleteObjects request takes.
const maxDeleteBatch = 1000

// StackResources lists a stack's resources (CloudFormation).
type StackResources interface {
	ListStackResources(context.Context, *cloudformation.ListStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
}

// Buckets is the part of S3 that emptying uses.
type Buckets interface {
	GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	PutBucketLogging(context.Context, *s3.PutBucketLoggingInput, ...func(*s3.Options)) (*s3.PutBucketLoggingOutput, error)
	ListObjectVersions(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(context.Context, *s3.DeleteObjectsInput, ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// Options configure EmptyStackBuckets.
type Options struct {
	// Stack is the CloudFormation stack whose buckets are emptied.
	Stack string
	// Stage is the stack's stage; anything but dev is refused.
	Stage string
	// Yes skips the question (APPROVE=1).
	Yes bool
	// In answers the question; Out receives it and the progress lines.
	In  io.Reader
	Out io.Writer
}

// ErrCancelled is returned when the user does not confirm.
var ErrCancelled = errors.New("cancelled: nothing was emptied or deleted")

// EmptyStackBuckets empties every AWS::S3::Bucket of the stack, after
// asking unless opts.Yes. Before emptying it turns off server access
// logging on each bucket, so that the app bucket stops sending log records
// to the access-log bucket. A stack that does not exist has nothing to
// empty.
func EmptyStackBuckets(ctx context.Context, opts Options, cfn StackResources, s3c Buckets) error {
	if opts.Stage != config.StageDev {
		return fmt.Errorf("refusing to empty the buckets of stage %q: only dev buckets are emptied; prod keeps its retained bucket and log groups when its stack is deleted", opts.Stage)
	}
	buckets, err := stackBuckets(ctx, cfn, opts.Stack)
	if err != nil {
		return err
	}
	if len(buckets) == 0 {
		fmt.Fprintf(opts.Out, "empty buckets: stack %s has no bucket (or does not exist); nothing to empty\n", opts.Stack)
		return nil
	}
	for _, b := range buckets {
		if stage, err := stageTag(ctx, s3c, b); err != nil {
			return err
		} else if stage == config.StageProd {
			return fmt.Errorf("refusing to empty bucket %s: it is tagged stage=prod", b)
		}
	}
	if !opts.Yes {
		fmt.Fprintf(opts.Out, "This deletes every object, version and delete marker in %s, then the stack %s. Continue? [y/N] ", strings.Join(buckets, ", "), opts.Stack)
		answer, _ := bufio.NewReader(opts.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return ErrCancelled
		}
	}
	for _, b := range buckets {
		if _, err := s3c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(b), BucketLoggingStatus: &s3types.BucketLoggingStatus{}}); err != nil && !isNoSuchBucket(err) {
			return fmt.Errorf("turn off access logging of %s: %w", b, err)
		}
	}
	for _, b := range buckets {
		versions, markers, err := Empty(ctx, s3c, b)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.Out, "empty buckets: %s: deleted %d object versions and %d delete markers\n", b, versions, markers)
	}
	return nil
}

// Empty deletes every object version and delete marker in bucket, page by
// page, and returns how many of each it deleted. A bucket that no longer
// exists is empty.
func Empty(ctx context.Context, s3c Buckets, bucket string) (versions, markers int, err error) {
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)}
	for {
		page, err := s3c.ListObjectVersions(ctx, in)
		if isNoSuchBucket(err) {
			return versions, markers, nil
		}
		if err != nil {
			return versions, markers, fmt.Errorf("list object versions of %s: %w", bucket, err)
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		for batch := range slices.Chunk(ids, maxDeleteBatch) {
			out, err := s3c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: batch, Quiet: aws.Bool(true)}})
			if err != nil {
				return versions, markers, fmt.Errorf("delete objects in %s: %w", bucket, err)
			}
			if len(out.Errors) > 0 {
				e := out.Errors[0]
				return versions, markers, fmt.Errorf("delete %s (version %s) in %s: %s: %s (and %d more errors)", aws.ToString(e.Key), aws.ToString(e.VersionId), bucket, aws.ToString(e.Code), aws.ToString(e.Message), len(out.Errors)-1)
			}
		}
		versions += len(page.Versions)
		markers += len(page.DeleteMarkers)
		if !aws.ToBool(page.IsTruncated) {
			return versions, markers, nil
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// stackBuckets returns the physical names of the stack's buckets, in the
// stack's order; none when the stack does not exist.
func stackBuckets(ctx context.Context, cfn StackResources, stack string) ([]string, error) {
	var buckets []string
	in := &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)}
	for {
		out, err := cfn.ListStackResources(ctx, in)
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list the resources of stack %s: %w", stack, err)
		}
		for _, r := range out.StackResourceSummaries {
			if aws.ToString(r.ResourceType) == "AWS::S3::Bucket" && aws.ToString(r.PhysicalResourceId) != "" && r.ResourceStatus != "DELETE_COMPLETE" {
				buckets = append(buckets, aws.ToString(r.PhysicalResourceId))
			}
		}
		if out.NextToken == nil {
			return buckets, nil
		}
		in.NextToken = out.NextToken
	}
}

// stageTag returns the bucket's "stage" tag, "" when it has none.
func stageTag(ctx context.Context, s3c Buckets, bucket string) (string, error) {
	out, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchTagSet" || apiErr.ErrorCode() == "NoSuchBucket") {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the tags of bucket %s: %w", bucket, err)
	}
	for _, t := range out.TagSet {
		if aws.ToString(t.Key) == "stage" {
			return aws.ToString(t.Value), nil
		}
	}
	return "", nil
}

func isNoSuchBucket(err error) bool {
	var nsb *s3types.NoSuchBucket
	var apiErr smithy.APIError
	return errors.As(err, &nsb) || (errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket")
}
