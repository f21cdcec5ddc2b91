package stacks

import (
	"fmt"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/config"
)

// newAlertTopic creates the stage's alarm topic: encrypted with its own
// KMS key (CloudWatch cannot publish to a topic under the AWS managed
// alias/aws/sns key), TLS-only, published to by this account's alarms only,
// with an email subscription per alerts.emails entry.
func newAlertTopic(stack awscdk.Stack, cfg config.Config, removal awscdk.RemovalPolicy) awssns.Topic {
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	fromThisAccount := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}}
	key := awskms.NewKey(stack, jsii.String("AlertsKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("Encrypts the %s %s alarm topic", cfg.Project, cfg.Stage)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	// In a key policy, "*" is the key itself.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsEncrypt"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &fromThisAccount,
	}), nil)
	topic := awssns.NewTopic(stack, jsii.String("Alerts"), &awssns.TopicProps{
		DisplayName: jsii.String(fmt.Sprintf("%s %s alarms", cfg.Project, cfg.Stage)),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy replaces SNS's default one: say who may publish.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": awscdk.Fn_Join(jsii.String(""), &[]*string{
				jsii.String("arn:"), stack.Partition(), jsii.String(":cloudwatch:"), stack.Region(), jsii.String(":"), stack.Account(), jsii.String(":alarm:*"),
			})},
		},
	}))
	for _, email := range cfg.Alerts.Emails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return topic
}

// alarm creates an alarm that fires when metric reaches threshold over the
// configured periods, notifies the alert topic when it fires and when it
// recovers. Missing data (no traffic) is
// not breaching. Its name, "<project>-<stage>-<name>", is what a page's
// subject shows; description says what happened and what to do.
func (a *app) alarm(scope constructs.Construct, id, name, description string, metric awscloudwatch.IMetric, threshold float64) awscloudwatch.Alarm {
	return a.alarmAfter(a.cfg.Alarms.EvaluationPeriods, scope, id, name, description, metric, threshold)
}

// alarmAfter is alarm with its own number of evaluation periods.
func (a *app) alarmAfter(evaluations int, scope constructs.Construct, id, name, description string, metric awscloudwatch.IMetric, threshold float64) awscloudwatch.Alarm {
	al := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(a.cfg.Project + "-" + a.cfg.Stage + "-" + name),
		AlarmDescription:   jsii.String(description),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(evaluations),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	if a.alertAction == nil {
		a.alertAction = awscloudwatchactions.NewSnsAction(a.alerts)
	}
	al.AddAlarmAction(a.alertAction)
	al.AddOkAction(a.alertAction)
	return al
}

// metricOptions is a statistic over the configured alarm period.
func (a *app) metricOptions(statistic string) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{
		Statistic: jsii.String(statistic),
		Period:    awscdk.Duration_Seconds(jsii.Number(a.cfg.Alarms.PeriodSeconds)),
	}
}

// window describes the alarm's evaluation window, e.g. "5 minutes".
func (a *app) window() string {
	s := a.cfg.Alarms.PeriodSeconds * a.cfg.Alarms.EvaluationPeriods
	if s%60 == 0 {
		return fmt.Sprintf("%d minute(s)", s/60)
	}
	return fmt.Sprintf("%d seconds", s)
}

// functionAlarms creates a function's paging alarms (pagingAlarms, as
// alarms.perFunction says: errors, throttles and p99 duration of its live
// alias, and its concurrency when it has a reservation) and its rollback
// alarms, which it returns for the deployment (rollbackAlarms).
func (a *app) functionAlarms(f *GoFunction, fn config.NamedFunction) (rollback []awscloudwatch.Alarm) {
	al := a.cfg.Alarms
	name := fn.Name
	limitMs := float64(fn.TimeoutSeconds*1000*al.DurationPercentOfTimeout) / 100
	paging := a.pagingAlarms(f, fn, limitMs)
	rollback = a.rollbackAlarms(f, fn, limitMs)
	a.functionAlarmsOf[name] = append(paging, rollback...)
	return rollback
}

// pagingAlarms creates the alarms alarms.perFunction asks for: errors and
// throttles (errors-throttles), p99 duration and concurrency too (all), or
// none.
func (a *app) pagingAlarms(f *GoFunction, fn config.NamedFunction, limitMs float64) []awscloudwatch.Alarm {
	al := a.cfg.Alarms
	name := fn.Name
	if al.PerFunction == config.PerFunctionNone {
		return nil
	}
	// Only an asynchronously invoked function's failed events wait in the
	// failure queue for make redrive; an API caller got the error.
	replay := "."
	if fn.Declaration.Async() {
		replay = fmt.Sprintf(", then replay failed asynchronous events with make redrive FN=%s.", name)
	}
	errors := a.alarm(f.Construct, "ErrorsAlarm", name+"-errors", fmt.Sprintf(
		"The %s function's %s alias failed %d or more invocations in %s. Read the errors in its log group (CloudWatch Logs Insights: filter level = \"ERROR\"), fix and deploy%s",
		name, LiveAlias, al.FunctionErrors, a.window(), replay), f.Alias.MetricErrors(a.metricOptions("Sum")), float64(al.FunctionErrors))
	throttles := fmt.Sprintf(
		"The %s function was throttled %d or more times in %s: it hit its reserved concurrency or the account's. API callers got 429/5XX; asynchronous events are retried. Raise functions.%s.reservedConcurrency, schedule provisioned concurrency for the peak, or request a higher account quota.",
		name, al.FunctionThrottles, a.window(), name)
	out := []awscloudwatch.Alarm{errors, a.alarm(f.Construct, "ThrottlesAlarm", name+"-throttles", throttles, f.Alias.MetricThrottles(a.metricOptions("Sum")), float64(al.FunctionThrottles))}
	if al.PerFunction == config.PerFunctionErrorsThrottles {
		return out
	}
	out = append(out, a.alarm(f.Construct, "DurationAlarm", name+"-duration-p99", fmt.Sprintf(
		"The %s function's p99 duration reached %g ms, %d%% of its %d s timeout, over %s: invocations are close to timing out. Look for a slow dependency in its logs (and traces when tracing is on); raise functions.%s.memoryMB (more CPU) or timeoutSeconds.",
		name, limitMs, al.DurationPercentOfTimeout, fn.TimeoutSeconds, a.window(), name), f.Alias.MetricDuration(a.metricOptions("p99")), limitMs))
	if r := fn.ReservedConcurrency; r > 0 {
		limit := math.Ceil(float64(r*al.ConcurrencyPercentOfReserved) / 100)
		out = append(out, a.alarm(f.Construct, "ConcurrencyAlarm", name+"-concurrency", fmt.Sprintf(
			"The %s function ran %g or more concurrent executions, %d%% of its reserved %d: the next burst will be throttled. Raise functions.%s.reservedConcurrency or lower the API throttle.",
			name, limit, al.ConcurrencyPercentOfReserved, r, name), f.Function.Metric(jsii.String("ConcurrentExecutions"), a.metricOptions("Maximum")), limit))
	}
	return out
}

// rollbackAlarms creates the alarms CodeDeploy watches while it shifts the
// live alias to the version this deploy publishes: errors and p99 duration
// of that version alone (the ExecutedVersion dimension), per minute. They
// do not see the previous version, so a fix deploys while the paging
// alarms still fire, and a one-minute period lets a 5-minute canary roll
// back. They notify the alert topic as well: a rollback is news.
func (a *app) rollbackAlarms(f *GoFunction, fn config.NamedFunction, limitMs float64) []awscloudwatch.Alarm {
	version := f.Function.CurrentVersion().Version()
	newVersion := func(metric, statistic string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String(metric), Statistic: jsii.String(statistic),
			Period: awscdk.Duration_Minutes(jsii.Number(1)),
			DimensionsMap: &map[string]*string{
				"FunctionName":    f.Function.FunctionName(),
				"Resource":        awscdk.Fn_Join(jsii.String(""), &[]*string{f.Function.FunctionName(), jsii.String(":" + LiveAlias)}),
				"ExecutedVersion": version,
			},
		})
	}
	al := a.cfg.Alarms
	// One period: a canary is short, act on the first bad minute.
	errors := a.alarmAfter(1, f.Construct, "RollbackErrorsAlarm", fn.Name+"-new-version-errors", fmt.Sprintf(
		"The version of the %s function being deployed failed %d or more invocations in a minute. CodeDeploy rolls the %s alias back to the previous version and the stack update fails: read the errors in its log group, fix and deploy again.",
		fn.Name, al.FunctionErrors, LiveAlias), newVersion("Errors", "Sum"), float64(al.FunctionErrors))
	duration := a.alarmAfter(1, f.Construct, "RollbackDurationAlarm", fn.Name+"-new-version-duration-p99", fmt.Sprintf(
		"The version of the %s function being deployed ran a p99 duration of %g ms or more (%d%% of its %d s timeout) over a minute. CodeDeploy rolls the %s alias back to the previous version: find what made it slower in its logs (and traces when tracing is on) before deploying again.",
		fn.Name, limitMs, al.DurationPercentOfTimeout, fn.TimeoutSeconds, LiveAlias), newVersion("Duration", "p99"), limitMs)
	// The alias moves only once its alarms watch the new version.
	f.Alias.Node().AddDependency(errors, duration)
	return []awscloudwatch.Alarm{errors, duration}
}

// apiMetric is a metric of the REST API's stage: API Gateway publishes
// each with the dimensions ApiName and Stage, and one with ApiName alone
// that also counts every other stage of an API of that name
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html).
// The stage is named literally, as the stack names it, not by a Ref to
// the stage resource.
func (a *app) apiMetric(name string, o *awscloudwatch.MetricOptions) awscloudwatch.IMetric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String("AWS/ApiGateway"),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{"ApiName": a.restAPI.RestApiName(), "Stage": jsii.String(a.cfg.Stage)},
		Statistic:     o.Statistic,
		Period:        o.Period,
	})
}

// apiAlarms creates the REST API's alarms: share of 5XX answers and p99
// latency of the stage (apiMetric).
func (a *app) apiAlarms() {
	al := a.cfg.Alarms
	a.stageAlarms = append(a.stageAlarms, a.alarm(a.restAPI, "ServerErrorsAlarm", "api-5xx", fmt.Sprintf(
		"%g%% or more of the REST API's requests answered 5XX over %s. Check the api functions' ErrorsAlarm and ThrottlesAlarm and their logs; a 502 is a function error or panic, a 504 a timeout.",
		al.API5XXPercent, a.window()), a.apiMetric("5XXError", a.metricOptions("Average")), al.API5XXPercent/100),
		a.alarm(a.restAPI, "LatencyAlarm", "api-latency-p99", fmt.Sprintf(
			"The REST API's p99 latency reached %d ms over %s. Compare with the functions' DurationAlarm: if Lambda is slow, see its logs and traces; otherwise cold starts are likely: schedule provisioned concurrency for the peak (functions.<name>.provisioned).",
			al.APILatencyP99Ms, a.window()), a.apiMetric("Latency", a.metricOptions("p99")), float64(al.APILatencyP99Ms)))
}

// queueAlarms creates the failure queue's alarms: failed events waiting,
// and the age of the oldest.
func (a *app) queueAlarms() {
	al := a.cfg.Alarms
	a.stageAlarms = append(a.stageAlarms, a.alarm(a.queue, "MessagesAlarm", "failed-events", fmt.Sprintf(
		"%d or more asynchronous events failed after every retry and wait in the failure queue. Find the cause in the function's ErrorsAlarm and logs, fix and deploy, then replay them: make redrive STAGE=%s FN=<function> (DRY_RUN=1 lists them first).",
		al.QueueMessages, a.cfg.Stage), a.queue.MetricApproximateNumberOfMessagesVisible(a.metricOptions("Maximum")), float64(al.QueueMessages)),
		a.alarm(a.queue, "OldestMessageAlarm", "failed-event-age", fmt.Sprintf(
			"A failed event has waited %d s or more in the failure queue; the queue deletes events after 14 days. Replay it with make redrive STAGE=%s FN=<function> once the cause is fixed.",
			al.QueueOldestMessageSeconds, a.cfg.Stage), a.queue.MetricApproximateAgeOfOldestMessage(a.metricOptions("Maximum")), float64(al.QueueOldestMessageSeconds)))
}
