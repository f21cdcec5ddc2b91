package config

import (
	"os"
	"strings"
	"testing"
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
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string // nil: valid
	}{
		{"memory at minimum", func(c *Config) { c.Functions.API.MemoryMB = 128 }, nil},
		{"memory at maximum", func(c *Config) { c.Functions.Report.MemoryMB = 10240 }, nil},
		{"memory below minimum", func(c *Config) { c.Functions.API.MemoryMB = 127 }, []string{"functions.api.memoryMB", "127", "128 to 10240 MB"}},
		{"memory above maximum (old 1536 MB limit is long gone, 10240 is the limit)", func(c *Config) { c.Functions.Processor.MemoryMB = 10241 }, []string{"functions.processor.memoryMB", "10241"}},
		{"timeout 900 s on processor", func(c *Config) { c.Functions.Processor.TimeoutSeconds = 900 }, nil},
		{"timeout over 900 s", func(c *Config) { c.Functions.Report.TimeoutSeconds = 901 }, []string{"functions.report.timeoutSeconds", "901", "1 to 900 seconds"}},
		{"timeout zero", func(c *Config) { c.Functions.Report.TimeoutSeconds = 0 }, []string{"functions.report.timeoutSeconds", "0"}},
		{"api timeout 29 s", func(c *Config) { c.Functions.API.TimeoutSeconds = 29 }, nil},
		{"api timeout 30 s behind the REST API", func(c *Config) { c.Functions.API.TimeoutSeconds = 30 }, []string{"functions.api.timeoutSeconds", "30", "1 to 29 seconds", "29 s"}},
		{"ephemeral storage below 512", func(c *Config) { c.Functions.API.EphemeralStorageMB = 511 }, []string{"functions.api.ephemeralStorageMB", "511", "512 to 10240 MB"}},
		{"ephemeral storage at 10240", func(c *Config) { c.Functions.API.EphemeralStorageMB = 10240 }, nil},
		{"ephemeral storage over 10240", func(c *Config) { c.Functions.API.EphemeralStorageMB = 10241 }, []string{"functions.api.ephemeralStorageMB", "10241"}},
		{"unknown architecture", func(c *Config) { c.Functions.API.Architecture = "amd64" }, []string{"functions.api.architecture", `"amd64"`, `"arm64", "x86_64"`}},
		{"x86_64 architecture", func(c *Config) { c.Functions.Report.Architecture = ArchX86_64 }, nil},
		{"environment within 4096 bytes", func(c *Config) {
			c.Functions.Report.Environment = map[string]string{"BIG": strings.Repeat("x", 4096-3-len("BUCKET_NAME")-63)}
		}, nil},
		{"environment over 4096 bytes counting the stack's variables", func(c *Config) {
			c.Functions.Report.Environment = map[string]string{"BIG": strings.Repeat("x", 4096-3-len("BUCKET_NAME")-63+1)}
		}, []string{"functions.report.environment", "4097 bytes", "at most 4096"}},
		{"environment key overriding the stack", func(c *Config) { c.Functions.API.Environment = map[string]string{"BUCKET_NAME": "x"} }, []string{"functions.api.environment", `"BUCKET_NAME"`, "set by the stack"}},
		{"environment key reserved by Lambda", func(c *Config) { c.Functions.API.Environment = map[string]string{"AWS_REGION": "x"} }, []string{"functions.api.environment", `"AWS_REGION"`, "reserved"}},
		{"environment key not a name", func(c *Config) { c.Functions.API.Environment = map[string]string{"1-X": "x"} }, []string{"functions.api.environment", `"1-X"`}},
		{"log level", func(c *Config) { c.Functions.API.LogLevel = "VERBOSE" }, []string{"functions.api.logLevel", `"VERBOSE"`, `"DEBUG"`}},
		{"system log level", func(c *Config) { c.Functions.API.SystemLogLevel = "ERROR" }, []string{"functions.api.systemLogLevel", `"ERROR"`, `"WARN"`}},
		{"retries 0", func(c *Config) { c.Async.RetryAttempts = 0 }, nil},
		{"retries 3", func(c *Config) { c.Async.RetryAttempts = 3 }, []string{"async.retryAttempts", "3", "0 to 2"}},
		{"retries negative", func(c *Config) { c.Async.RetryAttempts = -1 }, []string{"async.retryAttempts", "-1"}},
		{"event age 60 s", func(c *Config) { c.Async.MaxEventAgeSeconds = 60 }, nil},
		{"event age 59 s", func(c *Config) { c.Async.MaxEventAgeSeconds = 59 }, []string{"async.maxEventAgeSeconds", "59", "60 to 21600"}},
		{"event age over 6 h", func(c *Config) { c.Async.MaxEventAgeSeconds = 21601 }, []string{"async.maxEventAgeSeconds", "21601"}},
		{"throttle rate zero", func(c *Config) { c.API.ThrottleRateLimit = 0 }, []string{"api.throttleRateLimit", "0", "positive"}},
		{"throttle burst negative", func(c *Config) { c.API.ThrottleBurstLimit = -5 }, []string{"api.throttleBurstLimit", "-5", "positive"}},
		{"cron weekdays 08:30", func(c *Config) { c.Schedule.Cron = "30 8 ? * MON-FRI *" }, nil},
		{"cron last day of month", func(c *Config) { c.Schedule.Cron = "0 12 L * ? *" }, nil},
		{"cron second Tuesday", func(c *Config) { c.Schedule.Cron = "0/15 6 ? * 3#2 2026-2030" }, nil},
		{"cron five fields (Unix style)", func(c *Config) { c.Schedule.Cron = "0 0 * * *" }, []string{"schedule.cron", `"0 0 * * *"`, "5 fields; want 6"}},
		{"cron minute out of range", func(c *Config) { c.Schedule.Cron = "60 0 * * ? *" }, []string{"schedule.cron", "minutes", "60 is out of range 0-59"}},
		{"cron both days set", func(c *Config) { c.Schedule.Cron = "0 0 1 * MON *" }, []string{"schedule.cron", "exactly one of day-of-month and day-of-week"}},
		{"cron question mark in hours", func(c *Config) { c.Schedule.Cron = "0 ? * * ? *" }, []string{"schedule.cron", "hours"}},
		{"cron wrapper included", func(c *Config) { c.Schedule.Cron = "cron(0 0 * * ? *)" }, []string{"schedule.cron", "minutes"}},
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
		{"suffix wildcard", func(c *Config) { c.Bucket.NotificationSuffixes = []string{"*.csv"} }, []string{"bucket.notificationSuffixes[0]", `"*.csv"`}},
		{"reserved concurrency 900 in total", func(c *Config) {
			c.Functions.API.ReservedConcurrency, c.Functions.Processor.ReservedConcurrency = 800, 100
		}, nil},
		{"reserved concurrency over 900 in total", func(c *Config) {
			c.Functions.API.ReservedConcurrency, c.Functions.Processor.ReservedConcurrency, c.Functions.Report.ReservedConcurrency = 800, 100, 1
		}, []string{"functions.*.reservedConcurrency", "901", "api 800 + processor 100 + report 1", "900"}},
		{"reserved concurrency negative", func(c *Config) { c.Functions.Report.ReservedConcurrency = -1 }, []string{"functions.report.reservedConcurrency", "-1"}},
		{"peak fits the unreserved pool", func(c *Config) {
			c.Peak = &Peak{RequestsPerSecond: 40, AverageDurationMs: 300}
		}, nil},
		{"peak exceeds the api function's reservation", func(c *Config) {
			c.Functions.API.ReservedConcurrency = 100
			c.API.ThrottleRateLimit = 300
			c.Peak = &Peak{RequestsPerSecond: 1000, AverageDurationMs: 300}
		}, []string{"peak", "1000 requests/s x 0.3 s = 300 concurrent executions needed", "has 100 (functions.api.reservedConcurrency)"}},
		{"throttle above what the reservation serves", func(c *Config) {
			c.Functions.API.ReservedConcurrency = 100
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
			checkValidation(t, c.Validate(), tt.want)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c, _ := ForStage(StageProd)
	pinProd(&c)
	c.Functions.API.MemoryMB = 64
	c.Functions.Report.TimeoutSeconds = 1000
	c.Schedule.Cron = "bad"
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 problems, one per line, got %d:\n%v", len(lines), err)
	}
}

func TestLoad(t *testing.T) {
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
			"stage": "prod", "functions.api.memoryMB": "1024", "bucket.versioned": "false",
			"api.corsAllowedOrigins":               "https://a.example.com, https://b.example.com",
			"@aws-cdk/core:newStyleStackSynthesis": true, // a feature flag: ignored
		}, func(t *testing.T, c Config) {
			if c.Stage != "prod" || c.Functions.API.MemoryMB != 1024 || c.Bucket.Versioned {
				t.Errorf("got stage %q memory %d versioned %v", c.Stage, c.Functions.API.MemoryMB, c.Bucket.Versioned)
			}
			if got := c.API.CORSAllowedOrigins; len(got) != 2 || got[1] != "https://b.example.com" {
				t.Errorf("origins %q", got)
			}
			if c.Functions.Processor.MemoryMB != 512 {
				t.Errorf("processor memory %d, want the prod preset's 512", c.Functions.Processor.MemoryMB)
			}
		}, nil},
		{"cdk.json typed values and nested peak", map[string]any{
			"functions.report.environment": map[string]any{"FOO": "bar"},
			"peak.requestsPerSecond":       float64(10), "peak.averageDurationMs": "250",
			"bucket.notificationSuffixes": []any{".csv", ".txt"},
		}, func(t *testing.T, c Config) {
			if c.Functions.Report.Environment["FOO"] != "bar" || c.Peak == nil || c.Peak.AverageDurationMs != 250 || c.Peak.RequestsPerSecond != 10 {
				t.Errorf("got env %v peak %+v", c.Functions.Report.Environment, c.Peak)
			}
			if len(c.Bucket.NotificationSuffixes) != 2 {
				t.Errorf("suffixes %q", c.Bucket.NotificationSuffixes)
			}
		}, nil},
		{"unknown stage", map[string]any{"stage": "qa"}, nil, []string{"stage", `"qa"`, `"dev", "prod"`}},
		{"not a number", map[string]any{"functions.api.memoryMB": "lots"}, nil, []string{"context functions.api.memoryMB", `"lots"`, "whole number"}},
		{"misspelt key", map[string]any{"functions.api.memory": "512"}, nil, []string{"context functions.api.memory", "not a configuration key", "functions.api.memoryMB"}},
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

func TestKeysCoverEveryLeaf(t *testing.T) {
	keys := Keys()
	for _, want := range []string{"project", "functions.api.memoryMB", "functions.report.environment", "api.throttleBurstLimit", "peak.averageDurationMs", "schedule.cron", "logs.retentionDays"} {
		found := false
		for _, k := range keys {
			found = found || k == want
		}
		if !found {
			t.Errorf("Keys() lacks %q", want)
		}
	}
}

// TestReadmeDocumentsEveryKey keeps the README's configuration reference in
// step with the Config type.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range append(Keys(), StageKey) {
		for _, fn := range (Functions{}).Named() {
			key = strings.Replace(key, "functions."+fn.Name+".", "functions.<name>.", 1)
		}
		if !strings.Contains(string(readme), "`"+key+"`") {
			t.Errorf("README.md does not document the configuration key `%s`", key)
		}
	}
}
