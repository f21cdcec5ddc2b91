package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/stacks/config"
)

// lifecycleRules expires uploads/ and results/ (by-owner results and the
// by-day index) after the configured days, keeps reports/, expires
// noncurrent versions and aborts incomplete multipart uploads everywhere.
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
	}
}
