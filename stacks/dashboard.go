package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/config"

	"go-lambda-cdk/internal/metrics"
)

// alarmsPerStatusWidget is how many alarms one alarm status widget shows:
// CloudWatch's alarm status widget holds at most 100
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Dashboard-Body-Structure.html).
const alarmsPerStatusWidget = 100

// dashboards creates the stage's CloudWatch dashboards. With the functions
// in the stage's stack: one, "<project>-<stage>" (the DashboardUrl
// output), with every alarm's state, the REST API, each function's live
// alias, the failure queue and the handlers' business metrics (package
// metrics). With nested stacks, that overview keeps the stage's own alarms
// and graphs and links to one dashboard per nested stack,
// "<project>-<stage>-FunctionsNN", with its functions' alarms and graphs:
// each stays far below CloudWatch's 500 widgets per dashboard
// (cfnlimits.MaxDashboardWidgets) whatever the number of functions, and
// refers to its own stack's functions only.
func (a *app) dashboards() {
	name := fmt.Sprintf("%s-%s", a.cfg.Project, a.cfg.Stage)
	fns := a.cfg.Functions.Named()
	if !a.placement.Nested {
		a.newDashboard(a.stack, name, a.stageAlarms, fns, nil)
	} else {
		var links []string
		for _, g := range a.placement.Groups {
			groupName := name + "-" + g.StackID()
			var members []config.NamedFunction
			for _, fn := range fns {
				if id, _ := a.placement.GroupOf(fn.Name); id == g.ID {
					members = append(members, fn)
				}
			}
			a.newDashboard(a.groups[g.ID], groupName, nil, members, nil)
			links = append(links, fmt.Sprintf("[%s](#dashboards:name=%s) (%s)", g.StackID(), groupName, strings.Join(g.Functions, ", ")))
		}
		a.newDashboard(a.stack, name, a.stageAlarms, nil, links)
	}
	output(a.stack, "DashboardUrl", awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://console.aws.amazon.com/cloudwatch/home?region="), a.stack.Region(), jsii.String("#dashboards:name=" + name),
	}), "CloudWatch dashboard of the stage: alarms, API, functions, failure queue and business metrics")
}

// newDashboard creates a dashboard named name in scope with the state of
// the given stage alarms and of fns' alarms, then, when scope is the
// stage's stack, the REST API's graphs, the links to the functions'
// dashboards, each function's graphs, the failure queue's and the business
// metrics'.
func (a *app) newDashboard(scope constructs.Construct, name string, stageAlarms []awscloudwatch.Alarm, fns []config.NamedFunction, links []string) {
	stage := scope == constructs.Construct(a.stack)
	d := awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
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
	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, al := range stageAlarms {
		alarms = append(alarms, al)
	}
	for _, fn := range fns {
		for _, al := range a.functionAlarmsOf[fn.Name] {
			alarms = append(alarms, al)
		}
	}
	for first := 0; first < len(alarms); first += alarmsPerStatusWidget {
		chunk := alarms[first:min(first+alarmsPerStatusWidget, len(alarms))]
		d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms (each notifies the alert topic)"), Alarms: &chunk, Width: jsii.Number(24),
		}))
	}
	if stage && a.restAPI != nil {
		api := a.apiMetric // the stage's metrics: ApiName and Stage
		d.AddWidgets(
			graph("REST API requests", []awscloudwatch.IMetric{api("Count", minute("Sum")), api("4XXError", minute("Sum")), api("5XXError", minute("Sum"))}, nil),
			graph("REST API latency (ms)", []awscloudwatch.IMetric{api("Latency", minute("p50")), api("Latency", minute("p99"))}, nil),
			graph("REST API integration latency (ms)", []awscloudwatch.IMetric{api("IntegrationLatency", minute("p99"))}, nil),
		)
	}
	if len(links) > 0 {
		d.AddWidgets(awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
			Markdown: jsii.String("Each function's alarms and graphs are on the dashboard of its nested stack:\n\n* " + strings.Join(links, "\n* ")),
			Width:    jsii.Number(24), Height: jsii.Number(2 + len(links)),
		}))
	}
	for _, fn := range fns {
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
	if !stage {
		return
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
}
