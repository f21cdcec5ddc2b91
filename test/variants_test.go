package test

import (
	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
)

// The contexts below set several options at once, each touching resources
// the others leave alone, so that the tests of those options share one
// synth (synth caches one per context) instead of one each; each test
// reads only its own option's effect. An option that would hide another's
// keeps a context of its own: project (it renames the API, dashboard and
// bucket), bucket.versioned in dev (TestProcessorReadsObjectVersionsOnlyWhenVersioned
// compares it alone), auth.mode none and a prod without WAF or threat
// protection (they need the stack's own pool), hooks and provisioned
// concurrency (their tests compare with the plain stage).

// devOptions is stage dev with: suffixes on the first S3-triggered
// function's notifications (TestNotificationSuffixes), asynchronous
// invocation settings (TestAsyncInvocation), a schedule for the first
// scheduled function (TestSchedule), an upload throttle
// (TestUploadThrottle), a metrics namespace (TestDashboard), expiry days
// (TestBucketLifecycleExpiresUploadsAndResultsKeepsReports), a web ACL
// (TestWAF) and a custom domain (TestCdkNagAuthVariants). A function
// option is left out when no function has that trigger.
func devOptions() map[string]any {
	context := map[string]any{
		"stage":                       "dev",
		"async.retryAttempts":         "1",
		"async.maxEventAgeSeconds":    "3600",
		"api.uploadThrottleRateLimit": "2", "api.uploadThrottleBurstLimit": "4",
		"metrics.namespace":        "Acme/Uploads",
		"bucket.uploadsExpireDays": "7", "bucket.resultsExpireDays": "90",
		"api.wafRequestsPer5Minutes": "100",
		"api.domainName":             "api.example.com", "api.certificateArn": testCertificateARN, "api.basePath": "v1",
	}
	if d, ok := fixture.FirstWith(functions.KindS3); ok {
		context["functions."+d.Name+".notificationSuffixes"] = ".csv,.txt"
	}
	if d, ok := fixture.FirstWith(functions.KindSchedule); ok {
		context["functions."+d.Name+".schedule"] = "30 6 ? * MON-FRI *"
	}
	return context
}

// prodOptions is stage prod with: a custom domain (TestCustomDomain), an
// existing user pool (TestExistingUserPool, TestCdkNagAuthVariants), two
// front end origins (TestGatewayErrorsCarryCORS), a versioned bucket
// (TestVersionedBucketRemovesExpiredDeleteMarkers) and per-function
// overrides (TestFunctionOverridesFromContext): the first scheduled
// function on x86_64, the first S3-triggered one with a reservation and
// more ephemeral storage, the first API function with an environment
// variable. A function option is left out when no function has that
// trigger.
func prodOptions() map[string]any {
	context := map[string]any{
		"stage":          "prod",
		"api.domainName": "api.example.com", "api.certificateArn": testCertificateARN, "api.basePath": "v1",
		"auth.userPoolArn":       testUserPoolARN,
		"api.corsAllowedOrigins": "https://a.acme.dev,https://b.acme.dev",
		"bucket.versioned":       "true",
	}
	if d, ok := fixture.FirstWith(functions.KindSchedule); ok {
		context["functions."+d.Name+".architecture"] = "x86_64"
	}
	if d, ok := fixture.FirstWith(functions.KindS3); ok {
		context["functions."+d.Name+".reservedConcurrency"] = "20"
		context["functions."+d.Name+".ephemeralStorageMB"] = 2048.0
	}
	if d, ok := fixture.FirstWith(functions.KindAPI); ok {
		context["functions."+d.Name+".environment"] = `{"FEATURE_X":"on"}`
	}
	return context
}
