package teardown

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// fakeCFN lists the resources of one stack, two per page.
type fakeCFN struct {
	stack     string
	resources []cfntypes.StackResourceSummary
}

var _ StackResources = (*fakeCFN)(nil)

func (f *fakeCFN) ListStackResources(_ context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	if aws.ToString(in.StackName) != f.stack {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id " + aws.ToString(in.StackName) + " does not exist"}
	}
	start := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &start)
	}
	end := min(start+2, len(f.resources))
	out := &cloudformation.ListStackResourcesOutput{StackResourceSummaries: f.resources[start:end]}
	if end < len(f.resources) {
		out.NextToken = aws.String(fmt.Sprint(end))
	}
	return out, nil
}

// fakeS3 holds object versions per bucket and lists them pageSize at a time.
type fakeS3 struct {
	pageSize   int
	tags       map[string]string   // bucket -> stage tag
	versions   map[string][]string // bucket -> "key@version"
	markers    map[string][]string
	loggingOff []string
	deleteErr  string // a key whose deletion fails
	deletes    int    // DeleteObjects calls
}

var _ Buckets = (*fakeS3)(nil)

func (f *fakeS3) GetBucketTagging(_ context.Context, in *s3.GetBucketTaggingInput, _ ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	stage, ok := f.tags[aws.ToString(in.Bucket)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchTagSet"}
	}
	return &s3.GetBucketTaggingOutput{TagSet: []s3types.Tag{{Key: aws.String("project"), Value: aws.String("x")}, {Key: aws.String("stage"), Value: aws.String(stage)}}}, nil
}

func (f *fakeS3) PutBucketLogging(_ context.Context, in *s3.PutBucketLoggingInput, _ ...func(*s3.Options)) (*s3.PutBucketLoggingOutput, error) {
	if in.BucketLoggingStatus == nil || in.BucketLoggingStatus.LoggingEnabled != nil {
		return nil, errors.New("want logging turned off")
	}
	f.loggingOff = append(f.loggingOff, aws.ToString(in.Bucket))
	return &s3.PutBucketLoggingOutput{}, nil
}

func (f *fakeS3) ListObjectVersions(_ context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	b := aws.ToString(in.Bucket)
	out := &s3.ListObjectVersionsOutput{}
	// Like S3, a page starts after the marker; the fake's marker is an index.
	start := 0
	if in.KeyMarker != nil {
		fmt.Sscan(*in.KeyMarker, &start)
	}
	all := append(append([]string(nil), f.versions[b]...), f.markers[b]...)
	end := min(start+f.pageSize, len(all))
	for i, kv := range all[start:end] {
		key, version, _ := strings.Cut(kv, "@")
		if start+i < len(f.versions[b]) {
			out.Versions = append(out.Versions, s3types.ObjectVersion{Key: aws.String(key), VersionId: aws.String(version)})
		} else {
			out.DeleteMarkers = append(out.DeleteMarkers, s3types.DeleteMarkerEntry{Key: aws.String(key), VersionId: aws.String(version)})
		}
	}
	if end < len(all) {
		out.IsTruncated, out.NextKeyMarker, out.NextVersionIdMarker = aws.Bool(true), aws.String(fmt.Sprint(end)), aws.String("v")
	}
	return out, nil
}

func (f *fakeS3) DeleteObjects(_ context.Context, in *s3.DeleteObjectsInput, _ ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	f.deletes++
	if len(in.Delete.Objects) > maxDeleteBatch {
		return nil, fmt.Errorf("%d keys in one request", len(in.Delete.Objects))
	}
	out := &s3.DeleteObjectsOutput{}
	for _, o := range in.Delete.Objects {
		if o.VersionId == nil {
			return nil, errors.New("delete without a version id leaves the version behind")
		}
		if aws.ToString(o.Key) == f.deleteErr {
			out.Errors = append(out.Errors, s3types.Error{Key: o.Key, VersionId: o.VersionId, Code: aws.String("AccessDenied"), Message: aws.String("denied")})
		}
	}
	return out, nil
}

func bucketResource(name string) cfntypes.StackResourceSummary {
	return cfntypes.StackResourceSummary{ResourceType: aws.String("AWS::S3::Bucket"), PhysicalResourceId: aws.String(name), ResourceStatus: cfntypes.ResourceStatusCreateComplete}
}

func devStack() *fakeCFN {
	return &fakeCFN{stack: "App-dev", resources: []cfntypes.StackResourceSummary{
		{ResourceType: aws.String("AWS::SQS::Queue"), PhysicalResourceId: aws.String("https://queue")},
		bucketResource("logs"),
		{ResourceType: aws.String("AWS::Lambda::Function"), PhysicalResourceId: aws.String("fn")},
		bucketResource("app"),
	}}
}

func versions(n int, prefix string) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%d@v%d", prefix, i, i))
	}
	return out
}

func TestEmptyStackBuckets(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		s3      *fakeS3
		wantErr string
		wantOut []string
	}{
		{
			name: "versions and delete markers across pages and batches",
			opts: Options{Stack: "App-dev", Stage: "dev", Yes: true},
			s3: &fakeS3{pageSize: 1500, tags: map[string]string{"app": "dev"},
				versions: map[string][]string{"app": versions(2500, "uploads/"), "logs": versions(3, "log")},
				markers:  map[string][]string{"app": versions(7, "gone/")}},
			wantOut: []string{"logs: deleted 3 object versions and 0 delete markers", "app: deleted 2500 object versions and 7 delete markers"},
		},
		{
			name:    "asks and stops without a yes",
			opts:    Options{Stack: "App-dev", Stage: "dev", In: strings.NewReader("\n")},
			s3:      &fakeS3{pageSize: 10, versions: map[string][]string{"app": versions(2, "k")}},
			wantErr: "cancelled",
			wantOut: []string{"every object, version and delete marker in logs, app", "Continue? [y/N]"},
		},
		{
			name:    "asks and goes on with y",
			opts:    Options{Stack: "App-dev", Stage: "dev", In: strings.NewReader("y\n")},
			s3:      &fakeS3{pageSize: 10, versions: map[string][]string{"app": versions(2, "k")}},
			wantOut: []string{"app: deleted 2 object versions"},
		},
		{
			name:    "prod stage refused",
			opts:    Options{Stack: "App-dev", Stage: "prod", Yes: true},
			s3:      &fakeS3{pageSize: 10},
			wantErr: `refusing to empty the buckets of stage "prod"`,
		},
		{
			name:    "bucket tagged prod refused",
			opts:    Options{Stack: "App-dev", Stage: "dev", Yes: true},
			s3:      &fakeS3{pageSize: 10, tags: map[string]string{"app": "prod"}},
			wantErr: "refusing to empty bucket app: it is tagged stage=prod",
		},
		{
			name:    "missing stack has nothing to empty",
			opts:    Options{Stack: "Other-dev", Stage: "dev", Yes: true},
			s3:      &fakeS3{pageSize: 10},
			wantOut: []string{"nothing to empty"},
		},
		{
			name:    "a key that cannot be deleted is reported",
			opts:    Options{Stack: "App-dev", Stage: "dev", Yes: true},
			s3:      &fakeS3{pageSize: 10, versions: map[string][]string{"app": versions(3, "k")}, deleteErr: "k1"},
			wantErr: "delete k1 (version v1) in app: AccessDenied: denied",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			tt.opts.Out = &out
			err := EmptyStackBuckets(context.Background(), tt.opts, devStack(), tt.s3)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v\n%s", err, &out)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, &out)
				}
			}
			if tt.wantErr != "" && tt.s3.deletes > 0 && !strings.Contains(tt.wantErr, "delete") {
				t.Errorf("%d DeleteObjects calls despite %q", tt.s3.deletes, tt.wantErr)
			}
			if tt.wantErr == "" && tt.opts.Stack == "App-dev" && strings.Join(tt.s3.loggingOff, ",") != "logs,app" {
				t.Errorf("access logging turned off on %v, want every bucket before emptying", tt.s3.loggingOff)
			}
		})
	}
}
