package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/metrics"
)

// newDashboard creates the stage's CloudWatch dashboard: every alarm's
// state, the REST API, each function's live alias, the failure queue and
// the handlers' business metrics (package metrics). Its URL is the
// DashboardUrl output.
func (a *app) newDashboard() {
	name := fmt.Sprintf("%s-%s", a.cfg.Project, a.cfg.Stage)
	d := awscloudwatch.NewDashboard(a.stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(name),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	minute := func(statistic string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String(statistic), Period: awscdk.Duration_Minutes(jsii.Number(1))}
	}
	graph := func(title string, left, right []awscloudwatch.IMetric) awscloudwatch.IWidget {
		props := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(8)}
		if len(right) > 0 {
			props.Right = &right
		}
		return awscloudwatch.NewGraphWidget(props)
	}
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(a.alarms))
	for i, al := range a.alarms {
		alarms[i] = al
	}
	d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms (each notifies the alert topic)"), Alarms: &alarms, Width: jsii.Number(24),
	}))
	if a.restAPI != nil {
		api := a.apiMetric // the stage's metrics: ApiName and Stage
		d.AddWidgets(
			graph("REST API requests", []awscloudwatch.IMetric{api("Count", minute("Sum")), api("4XXError", minute("Sum")), api("5XXError", minute("Sum"))}, nil),
			graph("REST API latency (ms)", []awscloudwatch.IMetric{api("Latency", minute("p50")), api("Latency", minute("p99"))}, nil),
			graph("REST API integration latency (ms)", []awscloudwatch.IMetric{api("IntegrationLatency", minute("p99"))}, nil),
		)
	}
	for _, fn := range a.cfg.Functions.Named() {
		f := a.functions[fn.Name]
		alias := f.Alias
		duration := awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(fn.Name + " duration (ms)"), Width: jsii.Number(8),
			Left: &[]awscloudwatch.IMetric{alias.MetricDuration(minute("p50")), alias.MetricDuration(minute("p99"))},
			LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{{
				Value: jsii.Number(float64(fn.TimeoutSeconds * 1000)), Label: jsii.String("timeout"), Color: awscloudwatch.Color_RED(),
			}},
		})
		d.AddWidgets(
			graph(fn.Name+" invocations", []awscloudwatch.IMetric{alias.MetricInvocations(minute("Sum")), alias.MetricErrors(minute("Sum")), alias.MetricThrottles(minute("Sum"))}, nil),
			duration,
			graph(fn.Name+" concurrency", []awscloudwatch.IMetric{f.Function.Metric(jsii.String("ConcurrentExecutions"), minute("Maximum"))},
				[]awscloudwatch.IMetric{alias.Metric(jsii.String("ProvisionedConcurrencySpilloverInvocations"), minute("Sum"))}),
		)
	}
	d.AddWidgets(graph("Failure queue", []awscloudwatch.IMetric{a.queue.MetricApproximateNumberOfMessagesVisible(minute("Maximum"))},
		[]awscloudwatch.IMetric{a.queue.MetricApproximateAgeOfOldestMessage(minute("Maximum"))}))
	var business []awscloudwatch.IWidget
	for _, m := range metrics.All() {
		stat := "Sum"
		if m.Unit == metrics.Milliseconds {
			stat = "p99"
		}
		business = append(business, graph(fmt.Sprintf("%s (%s, %s)", m.Name, m.Function, stat), []awscloudwatch.IMetric{
			awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(a.cfg.MetricsNamespace()), MetricName: jsii.String(m.Name),
				Statistic: jsii.String(stat), Period: awscdk.Duration_Minutes(jsii.Number(5)), Label: jsii.String(m.Description),
			}),
		}, nil))
	}
	d.AddWidgets(business...)
	output(a.stack, "DashboardUrl", awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://console.aws.amazon.com/cloudwatch/home?region="), a.stack.Region(), jsii.String("#dashboards:name=" + name),
	}), "CloudWatch dashboard of the stage: alarms, API, functions, failure queue and business metrics")
}
