// Package config holds the app's configuration as plain Go types: the stage
// presets, the CDK context overrides and the validation that runs before any
// construct is created.
//
// Nothing here imports jsii or the CDK: the stacks package converts these
// values once, at the construct boundary.
package config

import (
	"fmt"
	"sort"
	"strings"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/quota"
)

// Stages with a preset. Select one with `-c stage=NAME`; default dev.
const (
	StageDev  = "dev"
	StageProd = "prod"
)

// DefaultStage is used when no stage is given in the CDK context.
const DefaultStage = StageDev

// Architectures a function can be built for, in Lambda's spelling.
const (
	ArchARM64  = "arm64"
	ArchX86_64 = "x86_64"
)

// Config is everything a stage of the app can be configured with. The JSON
// names are the keys of CDK context overrides: `-c functions.api.memoryMB=512`.
type Config struct {
	// Project names the app in tags and the stack name. Default "go-lambda-cdk".
	Project string `json:"project"`
	// Stage is "dev" or "prod". It picks the preset and is the API stage name.
	Stage string `json:"stage"`
	// Functions configures each declared Lambda function, by name (see
	// package functions).
	Functions Functions `json:"functions"`
	// API configures the REST API in front of the api function.
	API API `json:"api"`
	// Auth configures who may call the REST API (auth.go).
	Auth Auth `json:"auth"`
	// Bucket configures the upload bucket and its notification.
	Bucket Bucket `json:"bucket"`
	// Async configures asynchronous invocation of every function that S3,
	// EventBridge or another function invokes.
	Async Async `json:"async"`
	// Logs configures every log group of the stage (functions, API access).
	Logs Logs `json:"logs"`
	// Peak, when set, declares the expected peak load on the API so that the
	// capacity of the api function and the API throttle can be checked at
	// synth time. Default: not set, no capacity check.
	Peak *Peak `json:"peak"`
	// AccountConcurrency is the account's concurrent executions quota in the
	// region. Default 1000 (Lambda's default; new accounts may get less).
	AccountConcurrency int `json:"accountConcurrency"`
	// Deploy, Alerts, Alarms, Tracing and Metrics are the day-2 operations
	// settings (operations.go).
	Deploy  Deploy  `json:"deploy"`
	Alerts  Alerts  `json:"alerts"`
	Alarms  Alarms  `json:"alarms"`
	Metrics Metrics `json:"metrics"`
	// Tracing turns on X-Ray active tracing of the functions and the API
	// stage. Default false (dev), true (prod).
	Tracing bool `json:"tracing"`
	// Prod pins the prod stack to an account and region (deploy.go).
	Prod Prod `json:"prod"`
	// GitHub configures deploys from GitHub Actions (deploy.go).
	GitHub GitHub `json:"github"`
	// Account says which stages the account stack's account hosts
	// (deploy.go).
	Account Account `json:"account"`
	// NestedStacks says where the functions go: NestedAuto keeps them in
	// the stage's stack while all of them fit its CloudFormation limits
	// with a margin, and otherwise puts every function into a nested stack
	// of its group (package nesting); NestedAlways does so from the first
	// function, so that growing never moves one. Default "auto".
	NestedStacks string `json:"nestedStacks"`
}

// The values of nestedStacks.
const (
	NestedAuto   = "auto"
	NestedAlways = "always"
)

// Functions configures each declared function by its name, the folder
// under lambda/ (see package functions). ForStage fills in every declared
// function; a key of no declared function is an error.
type Functions map[string]FunctionSettings

// Named returns the declared functions that f configures with their names
// and declarations, in declaration order.
func (f Functions) Named() []NamedFunction {
	var out []NamedFunction
	for _, d := range functions.All() {
		if c, ok := f[d.Name]; ok {
			out = append(out, NamedFunction{Name: d.Name, FunctionSettings: c, Declaration: d})
		}
	}
	return out
}

// NamedFunction is a function's settings with its name and declaration.
type NamedFunction struct {
	Name string
	FunctionSettings
	Declaration functions.Declaration
}

// Cron is the function's final schedule: the stage's override, else the
// declaration's; "" when it has no schedule trigger.
func (f NamedFunction) Cron() string {
	s, ok := f.Declaration.Schedule()
	switch {
	case !ok:
		return ""
	case f.Schedule != "":
		return f.Schedule
	}
	return s.Cron
}

// Suffixes are the final suffixes of the function's S3 trigger: the
// stage's override when set, else the declaration's.
func (f NamedFunction) Suffixes() []string {
	o, ok := f.Declaration.ObjectCreated()
	switch {
	case !ok:
		return nil
	case f.NotificationSuffixes != nil:
		return f.NotificationSuffixes
	}
	return o.Suffixes
}

// GOARCH is the Go architecture the function's Lambda architecture needs:
// "arm64" or "amd64".
func (f FunctionSettings) GOARCH() string {
	if f.Architecture == ArchX86_64 {
		return "amd64"
	}
	return "arm64"
}

// FunctionSettings configures one Lambda function.
type FunctionSettings struct {
	// Architecture is "arm64" or "x86_64". Default "arm64".
	Architecture string `json:"architecture"`
	// MemoryMB is the memory size, 128 to 10240 MB. Default 256 (dev), 512 (prod).
	MemoryMB int `json:"memoryMB"`
	// TimeoutSeconds is 1 to 900 s, and at most 29 s for a function behind
	// the REST API (its integration timeout). Default: the declaration's
	// (api 10, processor 60, report 300).
	TimeoutSeconds int `json:"timeoutSeconds"`
	// EphemeralStorageMB is the size of /tmp, 512 to 10240 MB. Default 512.
	EphemeralStorageMB int `json:"ephemeralStorageMB"`
	// Environment is added to the variables the stack sets itself; all of
	// them together may hold at most 4096 bytes of keys and values.
	// Default: none.
	Environment map[string]string `json:"environment"`
	// ReservedConcurrency reserves concurrent executions for the function
	// and caps it there; 0 leaves it in the unreserved pool. Default 0.
	ReservedConcurrency int `json:"reservedConcurrency"`
	// LogLevel is the application log level: TRACE, DEBUG, INFO, WARN,
	// ERROR or FATAL. Default INFO (dev: DEBUG).
	LogLevel string `json:"logLevel"`
	// SystemLogLevel is the Lambda platform's log level: DEBUG, INFO or
	// WARN. Default WARN.
	SystemLogLevel string `json:"systemLogLevel"`
	// Schedule overrides the EventBridge cron expression that a function
	// with a schedule trigger declares (functions.Schedule.Cron): six
	// fields (minutes hours day-of-month month day-of-week year), without
	// the "cron(...)" wrapper. Default "": the declaration's (report:
	// "0 0 * * ? *", daily at 00:00 UTC). The plan holds the final cron.
	Schedule string `json:"schedule" trigger:"schedule"`
	// NotificationSuffixes overrides the suffixes that a function with an
	// S3 trigger declares (functions.ObjectCreated.Suffixes): keys under
	// its prefix must end with one of these literal suffixes (".csv"); an
	// empty list ([]) removes the declared ones. Default: not set, the
	// declaration's (none: every key). The prefix is the declaration's
	// alone. The plan holds the final suffixes.
	NotificationSuffixes []string `json:"notificationSuffixes" trigger:"s3"`
	// Provisioned schedules provisioned concurrency on the function's live
	// alias: a baseline and daily or weekly windows (provisioned.go).
	// Default none (every burst starts with cold starts).
	Provisioned Provisioned `json:"provisioned"`
	// PreTrafficHook and PostTrafficHook name declared functions that
	// CodeDeploy invokes before it shifts traffic to a new version and
	// after it has shifted all of it; each must report success or failure
	// with codedeploy:PutLifecycleEventHookExecutionStatus, and a failure
	// rolls the deployment back. Default none.
	PreTrafficHook  string `json:"preTrafficHook"`
	PostTrafficHook string `json:"postTrafficHook"`
}

// API configures the REST API.
type API struct {
	// ThrottleRateLimit is the stage's steady-state requests per second.
	// Default 50 (dev), 500 (prod).
	ThrottleRateLimit float64 `json:"throttleRateLimit"`
	// ThrottleBurstLimit is the stage's burst of requests. Default 100 (dev),
	// 1000 (prod).
	ThrottleBurstLimit int `json:"throttleBurstLimit"`
	// CORSAllowedOrigins is ["*"] or a list of https:// origins.
	// Default ["*"] (dev); none in prod, which needs the real front end's
	// origins: no placeholder such as example.com or localhost
	// (placeholders.go).
	CORSAllowedOrigins []string `json:"corsAllowedOrigins"`
	// AllowedContentTypes lists the content types accepted for uploads.
	// Default image/png, image/jpeg, application/pdf, text/plain, text/csv,
	// audio/mpeg.
	AllowedContentTypes []string `json:"allowedContentTypes"`
	// MaxUploadBytes is the largest upload the API presigns, 1 byte to 5 GB
	// (S3's limit for one PUT). Default 104857600 (100 MiB).
	MaxUploadBytes int64 `json:"maxUploadBytes"`
	// UploadURLExpirySeconds is how long a presigned upload URL stays
	// valid (the api function's UPLOAD_URL_EXPIRY_SECONDS), 1 to 3600 s.
	// Default 300.
	UploadURLExpirySeconds int `json:"uploadUrlExpirySeconds"`
	// UploadThrottleRateLimit and UploadThrottleBurstLimit throttle the
	// methods that presign uploads (functions.API.UploadRoutes) on their
	// own, within the stage's throttle: more than 0 up to
	// throttleRateLimit, 1 up to throttleBurstLimit. Default 10 and 20
	// (dev), 50 and 100 (prod).
	UploadThrottleRateLimit  float64 `json:"uploadThrottleRateLimit"`
	UploadThrottleBurstLimit int     `json:"uploadThrottleBurstLimit"`
	// WAFRequestsPer5Minutes, when not 0, puts a regional AWS WAF web ACL
	// in front of the stage that blocks a source IP for as long as it
	// sends more than this many requests in 5 minutes: 10 to 2000000000
	// (apiedge.go). Default 0 (dev: no web ACL), 2000 (prod).
	WAFRequestsPer5Minutes int64 `json:"wafRequestsPer5Minutes"`
	// DomainName, CertificateARN and BasePath serve the stage on a custom
	// domain ("api.example.com", a regional endpoint with TLS 1.2) with an
	// ACM certificate of the stack's region, under a base path ("v1";
	// "" maps the domain's root). DomainName and CertificateARN come
	// together; BasePath needs them. Default: none (the execute-api URL).
	DomainName     string `json:"domainName"`
	CertificateARN string `json:"certificateArn"`
	BasePath       string `json:"basePath"`
}

// Bucket configures the upload bucket.
type Bucket struct {
	// Versioned turns on object versioning. Default false (dev), true (prod).
	Versioned bool `json:"versioned"`
	// UploadsExpireDays deletes uploads/ objects this many days after
	// they were written, 1 to 3650. Default 30.
	UploadsExpireDays int `json:"uploadsExpireDays"`
	// ResultsExpireDays deletes results/ objects (by-owner results and
	// the by-day index) this many days after they were written, 2 to 3650
	// (the daily report reads the previous day's index). Reports are
	// kept. Default 365.
	ResultsExpireDays int `json:"resultsExpireDays"`
}

// Async configures asynchronous invocation (S3 and EventBridge invoke this way).
type Async struct {
	// RetryAttempts is 0 to 2. Default 2.
	RetryAttempts int `json:"retryAttempts"`
	// MaxEventAgeSeconds is 60 to 21600 (6 h). Default 21600.
	MaxEventAgeSeconds int `json:"maxEventAgeSeconds"`
}

// Logs configures log groups.
type Logs struct {
	// RetentionDays is one of CloudWatch Logs' allowed values (1, 3, 5, 7,
	// 14, 30, 60, 90, ...). Never-expire is not allowed. Default 7 (dev),
	// 90 (prod).
	RetentionDays int `json:"retentionDays"`
}

// Peak declares the expected peak load on the API.
type Peak struct {
	// RequestsPerSecond at the peak. Must be positive.
	RequestsPerSecond float64 `json:"requestsPerSecond"`
	// AverageDurationMs is the api function's average duration in
	// milliseconds. Must be positive.
	AverageDurationMs float64 `json:"averageDurationMs"`
}

// ForStage returns the preset for a stage.
func ForStage(stage string) (Config, error) {
	c := Config{
		Project:   "go-lambda-cdk",
		Stage:     stage,
		Functions: Functions{},
		API: API{
			AllowedContentTypes:    []string{"image/png", "image/jpeg", "application/pdf", "text/plain", "text/csv", "audio/mpeg"},
			MaxUploadBytes:         100 << 20,
			UploadURLExpirySeconds: DefaultUploadURLExpirySeconds,
		},
		Bucket:             Bucket{UploadsExpireDays: 30, ResultsExpireDays: 365},
		Async:              Async{RetryAttempts: 2, MaxEventAgeSeconds: 21600},
		AccountConcurrency: quota.DefaultAccountConcurrency,
		Account:            Account{Stages: []string{stage}},
	}
	for _, d := range functions.All() {
		c.Functions[d.Name] = defaultFunction(d)
	}
	switch stage {
	case StageDev:
		c.API.ThrottleRateLimit, c.API.ThrottleBurstLimit = 50, 100
		c.API.CORSAllowedOrigins = []string{"*"}
		c.Logs.RetentionDays = 7
		c.forEachFunction(func(f *FunctionSettings) { f.MemoryMB, f.LogLevel = 256, "DEBUG" })
	case StageProd:
		c.API.ThrottleRateLimit, c.API.ThrottleBurstLimit = 500, 1000
		c.Bucket.Versioned = true
		c.Logs.RetentionDays = 90
		c.forEachFunction(func(f *FunctionSettings) { f.MemoryMB = 512 })
	default:
		return Config{}, fmt.Errorf("stage: %q is not a known stage; allowed: %s", stage, quoteList(Stages()))
	}
	c.setOperationDefaults()
	c.NestedStacks = NestedAuto
	c.setAuthDefaults()
	c.setAPIEdgeDefaults()
	return c, nil
}

// Stages lists the stages that have a preset.
func Stages() []string { return []string{StageDev, StageProd} }

// defaultFunction is a declared function's configuration before the
// stage's presets.
func defaultFunction(d functions.Declaration) FunctionSettings {
	f := FunctionSettings{
		Architecture:       ArchARM64,
		TimeoutSeconds:     d.TimeoutSeconds,
		EphemeralStorageMB: 512,
		LogLevel:           "INFO",
		SystemLogLevel:     "WARN",
	}
	return f
}

func (c *Config) forEachFunction(f func(*FunctionSettings)) {
	for name, fn := range c.Functions {
		f(&fn)
		c.Functions[name] = fn
	}
}

// StackName is the CloudFormation stack name of the stage: the project
// name in PascalCase, a hyphen and the stage, e.g. "GoLambdaCdk-dev" for
// the default project "go-lambda-cdk". Like the account stack's name
// (AccountStackName) it follows the project: changing project names a new
// stack, which CloudFormation creates beside the old one.
func (c Config) StackName() string {
	var b strings.Builder
	for _, part := range strings.Split(c.Project, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "-" + c.Stage
}

func quoteList(values []string) string {
	s := append([]string(nil), values...)
	sort.Strings(s)
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", v)
	}
	return out
}
