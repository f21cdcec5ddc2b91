package config

import (
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/quota"
)

// Deployment strategies: CodeDeploy's predefined deployment configurations
// for the Lambda compute platform, without their "CodeDeployDefault.Lambda"
// prefix ("Deployment configurations on an AWS Lambda compute platform" in
// the CodeDeploy user guide).
var DeployStrategies = []string{
	"AllAtOnce",
	"Canary10Percent5Minutes",
	"Canary10Percent10Minutes",
	"Canary10Percent15Minutes",
	"Canary10Percent30Minutes",
	"Linear10PercentEvery1Minute",
	"Linear10PercentEvery2Minutes",
	"Linear10PercentEvery3Minutes",
	"Linear10PercentEvery10Minutes",
}

// Deploy configures how a new version of each function reaches traffic.
type Deploy struct {
	// Strategy is one of DeployStrategies: how CodeDeploy shifts the live
	// alias to a new version, rolling back when an alarm fires meanwhile.
	// Default "AllAtOnce" (dev), "Canary10Percent5Minutes" (prod).
	Strategy string `json:"strategy"`
}

// DeploymentConfigName is the strategy's CodeDeploy name, e.g.
// "CodeDeployDefault.LambdaCanary10Percent5Minutes".
func (d Deploy) DeploymentConfigName() string { return "CodeDeployDefault.Lambda" + d.Strategy }

// Alerts configures who hears the stage's alarms.
type Alerts struct {
	// Emails are subscribed to the stage's alarm topic; each must confirm
	// the subscription from the mail SNS sends. Default: none.
	Emails []string `json:"emails"`
}

// Alarms holds the thresholds of the stage's alarms. Every alarm compares
// one statistic over PeriodSeconds, EvaluationPeriods times in a row.
type Alarms struct {
	// PeriodSeconds is 10, 30 or a multiple of 60. Default 300.
	PeriodSeconds int `json:"periodSeconds"`
	// EvaluationPeriods is how many periods in a row must breach; 1 or
	// more, with PeriodSeconds x EvaluationPeriods at most one day. Default 1.
	EvaluationPeriods int `json:"evaluationPeriods"`
	// FunctionErrors alarms when a function has this many errors in a
	// period. Default 1.
	FunctionErrors int `json:"functionErrors"`
	// FunctionThrottles alarms when a function is throttled this many times
	// in a period. Default 1.
	FunctionThrottles int `json:"functionThrottles"`
	// DurationPercentOfTimeout alarms when a function's p99 duration
	// exceeds this share of its timeout, 1 to 100. Default 80.
	DurationPercentOfTimeout int `json:"durationPercentOfTimeout"`
	// ConcurrencyPercentOfReserved alarms when a function with reserved
	// concurrency uses this share of it, 1 to 100. Default 90.
	ConcurrencyPercentOfReserved int `json:"concurrencyPercentOfReserved"`
	// API5XXPercent alarms when this share of the REST API's requests
	// answer 5XX, more than 0 up to 100. Default 1.
	API5XXPercent float64 `json:"api5xxPercent"`
	// APILatencyP99Ms alarms when the REST API's p99 latency exceeds this
	// many milliseconds, 1 to 29000 (the integration timeout). Default 3000.
	APILatencyP99Ms int `json:"apiLatencyP99Ms"`
	// QueueMessages alarms when the failure queue holds this many visible
	// messages (failed events). Default 1.
	QueueMessages int `json:"queueMessages"`
	// QueueOldestMessageSeconds alarms when the oldest failed event has
	// waited this long, 60 s to 14 days (the queue's retention). Default
	// 86400 (a day without replay).
	QueueOldestMessageSeconds int `json:"queueOldestMessageSeconds"`
	// PerFunction says which paging alarms each function gets:
	// PerFunctionAll (errors, throttles, p99 duration, and concurrency when
	// it has a reservation), PerFunctionErrorsThrottles, or PerFunctionNone.
	// The two rollback alarms CodeDeploy watches while it shifts the live
	// alias come with every function whatever this says. Each alarm is
	// billed monthly (AlarmMonthlyUSD): a stage with many functions may
	// turn these down. Default "errors-throttles" (dev), "all" (prod).
	PerFunction string `json:"perFunction"`
}

// The values of alarms.perFunction.
const (
	PerFunctionAll             = "all"
	PerFunctionErrorsThrottles = "errors-throttles"
	PerFunctionNone            = "none"
)

// PerFunctionModes lists the allowed values of alarms.perFunction.
var PerFunctionModes = []string{PerFunctionAll, PerFunctionErrorsThrottles, PerFunctionNone}

// AlarmMonthlyUSD is CloudWatch's price of one standard-resolution alarm
// (one metric, no anomaly detection) per month in us-east-1, in US
// dollars: $0.10 (https://aws.amazon.com/cloudwatch/pricing/, "Alarms",
// Standard Resolution (60 sec): $0.10 per alarm metric). Prices differ a
// little between regions; the first 10 alarms of an account are free.
const AlarmMonthlyUSD = 0.10

// PagingAlarms is how many paging alarms fn gets under alarms.perFunction.
func (a Alarms) PagingAlarms(fn FunctionSettings) int {
	switch a.PerFunction {
	case PerFunctionNone:
		return 0
	case PerFunctionErrorsThrottles:
		return 2
	}
	if fn.ReservedConcurrency > 0 {
		return 4
	}
	return 3
}

// RollbackAlarms is how many alarms CodeDeploy watches per function.
const RollbackAlarms = 2

// StageAlarms is how many alarms the stage holds besides its functions':
// the failure queue's two, and the REST API's two when there is one.
func (c Config) StageAlarms() int {
	n := 2
	for _, fn := range c.Functions.Named() {
		if _, ok := fn.Declaration.API(); ok {
			return n + 2
		}
	}
	return n
}

// AlarmCount is the number of alarms the stage's stacks create.
func (c Config) AlarmCount() int {
	n := c.StageAlarms()
	for _, fn := range c.Functions.Named() {
		n += c.Alarms.PagingAlarms(fn.FunctionSettings) + RollbackAlarms
	}
	return n
}

// AlarmCost says how many alarms the stage creates and what they cost a
// month at AlarmMonthlyUSD, with alarms.perFunction.
func (c Config) AlarmCost() string {
	n := c.AlarmCount()
	return fmt.Sprintf("%d alarms (alarms.perFunction %s, %d per function for deploy rollbacks, %d for the stage) = $%.2f a month at $%.2f each",
		n, c.Alarms.PerFunction, RollbackAlarms, c.StageAlarms(), float64(n)*AlarmMonthlyUSD, AlarmMonthlyUSD)
}

// Metrics configures the handlers' business metrics.
type Metrics struct {
	// Namespace is their CloudWatch namespace. Default "" (the project
	// and the stage: "go-lambda-cdk/prod").
	Namespace string `json:"namespace"`
}

// MetricsNamespace is the namespace of the business metrics: Metrics.Namespace,
// or "<project>/<stage>".
func (c Config) MetricsNamespace() string {
	if c.Metrics.Namespace != "" {
		return c.Metrics.Namespace
	}
	return c.Project + "/" + c.Stage
}

// Limits of CloudWatch and SQS the operations settings are checked against.
const (
	maxAlarmEvaluationSeconds = 86400   // CloudWatch: period x evaluation periods
	maxQueueRetentionSeconds  = 1209600 // SQS: 14 days, the failure queue's retention
	maxNamespaceBytes         = 255     // CloudWatch namespace
)

// namespacePattern is what CloudWatch accepts in a namespace.
var namespacePattern = regexp.MustCompile(`^[A-Za-z0-9._/#: -]+$`)

// setOperationDefaults sets the operations settings of the stage's preset.
func (c *Config) setOperationDefaults() {
	c.Deploy.Strategy = "AllAtOnce"
	c.Alarms = Alarms{
		PeriodSeconds: 300, EvaluationPeriods: 1, FunctionErrors: 1, FunctionThrottles: 1,
		DurationPercentOfTimeout: 80, ConcurrencyPercentOfReserved: 90, API5XXPercent: 1,
		APILatencyP99Ms: 3000, QueueMessages: 1, QueueOldestMessageSeconds: 86400,
		PerFunction: PerFunctionErrorsThrottles,
	}
	if c.Stage == StageProd {
		c.Alarms.PerFunction = PerFunctionAll
		c.Deploy.Strategy = "Canary10Percent5Minutes"
		c.Tracing = true
	}
}

// validateOperations checks deploy, alerts, alarms and metrics.
func (c Config) validateOperations(add func(string, string, ...any)) {
	if !slices.Contains(DeployStrategies, c.Deploy.Strategy) {
		add("deploy.strategy", "%q is not a CodeDeploy predefined Lambda configuration; allowed: %s", c.Deploy.Strategy, strings.Join(DeployStrategies, ", "))
	}
	for i, e := range c.Alerts.Emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || a.Name != "" {
			add(fmt.Sprintf("alerts.emails[%d]", i), "%q is not an email address such as \"oncall@example.com\" (no display name)", e)
		}
	}
	c.Alarms.validate(add)
	if ns := c.MetricsNamespace(); len(ns) > maxNamespaceBytes || !namespacePattern.MatchString(ns) || strings.HasPrefix(ns, "AWS/") {
		add("metrics.namespace", "%q is not a CloudWatch namespace; allowed: 1 to %d letters, digits and . - _ / # : or spaces, not starting with \"AWS/\"", ns, maxNamespaceBytes)
	}
}

func (a Alarms) validate(add func(string, string, ...any)) {
	if !slices.Contains(PerFunctionModes, a.PerFunction) {
		add("alarms.perFunction", "%q is not a set of per-function alarms; allowed: %s", a.PerFunction, strings.Join(PerFunctionModes, ", "))
	}
	p := a.PeriodSeconds
	if p != 10 && p != 30 && (p < 60 || p%60 != 0) {
		add("alarms.periodSeconds", "%d is not a CloudWatch alarm period; allowed 10, 30 or a multiple of 60", p)
	} else if a.EvaluationPeriods < 1 || p*a.EvaluationPeriods > maxAlarmEvaluationSeconds {
		add("alarms.evaluationPeriods", "%d is out of range; allowed 1 to %d (%d s periods over at most one day)", a.EvaluationPeriods, maxAlarmEvaluationSeconds/p, p)
	}
	atLeastOne := map[string]int{
		"alarms.functionErrors": a.FunctionErrors, "alarms.functionThrottles": a.FunctionThrottles, "alarms.queueMessages": a.QueueMessages,
	}
	for _, field := range slices.Sorted(maps.Keys(atLeastOne)) {
		if atLeastOne[field] < 1 {
			add(field, "%d must be at least 1", atLeastOne[field])
		}
	}
	percents := map[string]int{
		"alarms.durationPercentOfTimeout": a.DurationPercentOfTimeout, "alarms.concurrencyPercentOfReserved": a.ConcurrencyPercentOfReserved,
	}
	for _, field := range slices.Sorted(maps.Keys(percents)) {
		if percents[field] < 1 || percents[field] > 100 {
			add(field, "%d is out of range; allowed 1 to 100 (percent)", percents[field])
		}
	}
	if !(a.API5XXPercent > 0 && a.API5XXPercent <= 100) {
		add("alarms.api5xxPercent", "%v is out of range; allowed more than 0 up to 100 (percent)", a.API5XXPercent)
	}
	if a.APILatencyP99Ms < 1 || a.APILatencyP99Ms > quota.MaxAPITimeoutSeconds*1000 {
		add("alarms.apiLatencyP99Ms", "%d is out of range; allowed 1 to %d ms (the REST API's integration timeout)", a.APILatencyP99Ms, quota.MaxAPITimeoutSeconds*1000)
	}
	if a.QueueOldestMessageSeconds < 60 || a.QueueOldestMessageSeconds > maxQueueRetentionSeconds {
		add("alarms.queueOldestMessageSeconds", "%d is out of range; allowed 60 to %d seconds (the queue keeps messages 14 days)", a.QueueOldestMessageSeconds, maxQueueRetentionSeconds)
	}
}

// OperationsWarnings are settings that validate but that an on-call
// engineer should know about; synth prints them with the others (Warnings).
func (c Config) OperationsWarnings() []string {
	var out []string
	if c.Stage == StageProd && len(c.Alerts.Emails) == 0 {
		out = append(out, "alerts.emails is empty: the alarms' topic has no subscriber, so nobody is told when they fire; subscribe someone, e.g. -c alerts.emails=oncall@example.com")
	}
	if c.Deploy.Strategy != "AllAtOnce" {
		for _, fn := range c.Functions.Named() {
			if len(fn.Provisioned.Windows) > 0 {
				out = append(out, fmt.Sprintf("functions.%s.provisioned.windows with deploy.strategy %s: Lambda refuses to change an alias's provisioned concurrency while a deployment splits its traffic, so a window that starts or ends during a deployment does not take effect until the next one; deploy outside the windows", fn.Name, c.Deploy.Strategy))
			}
		}
	}
	return out
}

// validateHooks checks that each function's traffic hooks name another
// declared function.
func (c Config) validateHooks(add func(string, string, ...any)) {
	for _, fn := range c.Functions.Named() {
		hooks := map[string]string{"preTrafficHook": fn.PreTrafficHook, "postTrafficHook": fn.PostTrafficHook}
		for _, key := range slices.Sorted(maps.Keys(hooks)) {
			hook := hooks[key]
			field := "functions." + fn.Name + "." + key
			switch _, declared := c.Functions[hook]; {
			case hook == "":
			case hook == fn.Name:
				add(field, "%q is the function itself; a hook must be another declared function", hook)
			case !declared:
				add(field, "no function %q is declared; declared: %s", hook, strings.Join(functions.Names(), ", "))
			}
		}
	}
}
