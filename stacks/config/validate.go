package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/internal/layout"
)

// Lambda quotas, from the AWS Lambda developer guide ("Lambda quotas"); see
// shared/reference/lambda-limits.md.
const (
	MinMemoryMB           = 128
	MaxMemoryMB           = 10240
	MinTimeoutSeconds     = 1
	MaxTimeoutSeconds     = 900
	MaxAPITimeoutSeconds  = 29 // API Gateway REST integration timeout
	MinEphemeralMB        = 512
	MaxEphemeralMB        = 10240
	MaxEnvironmentBytes   = 4096
	MaxRetryAttempts      = 2
	MinMaxEventAgeSeconds = 60
	MaxMaxEventAgeSeconds = 21600
	UnreservedConcurrency = 100     // always left unreserved in an account
	MaxSinglePutBytes     = 5 << 30 // S3: largest object in one PUT
	maxBucketNameBytes    = 63      // what the bucket name can take of the env budget
)

// RetentionDays are the values CloudWatch Logs accepts for a log group's
// retention, except never-expire, which the app does not allow.
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	appLogLevels    = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	systemLogLevels = []string{"DEBUG", "INFO", "WARN"}
	architectures   = []string{ArchARM64, ArchX86_64}
	envNamePattern  = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	// Lambda reserves these keys; setting them fails at deploy time.
	reservedEnvKeys = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}
)

// Validate checks the whole configuration against Lambda's, API Gateway's,
// EventBridge's and CloudWatch's limits and reports every problem at once,
// each naming the field, the value and what is allowed.
func (c Config) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if !slices.Contains(Stages(), c.Stage) {
		add("stage", "%q is not a known stage; allowed: %s", c.Stage, quoteList(Stages()))
	}
	if c.Project == "" {
		add("project", "must not be empty")
	}
	c.validateDeploy(add)
	for _, fn := range c.Functions.Named() {
		maxTimeout := MaxTimeoutSeconds
		if fn.Name == "api" {
			maxTimeout = MaxAPITimeoutSeconds
		}
		fn.validate("functions."+fn.Name, maxTimeout, c.stackEnvironment(fn.Name), add)
	}
	c.validateConcurrency(add)
	c.API.validate(add)
	for i, s := range c.Bucket.NotificationSuffixes {
		if s == "" || strings.ContainsAny(s, "*?") {
			add(fmt.Sprintf("bucket.notificationSuffixes[%d]", i), "%q must be a non-empty literal suffix such as \".csv\" (no wildcards)", s)
		}
	}
	if c.Async.RetryAttempts < 0 || c.Async.RetryAttempts > MaxRetryAttempts {
		add("async.retryAttempts", "%d is out of range; allowed 0 to %d", c.Async.RetryAttempts, MaxRetryAttempts)
	}
	if c.Async.MaxEventAgeSeconds < MinMaxEventAgeSeconds || c.Async.MaxEventAgeSeconds > MaxMaxEventAgeSeconds {
		add("async.maxEventAgeSeconds", "%d is out of range; allowed %d to %d seconds (6 hours)", c.Async.MaxEventAgeSeconds, MinMaxEventAgeSeconds, MaxMaxEventAgeSeconds)
	}
	if err := ValidateCron(c.Schedule.Cron); err != nil {
		add("schedule.cron", "%q: %v", c.Schedule.Cron, err)
	}
	if !slices.Contains(RetentionDays, c.Logs.RetentionDays) {
		add("logs.retentionDays", "%d is not a CloudWatch Logs retention; allowed: %v", c.Logs.RetentionDays, RetentionDays)
	}
	return errors.Join(errs...)
}

func (f NamedFunction) validate(field string, maxTimeout int, stackEnv map[string]string, add func(string, string, ...any)) {
	if !slices.Contains(architectures, f.Architecture) {
		add(field+".architecture", "%q is not supported; allowed: %s", f.Architecture, quoteList(architectures))
	}
	if f.MemoryMB < MinMemoryMB || f.MemoryMB > MaxMemoryMB {
		add(field+".memoryMB", "%d is out of range; allowed %d to %d MB", f.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	if f.TimeoutSeconds < MinTimeoutSeconds || f.TimeoutSeconds > maxTimeout {
		why := ""
		if maxTimeout == MaxAPITimeoutSeconds {
			why = " (the REST API gives up on its integration after 29 s, so a longer timeout could never answer a slow request)"
		}
		add(field+".timeoutSeconds", "%d is out of range; allowed %d to %d seconds%s", f.TimeoutSeconds, MinTimeoutSeconds, maxTimeout, why)
	}
	if f.EphemeralStorageMB < MinEphemeralMB || f.EphemeralStorageMB > MaxEphemeralMB {
		add(field+".ephemeralStorageMB", "%d is out of range; allowed %d to %d MB", f.EphemeralStorageMB, MinEphemeralMB, MaxEphemeralMB)
	}
	if f.ReservedConcurrency < 0 {
		add(field+".reservedConcurrency", "%d must not be negative (0 means unreserved)", f.ReservedConcurrency)
	}
	if !slices.Contains(appLogLevels, f.LogLevel) {
		add(field+".logLevel", "%q is not a log level; allowed: %s", f.LogLevel, quoteList(appLogLevels))
	}
	if !slices.Contains(systemLogLevels, f.SystemLogLevel) {
		add(field+".systemLogLevel", "%q is not a system log level; allowed: %s", f.SystemLogLevel, quoteList(systemLogLevels))
	}
	size := mapBytes(stackEnv)
	for _, k := range sortedKeys(f.Environment) {
		v := f.Environment[k]
		size += len(k) + len(v)
		switch {
		case !envNamePattern.MatchString(k):
			add(field+".environment", "key %q is not a valid variable name (letters, digits and _; starting with a letter)", k)
		case slices.Contains(reservedEnvKeys, k):
			add(field+".environment", "key %q is reserved by the Lambda runtime", k)
		case stackEnv[k] != "":
			add(field+".environment", "key %q is set by the stack; it cannot be overridden here", k)
		}
	}
	if size > MaxEnvironmentBytes {
		add(field+".environment", "variables take %d bytes (keys and values, including %d set by the stack); allowed at most %d bytes", size, mapBytes(stackEnv), MaxEnvironmentBytes)
	}
}

func (c Config) validateConcurrency(add func(string, string, ...any)) {
	if c.AccountConcurrency < UnreservedConcurrency {
		add("accountConcurrency", "%d is below the %d executions Lambda always keeps unreserved", c.AccountConcurrency, UnreservedConcurrency)
		return
	}
	reservable := c.AccountConcurrency - UnreservedConcurrency
	total := 0
	var parts []string
	for _, fn := range c.Functions.Named() {
		if fn.ReservedConcurrency > 0 {
			total += fn.ReservedConcurrency
			parts = append(parts, fmt.Sprintf("%s %d", fn.Name, fn.ReservedConcurrency))
		}
	}
	if total > reservable {
		add("functions.*.reservedConcurrency", "together %d (%s) exceed the %d an account of %d can reserve (%d stay unreserved)", total, strings.Join(parts, " + "), reservable, c.AccountConcurrency, UnreservedConcurrency)
	}
	if c.Peak == nil {
		return
	}
	p := *c.Peak
	if p.RequestsPerSecond <= 0 || math.IsNaN(p.RequestsPerSecond) {
		add("peak.requestsPerSecond", "%v must be positive", p.RequestsPerSecond)
	}
	if p.AverageDurationMs <= 0 || math.IsNaN(p.AverageDurationMs) {
		add("peak.averageDurationMs", "%v must be positive", p.AverageDurationMs)
	}
	if p.RequestsPerSecond <= 0 || p.AverageDurationMs <= 0 || total > reservable {
		return
	}
	// What the api function can use: its reservation, or else the
	// reservable pool less what the other functions reserved.
	available, source := c.Functions.API.ReservedConcurrency, "functions.api.reservedConcurrency"
	if available == 0 {
		available = reservable - total
		source = fmt.Sprintf("unreserved concurrency (%d - %d reserved elsewhere)", reservable, total)
	}
	seconds := p.AverageDurationMs / 1000
	needed := p.RequestsPerSecond * seconds
	if needed > float64(available) {
		add("peak", "%g requests/s x %g s = %g concurrent executions needed, but the api function has %d (%s)", p.RequestsPerSecond, seconds, math.Ceil(needed), available, source)
	}
	servable := float64(available) / seconds
	if c.API.ThrottleRateLimit > servable {
		add("api.throttleRateLimit", "%g requests/s exceeds what the api function can serve: %d concurrent executions / %g s = %g requests/s; lower the throttle so the API sheds load (429) before Lambda throttles", c.API.ThrottleRateLimit, available, seconds, math.Floor(servable))
	}
	if c.API.ThrottleRateLimit > 0 && c.API.ThrottleRateLimit < p.RequestsPerSecond {
		add("api.throttleRateLimit", "%g requests/s is below the declared peak of %g requests/s; the API would reject expected traffic", c.API.ThrottleRateLimit, p.RequestsPerSecond)
	}
}

func (a API) validate(add func(string, string, ...any)) {
	if a.ThrottleRateLimit <= 0 || math.IsNaN(a.ThrottleRateLimit) || math.IsInf(a.ThrottleRateLimit, 0) {
		add("api.throttleRateLimit", "%v must be a positive number of requests per second", a.ThrottleRateLimit)
	}
	if a.ThrottleBurstLimit <= 0 {
		add("api.throttleBurstLimit", "%d must be a positive number of requests", a.ThrottleBurstLimit)
	}
	if len(a.CORSAllowedOrigins) == 0 {
		add("api.corsAllowedOrigins", "must list at least one origin: \"*\" or https:// URLs")
	}
	for i, o := range a.CORSAllowedOrigins {
		field := fmt.Sprintf("api.corsAllowedOrigins[%d]", i)
		if o == "*" {
			if len(a.CORSAllowedOrigins) > 1 {
				add(field, "\"*\" must be the only origin when used")
			}
			continue
		}
		if err := validateOrigin(o); err != nil {
			add(field, "%q %v; allowed: \"*\" or an https origin such as \"https://app.example.com\"", o, err)
		}
	}
	if len(a.AllowedContentTypes) == 0 {
		add("api.allowedContentTypes", "must list at least one content type")
	}
	for i, ct := range a.AllowedContentTypes {
		if !contentTypePattern.MatchString(ct) {
			add(fmt.Sprintf("api.allowedContentTypes[%d]", i), "%q is not a media type like \"image/png\"", ct)
		}
	}
	if a.MaxUploadBytes < 1 || a.MaxUploadBytes > MaxSinglePutBytes {
		add("api.maxUploadBytes", "%d is out of range; allowed 1 to %d bytes (5 GiB, S3's limit for one PUT)", a.MaxUploadBytes, int64(MaxSinglePutBytes))
	}
}

var contentTypePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)

func validateOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil {
		return errors.New("is not a URL")
	}
	if u.Scheme != "https" {
		return errors.New("is not https")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("is not an origin (scheme and host only)")
	}
	if strings.HasSuffix(o, "/") {
		return errors.New("must not end with a slash")
	}
	return nil
}

// stackEnvironment is what the stack itself sets on a function, with the
// bucket name at its longest, so that the 4 KB budget is checked before the
// real name is known.
func (c Config) stackEnvironment(function string) map[string]string {
	env := map[string]string{layout.EnvBucketName: strings.Repeat("b", maxBucketNameBytes)}
	if function == "api" {
		for k, v := range c.APIEnvironment() {
			env[k] = v
		}
	}
	return env
}

// APIEnvironment is what the stack sets on the api function besides the
// bucket name.
func (c Config) APIEnvironment() map[string]string {
	return map[string]string{
		layout.EnvAllowedContentTypes: strings.Join(c.API.AllowedContentTypes, ","),
		layout.EnvMaxUploadBytes:      fmt.Sprint(c.API.MaxUploadBytes),
		layout.EnvCORSAllowedOrigins:  strings.Join(c.API.CORSAllowedOrigins, ","),
	}
}

func mapBytes(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
