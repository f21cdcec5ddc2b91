package config

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
)

func TestPresetsAreValid(t *testing.T) {
	for _, stage := range Stages() {
		t.Run(stage, func(t *testing.T) {
			c, err := ForStage(stage)
			if err != nil {
				t.Fatal(err)
			}
			pinProd(&c) // prod has no default account: the user sets it
			if err := c.Validate(); err != nil {
				t.Fatalf("preset %s does not validate:\n%v", stage, err)
			}
		})
	}
}

func TestPresetDifferences(t *testing.T) {
	dev, _ := ForStage(StageDev)
	prod, _ := ForStage(StageProd)
	if dev.Logs.RetentionDays != 7 || prod.Logs.RetentionDays != 90 {
		t.Errorf("retention dev %d prod %d, want 7 and 90", dev.Logs.RetentionDays, prod.Logs.RetentionDays)
	}
	if dev.Bucket.Versioned || !prod.Bucket.Versioned {
		t.Errorf("versioning dev %v prod %v, want false and true", dev.Bucket.Versioned, prod.Bucket.Versioned)
	}
	if _, err := ForStage("staging"); err == nil || !strings.Contains(err.Error(), `"staging"`) {
		t.Errorf("unknown stage: got %v", err)
	}
}

// TestValidate has one case per rule: each mutates the dev preset and
// expects either no error or an error containing every listed fragment
// (field, value and what is allowed).
//
// The cases configure the sample functions by name (api behind the REST
// API, processor on S3, report on a schedule); functions added next to
// them do not change the results, but removing one fails its cases.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string // nil: valid
	}{
		{"memory at minimum", withFunction("api", func(f *FunctionSettings) { f.MemoryMB = 128 }), nil},
		{"memory at maximum", withFunction("report", func(f *FunctionSettings) { f.MemoryMB = 10240 }), nil},
		{"memory below minimum", withFunction("api", func(f *FunctionSettings) { f.MemoryMB = 127 }), []string{"functions.api.memoryMB", "127", "128 to 10240 MB"}},
		{"memory above maximum (old 1536 MB limit is long gone, 10240 is the limit)", withFunction("processor", func(f *FunctionSettings) { f.MemoryMB = 10241 }), []string{"functions.processor.memoryMB", "10241"}},
		{"timeout 900 s on processor", withFunction("processor", func(f *FunctionSettings) { f.TimeoutSeconds = 900 }), nil},
		{"timeout over 900 s", withFunction("report", func(f *FunctionSettings) { f.TimeoutSeconds = 901 }), []string{"functions.report.timeoutSeconds", "901", "1 to 900 seconds"}},
		{"timeout zero", withFunction("report", func(f *FunctionSettings) { f.TimeoutSeconds = 0 }), []string{"functions.report.timeoutSeconds", "0"}},
		{"api timeout 29 s", withFunction("api", func(f *FunctionSettings) { f.TimeoutSeconds = 29 }), nil},
		{"api timeout 30 s behind the REST API", withFunction("api", func(f *FunctionSettings) { f.TimeoutSeconds = 30 }), []string{"functions.api.timeoutSeconds", "30", "1 to 29 seconds", "29 s"}},
		{"ephemeral storage below 512", withFunction("api", func(f *FunctionSettings) { f.EphemeralStorageMB = 511 }), []string{"functions.api.ephemeralStorageMB", "511", "512 to 10240 MB"}},
		{"ephemeral storage at 10240", withFunction("api", func(f *FunctionSettings) { f.EphemeralStorageMB = 10240 }), nil},
		{"ephemeral storage over 10240", withFunction("api", func(f *FunctionSettings) { f.EphemeralStorageMB = 10241 }), []string{"functions.api.ephemeralStorageMB", "10241"}},
		{"unknown architecture", withFunction("api", func(f *FunctionSettings) { f.Architecture = "amd64" }), []string{"functions.api.architecture", `"amd64"`, `"arm64", "x86_64"`}},
		{"x86_64 architecture", withFunction("report", func(f *FunctionSettings) { f.Architecture = ArchX86_64 }), nil},
		{"environment within 4096 bytes", func(c *Config) {
			setFunction(c, "report", func(f *FunctionSettings) {
				f.Environment = map[string]string{"BIG": strings.Repeat("x", 4096-3-len("BUCKET_NAME")-63-len("METRICS_NAMESPACE")-len(c.MetricsNamespace()))}
			})
		}, nil},
		{"environment over 4096 bytes counting the stack's variables", func(c *Config) {
			setFunction(c, "report", func(f *FunctionSettings) {
				f.Environment = map[string]string{"BIG": strings.Repeat("x", 4096-3-len("BUCKET_NAME")-63-len("METRICS_NAMESPACE")-len(c.MetricsNamespace())+1)}
			})
		}, []string{"functions.report.environment", "4097 bytes", "at most 4096"}},
		{"environment key overriding the stack", withFunction("api", func(f *FunctionSettings) { f.Environment = map[string]string{"BUCKET_NAME": "x"} }), []string{"functions.api.environment", `"BUCKET_NAME"`, "set by the stack"}},
		{"environment key reserved by Lambda", withFunction("api", func(f *FunctionSettings) { f.Environment = map[string]string{"AWS_REGION": "x"} }), []string{"functions.api.environment", `"AWS_REGION"`, "reserved"}},
		{"environment key not a name", withFunction("api", func(f *FunctionSettings) { f.Environment = map[string]string{"1-X": "x"} }), []string{"functions.api.environment", `"1-X"`}},
		{"log level", withFunction("api", func(f *FunctionSettings) { f.LogLevel = "VERBOSE" }), []string{"functions.api.logLevel", `"VERBOSE"`, `"DEBUG"`}},
		{"system log level", withFunction("api", func(f *FunctionSettings) { f.SystemLogLevel = "ERROR" }), []string{"functions.api.systemLogLevel", `"ERROR"`, `"WARN"`}},
		{"retries 0", func(c *Config) { c.Async.RetryAttempts = 0 }, nil},
		{"retries 3", func(c *Config) { c.Async.RetryAttempts = 3 }, []string{"async.retryAttempts", "3", "0 to 2"}},
		{"retries negative", func(c *Config) { c.Async.RetryAttempts = -1 }, []string{"async.retryAttempts", "-1"}},
		{"event age 60 s", func(c *Config) { c.Async.MaxEventAgeSeconds = 60 }, nil},
		{"event age 59 s", func(c *Config) { c.Async.MaxEventAgeSeconds = 59 }, []string{"async.maxEventAgeSeconds", "59", "60 to 21600"}},
		{"event age over 6 h", func(c *Config) { c.Async.MaxEventAgeSeconds = 21601 }, []string{"async.maxEventAgeSeconds", "21601"}},
		{"throttle rate zero", func(c *Config) { c.API.ThrottleRateLimit = 0 }, []string{"api.throttleRateLimit", "0", "positive"}},
		{"throttle burst negative", func(c *Config) { c.API.ThrottleBurstLimit = -5 }, []string{"api.throttleBurstLimit", "-5", "positive"}},
		{"cron weekdays 08:30", withFunction("report", func(f *FunctionSettings) { f.Schedule = "30 8 ? * MON-FRI *" }), nil},
		{"cron last day of month", withFunction("report", func(f *FunctionSettings) { f.Schedule = "0 12 L * ? *" }), nil},
		{"cron second Tuesday", withFunction("report", func(f *FunctionSettings) { f.Schedule = "0/15 6 ? * 3#2 2026-2030" }), nil},
		{"cron five fields (Unix style)", withFunction("report", func(f *FunctionSettings) { f.Schedule = "0 0 * * *" }), []string{"functions.report.schedule", `"0 0 * * *"`, "5 fields; want 6"}},
		{"cron minute out of range", withFunction("report", func(f *FunctionSettings) { f.Schedule = "60 0 * * ? *" }), []string{"functions.report.schedule", "minutes", "60 is out of range 0-59"}},
		{"cron both days set", withFunction("report", func(f *FunctionSettings) { f.Schedule = "0 0 1 * MON *" }), []string{"functions.report.schedule", "exactly one of day-of-month and day-of-week"}},
		{"cron question mark in hours", withFunction("report", func(f *FunctionSettings) { f.Schedule = "0 ? * * ? *" }), []string{"functions.report.schedule", "hours"}},
		{"cron wrapper included", withFunction("report", func(f *FunctionSettings) { f.Schedule = "cron(0 0 * * ? *)" }), []string{"functions.report.schedule", "minutes"}},
		{"cors https origin", func(c *Config) {
			c.API.CORSAllowedOrigins = []string{"https://app.example.com", "https://admin.example.com:8443"}
		}, nil},
		{"cors http origin", func(c *Config) { c.API.CORSAllowedOrigins = []string{"http://app.example.com"} }, []string{"api.corsAllowedOrigins[0]", `"http://app.example.com"`, "is not https", `"*"`}},
		{"cors origin with path", func(c *Config) { c.API.CORSAllowedOrigins = []string{"https://app.example.com/x"} }, []string{"api.corsAllowedOrigins[0]", "not an origin"}},
		{"cors star with others", func(c *Config) { c.API.CORSAllowedOrigins = []string{"*", "https://a.example.com"} }, []string{"api.corsAllowedOrigins[0]", "only origin"}},
		{"cors empty", func(c *Config) { c.API.CORSAllowedOrigins = nil }, []string{"api.corsAllowedOrigins", "at least one"}},
		{"retention 14 days", func(c *Config) { c.Logs.RetentionDays = 14 }, nil},
		{"retention not a CloudWatch value", func(c *Config) { c.Logs.RetentionDays = 10 }, []string{"logs.retentionDays", "10", "[1 3 5 7 14"}},
		{"retention never expire", func(c *Config) { c.Logs.RetentionDays = 0 }, []string{"logs.retentionDays", "0"}},
		{"content type malformed", func(c *Config) { c.API.AllowedContentTypes = []string{"png"} }, []string{"api.allowedContentTypes[0]", `"png"`}},
		{"max upload over 5 GiB", func(c *Config) { c.API.MaxUploadBytes = 5<<30 + 1 }, []string{"api.maxUploadBytes", "5368709121"}},
		{"uploads expire after 1 day", func(c *Config) { c.Bucket.UploadsExpireDays = 1 }, nil},
		{"uploads never expire", func(c *Config) { c.Bucket.UploadsExpireDays = 0 }, []string{"bucket.uploadsExpireDays", "0 is out of range", "1 to 3650"}},
		{"results expire after 1 day", func(c *Config) { c.Bucket.ResultsExpireDays = 1 }, []string{"bucket.resultsExpireDays", "1 is out of range", "2 to 3650", "previous day's index"}},
		{"results expire after 11 years", func(c *Config) { c.Bucket.ResultsExpireDays = 4000 }, []string{"bucket.resultsExpireDays", "4000"}},
		{"upload URL expiry one hour", func(c *Config) { c.API.UploadURLExpirySeconds = 3600 }, nil},
		{"upload URL expiry over one hour", func(c *Config) { c.API.UploadURLExpirySeconds = 3601 }, []string{"api.uploadUrlExpirySeconds", "3601", "1 to 3600"}},
		{"upload URL expiry zero", func(c *Config) { c.API.UploadURLExpirySeconds = 0 }, []string{"api.uploadUrlExpirySeconds", "0 is out of range"}},
		{"max upload readable by the processor in time", func(c *Config) {
			c.API.MaxUploadBytes = 550 << 20 // (60 s - 5 s) * 10 MiB/s
		}, nil},
		{"max upload too large for the processor timeout", func(c *Config) {
			c.API.MaxUploadBytes = 1 << 30
			setFunction(c, "processor", func(f *FunctionSettings) { f.TimeoutSeconds = 60 })
		}, []string{"api.maxUploadBytes", "1073741824", "functions.processor.timeoutSeconds", "at least 108 s", "at most 576716800 bytes"}},
		{"suffix wildcard", withFunction("processor", func(f *FunctionSettings) { f.NotificationSuffixes = []string{"*.csv"} }), []string{"functions.processor.notificationSuffixes[0]", `"*.csv"`}},
		{"suffixes on a function without an S3 trigger", withFunction("report", func(f *FunctionSettings) { f.NotificationSuffixes = []string{".csv"} }), []string{"functions.report.notificationSuffixes", "no S3 trigger", "schedule"}},
		{"schedule on a function without a schedule trigger", withFunction("api", func(f *FunctionSettings) { f.Schedule = "0 0 * * ? *" }), []string{"functions.api.schedule", "no schedule trigger", "api"}},
		{"configuration of an undeclared function", func(c *Config) { c.Functions["thumbnail"] = c.Functions["api"] }, []string{"functions.thumbnail", `no function "thumbnail" is declared; declared: ` + strings.Join(functions.Names(), ", ")}},
		{"reserved concurrency 900 in total", func(c *Config) {
			setFunction(c, "api", func(f *FunctionSettings) { f.ReservedConcurrency = 800 })
			setFunction(c, "processor", func(f *FunctionSettings) { f.ReservedConcurrency = 100 })
		}, nil},
		{"reserved concurrency over 900 in total", func(c *Config) {
			setFunction(c, "api", func(f *FunctionSettings) { f.ReservedConcurrency = 800 })
			setFunction(c, "processor", func(f *FunctionSettings) { f.ReservedConcurrency = 100 })
			setFunction(c, "report", func(f *FunctionSettings) { f.ReservedConcurrency = 1 })
		}, []string{"functions.*.reservedConcurrency", "901", "api 800 + processor 100 + report 1", "900"}},
		{"reserved concurrency negative", withFunction("report", func(f *FunctionSettings) { f.ReservedConcurrency = -1 }), []string{"functions.report.reservedConcurrency", "-1"}},
		{"peak fits the unreserved pool", func(c *Config) {
			c.Peak = &Peak{RequestsPerSecond: 40, AverageDurationMs: 300}
		}, nil},
		{"peak exceeds the api functions' reservations", func(c *Config) {
			reserveAPI(c, 100)
			c.API.ThrottleRateLimit = 300
			c.Peak = &Peak{RequestsPerSecond: 1000, AverageDurationMs: 300}
		}, []string{"peak", "1000 requests/s x 0.3 s = 300 concurrent executions needed", apiReservations() + " has 100 (" + apiReservationKeys() + ")"}},
		{"throttle above what the reservations serve", func(c *Config) {
			reserveAPI(c, 100)
			c.API.ThrottleRateLimit = 500
			c.Peak = &Peak{RequestsPerSecond: 200, AverageDurationMs: 300}
		}, []string{"api.throttleRateLimit", "500 requests/s", "100 concurrent executions / 0.3 s = 333 requests/s"}},
		{"throttle below the declared peak", func(c *Config) {
			c.API.ThrottleRateLimit = 50
			c.Peak = &Peak{RequestsPerSecond: 80, AverageDurationMs: 100}
		}, []string{"api.throttleRateLimit", "50 requests/s is below the declared peak of 80"}},
		{"peak with no duration", func(c *Config) { c.Peak = &Peak{RequestsPerSecond: 10} }, []string{"peak.averageDurationMs", "0", "positive"}},
		{"account concurrency below 100", func(c *Config) { c.AccountConcurrency = 50 }, []string{"accountConcurrency", "50", "100"}},
		{"unknown stage", func(c *Config) { c.Stage = "qa" }, []string{"stage", `"qa"`, `"dev", "prod"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := ForStage(StageDev)
			tt.mutate(&c)
			fixture.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c, _ := ForStage(StageProd)
	pinProd(&c)
	setFunction(&c, "api", func(f *FunctionSettings) { f.MemoryMB = 64 })
	setFunction(&c, "report", func(f *FunctionSettings) { f.TimeoutSeconds = 1000; f.Schedule = "bad" })
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 problems, one per line, got %d:\n%v", len(lines), err)
	}
}

// apiFunctions are the declared functions behind the REST API.
func apiFunctions() []string {
	var names []string
	for _, d := range functions.All() {
		if slices.Contains(d.Kinds(), functions.KindAPI) {
			names = append(names, d.Name)
		}
	}
	return names
}

// reserveAPI reserves total concurrent executions for the functions behind
// the REST API together: 1 for each but the first, the rest for the first.
func reserveAPI(c *Config, total int) {
	for i, name := range apiFunctions() {
		n := 1
		if i == 0 {
			n = total - (len(apiFunctions()) - 1)
		}
		setFunction(c, name, func(f *FunctionSettings) { f.ReservedConcurrency = n })
	}
}

// apiReservations is how the capacity check names the functions behind the
// REST API; apiReservationKeys the keys of their reservations.
func apiReservations() string {
	if names := apiFunctions(); len(names) != 1 {
		return "the API (functions " + strings.Join(names, ", ") + ")"
	}
	return "the " + apiFunctions()[0] + " function"
}

func apiReservationKeys() string {
	var keys []string
	for _, name := range apiFunctions() {
		keys = append(keys, "functions."+name+".reservedConcurrency")
	}
	return strings.Join(keys, " + ")
}

// withFunction returns a mutation of one function's configuration.
func withFunction(name string, change func(*FunctionSettings)) func(*Config) {
	return func(c *Config) { setFunction(c, name, change) }
}

func setFunction(c *Config, name string, change func(*FunctionSettings)) {
	f, ok := c.Functions[name]
	if !ok {
		panic("test: no function " + name)
	}
	change(&f)
	c.Functions[name] = f
}

// firstWith is the first declared function with a trigger of kind, or ""
// when none has one.
func firstWith(kind string) string {
	for _, d := range functions.All() {
		if slices.Contains(d.Kinds(), kind) {
			return d.Name
		}
	}
	return ""
}

// keyHint is the key Load suggests for a field of the functions with a
// trigger of kind ("": of every function): the one function's key, else
// functions.<name>.field with their names.
func keyHint(field, kind string) string {
	var names []string
	for _, d := range functions.All() {
		if kind == "" || slices.Contains(d.Kinds(), kind) {
			names = append(names, d.Name)
		}
	}
	if len(names) == 1 {
		return "functions." + names[0] + "." + field
	}
	return "functions.<name>." + field + " (<name>: " + strings.Join(names, ", ") + ")"
}

// TestLoad reads context keys into the configuration. It selects functions
// by their trigger (api, s3, schedule: the first declared of each) and
// derives every list of function names from the declarations, so it holds
// for any set of declared functions.
func TestLoad(t *testing.T) {
	api, processor, report := firstWith(functions.KindAPI), firstWith(functions.KindS3), firstWith(functions.KindSchedule)
	declared := strings.Join(functions.Names(), ", ")
	tests := []struct {
		name    string
		context map[string]any
		check   func(t *testing.T, c Config)
		wantErr []string
	}{
		{"default stage is dev", map[string]any{}, func(t *testing.T, c Config) {
			if c.Stage != "dev" {
				t.Errorf("stage %q", c.Stage)
			}
		}, nil},
		{"prod preset with command-line overrides", map[string]any{
			"stage": "prod", "functions." + api + ".memoryMB": "1024", "bucket.versioned": "false",
			"api.corsAllowedOrigins":               "https://a.example.com, https://b.example.com",
			"@aws-cdk/core:newStyleStackSynthesis": true, // a feature flag: ignored
		}, func(t *testing.T, c Config) {
			if c.Stage != "prod" || c.Functions[api].MemoryMB != 1024 || c.Bucket.Versioned {
				t.Errorf("got stage %q memory %d versioned %v", c.Stage, c.Functions[api].MemoryMB, c.Bucket.Versioned)
			}
			if got := c.API.CORSAllowedOrigins; len(got) != 2 || got[1] != "https://b.example.com" {
				t.Errorf("origins %q", got)
			}
			if c.Functions[processor].MemoryMB != 512 {
				t.Errorf("%s memory %d, want the prod preset's 512", processor, c.Functions[processor].MemoryMB)
			}
		}, nil},
		{"cdk.json typed values and nested peak", map[string]any{
			"functions." + report + ".environment": map[string]any{"FOO": "bar"},
			"peak.requestsPerSecond":               float64(10), "peak.averageDurationMs": "250",
			"functions." + processor + ".notificationSuffixes": []any{".csv", ".txt"},
		}, func(t *testing.T, c Config) {
			if c.Functions[report].Environment["FOO"] != "bar" || c.Peak == nil || c.Peak.AverageDurationMs != 250 || c.Peak.RequestsPerSecond != 10 {
				t.Errorf("got env %v peak %+v", c.Functions[report].Environment, c.Peak)
			}
			if got := c.Functions[processor].NotificationSuffixes; len(got) != 2 {
				t.Errorf("suffixes %q", got)
			}
		}, nil},
		{"unknown stage", map[string]any{"stage": "qa"}, nil, []string{"stage", `"qa"`, `"dev", "prod"`}},
		{"not a number", map[string]any{"functions." + api + ".memoryMB": "lots"}, nil, []string{"context functions." + api + ".memoryMB", `"lots"`, "whole number"}},
		{"misspelt key", map[string]any{"functions." + api + ".memory": "512"}, nil, []string{"context functions." + api + ".memory", "not a configuration key; did you mean functions." + api + ".memoryMB?"}},
		{"a function's key without its function", map[string]any{"timeoutSeconds": "901"}, nil, []string{"context timeoutSeconds: not a configuration key; did you mean " + keyHint("timeoutSeconds", "") + "?"}},
		{"misspelt top-level key", map[string]any{"acountConcurrency": "900"}, nil, []string{"context acountConcurrency", "did you mean accountConcurrency?"}},
		{"misspelt section", map[string]any{"apy.throttleRateLimit": "5"}, nil, []string{"did you mean api.throttleRateLimit?"}},
		{"a key that moved to the function", map[string]any{"schedule.cron": "0 1 * * ? *"}, nil, []string{"context schedule.cron: not a configuration key; did you mean " + keyHint("schedule", functions.KindSchedule) + "?"}},
		{"another key that moved to the function", map[string]any{"bucket.notificationSuffixes": ".csv"}, nil, []string{"did you mean " + keyHint("notificationSuffixes", functions.KindS3) + "?"}},
		{"undeclared function", map[string]any{"functions.thumbnail.memoryMB": "512"}, nil, []string{"context functions.thumbnail.memoryMB", `no function "thumbnail" is declared; declared: ` + declared}},
		{"a trigger's key on a function without it", map[string]any{"functions." + api + ".schedule": "0 1 * * ? *"}, nil, []string{"context functions." + api + ".schedule", "did you mean functions.", ".schedule?"}},
		{"the CDK's own keys are ignored", map[string]any{
			"@aws-cdk/core:newStyleStackSynthesis": true, "aws:cdk:enable-path-metadata": true, "cdk-telemetry": "x",
			"availability-zones:account=123456789012:region=eu-west-1": []any{"eu-west-1a"}, "acknowledged-issue-numbers": []any{1.0},
		}, func(t *testing.T, c Config) {}, nil},
		{"a function's trigger setting", map[string]any{"functions." + report + ".schedule": "0 6 * * ? *", "functions." + processor + ".notificationSuffixes": ".csv"}, func(t *testing.T, c Config) {
			if c.Functions[report].Schedule != "0 6 * * ? *" || len(c.Functions[processor].NotificationSuffixes) != 1 {
				t.Errorf("%s %+v %s %+v", report, c.Functions[report], processor, c.Functions[processor])
			}
		}, nil},
		{"every bad key reported", map[string]any{"api.throttleRateLimit": "fast", "async.retryAttempts": "x"}, nil, []string{"api.throttleRateLimit", "async.retryAttempts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.context)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("want error, got config %+v", c)
				}
				for _, frag := range tt.wantErr {
					if !strings.Contains(err.Error(), frag) {
						t.Errorf("error does not contain %q:\n%v", frag, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestKeysCoverEveryLeaf: every leaf of the configuration, as encoding/json
// sees it, is a key that Load accepts, or else one that Load refuses (a
// trigger's setting on a function without that trigger); and Keys lists
// nothing else.
func TestKeysCoverEveryLeaf(t *testing.T) {
	c, _ := ForStage(StageDev)
	c.Peak = &Peak{}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	leaves := map[string]any{}
	var flatten func(prefix string, v any)
	flatten = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				flatten(prefix+k+".", x)
			}
			return
		}
		leaves[strings.TrimSuffix(prefix, ".")] = v
	}
	flatten("", tree)
	keys := Keys()
	for leaf, v := range leaves {
		if leaf == StageKey || slices.Contains(keys, leaf) {
			continue
		}
		if _, err := Load(map[string]any{leaf: v}); err == nil || !strings.Contains(err.Error(), "did you mean") {
			t.Errorf("%s is neither in Keys() nor refused by Load (error %v)", leaf, err)
		}
	}
	for _, k := range keys {
		if _, ok := leaves[k]; !ok {
			t.Errorf("Keys() lists %s, which is no leaf of Config", k)
		}
	}
	for _, want := range []string{"functions." + firstWith(functions.KindSchedule) + ".schedule", "functions." + firstWith(functions.KindS3) + ".notificationSuffixes", "peak.averageDurationMs"} {
		if !slices.Contains(keys, want) {
			t.Errorf("Keys() lacks %s", want)
		}
	}
}

// TestConfigurationPageDocumentsEveryKey keeps the configuration reference,
// docs/configuration.md, in step with the Config type.
func TestConfigurationPageDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range append(Keys(), StageKey) {
		for _, name := range functions.Names() {
			key = strings.Replace(key, "functions."+name+".", "functions.<name>.", 1)
		}
		if !strings.Contains(string(readme), "`"+key+"`") {
			t.Errorf("docs/configuration.md does not document the configuration key `%s`", key)
		}
	}
}

// TestFunctionsPageListsTheFunctionsEnvironment keeps the lists of the
// variables the stack sets (docs/functions.md, "Add a function") equal to
// what it sets: on every function the bucket's name and what Environment
// gives a function without triggers, and on a function behind the REST API
// that presigns uploads also the rest of Environment.
func TestFunctionsPageListsTheFunctionsEnvironment(t *testing.T) {
	readme, err := os.ReadFile("../../docs/functions.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	common := cfg.Environment(functions.Declaration{})
	uploads := cfg.Environment(functions.Declaration{Triggers: []functions.Trigger{functions.API{
		Paths: []string{"/x"}, UploadRoutes: []functions.Route{{Method: "POST", Path: "/x"}},
	}}})
	text := strings.Join(strings.Fields(string(readme)), " ")
	variable := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	for _, tc := range []struct {
		start, end string
		want       []string
	}{
		{"Every function gets", " as environment", append(slices.Collect(maps.Keys(common)), layout.EnvBucketName)},
		{"also gets the API's settings", ").", slices.DeleteFunc(slices.Collect(maps.Keys(uploads)), func(k string) bool { _, ok := common[k]; return ok })},
	} {
		_, after, ok := strings.Cut(text, tc.start)
		list, _, ok2 := strings.Cut(after, tc.end)
		if !ok || !ok2 {
			t.Errorf("docs/functions.md has no list %q ... %q", tc.start, tc.end)
			continue
		}
		var got []string
		for _, m := range variable.FindAllStringSubmatch(list, -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("docs/functions.md: %q lists %v, want what the stack sets: %v", tc.start, got, tc.want)
		}
	}
}
