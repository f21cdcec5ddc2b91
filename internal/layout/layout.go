// Package layout names the parts of the app that the stack and the handlers
// must agree on: the key prefixes inside the bucket and the environment
// variables the stack sets on each function.
//
// It is plain Go with no AWS or CDK import, so both sides can depend on it.
//
// # Keys
//
//	uploads/<owner>/<id>/<filename>          the uploaded file (Upload.Key), PUT by the client
//	results/by-owner/<owner>/<id>.json       its processing result (ResultKey), read by the API
//	results/by-day/<YYYY-MM-DD>/<id>.json    a copy of the result in the per-day index (DayIndexKey), read by the report
//	reports/<YYYY-MM-DD>.json                the report of one UTC day (ReportKey)
//
// <owner> is the caller's sub claim from the API Gateway Cognito user pools
// authorizer (requestContext.authorizer.claims.sub), or AnonymousOwner when
// the API has no authorizer; see ValidOwner. <id> is 32 lower-case hex
// digits (NewUploadID). <filename> is the client's, checked by
// CheckFilename. The day of the index is the UTC day of the S3 event that
// created the upload, so every retry of that event indexes the same day.
//
// The API answers GET /uploads/{id} from results/by-owner/<caller>/<id>.json
// only, so a caller never sees another owner's result: it gets 404, the
// same answer as for an id that does not exist. The report lists one day's
// index and never the whole history.
package layout

// Key prefixes inside the app's bucket. IAM policies in the stack are scoped
// to these prefixes, so a handler must not write outside them.
const (
	// UploadsPrefix holds the files that clients upload through presigned
	// URLs; object-created events under it invoke the processor.
	UploadsPrefix = "uploads/"
	// ResultsPrefix holds one JSON result per processed upload, under
	// ResultsByOwnerPrefix, and the per-day index, under ResultsByDayPrefix.
	ResultsPrefix = "results/"
	// ResultsByOwnerPrefix holds the results by owner and id.
	ResultsByOwnerPrefix = ResultsPrefix + "by-owner/"
	// ResultsByDayPrefix holds the per-day index of results.
	ResultsByDayPrefix = ResultsPrefix + "by-day/"
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
	// EnvUploadURLExpirySeconds is how long a presigned upload URL stays
	// valid, in whole seconds (api only; optional). Default 300 (5 minutes),
	// at most 3600 (1 hour).
	EnvUploadURLExpirySeconds = "UPLOAD_URL_EXPIRY_SECONDS"
	// EnvAuthMode is the API's authentication: AuthModeCognito (every
	// upload route must carry the authorizer's sub claim) or AuthModeNone
	// (callers without claims share AnonymousOwner). Optional (api only);
	// default AuthModeNone, so that a stack without an authorizer keeps
	// working.
	EnvAuthMode = "AUTH_MODE"
)

// Values of EnvAuthMode, as in the stack's auth.mode.
const (
	AuthModeCognito = "cognito"
	AuthModeNone    = "none"
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

// Resources of the REST API, as API Gateway puts them in a proxy event's
// "resource" field: the api function routes on them (never on the raw
// path, which carries a custom domain's base path), and its declaration
// (package functions) creates them.
const (
	// ResourceHealth answers GET without a token (a public path).
	ResourceHealth = "/health"
	// ResourceUploads takes POST: presign an upload.
	ResourceUploads = "/uploads"
	// ResourceUpload takes GET: the caller's result of one upload.
	ResourceUpload = "/uploads/{id}"
)

// CreateUploadMethod on ResourceUploads presigns an upload: the route the
// stack throttles on its own (api.uploadThrottleRateLimit).
const CreateUploadMethod = "POST"

// LiveAlias is the alias every trigger of a function invokes. The stack
// creates it on each function and CodeDeploy moves it from one version to
// the next; a redrive replays through it and a hotswap moves it.
const LiveAlias = "live"
