// Package layout names the parts of the app that the stack and the handlers
// must agree on: the key prefixes inside the bucket and the environment
// variables the stack sets on each function.
//
// It is plain Go with no AWS or CDK import, so both sides can depend on it.
package layout

// Key prefixes inside the app's bucket. IAM policies in the stack are scoped
// to these prefixes, so a handler must not write outside them.
const (
	// UploadsPrefix holds the files that clients upload through presigned
	// URLs; object-created events under it invoke the processor.
	UploadsPrefix = "uploads/"
	// ResultsPrefix holds one JSON result per processed upload.
	ResultsPrefix = "results/"
	// ReportsPrefix holds one JSON report per day.
	ReportsPrefix = "reports/"
)

// Environment variables the stack sets on the functions.
const (
	// EnvBucketName is the name of the app's bucket (all functions).
	EnvBucketName = "BUCKET_NAME"
	// EnvAllowedContentTypes is a comma-separated list of the content types
	// the API accepts for uploads (api only).
	EnvAllowedContentTypes = "ALLOWED_CONTENT_TYPES"
	// EnvMaxUploadBytes is the largest upload the API presigns, in bytes
	// (api only).
	EnvMaxUploadBytes = "MAX_UPLOAD_BYTES"
	// EnvCORSAllowedOrigins is a comma-separated list of origins, or "*",
	// that the API answers CORS requests for (api only).
	EnvCORSAllowedOrigins = "CORS_ALLOWED_ORIGINS"
)

// EnvMetricsNamespace is the CloudWatch namespace of the business metrics
// the handlers log in Embedded Metric Format (package metrics); default
// metrics.DefaultNamespace.
const EnvMetricsNamespace = "METRICS_NAMESPACE"

// EnvS3ForcePathStyle, when "true", makes the functions' S3 client use
// path-style addressing (http://host/bucket/key). Local S3 servers need it;
// the deployed stack never sets it. The endpoint itself comes from the SDK's
// standard AWS_ENDPOINT_URL_S3.
const EnvS3ForcePathStyle = "S3_FORCE_PATH_STYLE"
