package test

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/metrics"
)

// weekdayPeak is a provisioned concurrency schedule for the api function:
// 2 warm all week, 50 from 08:00 to 10:00 UTC on weekdays.
var weekdayPeak = map[string]any{
	"stage":                                   "prod",
	"functions.api.reservedConcurrency":       "100",
	"functions.api.provisioned.baseline":      "2",
	"functions.api.provisioned.windows":       `[{"start":"0 8 ? * MON-FRI *","end":"0 10 ? * MON-FRI *","value":50}]`,
	"functions.processor.preTrafficHook":      "report",
	"alerts.emails":                           "oncall@example.com,dev@example.com",
	"deploy.strategy":                         "Linear10PercentEvery1Minute",
	"alarms.durationPercentOfTimeout":         "50",
	"alarms.concurrencyPercentOfReserved":     "80",
	"functions.processor.reservedConcurrency": "10",
}

// TestEveryAlarmNotifiesTheAlertTopic: each alarm of both stages (and of
// a prod with reservations, which adds concurrency alarms) sends both its
// alarm and its OK state to the stage's alert topic, and its description
// says what to do (alarmAdvice).
func TestEveryAlarmNotifiesTheAlertTopic(t *testing.T) {
	for name, context := range map[string]map[string]any{"dev": {"stage": "dev"}, "prod": {"stage": "prod"}, "prod with reservations": weekdayPeak} {
		t.Run(name, func(t *testing.T) {
			tpl := synth(t, context).template
			advice := newAlarmAdvice(t, tpl)
			topicID, _ := tpl.one(t, "AWS::SNS::Topic", "Alerts")
			alarms := tpl.resources("AWS::CloudWatch::Alarm")
			if len(alarms) == 0 {
				t.Fatal("no alarms")
			}
			action := `[{"Ref":"` + topicID + `"}]`
			for id, a := range alarms {
				if got := js(get(a, "Properties.AlarmActions")); got != action {
					t.Errorf("%s: alarm actions %s, want %s", id, got, action)
				}
				if got := js(get(a, "Properties.OKActions")); got != action {
					t.Errorf("%s: OK actions %s, want %s", id, got, action)
				}
				d, _ := get(a, "Properties.AlarmDescription").(string)
				for _, problem := range advice.check(a, d) {
					t.Errorf("%s: description %q %s", id, d, problem)
				}
			}
		})
	}
}

// TestAlarmsPerFunctionAPIAndQueue: every declared function has errors,
// throttles and p99 duration alarms on its live alias, with thresholds from
// config; a concurrency alarm only with a reservation; the API and the
// failure queue have theirs.
func TestAlarmsPerFunctionAPIAndQueue(t *testing.T) {
	cfg, err := config.Load(withProdEnvironment(weekdayPeak))
	if err != nil {
		t.Fatal(err)
	}
	tpl := synth(t, weekdayPeak).template
	for _, fn := range cfg.Functions.Named() {
		id := fn.Declaration.ConstructID()
		alias := liveAliasOf(t, tpl, id)
		fnID, _ := tpl.one(t, "AWS::Lambda::Function", id+"Function")
		aliasDims := `[{"Name":"FunctionName","Value":{"Ref":"` + fnID + `"}},{"Name":"Resource","Value":{"Fn::Join":["",[{"Ref":"` + fnID + `"},":live"]]}}]`
		for _, tc := range []struct {
			alarm, metric, stat string
			threshold           float64
		}{
			{"ErrorsAlarm", "Errors", "Sum", 1},
			{"ThrottlesAlarm", "Throttles", "Sum", 1},
			{"DurationAlarm", "Duration", "p99", float64(fn.TimeoutSeconds*1000) * 0.5},
		} {
			_, a := tpl.one(t, "AWS::CloudWatch::Alarm", id+tc.alarm)
			stat := get(a, "Properties.Statistic")
			if stat == nil {
				stat = get(a, "Properties.ExtendedStatistic")
			}
			if get(a, "Properties.MetricName") != tc.metric || stat != tc.stat || get(a, "Properties.Threshold") != tc.threshold {
				t.Errorf("%s %s: metric %v %v threshold %v, want %s %s %g", fn.Name, tc.alarm, get(a, "Properties.MetricName"), stat, get(a, "Properties.Threshold"), tc.metric, tc.stat, tc.threshold)
			}
			if got := js(get(a, "Properties.Dimensions")); got != aliasDims {
				t.Errorf("%s %s: dimensions %s, want the live alias (%s) %s", fn.Name, tc.alarm, got, alias, aliasDims)
			}
		}
		concurrency := 0
		for aid := range tpl.resources("AWS::CloudWatch::Alarm") {
			if strings.HasPrefix(aid, id+"ConcurrencyAlarm") {
				concurrency++
			}
		}
		if want := map[bool]int{true: 1, false: 0}[fn.ReservedConcurrency > 0]; concurrency != want {
			t.Errorf("%s: %d concurrency alarms with reserved concurrency %d, want %d", fn.Name, concurrency, fn.ReservedConcurrency, want)
		}
	}
	_, c := tpl.one(t, "AWS::CloudWatch::Alarm", "ProcessorConcurrencyAlarm")
	if get(c, "Properties.Threshold") != 8.0 || get(c, "Properties.MetricName") != "ConcurrentExecutions" {
		t.Errorf("processor concurrency alarm: %s %v, want ConcurrentExecutions at 80%% of 10", get(c, "Properties.MetricName"), get(c, "Properties.Threshold"))
	}
	for prefix, metric := range map[string]string{
		"RestApiServerErrorsAlarm": "5XXError", "RestApiLatencyAlarm": "Latency",
		"FailureQueueMessagesAlarm": "ApproximateNumberOfMessagesVisible", "FailureQueueOldestMessageAlarm": "ApproximateAgeOfOldestMessage",
	} {
		if _, a := tpl.one(t, "AWS::CloudWatch::Alarm", prefix); get(a, "Properties.MetricName") != metric {
			t.Errorf("%s: metric %v, want %s", prefix, get(a, "Properties.MetricName"), metric)
		}
	}
	if _, a := tpl.one(t, "AWS::CloudWatch::Alarm", "RestApiServerErrorsAlarm"); get(a, "Properties.Threshold") != 0.01 {
		t.Errorf("5XX alarm threshold %v, want 1%% as the Average of 5XXError (0.01)", get(a, "Properties.Threshold"))
	}
}

// TestAlertTopic: encrypted with its own rotating key that CloudWatch may
// use, TLS-only, published to by this account's alarms only, one email
// subscription per alerts.emails entry.
func TestAlertTopic(t *testing.T) {
	tpl := synth(t, weekdayPeak).template
	topicID, topic := tpl.one(t, "AWS::SNS::Topic", "Alerts")
	keyID, key := tpl.one(t, "AWS::KMS::Key", "AlertsKey")
	if got := js(get(topic, "Properties.KmsMasterKeyId")); got != `{"Fn::GetAtt":["`+keyID+`","Arn"]}` {
		t.Errorf("topic key %s, want %s", got, keyID)
	}
	if get(key, "Properties.EnableKeyRotation") != true {
		t.Error("key rotation off")
	}
	if ks := js(get(key, "Properties.KeyPolicy")); !strings.Contains(ks, `"Service":"cloudwatch.amazonaws.com"`) || !strings.Contains(ks, "kms:GenerateDataKey*") {
		t.Errorf("key policy does not let CloudWatch encrypt: %s", ks)
	}
	_, policy := tpl.one(t, "AWS::SNS::TopicPolicy", "AlertsPolicy")
	ps := js(get(policy, "Properties.PolicyDocument"))
	if !strings.Contains(ps, `"aws:SecureTransport":"false"`) || !strings.Contains(ps, `"Effect":"Deny"`) {
		t.Errorf("topic policy does not deny plain HTTP: %s", ps)
	}
	if !strings.Contains(ps, `"Service":"cloudwatch.amazonaws.com"`) || !strings.Contains(ps, `"aws:SourceAccount":"`+testProdAccount+`"`) {
		t.Errorf("topic policy does not let this account's alarms publish: %s", ps)
	}
	var emails []string
	for _, s := range tpl.resources("AWS::SNS::Subscription") {
		if get(s, "Properties.Protocol") == "email" && js(get(s, "Properties.TopicArn")) == `{"Ref":"`+topicID+`"}` {
			emails = append(emails, get(s, "Properties.Endpoint").(string))
		}
	}
	slices.Sort(emails)
	if want := []string{"dev@example.com", "oncall@example.com"}; !slices.Equal(emails, want) {
		t.Errorf("email subscriptions %v, want %v", emails, want)
	}
	if n := len(synth(t, map[string]any{"stage": "dev"}).template.resources("AWS::SNS::Subscription")); n != 0 {
		t.Errorf("dev without alerts.emails has %d subscriptions", n)
	}
}

// TestDeploymentGroups: each function's live alias is shifted by its own
// CodeDeploy deployment group with the stage's strategy, rolling back on
// its errors and duration alarms, through a role without managed policies.
func TestDeploymentGroups(t *testing.T) {
	for _, tc := range []struct {
		name    string
		context map[string]any
		want    string
	}{
		{"dev default", map[string]any{"stage": "dev"}, "CodeDeployDefault.LambdaAllAtOnce"},
		{"prod default", map[string]any{"stage": "prod"}, "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
		{"configured", weekdayPeak, "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := synth(t, tc.context).template
			appID, _ := tpl.one(t, "AWS::CodeDeploy::Application", "Deployments")
			for _, d := range functions.All() {
				id := d.ConstructID()
				groupID, g := tpl.one(t, "AWS::CodeDeploy::DeploymentGroup", id+"Deployment")
				errorsID, _ := tpl.one(t, "AWS::CloudWatch::Alarm", id+"RollbackErrorsAlarm")
				durationID, _ := tpl.one(t, "AWS::CloudWatch::Alarm", id+"RollbackDurationAlarm")
				checks := map[string]string{
					"Properties.DeploymentConfigName":             `"` + tc.want + `"`,
					"Properties.ApplicationName":                  `{"Ref":"` + appID + `"}`,
					"Properties.AlarmConfiguration.Alarms":        `[{"Name":{"Ref":"` + errorsID + `"}},{"Name":{"Ref":"` + durationID + `"}}]`,
					"Properties.AlarmConfiguration.Enabled":       `true`,
					"Properties.AutoRollbackConfiguration.Events": `["DEPLOYMENT_FAILURE","DEPLOYMENT_STOP_ON_REQUEST","DEPLOYMENT_STOP_ON_ALARM"]`,
				}
				for path, want := range checks {
					if got := js(get(g, path)); got != want {
						t.Errorf("%s %s = %s, want %s", d.Name, path, got, want)
					}
				}
				_, alias := tpl.one(t, "AWS::Lambda::Alias", id+"Live")
				if got := js(get(alias, "UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName")); got != `{"Ref":"`+groupID+`"}` {
					t.Errorf("%s alias update policy names %s, want %s", d.Name, got, groupID)
				}
				roleID, role := tpl.one(t, "AWS::IAM::Role", id+"DeploymentRole")
				if get(role, "Properties.ManagedPolicyArns") != nil {
					t.Errorf("%s: deployment role has managed policies %s", d.Name, js(get(role, "Properties.ManagedPolicyArns")))
				}
				if got := js(get(g, "Properties.ServiceRoleArn")); got != `{"Fn::GetAtt":["`+roleID+`","Arn"]}` {
					t.Errorf("%s: deployment group role %s, want %s", d.Name, got, roleID)
				}
			}
		})
	}
}

// TestRollbackAlarms: each deployment group rolls back on errors and p99
// duration of the version being deployed alone, over one minute, and the
// alias moves only after those alarms are updated.
func TestRollbackAlarms(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "prod"}).template
	for _, d := range functions.All() {
		id := d.ConstructID()
		fnID, _ := tpl.one(t, "AWS::Lambda::Function", id+"Function")
		versionID, _ := tpl.one(t, "AWS::Lambda::Version", id+"FunctionCurrentVersion")
		aliasID, alias := tpl.one(t, "AWS::Lambda::Alias", id+"Live")
		dims := `[{"Name":"ExecutedVersion","Value":{"Fn::GetAtt":["` + versionID + `","Version"]}},{"Name":"FunctionName","Value":{"Ref":"` + fnID + `"}},{"Name":"Resource","Value":{"Fn::Join":["",[{"Ref":"` + fnID + `"},":live"]]}}]`
		for _, kind := range []string{"Errors", "Duration"} {
			alarmID, a := tpl.one(t, "AWS::CloudWatch::Alarm", id+"Rollback"+kind+"Alarm")
			if got := js(get(a, "Properties.Dimensions")); got != dims {
				t.Errorf("%s: dimensions %s, want the new version's %s", alarmID, got, dims)
			}
			if get(a, "Properties.Period") != 60.0 || get(a, "Properties.EvaluationPeriods") != 1.0 {
				t.Errorf("%s: period %v x %v, want one minute once", alarmID, get(a, "Properties.Period"), get(a, "Properties.EvaluationPeriods"))
			}
			if deps := js(alias["DependsOn"]); !strings.Contains(deps, `"`+alarmID+`"`) {
				t.Errorf("%s DependsOn %s, want %s", aliasID, deps, alarmID)
			}
		}
	}
}

// mutualHooks is a stage's context in which the first declared function
// has the second as its pre-traffic hook and the second has the first as
// its post-traffic hook: both hook kinds, on either side, in one template.
// It returns the context and the hooks each function's deployment invokes
// (pre first).
func mutualHooks(t *testing.T, stage string) (map[string]any, map[string][]string) {
	t.Helper()
	names := functions.Names()
	if len(names) < 2 {
		t.Skipf("traffic hooks need two declared functions; %d declared", len(names))
	}
	first, second := names[0], names[1]
	return map[string]any{
			"stage":                                  stage,
			"functions." + first + ".preTrafficHook": second,
			"functions." + second + ".postTrafficHook": first,
		}, map[string][]string{
			first:  {second},
			second: {first},
		}
}

// oneWayHooks is a stage's context in which the first declared function
// has the second as its pre-traffic hook and the last as its post-traffic
// hook (the second again when only two are declared). It returns the
// context and the distinct hooks each function's deployment invokes (pre
// first).
func oneWayHooks(t *testing.T, stage string) (map[string]any, map[string][]string) {
	t.Helper()
	names := functions.Names()
	if len(names) < 2 {
		t.Skipf("traffic hooks need two declared functions; %d declared", len(names))
	}
	first, second, last := names[0], names[1], names[len(names)-1]
	hooks := []string{second}
	if last != second {
		hooks = append(hooks, last)
	}
	return map[string]any{
		"stage":                                   stage,
		"functions." + first + ".preTrafficHook":  second,
		"functions." + first + ".postTrafficHook": last,
	}, map[string][]string{first: hooks}
}

// constructID is the construct ID of a declared function.
func constructID(t *testing.T, name string) string {
	t.Helper()
	for _, d := range functions.All() {
		if d.Name == name {
			return d.ConstructID()
		}
	}
	t.Fatalf("function %s is not declared", name)
	return ""
}

// deploymentGroupARN is the ARN of a deployment group in a stage's
// template, as a hook's role policy names it.
func deploymentGroupARN(stage, appID, groupID string) string {
	prefix := `"arn:",{"Ref":"AWS::Partition"},":codedeploy:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":deploymentgroup:"`
	if stage == "prod" {
		prefix = `"arn:aws:codedeploy:` + testProdRegion + `:` + testProdAccount + `:deploymentgroup:"`
	}
	return `{"Fn::Join":["",[` + prefix + `,{"Ref":"` + appID + `"},"/",{"Ref":"` + groupID + `"}]]}`
}

// TestTrafficHooks: in both stages, a configured hook is named in the
// hooked alias's UpdatePolicy by the hook function's name and its live
// alias, and the hook's role gains exactly one statement, in a policy of
// its own that the hooked alias waits for: reporting to the hooked
// function's deployment group, and to no other. Two functions hook each
// other without a dependency cycle (synth validates the template).
func TestTrafficHooks(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			context, _ := mutualHooks(t, stage)
			names := functions.Names()
			first, second := names[0], names[1]
			tpl := synth(t, context).template
			plain := synth(t, map[string]any{"stage": stage}).template
			appID, _ := tpl.one(t, "AWS::CodeDeploy::Application", "Deployments")
			for _, tc := range []struct {
				hooked, hook, key string
			}{
				{first, second, "BeforeAllowTrafficHook"},
				{second, first, "AfterAllowTrafficHook"},
			} {
				hookedID, hookID := constructID(t, tc.hooked), constructID(t, tc.hook)
				_, alias := tpl.one(t, "AWS::Lambda::Alias", hookedID+"Live")
				hookFnID, _ := tpl.one(t, "AWS::Lambda::Function", hookID+"Function")
				update := get(alias, "UpdatePolicy.CodeDeployLambdaAliasUpdate").(map[string]any)
				if got, want := js(update[tc.key]), `{"Fn::Join":["",[{"Ref":"`+hookFnID+`"},":live"]]}`; got != want {
					t.Errorf("%s %s = %s, want %s", tc.hooked, tc.key, got, want)
				}
				if len(update) != 3 {
					t.Errorf("%s UpdatePolicy %s, want the application, the group and %s only", tc.hooked, js(update), tc.key)
				}
				groupID, _ := tpl.one(t, "AWS::CodeDeploy::DeploymentGroup", hookedID+"Deployment")
				roleID, _ := tpl.one(t, "AWS::IAM::Role", hookID+"Role")
				_, withHook := tpl.one(t, "AWS::IAM::Policy", hookID+"RoleDefaultPolicy")
				_, without := plain.one(t, "AWS::IAM::Policy", hookID+"RoleDefaultPolicy")
				if got, want := js(withHook["Properties"]), js(without["Properties"]); got != want {
					t.Errorf("%s's default policy changed with the hook:\n got %s\nwant %s", tc.hook, got, want)
				}
				var others []string
				for pid, p := range tpl.resources("AWS::IAM::Policy") {
					if js(get(p, "Properties.Roles")) == `[{"Ref":"`+roleID+`"}]` && !strings.HasPrefix(pid, hookID+"RoleDefaultPolicy") {
						others = append(others, pid)
					}
				}
				slices.Sort(others)
				if len(others) != 1 || !strings.HasPrefix(others[0], hookedID+"HookPolicy"+hookID) {
					t.Fatalf("%s's role: policies %v besides its default one, want %sHookPolicy%s only", tc.hook, others, hookedID, hookID)
				}
				_, policy := tpl.one(t, "AWS::IAM::Policy", others[0])
				want := statement{"ReportTrafficHook", []string{"codedeploy:PutLifecycleEventHookExecutionStatus"}, deploymentGroupARN(stage, appID, groupID), ""}
				if got := statements(t, policy); len(got) != 1 || got[0].String() != want.String() {
					t.Errorf("%s: %v, want exactly %v", others[0], got, want)
				}
				if deps := js(alias["DependsOn"]); !strings.Contains(deps, `"`+others[0]+`"`) {
					t.Errorf("%s's alias DependsOn %s, want %s", tc.hooked, deps, others[0])
				}
			}
		})
	}
}

// TestDeploymentRoles: in both stages, with and without traffic hooks,
// each function's CodeDeploy role holds exactly: reading and updating its
// live alias; reading the provisioned concurrency of every qualifier of
// its function and no other; reading its two rollback alarms; and, with
// hooks, invoking exactly each hook function's live alias. Nothing else
// grants it anything: no other policy, no function's resource policy.
func TestDeploymentRoles(t *testing.T) {
	type variant struct {
		name    string
		context map[string]any
		hooks   map[string][]string
	}
	var variants []variant
	for _, stage := range stages {
		variants = append(variants, variant{stage, map[string]any{"stage": stage}, nil})
		context, hooks := oneWayHooks(t, stage)
		variants = append(variants, variant{stage + " with hooks", context, hooks})
		context, hooks = mutualHooks(t, stage)
		variants = append(variants, variant{stage + " with mutual hooks", context, hooks})
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			tpl := synth(t, v.context).template
			fnARN := func(name string) string {
				id, _ := tpl.one(t, "AWS::Lambda::Function", constructID(t, name)+"Function")
				return `{"Fn::GetAtt":["` + id + `","Arn"]}`
			}
			qualified := func(name, qualifier string) string {
				return `{"Fn::Join":["",[` + fnARN(name) + `,":` + qualifier + `"]]}`
			}
			for _, name := range functions.Names() {
				id := constructID(t, name)
				errorsID, _ := tpl.one(t, "AWS::CloudWatch::Alarm", id+"RollbackErrorsAlarm")
				durationID, _ := tpl.one(t, "AWS::CloudWatch::Alarm", id+"RollbackDurationAlarm")
				alarms := []string{`{"Fn::GetAtt":["` + errorsID + `","Arn"]}`, `{"Fn::GetAtt":["` + durationID + `","Arn"]}`}
				slices.Sort(alarms)
				want := []statement{
					{"ShiftLiveAlias", []string{"lambda:GetAlias", "lambda:UpdateAlias"}, `[` + fnARN(name) + `,` + qualified(name, "live") + `]`, ""},
					{"ReadProvisionedConcurrency", []string{"lambda:GetProvisionedConcurrencyConfig"}, qualified(name, "*"), ""},
					{"ReadRollbackAlarms", []string{"cloudwatch:DescribeAlarms"}, `[` + strings.Join(alarms, ",") + `]`, ""},
				}
				if hooks := v.hooks[name]; len(hooks) > 0 {
					aliases := make([]string, len(hooks))
					for i, h := range hooks {
						aliases[i] = qualified(h, "live")
					}
					resource := strings.Join(aliases, ",")
					if len(aliases) > 1 {
						resource = "[" + resource + "]"
					}
					want = append(want, statement{"InvokeTrafficHooks", []string{"lambda:InvokeFunction"}, resource, ""})
				}
				roleID, _ := tpl.one(t, "AWS::IAM::Role", id+"DeploymentRole")
				var got []statement
				for pid, p := range tpl.resources("AWS::IAM::Policy") {
					if strings.Contains(js(get(p, "Properties.Roles")), `"`+roleID+`"`) {
						if !strings.HasPrefix(pid, id+"DeploymentRoleDefaultPolicy") {
							t.Errorf("%s: policy %s also grants the deployment role", name, pid)
						}
						got = append(got, statements(t, p)...)
					}
				}
				if !slices.EqualFunc(got, want, func(a, b statement) bool { return a.String() == b.String() }) {
					t.Errorf("%s's deployment role:\n got %v\nwant %v", name, got, want)
				}
				for pid, p := range tpl.resources("AWS::Lambda::Permission") {
					if strings.Contains(js(get(p, "Properties.Principal")), `"`+roleID+`"`) {
						t.Errorf("%s: resource policy %s grants the deployment role %s", name, pid, js(p["Properties"]))
					}
				}
			}
		})
	}
}

// TestProvisionedConcurrencySchedule: each window becomes a scale-up and a
// scale-down action of an Application Auto Scaling target on the alias;
// nothing is provisioned by default.
func TestProvisionedConcurrencySchedule(t *testing.T) {
	tpl := synth(t, weekdayPeak).template
	aliasID, _ := tpl.one(t, "AWS::Lambda::Alias", "ApiLive")
	targets := tpl.resources("AWS::ApplicationAutoScaling::ScalableTarget")
	if len(targets) != 1 {
		t.Fatalf("%d scalable targets, want 1 (only api has windows)", len(targets))
	}
	_, target := tpl.one(t, "AWS::ApplicationAutoScaling::ScalableTarget", "ApiLiveAliasScalingTarget")
	checks := map[string]string{
		"Properties.MinCapacity":       `2`,
		"Properties.MaxCapacity":       `50`,
		"Properties.ScalableDimension": `"lambda:function:ProvisionedConcurrency"`,
		"Properties.ScheduledActions": `[{"ScalableTargetAction":{"MaxCapacity":50,"MinCapacity":50},"Schedule":"cron(0 8 ? * MON-FRI *)","ScheduledActionName":"Window0Start"},` +
			`{"ScalableTargetAction":{"MaxCapacity":2,"MinCapacity":2},"Schedule":"cron(0 10 ? * MON-FRI *)","ScheduledActionName":"Window0End"}]`,
	}
	for path, want := range checks {
		if got := js(get(target, path)); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
	if rid := js(get(target, "Properties.ResourceId")); !strings.Contains(rid, aliasID) || !strings.Contains(rid, ":live") {
		t.Errorf("scalable target %s is not the live alias %s", rid, aliasID)
	}
	dev := synth(t, map[string]any{"stage": "dev"}).template
	if n := len(dev.resources("AWS::ApplicationAutoScaling::ScalableTarget")); n != 0 {
		t.Errorf("dev has %d scalable targets without provisioned config", n)
	}
	for id, a := range dev.resources("AWS::Lambda::Alias") {
		if get(a, "Properties.ProvisionedConcurrencyConfig") != nil {
			t.Errorf("%s has provisioned concurrency by default", id)
		}
	}
}

// TestProvisionedConcurrencyHasOneOwner: in both stages, a function's
// provisioned concurrency is set by one resource only. With windows, the
// Application Auto Scaling target holds the baseline as its minimum (its
// registration applies it) and the alias has no ProvisionedConcurrencyConfig;
// without windows, the alias holds the baseline and no target exists.
func TestProvisionedConcurrencyHasOneOwner(t *testing.T) {
	name := functions.Names()[0]
	id := constructID(t, name)
	windows := `[{"start":"0 8 ? * MON-FRI *","end":"0 10 ? * MON-FRI *","value":50}]`
	for _, stage := range stages {
		for _, tc := range []struct {
			name               string
			baseline           int
			windows            string
			aliasConfig        string // JSON of the alias's ProvisionedConcurrencyConfig
			targetMin, targets int
		}{
			{"baseline and windows", 2, windows, "null", 2, 1},
			{"windows only", 0, windows, "null", 0, 1},
			{"baseline only", 3, "", `{"ProvisionedConcurrentExecutions":3}`, 0, 0},
		} {
			t.Run(stage+"/"+tc.name, func(t *testing.T) {
				context := map[string]any{
					"stage": stage,
					"functions." + name + ".reservedConcurrency":  "100",
					"functions." + name + ".provisioned.baseline": strconv.Itoa(tc.baseline),
				}
				if tc.windows != "" {
					context["functions."+name+".provisioned.windows"] = tc.windows
				}
				tpl := synth(t, context).template
				aliasID, alias := tpl.one(t, "AWS::Lambda::Alias", id+"Live")
				if got := js(get(alias, "Properties.ProvisionedConcurrencyConfig")); got != tc.aliasConfig {
					t.Errorf("alias %s ProvisionedConcurrencyConfig %s, want %s", aliasID, got, tc.aliasConfig)
				}
				targets := tpl.resources("AWS::ApplicationAutoScaling::ScalableTarget")
				if len(targets) != tc.targets {
					t.Fatalf("%d scalable targets, want %d", len(targets), tc.targets)
				}
				for tid, target := range targets {
					if rid := js(get(target, "Properties.ResourceId")); !strings.Contains(rid, `"`+aliasID+`"`) {
						t.Errorf("%s scales %s, not %s", tid, rid, aliasID)
					}
					if got := get(target, "Properties.MinCapacity"); got != float64(tc.targetMin) {
						t.Errorf("%s MinCapacity %v, want the baseline %d", tid, got, tc.targetMin)
					}
					actions := get(target, "Properties.ScheduledActions").([]any)
					end := js(get(actions[len(actions)-1], "ScalableTargetAction"))
					if want := fmt.Sprintf(`{"MaxCapacity":%d,"MinCapacity":%d}`, tc.baseline, tc.baseline); end != want {
						t.Errorf("%s: the last window ends at %s, want the baseline %s", tid, end, want)
					}
				}
			})
		}
	}
}

// TestTracing: X-Ray active tracing on every function and the API stage
// in prod (the default), none in dev.
func TestTracing(t *testing.T) {
	for stage, want := range map[string]bool{"dev": false, "prod": true} {
		tpl := synth(t, map[string]any{"stage": stage}).template
		for id, fn := range tpl.resources("AWS::Lambda::Function") {
			if got := get(fn, "Properties.TracingConfig.Mode") == "Active"; got != want {
				t.Errorf("%s %s: tracing %v, want %v", stage, id, got, want)
			}
		}
		_, s := tpl.one(t, "AWS::ApiGateway::Stage", "RestApiDeploymentStage")
		if got := get(s, "Properties.TracingEnabled") == true; got != want {
			t.Errorf("%s API stage tracing %v, want %v", stage, got, want)
		}
	}
}

// TestDashboard: one dashboard per stage with every function, the API, the
// queue and each business metric in the stage's namespace; its URL is an
// output.
func TestDashboard(t *testing.T) {
	tpl := synth(t, devOptions()).template // metrics.namespace Acme/Uploads
	_, d := tpl.one(t, "AWS::CloudWatch::Dashboard", "Dashboard")
	body := js(get(d, "Properties.DashboardBody"))
	want := []string{`"AWS/ApiGateway`, `"AWS/SQS`, `Acme/Uploads`}
	for id := range tpl.resources("AWS::CloudWatch::Alarm") { // the alarm status widget lists each
		want = append(want, `{"Fn::GetAtt":["`+id+`","Arn"]}`)
	}
	for _, fn := range functions.All() {
		want = append(want, fn.Name+` invocations`, fn.Name+` duration (ms)`)
	}
	for _, m := range metrics.All() {
		want = append(want, fmt.Sprintf(`\"%s\"`, m.Name))
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("dashboard body lacks %s", w)
		}
	}
	if get(d, "Properties.DashboardName") != "go-lambda-cdk-dev" {
		t.Errorf("dashboard name %v", get(d, "Properties.DashboardName"))
	}
	if url := js(get(map[string]any(tpl), "Outputs.DashboardUrl.Value")); !strings.Contains(url, "#dashboards:name=go-lambda-cdk-dev") {
		t.Errorf("DashboardUrl output %s", url)
	}
}

// TestCdkNagOperationsVariants: the operations settings the presets leave
// off (provisioned windows, traffic hooks both ways) leave no unsuppressed
// cdk-nag finding in either stage (TestCdkNag covers the presets).
func TestCdkNagOperationsVariants(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage+" hooks", func(t *testing.T) {
			context, _ := mutualHooks(t, stage)
			checkNoNagFindings(t, synth(t, context))
		})
	}
	t.Run("prod windows", func(t *testing.T) { checkNoNagFindings(t, synth(t, weekdayPeak)) })
}

// alarmAdvice checks what alarm descriptions promise (stacks/alarms.go:
// "description says what happened and what to do"): a description names
// what the alarm watches (the function by name, the REST API, the failure
// queue), says what happened in its first sentence and what to do after it,
// with at least one concrete step: a make command, a configuration key or
// the logs to read. Every make target it names exists in the Makefile
// (make redrive only for a function invoked asynchronously, whose failed
// events reach the queue), every configuration key exists (config.Keys),
// and every other alarm it refers to ("ErrorsAlarm") exists.
type alarmAdvice struct {
	functions map[string]functions.Declaration // by the function's logical ID
	targets   map[string]bool                  // Makefile targets
	keys      map[string]bool                  // configuration keys
	alarmIDs  []string                         // logical IDs of the template's alarms
}

var (
	makeCommand = regexp.MustCompile(`\bmake ([a-z][a-z-]*)((?: [A-Z_]+=[^\s,;)]*[^\s.,;)])*)`)
	configKey   = regexp.MustCompile(`\b(?:functions|api|alarms|alerts|deploy|auth|peak)\.[A-Za-z<>.]*[A-Za-z>]`)
	alarmRef    = regexp.MustCompile(`\b[A-Z][A-Za-z]*Alarm\b`)
)

func newAlarmAdvice(t *testing.T, tpl template) alarmAdvice {
	t.Helper()
	a := alarmAdvice{functions: map[string]functions.Declaration{}, targets: map[string]bool{}, keys: map[string]bool{}}
	for _, d := range functions.All() {
		id, _ := tpl.one(t, "AWS::Lambda::Function", d.ConstructID()+"Function")
		a.functions[id] = d
	}
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllSubmatch(makefile, -1) {
		a.targets[string(m[1])] = true
	}
	for _, k := range config.Keys() {
		a.keys[k] = true
	}
	a.alarmIDs = slices.Collect(maps.Keys(tpl.resources("AWS::CloudWatch::Alarm")))
	return a
}

// check returns what is wrong with the description d of alarm.
func (a alarmAdvice) check(alarm map[string]any, d string) []string {
	var problems []string
	var fn *functions.Declaration
	for _, dim := range asList(get(alarm, "Properties.Dimensions")) {
		if get(dim, "Name") == "FunctionName" {
			if f, ok := a.functions[refTarget(get(dim, "Value"))]; ok {
				fn = &f
			}
		}
	}
	subject := map[any]string{"AWS/ApiGateway": "the REST API", "AWS/SQS": "the failure queue"}[get(alarm, "Properties.Namespace")]
	if fn != nil {
		subject = "the " + fn.Name + " function"
	}
	switch {
	case subject == "":
		problems = append(problems, fmt.Sprintf("belongs to an alarm on %v, which this test does not know", get(alarm, "Properties.Namespace")))
	case !strings.Contains(strings.ToLower(d), strings.ToLower(subject)):
		problems = append(problems, "does not name what it watches: "+subject)
	}
	happened, todo, ok := strings.Cut(d, ". ")
	if !ok || happened == "" || strings.TrimSpace(todo) == "" {
		return append(problems, "does not say what happened, then what to do (two sentences at least)")
	}
	steps := 0
	for _, m := range makeCommand.FindAllStringSubmatch(todo, -1) {
		steps++
		if !a.targets[m[1]] {
			problems = append(problems, "names make "+m[1]+", which is no Makefile target")
		}
		if m[1] != "redrive" {
			continue
		}
		for _, arg := range strings.Fields(m[2]) {
			if name, ok := strings.CutPrefix(arg, "FN="); ok && name != "<function>" && (fn == nil || name != fn.Name || !fn.Async()) {
				problems = append(problems, "says to redrive "+name+", which is not this alarm's asynchronously invoked function")
			}
		}
	}
	for _, k := range configKey.FindAllString(todo, -1) {
		steps++
		// A key, or a group of keys (functions.<name>.provisioned), of
		// any function when it says <name>.
		pattern := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(k), "<name>", "[a-z0-9]+") + `(\..+)?$`)
		if !slices.ContainsFunc(slices.Collect(maps.Keys(a.keys)), pattern.MatchString) {
			problems = append(problems, "names "+k+", which is no configuration key")
		}
	}
	if strings.Contains(todo, "log") {
		steps++
	}
	for _, ref := range alarmRef.FindAllString(d, -1) {
		if !slices.ContainsFunc(a.alarmIDs, func(id string) bool { return strings.Contains(id, ref) }) {
			problems = append(problems, "refers to "+ref+", which no alarm of the stack is")
		}
	}
	if steps == 0 {
		problems = append(problems, "gives no step to take: no make command, configuration key or logs to read")
	}
	return problems
}

// asList is v as a list, or nil.
func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
