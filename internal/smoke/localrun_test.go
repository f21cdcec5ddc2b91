package smoke_test

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/auth"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/objects"
	"go-lambda-cdk/internal/smoke"
)

// existing wraps Objects and records, for each key deleted, whether it
// existed just before.
type existing struct {
	smoke.Objects
	s3     objects.Header
	bucket string
	mu     sync.Mutex
	found  map[string]bool
}

func (e *existing) Delete(ctx context.Context, key string) error {
	_, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key)})
	e.mu.Lock()
	e.found[key] = err == nil
	e.mu.Unlock()
	return e.Objects.Delete(ctx, key)
}

// TestAgainstLocalRun runs the smoke check against the local run of the
// dev stack with Cognito (the committed synth of internal/local's tests):
// the real api and processor under the emulator, the local S3 server and
// the local token issuer. It passes, the upload, its result and its day
// index entry existed and are gone afterwards, the bucket is empty and no
// temporary user is left.
func TestAgainstLocalRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the api and processor functions")
	}
	tpl, err := template.ReadFile(filepath.Join("..", "local", "template", "testdata", "cdk-synth-cognito.template.json"), "GoLambdaCdk-dev")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // includes building the functions on a cold cache
	defer cancel()
	state := t.TempDir()
	var logs bytes.Buffer
	app, err := local.Start(ctx, local.Options{
		Template: tpl, StateDir: state, API: true, APIAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0",
		Functions: []string{"api", "processor"}, Logs: &logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := app.Close(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	}()
	u, err := url.Parse(app.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	target, err := smoke.LocalTarget(tpl, u.Host)
	if err != nil {
		t.Fatal(err)
	}
	if target.APIURL != app.APIURL() || !target.Authorized {
		t.Fatalf("LocalTarget = %+v, want the local run's API %s, with an authorizer", target, app.APIURL())
	}
	issuer, err := auth.LoadOrCreate(local.IssuerDir(state))
	if err != nil {
		t.Fatal(err)
	}
	ids := smoke.NewLocal(issuer, nil)
	client := app.S3().Client()
	objs := &existing{Objects: smoke.NewS3Objects(client, target.Bucket), s3: client, bucket: target.Bucket, found: map[string]bool{}}
	var out bytes.Buffer
	err = smoke.Run(ctx, smoke.Config{APIURL: target.APIURL, Identity: ids, Objects: objs, Out: &out, PollInterval: 20 * time.Millisecond, ResultTimeout: 30 * time.Second})
	t.Logf("smoke:\n%s", out.String())
	if err != nil {
		t.Fatalf("smoke against the local run: %v", err)
	}
	if left := ids.Users(); len(left) > 0 {
		t.Errorf("users left: %v", left)
	}
	var kinds []string
	for key, found := range objs.found {
		if !found {
			t.Errorf("%s did not exist when deleted", key)
		}
		for _, prefix := range []string{layout.UploadsPrefix, layout.ResultsByOwnerPrefix, layout.ResultsByDayPrefix} {
			if strings.HasPrefix(key, prefix) {
				kinds = append(kinds, prefix)
			}
		}
	}
	slices.Sort(kinds)
	if want := []string{layout.ResultsByDayPrefix, layout.ResultsByOwnerPrefix, layout.UploadsPrefix}; !slices.Equal(kinds, want) {
		t.Errorf("deleted keys %v, want one under each of %v", objs.found, want)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(target.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		t.Errorf("object left in the bucket: %s", aws.ToString(o.Key))
	}
}
