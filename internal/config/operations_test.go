package config

import (
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
)

func TestOperationsPresets(t *testing.T) {
	dev, _ := ForStage(StageDev)
	prod, _ := ForStage(StageProd)
	if dev.Deploy.Strategy != "AllAtOnce" || prod.Deploy.Strategy != "Canary10Percent5Minutes" {
		t.Errorf("deploy.strategy dev %q prod %q, want AllAtOnce and Canary10Percent5Minutes", dev.Deploy.Strategy, prod.Deploy.Strategy)
	}
	if dev.Tracing || !prod.Tracing {
		t.Errorf("tracing dev %v prod %v, want off in dev, on in prod", dev.Tracing, prod.Tracing)
	}
	if got := prod.Deploy.DeploymentConfigName(); got != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
		t.Errorf("deployment config name %q", got)
	}
	if dev.MetricsNamespace() != "go-lambda-cdk/dev" || prod.MetricsNamespace() != "go-lambda-cdk/prod" {
		t.Errorf("metrics namespaces %q, %q", dev.MetricsNamespace(), prod.MetricsNamespace())
	}
	if w := prod.OperationsWarnings(); len(w) != 1 || !strings.Contains(w[0], "alerts.emails") {
		t.Errorf("prod without alert emails: warnings %q", w)
	}
	prod.Alerts.Emails = []string{"oncall@example.com"}
	if w := prod.OperationsWarnings(); len(w) != 0 {
		t.Errorf("prod with alert emails: warnings %q", w)
	}
	window := Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 9 * * ? *", Value: 5}}}
	setFn(&prod, "api", func(f *FunctionSettings) { f.Provisioned = window })
	if w := prod.OperationsWarnings(); len(w) != 1 || !strings.Contains(w[0], "functions.api.provisioned.windows with deploy.strategy Canary10Percent5Minutes") {
		t.Errorf("prod canary with windows: warnings %q", w)
	}
	setFn(&dev, "api", func(f *FunctionSettings) { f.Provisioned = window })
	if w := dev.OperationsWarnings(); len(w) != 0 {
		t.Errorf("dev (AllAtOnce) with windows: warnings %q", w)
	}
}

// TestValidateOperations has one case per rule of the operations settings,
// on the dev preset, like TestValidate.
func TestValidateOperations(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string // nil: valid
	}{
		{"every predefined strategy", func(c *Config) { c.Deploy.Strategy = "Linear10PercentEvery10Minutes" }, nil},
		{"strategy with CodeDeploy's prefix", func(c *Config) { c.Deploy.Strategy = "CodeDeployDefault.LambdaAllAtOnce" }, []string{"deploy.strategy", `"CodeDeployDefault.LambdaAllAtOnce"`, "Canary10Percent30Minutes", "Linear10PercentEvery3Minutes"}},
		{"unknown strategy", func(c *Config) { c.Deploy.Strategy = "Canary50Percent5Minutes" }, []string{"deploy.strategy", "not a CodeDeploy predefined Lambda configuration"}},
		{"empty strategy", func(c *Config) { c.Deploy.Strategy = "" }, []string{"deploy.strategy", `""`}},
		{"emails", func(c *Config) { c.Alerts.Emails = []string{"oncall@example.com", "a.b+ops@sub.example.org"} }, nil},
		{"email with a display name", func(c *Config) { c.Alerts.Emails = []string{"On Call <oncall@example.com>"} }, []string{"alerts.emails[0]", "On Call", "no display name"}},
		{"not an email", func(c *Config) { c.Alerts.Emails = []string{"oncall@example.com", "oncall"} }, []string{"alerts.emails[1]", `"oncall"`}},
		{"tracing in dev", func(c *Config) { c.Tracing = true }, nil},
		{"period one minute", func(c *Config) { c.Alarms.PeriodSeconds = 60 }, nil},
		{"high-resolution period", func(c *Config) { c.Alarms.PeriodSeconds = 10 }, nil},
		{"period 90 s", func(c *Config) { c.Alarms.PeriodSeconds = 90 }, []string{"alarms.periodSeconds", "90", "10, 30 or a multiple of 60"}},
		{"evaluation over a day", func(c *Config) { c.Alarms.EvaluationPeriods = 289 }, []string{"alarms.evaluationPeriods", "289", "1 to 288"}},
		{"evaluation periods zero", func(c *Config) { c.Alarms.EvaluationPeriods = 0 }, []string{"alarms.evaluationPeriods", "0"}},
		{"errors zero", func(c *Config) { c.Alarms.FunctionErrors = 0 }, []string{"alarms.functionErrors", "at least 1"}},
		{"throttles zero", func(c *Config) { c.Alarms.FunctionThrottles = 0 }, []string{"alarms.functionThrottles", "at least 1"}},
		{"queue messages zero", func(c *Config) { c.Alarms.QueueMessages = 0 }, []string{"alarms.queueMessages", "at least 1"}},
		{"duration at 100 %", func(c *Config) { c.Alarms.DurationPercentOfTimeout = 100 }, nil},
		{"duration over 100 %", func(c *Config) { c.Alarms.DurationPercentOfTimeout = 101 }, []string{"alarms.durationPercentOfTimeout", "101", "1 to 100"}},
		{"concurrency 0 %", func(c *Config) { c.Alarms.ConcurrencyPercentOfReserved = 0 }, []string{"alarms.concurrencyPercentOfReserved", "0", "1 to 100"}},
		{"5XX 0.5 %", func(c *Config) { c.Alarms.API5XXPercent = 0.5 }, nil},
		{"5XX 0 %", func(c *Config) { c.Alarms.API5XXPercent = 0 }, []string{"alarms.api5xxPercent", "0"}},
		{"latency over the integration timeout", func(c *Config) { c.Alarms.APILatencyP99Ms = 29001 }, []string{"alarms.apiLatencyP99Ms", "29001", "1 to 29000 ms"}},
		{"oldest message over retention", func(c *Config) { c.Alarms.QueueOldestMessageSeconds = 1209601 }, []string{"alarms.queueOldestMessageSeconds", "1209601", "14 days"}},
		{"oldest message 59 s", func(c *Config) { c.Alarms.QueueOldestMessageSeconds = 59 }, []string{"alarms.queueOldestMessageSeconds", "59"}},
		{"namespace", func(c *Config) { c.Metrics.Namespace = "Shop/Uploads #1: prod" }, nil},
		{"AWS namespace", func(c *Config) { c.Metrics.Namespace = "AWS/Lambda" }, []string{"metrics.namespace", `"AWS/Lambda"`, `not starting with "AWS/"`}},
		{"namespace with bad character", func(c *Config) { c.Metrics.Namespace = "shop*prod" }, []string{"metrics.namespace", `"shop*prod"`}},
		{"namespace too long", func(c *Config) { c.Metrics.Namespace = strings.Repeat("n", 256) }, []string{"metrics.namespace", "1 to 255"}},
		{"derived namespace from a bad project", func(c *Config) { c.Project = "shop$" }, []string{"metrics.namespace", `"shop$/dev"`}},
		{"pre-traffic hook", func(c *Config) { setFn(c, "api", func(f *FunctionSettings) { f.PreTrafficHook = "report" }) }, nil},
		{"post-traffic hook undeclared", func(c *Config) { setFn(c, "api", func(f *FunctionSettings) { f.PostTrafficHook = "smoke" }) }, []string{"functions.api.postTrafficHook", `no function "smoke" is declared; declared: ` + strings.Join(functions.Names(), ", ")}},
		{"hook is itself", func(c *Config) { setFn(c, "api", func(f *FunctionSettings) { f.PreTrafficHook = "api" }) }, []string{"functions.api.preTrafficHook", "the function itself"}},
		{"provisioned window", func(c *Config) {
			setFn(c, "api", func(f *FunctionSettings) {
				f.Provisioned = Provisioned{Baseline: 1, Windows: []Window{{Start: "0 8 ? * MON-FRI *", End: "0 10 ? * MON-FRI *", Value: 20}}}
			})
		}, nil},
		{"provisioned over the reservation", func(c *Config) {
			setFn(c, "api", func(f *FunctionSettings) { f.ReservedConcurrency, f.Provisioned.Baseline = 5, 6 })
		}, []string{"functions.api.provisioned.baseline", "6 exceeds the function's reserved concurrency of 5"}},
		{"provisioned over the account", func(c *Config) {
			c.AccountConcurrency = 200
			setFn(c, "processor", func(f *FunctionSettings) { f.Provisioned.Baseline = 60 })
			setFn(c, "report", func(f *FunctionSettings) { f.Provisioned.Baseline = 50 })
		}, []string{"functions.*.provisioned", "110 concurrent executions", "processor provisions 60", "report provisions 50", "over the 100 an account of 200 allows"}},
		{"provisioned elsewhere leaves the peak short", func(c *Config) {
			c.Peak = &Peak{RequestsPerSecond: 400, AverageDurationMs: 1000}
			c.API.ThrottleRateLimit = 400
			setFn(c, "processor", func(f *FunctionSettings) {
				f.Provisioned.Windows = []Window{{Start: "0 1 * * ? *", End: "0 2 * * ? *", Value: 600}}
			})
		}, []string{"peak", "400 concurrent executions needed", "unreserved concurrency (900 - 600 reserved or provisioned elsewhere)"}},
		{"provisioned cron malformed", func(c *Config) {
			setFn(c, "report", func(f *FunctionSettings) {
				f.Provisioned.Windows = []Window{{Start: "0 8 * *", End: "0 9 * * ? *", Value: 1}}
			})
		}, []string{"functions.report.provisioned.windows[0].start", `"0 8 * *"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ForStage(StageDev)
			if err != nil {
				t.Fatal(err)
			}
			tt.mutate(&c)
			fixture.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}

// TestOperationsFromContext sets the new keys the way the CDK CLI passes
// them (-c key=value strings).
func TestOperationsFromContext(t *testing.T) {
	c, err := Load(map[string]any{
		"stage": "prod", "deploy.strategy": "Linear10PercentEvery1Minute", "alerts.emails": "a@example.com, b@example.com",
		"tracing": "false", "alarms.api5xxPercent": "2.5", "metrics.namespace": "shop",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Deploy.Strategy != "Linear10PercentEvery1Minute" || len(c.Alerts.Emails) != 2 || c.Alerts.Emails[1] != "b@example.com" ||
		c.Tracing || c.Alarms.API5XXPercent != 2.5 || c.MetricsNamespace() != "shop" {
		t.Errorf("loaded %+v %+v %v %+v %q", c.Deploy, c.Alerts, c.Tracing, c.Alarms, c.MetricsNamespace())
	}
	pinProd(&c)
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

// setFn changes one function's configuration.
func setFn(c *Config, name string, f func(*FunctionSettings)) {
	fn := c.Functions[name]
	f(&fn)
	c.Functions[name] = fn
}

// TestProvisionedCost: one line per function with provisioned
// concurrency, with its GB-hours per day; none without.
func TestProvisionedCost(t *testing.T) {
	c, _ := ForStage(StageDev)
	setFn(&c, "api", func(f *FunctionSettings) { f.MemoryMB = 512 })
	plan := func(c Config) Plan {
		t.Helper()
		p, err := NewPlan(c)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if lines := plan(c).ProvisionedCost(); len(lines) != 0 {
		t.Errorf("no provisioned concurrency, yet %q", lines)
	}
	// 1 all week, 21 on weekdays 08:00-10:00, at 512 MB: 12 GB-hours on
	// Sunday and Saturday, 12 + 2 x 20 x 0.5 = 32 on weekdays.
	setFn(&c, "api", func(f *FunctionSettings) {
		f.Provisioned = Provisioned{Baseline: 1, Windows: []Window{{Start: "0 8 ? * MON-FRI *", End: "0 10 ? * MON-FRI *", Value: 21}}}
	})
	lines := plan(c).ProvisionedCost()
	want := "functions.api.provisioned: baseline 1, peak 21 at 512 MB = GB-hours per day SUN 12.0, MON 32.0, TUE 32.0, WED 32.0, THU 32.0, FRI 32.0, SAT 12.0 (184.0 a week)"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("cost %q\nwant %q", lines, want)
	}
}

// TestProvisionedFromContext: the schedule's keys as the CLI passes them.
func TestProvisionedFromContext(t *testing.T) {
	c, err := Load(map[string]any{
		"functions.api.provisioned.baseline": "2",
		"functions.api.provisioned.windows":  `[{"start":"0 8 ? * MON-FRI *","end":"0 10 ? * MON-FRI *","value":50}]`,
		"functions.api.preTrafficHook":       "report",
	})
	if err != nil {
		t.Fatal(err)
	}
	api := c.Functions["api"]
	if api.Provisioned.Baseline != 2 || len(api.Provisioned.Windows) != 1 || api.Provisioned.Windows[0].Value != 50 || api.PreTrafficHook != "report" {
		t.Errorf("loaded %+v hook %q", api.Provisioned, api.PreTrafficHook)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}
