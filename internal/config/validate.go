package config

import (
	"go-lambda-cdk/internal/cron"
	"maps"

	"go-lambda-cdk/internal/quota"

	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/declare"
	"go-lambda-cdk/internal/layout"
)

// Presigned upload URLs: api.uploadUrlExpirySeconds (the api function's
// UPLOAD_URL_EXPIRY_SECONDS, read by internal/api).
const (
	DefaultUploadURLExpirySeconds = 300
	MaxUploadURLExpirySeconds     = 3600
)

// Retentions are the values CloudWatch Logs accepts for a log group's
// retention, except never-expire, which the app does not allow
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html),
// each with the name of the CDK's awslogs.RetentionDays value. It is the
// one list that validation and the stack's mapping both use.
var Retentions = []Retention{
	{1, "ONE_DAY"}, {3, "THREE_DAYS"}, {5, "FIVE_DAYS"}, {7, "ONE_WEEK"}, {14, "TWO_WEEKS"},
	{30, "ONE_MONTH"}, {60, "TWO_MONTHS"}, {90, "THREE_MONTHS"}, {120, "FOUR_MONTHS"},
	{150, "FIVE_MONTHS"}, {180, "SIX_MONTHS"}, {365, "ONE_YEAR"}, {400, "THIRTEEN_MONTHS"},
	{545, "EIGHTEEN_MONTHS"}, {731, "TWO_YEARS"}, {1096, "THREE_YEARS"}, {1827, "FIVE_YEARS"},
	{2192, "SIX_YEARS"}, {2557, "SEVEN_YEARS"}, {2922, "EIGHT_YEARS"}, {3288, "NINE_YEARS"},
	{3653, "TEN_YEARS"},
}

// Retention is one log retention CloudWatch Logs accepts.
type Retention struct {
	Days int
	// Name is the CDK's name for it (awslogs.RetentionDays).
	Name string
}

// RetentionDays lists the days of every value in Retentions.
func RetentionDays() []int {
	var days []int
	for _, r := range Retentions {
		days = append(days, r.Days)
	}
	return days
}

// RetentionName returns the CDK's name of a retention in days, or an error
// naming the allowed values.
func RetentionName(days int) (string, error) {
	i := slices.IndexFunc(Retentions, func(r Retention) bool { return r.Days == days })
	if i < 0 {
		return "", fmt.Errorf("%d is not a CloudWatch Logs retention; allowed: %v", days, RetentionDays())
	}
	return Retentions[i].Name, nil
}

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
	_, err := c.validate()
	return err
}

// validate is Validate, and returns the provisioned-concurrency schedules
// by function name (Schedules) it checked along the way, for NewPlan.
func (c Config) validate() (map[string]cron.Week, error) {
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
	if c.NestedStacks != NestedAuto && c.NestedStacks != NestedAlways {
		add("nestedStacks", "%q is not a placement of the functions; allowed: %q, %q", c.NestedStacks, NestedAuto, NestedAlways)
	}
	if err := declare.Validate(functions.All()); err != nil {
		errs = append(errs, err)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Functions)) {
		if _, ok := functions.Lookup(name); !ok {
			add("functions."+name, "no function %q is declared; declared: %s", name, strings.Join(functions.Names(), ", "))
		}
	}
	for _, fn := range c.Functions.Named() {
		fn.validate("functions."+fn.Name, c.stackEnvironment(fn.Declaration), add)
	}
	validateS3Overlaps(c.s3Triggers(), add)
	schedules, err := c.Schedules()
	if err != nil {
		errs = append(errs, err)
	}
	c.validateConcurrency(schedules, add)
	c.validateHooks(add)
	c.API.validate(add)
	c.validateOrigins(add)
	c.validateAPIEdge(add)
	c.validateAuth(add)
	c.validateUploadFitsProcessors(add)
	c.Bucket.validate(add)
	if c.Async.RetryAttempts < 0 || c.Async.RetryAttempts > quota.MaxRetryAttempts {
		add("async.retryAttempts", "%d is out of range; allowed 0 to %d", c.Async.RetryAttempts, quota.MaxRetryAttempts)
	}
	if c.Async.MaxEventAgeSeconds < quota.MinMaxEventAgeSeconds || c.Async.MaxEventAgeSeconds > quota.MaxMaxEventAgeSeconds {
		add("async.maxEventAgeSeconds", "%d is out of range; allowed %d to %d seconds (6 hours)", c.Async.MaxEventAgeSeconds, quota.MinMaxEventAgeSeconds, quota.MaxMaxEventAgeSeconds)
	}
	if _, err := RetentionName(c.Logs.RetentionDays); err != nil {
		add("logs.retentionDays", "%v", err)
	}
	c.validateOperations(add)
	return schedules, errors.Join(errs...)
}

func (f NamedFunction) validate(field string, stackEnv map[string]string, add func(string, string, ...any)) {
	maxTimeout := f.Declaration.MaxTimeoutSeconds()
	if !slices.Contains(architectures, f.Architecture) {
		add(field+".architecture", "%q is not supported; allowed: %s", f.Architecture, quoteList(architectures))
	}
	if f.MemoryMB < quota.MinMemoryMB || f.MemoryMB > quota.MaxMemoryMB {
		add(field+".memoryMB", "%d is out of range; allowed %d to %d MB", f.MemoryMB, quota.MinMemoryMB, quota.MaxMemoryMB)
	}
	if f.TimeoutSeconds < quota.MinTimeoutSeconds || f.TimeoutSeconds > maxTimeout {
		why := ""
		if maxTimeout == quota.MaxAPITimeoutSeconds {
			why = " (the function is behind the REST API, which gives up on its integration after 29 s, so a longer timeout could never answer a slow request)"
		}
		add(field+".timeoutSeconds", "%d is out of range; allowed %d to %d seconds%s", f.TimeoutSeconds, quota.MinTimeoutSeconds, maxTimeout, why)
	}
	if f.EphemeralStorageMB < quota.MinEphemeralMB || f.EphemeralStorageMB > quota.MaxEphemeralMB {
		add(field+".ephemeralStorageMB", "%d is out of range; allowed %d to %d MB", f.EphemeralStorageMB, quota.MinEphemeralMB, quota.MaxEphemeralMB)
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
	for _, k := range slices.Sorted(maps.Keys(f.Environment)) {
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
	if size > quota.MaxEnvironmentBytes {
		add(field+".environment", "variables take %d bytes (keys and values, including %d set by the stack); allowed at most %d bytes", size, mapBytes(stackEnv), quota.MaxEnvironmentBytes)
	}
	f.validateTriggers(field, add)
}

// validateTriggers checks the trigger settings: each only on a function
// declared with that trigger.
func (f NamedFunction) validateTriggers(field string, add func(string, string, ...any)) {
	// An empty Schedule is the declaration's, which declare.Validate checks.
	if _, ok := f.Declaration.Schedule(); ok && f.Schedule != "" {
		if err := cron.Validate(f.Schedule); err != nil {
			add(field+".schedule", "%q: %v", f.Schedule, err)
		}
	} else if !ok && f.Schedule != "" {
		add(field+".schedule", "%q is set, but the %s function has no schedule trigger (its triggers: %s)", f.Schedule, f.Name, strings.Join(f.Declaration.Kinds(), ", "))
	}
	_, s3 := f.Declaration.ObjectCreated()
	if !s3 && len(f.NotificationSuffixes) > 0 {
		add(field+".notificationSuffixes", "%q is set, but the %s function has no S3 trigger (its triggers: %s)", f.NotificationSuffixes, f.Name, strings.Join(f.Declaration.Kinds(), ", "))
	}
	for i, s := range f.NotificationSuffixes {
		if err := declare.ValidateSuffix(s); err != nil {
			add(fmt.Sprintf("%s.notificationSuffixes[%d]", field, i), "%q %v", s, err)
		}
	}
}

// validateConcurrency checks reservations and the declared peak against
// the account; schedules are the functions' provisioned concurrency (of
// those whose schedule validated).
func (c Config) validateConcurrency(schedules map[string]cron.Week, add func(string, string, ...any)) {
	if c.AccountConcurrency < quota.UnreservedConcurrency {
		add("accountConcurrency", "%d is below the %d executions Lambda always keeps unreserved", c.AccountConcurrency, quota.UnreservedConcurrency)
		return
	}
	reservable := c.AccountConcurrency - quota.UnreservedConcurrency
	total := 0
	var parts []string
	for _, fn := range c.Functions.Named() {
		if fn.ReservedConcurrency > 0 {
			total += fn.ReservedConcurrency
			parts = append(parts, fmt.Sprintf("%s %d", fn.Name, fn.ReservedConcurrency))
		}
	}
	if total > reservable {
		add("functions.*.reservedConcurrency", "together %d (%s) exceed the %d an account of %d can reserve (%d stay unreserved)", total, strings.Join(parts, " + "), reservable, c.AccountConcurrency, quota.UnreservedConcurrency)
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
	// Provisioned concurrency of unreserved functions outside the API is
	// taken from the pool the API draws on: count its weekly peak.
	available, who, source := c.apiConcurrency(reservable, total+c.provisionedOutsideAPI(schedules))
	if who == "" {
		add("peak", "is set, but no declared function has an api trigger")
		return
	}
	seconds := p.AverageDurationMs / 1000
	needed := p.RequestsPerSecond * seconds
	if needed > float64(available) {
		add("peak", "%g requests/s x %g s = %g concurrent executions needed, but %s has %d (%s)", p.RequestsPerSecond, seconds, math.Ceil(needed), who, available, source)
	}
	servable := float64(available) / seconds
	if c.API.ThrottleRateLimit > servable {
		add("api.throttleRateLimit", "%g requests/s exceeds what %s can serve: %d concurrent executions / %g s = %g requests/s; lower the throttle so the API sheds load (429) before Lambda throttles", c.API.ThrottleRateLimit, who, available, seconds, math.Floor(servable))
	}
	if c.API.ThrottleRateLimit > 0 && c.API.ThrottleRateLimit < p.RequestsPerSecond {
		add("api.throttleRateLimit", "%g requests/s is below the declared peak of %g requests/s; the API would reject expected traffic", c.API.ThrottleRateLimit, p.RequestsPerSecond)
	}
}

// apiConcurrency is what the functions behind the REST API can use
// together: their reservations when each has one, or else the reservable
// pool less what other functions reserved. who names them ("the api
// function"); it is "" when no function has an api trigger.
func (c Config) apiConcurrency(reservable, reserved int) (available int, who, source string) {
	var names, sources []string
	unreserved := false
	for _, fn := range c.Functions.Named() {
		if _, ok := fn.Declaration.API(); !ok {
			continue
		}
		names = append(names, fn.Name)
		sources = append(sources, "functions."+fn.Name+".reservedConcurrency")
		available += fn.ReservedConcurrency
		unreserved = unreserved || fn.ReservedConcurrency == 0
	}
	switch {
	case len(names) == 0:
		return 0, "", ""
	case len(names) == 1:
		who = "the " + names[0] + " function"
	default:
		who = "the API (functions " + strings.Join(names, ", ") + ")"
	}
	if unreserved {
		return reservable - reserved, who, fmt.Sprintf("unreserved concurrency (%d - %d reserved or provisioned elsewhere)", reservable, reserved)
	}
	return available, who, strings.Join(sources, " + ")
}

func (a API) validate(add func(string, string, ...any)) {
	if a.ThrottleRateLimit <= 0 || math.IsNaN(a.ThrottleRateLimit) || math.IsInf(a.ThrottleRateLimit, 0) {
		add("api.throttleRateLimit", "%v must be a positive number of requests per second", a.ThrottleRateLimit)
	}
	if a.ThrottleBurstLimit <= 0 {
		add("api.throttleBurstLimit", "%d must be a positive number of requests", a.ThrottleBurstLimit)
	}
	if len(a.AllowedContentTypes) == 0 {
		add("api.allowedContentTypes", "must list at least one content type")
	}
	for i, ct := range a.AllowedContentTypes {
		if !contentTypePattern.MatchString(ct) {
			add(fmt.Sprintf("api.allowedContentTypes[%d]", i), "%q is not a media type like \"image/png\"", ct)
		}
	}
	if a.MaxUploadBytes < 1 || a.MaxUploadBytes > quota.MaxSinglePutBytes {
		add("api.maxUploadBytes", "%d is out of range; allowed 1 to %d bytes (5 GiB, S3's limit for one PUT)", a.MaxUploadBytes, int64(quota.MaxSinglePutBytes))
	}
	if a.UploadURLExpirySeconds < 1 || a.UploadURLExpirySeconds > MaxUploadURLExpirySeconds {
		add("api.uploadUrlExpirySeconds", "%d is out of range; allowed 1 to %d seconds", a.UploadURLExpirySeconds, MaxUploadURLExpirySeconds)
	}
}

var contentTypePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)

// stackEnvironment is what the stack itself sets on a function, with the
// bucket name at its longest, so that the 4 KB budget is checked before the
// real name is known.
func (c Config) stackEnvironment(d functions.Declaration) map[string]string {
	env := c.Environment(d)
	env[layout.EnvBucketName] = strings.Repeat("b", quota.MaxBucketNameBytes)
	return env
}

// Environment is what the stack sets on a function besides the bucket
// name (a token): the business metrics' namespace on every function; the
// REST API's CORS origins and auth mode on a function with an api
// trigger; the upload settings on a function that declares upload routes
// (functions.API.UploadRoutes), the one that presigns uploads.
func (c Config) Environment(d functions.Declaration) map[string]string {
	env := map[string]string{layout.EnvMetricsNamespace: c.MetricsNamespace()}
	t, ok := d.API()
	if !ok {
		return env
	}
	env[layout.EnvCORSAllowedOrigins] = strings.Join(c.API.CORSAllowedOrigins, ",")
	env[layout.EnvAuthMode] = c.Auth.Mode
	if len(t.UploadRoutes) > 0 {
		env[layout.EnvAllowedContentTypes] = strings.Join(c.API.AllowedContentTypes, ",")
		env[layout.EnvMaxUploadBytes] = fmt.Sprint(c.API.MaxUploadBytes)
		env[layout.EnvUploadURLExpirySeconds] = fmt.Sprint(c.API.UploadURLExpirySeconds)
	}
	return env
}

func mapBytes(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}
