// Package quota holds the AWS service quotas the tool checks a stage's
// configuration and its declarations against, each with the AWS page it
// comes from. Plain constants: every package may import it, none of them
// starts the CDK.
package quota

// Lambda quotas, from the AWS Lambda developer guide, "Lambda quotas":
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const (
	MinMemoryMB       = 128
	MaxMemoryMB       = 10240
	MinTimeoutSeconds = 1
	MaxTimeoutSeconds = 900
	MinEphemeralMB    = 512
	MaxEphemeralMB    = 10240
	// MaxEnvironmentBytes bounds all of a function's environment
	// variables together: the sum of len(key)+len(value).
	MaxEnvironmentBytes = 4096
	// Asynchronous invocation (S3 and EventBridge invoke this way).
	MaxRetryAttempts      = 2
	MinMaxEventAgeSeconds = 60
	MaxMaxEventAgeSeconds = 21600
	// UnreservedConcurrency is what Lambda always leaves unreserved in an
	// account.
	UnreservedConcurrency = 100
	// DefaultAccountConcurrency is a region's concurrent executions quota
	// unless raised (new accounts may get less).
	DefaultAccountConcurrency = 1000
)

// MaxAPITimeoutSeconds is the API Gateway REST API's integration timeout
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html):
// a longer function timeout could never answer a slow request.
const MaxAPITimeoutSeconds = 29

// S3 quotas, from the Amazon S3 User Guide, "Uploading objects"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html)
// and "Bucket naming rules"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
const (
	// MaxSinglePutBytes is the largest object one PUT can upload.
	MaxSinglePutBytes = 5 << 30
	// MaxBucketNameBytes is the longest bucket name.
	MaxBucketNameBytes = 63
)
