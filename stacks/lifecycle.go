package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/layout"
)

// lifecycleRules expires uploads/ and results/ (by-owner results and the
// by-day index) after the configured days, keeps reports/, expires
// noncurrent versions, removes expired object delete markers and aborts
// incomplete multipart uploads everywhere.
//
// In a versioned bucket, expiring an object adds a delete marker; once its
// noncurrent versions expire too, the marker is left alone in the listing
// (an "expired object delete marker") and is removed only by a rule that
// says so. S3 refuses ExpiredObjectDeleteMarker in a rule that also expires
// after days or on a date, hence a rule of its own
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html).
// The noncurrent-version and delete-marker rules apply in every stage: a
// bucket whose versioning was turned off is suspended, not unversioned, and
// keeps its versions and markers.
func lifecycleRules(b config.Bucket) *[]*awss3.LifecycleRule {
	days := func(n int) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(n)) }
	return &[]*awss3.LifecycleRule{
		{Id: jsii.String("ExpireUploads"), Prefix: jsii.String(layout.UploadsPrefix), Expiration: days(b.UploadsExpireDays)},
		{Id: jsii.String("ExpireResults"), Prefix: jsii.String(layout.ResultsPrefix), Expiration: days(b.ResultsExpireDays)},
		{
			Id:                                  jsii.String("NoncurrentAndIncomplete"),
			AbortIncompleteMultipartUploadAfter: days(config.AbortIncompleteMultipartDays),
			NoncurrentVersionExpiration:         days(config.NoncurrentVersionExpireDays),
		},
		{Id: jsii.String("ExpiredDeleteMarkers"), ExpiredObjectDeleteMarker: jsii.Bool(true)},
	}
}
