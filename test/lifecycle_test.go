package test

import (
	"testing"
)

func TestBucketLifecycleExpiresUploadsAndResultsKeepsReports(t *testing.T) {
	for name, c := range map[string]struct {
		context          map[string]any
		uploads, results string
	}{
		"dev defaults":   {map[string]any{"stage": "dev"}, "30", "365"},
		"prod defaults":  {map[string]any{"stage": "prod"}, "30", "365"},
		"dev configured": {map[string]any{"stage": "dev", "bucket.uploadsExpireDays": "7", "bucket.resultsExpireDays": "90"}, "7", "90"},
	} {
		t.Run(name, func(t *testing.T) {
			_, b := synth(t, c.context).template.one(t, "AWS::S3::Bucket", "Bucket")
			want := `[{"ExpirationInDays":` + c.uploads + `,"Id":"ExpireUploads","Prefix":"uploads/","Status":"Enabled"},` +
				`{"ExpirationInDays":` + c.results + `,"Id":"ExpireResults","Prefix":"results/","Status":"Enabled"},` +
				`{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"Id":"NoncurrentAndIncomplete","NoncurrentVersionExpiration":{"NoncurrentDays":30},"Status":"Enabled"}]`
			if got := js(get(b, "Properties.LifecycleConfiguration.Rules")); got != want {
				t.Errorf("lifecycle rules\n got %s\nwant %s", got, want)
			}
		})
	}
}
