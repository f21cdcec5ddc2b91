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
		"dev configured": {devOptions(), "7", "90"}, // bucket.uploadsExpireDays 7, bucket.resultsExpireDays 90
	} {
		t.Run(name, func(t *testing.T) {
			_, b := synth(t, c.context).template.one(t, "AWS::S3::Bucket", "Bucket")
			want := `[{"ExpirationInDays":` + c.uploads + `,"Id":"ExpireUploads","Prefix":"uploads/","Status":"Enabled"},` +
				`{"ExpirationInDays":` + c.results + `,"Id":"ExpireResults","Prefix":"results/","Status":"Enabled"},` +
				`{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"Id":"NoncurrentAndIncomplete","NoncurrentVersionExpiration":{"NoncurrentDays":30},"Status":"Enabled"},` +
				`{"ExpiredObjectDeleteMarker":true,"Id":"ExpiredDeleteMarkers","Status":"Enabled"}]`
			if got := js(get(b, "Properties.LifecycleConfiguration.Rules")); got != want {
				t.Errorf("lifecycle rules\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestVersionedBucketRemovesExpiredDeleteMarkers: a versioned bucket's
// expirations leave delete markers behind; a rule of its own (S3 refuses
// ExpiredObjectDeleteMarker beside an expiration in days or on a date)
// removes them once no noncurrent version is left.
func TestVersionedBucketRemovesExpiredDeleteMarkers(t *testing.T) {
	for stage, context := range map[string]map[string]any{"dev": {"stage": "dev", "bucket.versioned": "true"}, "prod": prodOptions()} {
		t.Run(stage, func(t *testing.T) {
			_, b := synth(t, context).template.one(t, "AWS::S3::Bucket", "Bucket")
			var found int
			for _, r := range get(b, "Properties.LifecycleConfiguration.Rules").([]any) {
				if get(r, "ExpiredObjectDeleteMarker") != true {
					continue
				}
				found++
				if get(r, "Status") != "Enabled" || get(r, "ExpirationInDays") != nil || get(r, "ExpirationDate") != nil || get(r, "Prefix") != nil {
					t.Errorf("delete-marker rule %s: want it enabled, bucket-wide, without an expiration in days or on a date", js(r))
				}
			}
			if found != 1 {
				t.Errorf("%d rules remove expired object delete markers, want 1", found)
			}
		})
	}
}
