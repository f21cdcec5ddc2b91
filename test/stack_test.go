package test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/gkampitakis/go-snaps/snaps"

	"go-lambda-cdk/stacks"
)

var stages = []string{"dev", "prod"}

func TestSnapshot(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, map[string]any{"stage": stage})
			snaps.MatchStandaloneJSON(t, s.template.masked())
		})
	}
}

// TestSnapshotIgnoresHandlerCode: the snapshot masks asset hashes, so two
// different zips give the same masked template, while a config change does
// not.
func TestSnapshotIgnoresHandlerCode(t *testing.T) {
	dev := synth(t, map[string]any{"stage": "dev"}).template
	if n := len(assetKey.FindAllString(js(dev), -1)); n != 3 {
		t.Fatalf("%d asset keys found in the template, want 3 (one per function)", n)
	}
	if assetKey.MatchString(dev.masked()) {
		t.Fatal("masked template still holds an asset hash")
	}
	other := synth(t, map[string]any{"stage": "dev", "functions.api.memoryMB": "1024"}).template
	if dev.masked() == other.masked() {
		t.Fatal("a memory change did not change the masked template")
	}
}

func TestFunctions(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "dev"}).template
	want := map[string]struct {
		timeout    float64
		logGroup   string
		role       string
		envKeys    []string
		descPrefix string
	}{
		"Api":       {10, "ApiLogGroup", "ApiRole", []string{"ALLOWED_CONTENT_TYPES", "BUCKET_NAME", "CORS_ALLOWED_ORIGINS", "MAX_UPLOAD_BYTES"}, "REST API"},
		"Processor": {60, "ProcessorLogGroup", "ProcessorRole", []string{"BUCKET_NAME"}, "Hashes"},
		"Report":    {300, "ReportLogGroup", "ReportRole", []string{"BUCKET_NAME"}, "Summarizes"},
	}
	_, bucket := tpl.one(t, "AWS::S3::Bucket", "Bucket")
	bucketName := get(bucket, "Properties.BucketName")
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			_, fn := tpl.one(t, "AWS::Lambda::Function", name+"Function")
			checks := map[string]any{
				"Properties.Runtime":                           "provided.al2023",
				"Properties.Handler":                           "bootstrap",
				"Properties.Architectures":                     []any{"arm64"},
				"Properties.MemorySize":                        256.0,
				"Properties.Timeout":                           w.timeout,
				"Properties.EphemeralStorage.Size":             512.0,
				"Properties.LoggingConfig.LogFormat":           "JSON",
				"Properties.LoggingConfig.ApplicationLogLevel": "DEBUG",
				"Properties.LoggingConfig.SystemLogLevel":      "WARN",
				"Properties.Environment.Variables.BUCKET_NAME": bucketName,
			}
			for path, v := range checks {
				if got := get(fn, path); js(got) != js(v) {
					t.Errorf("%s = %s, want %s", path, js(got), js(v))
				}
			}
			if ref := js(get(fn, "Properties.LoggingConfig.LogGroup")); !strings.Contains(ref, `"`+w.logGroup) {
				t.Errorf("log group %s, want a Ref to %s*", ref, w.logGroup)
			}
			if role := js(get(fn, "Properties.Role")); !strings.Contains(role, `"`+w.role) {
				t.Errorf("role %s, want its own %s*", role, w.role)
			}
			var keys []string
			for k := range get(fn, "Properties.Environment.Variables").(map[string]any) {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, w.envKeys) {
				t.Errorf("environment keys %v, want %v", keys, w.envKeys)
			}
			if d, _ := get(fn, "Properties.Description").(string); !strings.HasPrefix(d, w.descPrefix) {
				t.Errorf("description %q", d)
			}
			if get(fn, "Properties.ReservedConcurrentExecutions") != nil {
				t.Error("reserved concurrency set although config leaves it 0")
			}
		})
	}
}

func TestFunctionOverridesFromContext(t *testing.T) {
	tpl := synth(t, map[string]any{
		"stage": "prod", "functions.report.architecture": "x86_64", "functions.processor.reservedConcurrency": "20",
		"functions.api.environment": `{"FEATURE_X":"on"}`, "functions.processor.ephemeralStorageMB": 2048.0,
	}).template
	_, report := tpl.one(t, "AWS::Lambda::Function", "ReportFunction")
	if got := js(get(report, "Properties.Architectures")); got != `["x86_64"]` {
		t.Errorf("report architectures %s", got)
	}
	_, processor := tpl.one(t, "AWS::Lambda::Function", "ProcessorFunction")
	if got := get(processor, "Properties.ReservedConcurrentExecutions"); got != 20.0 {
		t.Errorf("processor reserved concurrency %v", got)
	}
	if got := get(processor, "Properties.EphemeralStorage.Size"); got != 2048.0 {
		t.Errorf("processor ephemeral storage %v", got)
	}
	if got := get(processor, "Properties.MemorySize"); got != 512.0 {
		t.Errorf("processor memory %v, want the prod preset's 512", got)
	}
	_, api := tpl.one(t, "AWS::Lambda::Function", "ApiFunction")
	if got := get(api, "Properties.Environment.Variables.FEATURE_X"); got != "on" {
		t.Errorf("api FEATURE_X %v", got)
	}
	if got := get(api, "Properties.LoggingConfig.ApplicationLogLevel"); got != "INFO" {
		t.Errorf("prod application log level %v", got)
	}
}

func TestRoles(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "dev"}).template
	// The bucket's ARN is built from its stack-unique name, never GetAtt.
	arn := `"arn:",{"Ref":"AWS::Partition"},":s3:::go-lambda-cdk-dev-",` + stackUUIDGroup
	bucket := `{"Fn::Join":["",[` + arn + `]]}`
	objects := func(prefix string) string {
		return `{"Fn::Join":["",[` + arn + `,"/` + prefix + `*"]]}`
	}
	listResults := statement{"ListResults", []string{"s3:ListBucket"}, bucket, `{"StringLike":{"s3:prefix":["results/","results/*"]}}`}
	queueSend := statement{"", []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}, `{"Fn::GetAtt":["FailureQueue4F308C52","Arn"]}`, ""}
	want := map[string][]statement{
		"Api": {
			{"PresignUploads", []string{"s3:PutObject"}, objects("uploads/"), ""},
			listResults,
			{"ReadResults", []string{"s3:GetObject"}, objects("results/"), ""},
		},
		"Processor": {
			{"ReadUploads", []string{"s3:GetObject"}, objects("uploads/"), ""},
			{"WriteResults", []string{"s3:PutObject"}, objects("results/"), ""},
			queueSend,
		},
		"Report": {
			listResults,
			{"ReadResults", []string{"s3:GetObject"}, objects("results/"), ""},
			{"WriteReports", []string{"s3:PutObject"}, objects("reports/"), ""},
			queueSend,
		},
	}
	for name, extra := range want {
		t.Run(name, func(t *testing.T) {
			roleID, role := tpl.one(t, "AWS::IAM::Role", name+"Role")
			trust := js(get(role, "Properties.AssumeRolePolicyDocument.Statement"))
			if trust != `[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}]` {
				t.Errorf("trust policy %s", trust)
			}
			if get(role, "Properties.ManagedPolicyArns") != nil {
				t.Errorf("managed policies attached: %s", js(get(role, "Properties.ManagedPolicyArns")))
			}
			_, policy := tpl.one(t, "AWS::IAM::Policy", name+"RoleDefaultPolicy")
			if got := js(get(policy, "Properties.Roles")); got != `[{"Ref":"`+roleID+`"}]` {
				t.Errorf("policy attached to %s", got)
			}
			logGroupID, _ := tpl.one(t, "AWS::Logs::LogGroup", name+"LogGroup")
			all := append([]statement{{"WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, `{"Fn::GetAtt":["` + logGroupID + `","Arn"]}`, ""}}, extra...)
			got := statements(t, policy)
			if len(got) != len(all) {
				t.Fatalf("%d statements, want %d:\n%s", len(got), len(all), js(get(policy, "Properties.PolicyDocument.Statement")))
			}
			for i := range all {
				if got[i].String() != all[i].String() {
					t.Errorf("statement %d:\n got %s\nwant %s", i, got[i], all[i])
				}
			}
		})
	}
}

// TestNoWildcardResources: no statement of the functions' roles has "*"
// as its resource, and no statement allows a service-wide action ("s3:*").
func TestNoWildcardResources(t *testing.T) {
	for _, stage := range stages {
		tpl := synth(t, map[string]any{"stage": stage}).template
		for id, p := range tpl.resources("AWS::IAM::Policy") {
			for _, s := range statements(t, p) {
				if s.resource == `"*"` || strings.Contains(s.resource, `"arn:aws:s3:::*`) || strings.Contains(s.resource, `logs:*`) {
					t.Errorf("%s %s: statement %s has a wildcard resource", stage, id, s)
				}
				for _, a := range s.actions {
					if strings.HasSuffix(a, ":*") || a == "*" {
						t.Errorf("%s %s: action %s", stage, id, a)
					}
				}
			}
		}
	}
}

type statement struct {
	sid       string
	actions   []string
	resource  string // JSON
	condition string // JSON, "" for none
}

func (s statement) String() string {
	return fmt.Sprintf("sid=%s actions=%v resource=%s condition=%s", s.sid, s.actions, s.resource, s.condition)
}

func statements(t *testing.T, policy map[string]any) []statement {
	t.Helper()
	var out []statement
	for _, raw := range get(policy, "Properties.PolicyDocument.Statement").([]any) {
		st := raw.(map[string]any)
		if st["Effect"] != "Allow" {
			t.Errorf("unexpected effect in %s", js(st))
		}
		var actions []string
		switch a := st["Action"].(type) {
		case string:
			actions = []string{a}
		case []any:
			for _, x := range a {
				actions = append(actions, x.(string))
			}
		}
		slices.Sort(actions)
		s := statement{actions: actions, resource: js(st["Resource"])}
		if sid, ok := st["Sid"].(string); ok {
			s.sid = sid
		}
		if c, ok := st["Condition"]; ok {
			s.condition = js(c)
		}
		out = append(out, s)
	}
	return out
}

func TestLogGroups(t *testing.T) {
	for stage, want := range map[string]struct {
		days     float64
		deletion string
	}{"dev": {7, "Delete"}, "prod": {90, "Retain"}} {
		tpl := synth(t, map[string]any{"stage": stage}).template
		groups := tpl.resources("AWS::Logs::LogGroup")
		if len(groups) != 4 {
			t.Errorf("%s: %d log groups, want 4 (3 functions + API access logs)", stage, len(groups))
		}
		for id, g := range groups {
			if got := get(g, "Properties.RetentionInDays"); got != want.days {
				t.Errorf("%s %s: retention %v, want %v", stage, id, got, want.days)
			}
			if g["DeletionPolicy"] != want.deletion {
				t.Errorf("%s %s: deletion policy %v, want %s", stage, id, g["DeletionPolicy"], want.deletion)
			}
		}
	}
}

func TestRestAPI(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			_, st := tpl.one(t, "AWS::ApiGateway::Stage", "RestApiDeploymentStage")
			if got := get(st, "Properties.StageName"); got != stage {
				t.Errorf("stage name %v", got)
			}
			limits := map[string][2]float64{"dev": {50, 100}, "prod": {500, 1000}}[stage]
			rate, burst := limits[0], limits[1]
			if got := get(st, "Properties.MethodSettings.0.ThrottlingRateLimit"); got != rate {
				t.Errorf("throttling rate %v, want %v", got, rate)
			}
			if got := get(st, "Properties.MethodSettings.0.ThrottlingBurstLimit"); got != burst {
				t.Errorf("throttling burst %v, want %v", got, burst)
			}
			accessLogID, _ := tpl.one(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
			if dest := js(get(st, "Properties.AccessLogSetting.DestinationArn")); !strings.Contains(dest, accessLogID) {
				t.Errorf("access log destination %s, want the %s log group", dest, accessLogID)
			}
			format, _ := get(st, "Properties.AccessLogSetting.Format").(string)
			if !strings.HasPrefix(format, "{") || !strings.Contains(format, `"requestId":"$context.requestId"`) || !strings.Contains(format, `"status":"$context.status"`) {
				t.Errorf("access log format is not JSON with request id and status: %s", format)
			}

			paths := map[string]string{} // logical ID -> full path
			resources := tpl.resources("AWS::ApiGateway::Resource")
			var pathOf func(id string) string
			pathOf = func(id string) string {
				r := resources[id]
				parent := get(r, "Properties.ParentId")
				part := get(r, "Properties.PathPart").(string)
				if ref, ok := get(parent, "Ref").(string); ok {
					return pathOf(ref) + "/" + part
				}
				return "/" + part
			}
			for id := range resources {
				paths[id] = pathOf(id)
			}
			var routes []string
			apiFnID, _ := tpl.one(t, "AWS::Lambda::Function", "ApiFunction")
			for id, m := range tpl.resources("AWS::ApiGateway::Method") {
				method := get(m, "Properties.HttpMethod").(string)
				ref, _ := get(m, "Properties.ResourceId.Ref").(string)
				path := paths[ref]
				if ref == "" {
					path = "/"
				}
				if method != "ANY" {
					t.Errorf("%s: method %s %s; want only ANY (OPTIONS reaches the function, no MOCK preflight)", id, method, path)
				}
				routes = append(routes, method+" "+path)
				if got := get(m, "Properties.Integration.Type"); got != "AWS_PROXY" {
					t.Errorf("%s %s: integration %v, want AWS_PROXY", method, path, got)
				}
				if uri := js(get(m, "Properties.Integration.Uri")); !strings.Contains(uri, apiFnID) {
					t.Errorf("%s %s: integration targets %s, want %s", method, path, uri, apiFnID)
				}
			}
			slices.Sort(routes)
			if want := []string{"ANY /health", "ANY /uploads", "ANY /uploads/{id}"}; !slices.Equal(routes, want) {
				t.Errorf("routes %v, want %v", routes, want)
			}
		})
	}
}

func TestBucket(t *testing.T) {
	for stage, versioned := range map[string]bool{"dev": false, "prod": true} {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			id, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
			if got := js(get(b, "Properties.PublicAccessBlockConfiguration")); got != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` {
				t.Errorf("public access block %s", got)
			}
			if got := get(b, "Properties.BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm"); got != "AES256" {
				t.Errorf("encryption %v", got)
			}
			gotVersioned := get(b, "Properties.VersioningConfiguration.Status") == "Enabled"
			if gotVersioned != versioned {
				t.Errorf("versioning %v, want %v", gotVersioned, versioned)
			}
			if want := map[string]string{"dev": "Delete", "prod": "Retain"}[stage]; b["DeletionPolicy"] != want {
				t.Errorf("deletion policy %v, want %s", b["DeletionPolicy"], want)
			}
			if get(b, "Properties.LoggingConfiguration.DestinationBucketName") == nil {
				t.Error("no server access logging")
			}
			_, policy := tpl.one(t, "AWS::S3::BucketPolicy", "BucketPolicy")
			st := js(get(policy, "Properties.PolicyDocument.Statement.0"))
			if !strings.Contains(st, `"Effect":"Deny"`) || !strings.Contains(st, `"aws:SecureTransport":"false"`) || !strings.Contains(st, id) {
				t.Errorf("first bucket policy statement does not deny plain HTTP: %s", st)
			}
			processorID, _ := tpl.one(t, "AWS::Lambda::Function", "ProcessorFunction")
			want := `[{"Event":"s3:ObjectCreated:*","Filter":{"S3Key":{"Rules":[{"Name":"prefix","Value":"uploads/"}]}},"Function":{"Fn::GetAtt":["` + processorID + `","Arn"]}}]`
			if got := js(get(b, "Properties.NotificationConfiguration.LambdaConfigurations")); got != want {
				t.Errorf("notification\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestNotificationSuffixes(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "dev", "bucket.notificationSuffixes": ".csv,.txt"}).template
	_, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
	var filters []string
	for _, c := range get(b, "Properties.NotificationConfiguration.LambdaConfigurations").([]any) {
		filters = append(filters, js(get(c, "Filter.S3Key.Rules")))
	}
	want := []string{
		`[{"Name":"prefix","Value":"uploads/"},{"Name":"suffix","Value":".csv"}]`,
		`[{"Name":"prefix","Value":"uploads/"},{"Name":"suffix","Value":".txt"}]`,
	}
	if !slices.Equal(filters, want) {
		t.Errorf("filters\n got %v\nwant %v", filters, want)
	}
}

func TestAsyncInvocation(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "dev", "async.retryAttempts": "1", "async.maxEventAgeSeconds": "3600"}).template
	queueID, q := tpl.one(t, "AWS::SQS::Queue", "FailureQueue")
	if get(q, "Properties.SqsManagedSseEnabled") != true {
		t.Errorf("queue not encrypted: %s", js(q))
	}
	if got := get(q, "Properties.MessageRetentionPeriod"); got != 1209600.0 {
		t.Errorf("queue retention %v, want 14 days", got)
	}
	_, qp := tpl.one(t, "AWS::SQS::QueuePolicy", "FailureQueuePolicy")
	if st := js(get(qp, "Properties.PolicyDocument.Statement.0")); !strings.Contains(st, `"aws:SecureTransport":"false"`) || !strings.Contains(st, "Deny") {
		t.Errorf("queue policy does not enforce TLS: %s", st)
	}
	configs := tpl.resources("AWS::Lambda::EventInvokeConfig")
	if len(configs) != 2 {
		t.Fatalf("%d event invoke configs, want 2 (processor, report)", len(configs))
	}
	for _, name := range []string{"Processor", "Report"} {
		fnID, _ := tpl.one(t, "AWS::Lambda::Function", name+"Function")
		_, c := tpl.one(t, "AWS::Lambda::EventInvokeConfig", name+"FunctionEventInvokeConfig")
		checks := map[string]string{
			"Properties.FunctionName":                            `{"Ref":"` + fnID + `"}`,
			"Properties.MaximumRetryAttempts":                    `1`,
			"Properties.MaximumEventAgeInSeconds":                `3600`,
			"Properties.DestinationConfig.OnFailure.Destination": `{"Fn::GetAtt":["` + queueID + `","Arn"]}`,
		}
		for path, want := range checks {
			if got := js(get(c, path)); got != want {
				t.Errorf("%s %s = %s, want %s", name, path, got, want)
			}
		}
	}
	_, alarm := tpl.one(t, "AWS::CloudWatch::Alarm", "FailureAlarm")
	checks := map[string]string{
		"Properties.MetricName":         `"ApproximateNumberOfMessagesVisible"`,
		"Properties.Namespace":          `"AWS/SQS"`,
		"Properties.Threshold":          `1`,
		"Properties.ComparisonOperator": `"GreaterThanOrEqualToThreshold"`,
		"Properties.Dimensions":         `[{"Name":"QueueName","Value":{"Fn::GetAtt":["` + queueID + `","QueueName"]}}]`,
	}
	for path, want := range checks {
		if got := js(get(alarm, path)); got != want {
			t.Errorf("alarm %s = %s, want %s", path, got, want)
		}
	}
}

func TestSchedule(t *testing.T) {
	for context, want := range map[string]string{"": "cron(0 0 * * ? *)", "30 6 ? * MON-FRI *": "cron(30 6 ? * MON-FRI *)"} {
		ctx := map[string]any{"stage": "dev"}
		if context != "" {
			ctx["schedule.cron"] = context
		}
		tpl := synth(t, ctx).template
		_, rule := tpl.one(t, "AWS::Events::Rule", "NightlyReport")
		if got := get(rule, "Properties.ScheduleExpression"); got != want {
			t.Errorf("schedule %v, want %s", got, want)
		}
		reportID, _ := tpl.one(t, "AWS::Lambda::Function", "ReportFunction")
		if got := js(get(rule, "Properties.Targets.0.Arn")); got != `{"Fn::GetAtt":["`+reportID+`","Arn"]}` {
			t.Errorf("rule target %s", got)
		}
	}
}

func TestOutputsAndTags(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "prod"}).template
	for _, o := range []string{"ApiUrl", "BucketName", "FailureQueueUrl"} {
		if get(map[string]any(tpl), "Outputs."+o+".Value") == nil {
			t.Errorf("no output %s", o)
		}
	}
	if got := js(get(map[string]any(tpl), "Outputs.FailureQueueUrl.Value")); !strings.Contains(got, "FailureQueue") {
		t.Errorf("FailureQueueUrl = %s", got)
	}
	for _, typ := range []string{"AWS::Lambda::Function", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::Logs::LogGroup", "AWS::IAM::Role"} {
		for id, r := range tpl.resources(typ) {
			tags := js(get(r, "Properties.Tags"))
			if !strings.Contains(tags, `{"Key":"project","Value":"go-lambda-cdk"}`) || !strings.Contains(tags, `{"Key":"stage","Value":"prod"}`) {
				t.Errorf("%s tags %s", id, tags)
			}
		}
	}
}

// TestCdkNag: AwsSolutionsChecks leaves no unsuppressed error or warning.
func TestCdkNag(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, map[string]any{"stage": stage})
			annotations := assertions.Annotations_FromStack(s.stack)
			rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
			errs := annotations.FindError(jsii.String("*"), rule)
			warns := annotations.FindWarning(jsii.String("*"), rule)
			for _, m := range append(*errs, *warns...) {
				t.Errorf("cdk-nag: %s %s %v", m.Level, *m.Id, m.Entry.Data)
			}
		})
	}
}

// TestCdkNagCatchesFindings: the same checks flag an unencrypted, plain-HTTP
// queue, so TestCdkNag's empty result means something.
func TestCdkNagCatchesFindings(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("NagProbe"), nil)
	awssqs.NewQueue(stack, jsii.String("Plain"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED})
	stacks.CheckAwsSolutions(app)
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-SQS[0-9]")))
	if len(*errs) == 0 {
		t.Fatal("cdk-nag reported nothing for an unencrypted queue without TLS enforcement")
	}
}

// TestLocalFixtureMatchesStack: the local run's end-to-end test reads a
// committed copy of the dev template; it must hold the same resources (and
// the same function environments) as the stack synthesizes now. Refresh it
// with `make synth && cp cdk.out/GoLambdaCdk-dev.template.json
// internal/local/template/testdata/cdk-synth.template.json`.
func TestLocalFixtureMatchesStack(t *testing.T) {
	raw, err := os.ReadFile("../internal/local/template/testdata/cdk-synth.template.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture template
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	dev := synth(t, map[string]any{"stage": "dev"}).template
	summary := func(tpl template) map[string]string {
		out := map[string]string{}
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			// The deployment's logical ID is a hash that also covers
			// synthesis details; the stage's methods are compared instead.
			if res["Type"] == "AWS::CDK::Metadata" || res["Type"] == "AWS::ApiGateway::Deployment" {
				continue
			}
			out[id] = res["Type"].(string) + " " + js(get(res, "Properties.Environment")) + " " + js(get(res, "Properties.PolicyDocument"))
		}
		return out
	}
	want, got := summary(dev), summary(fixture)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: fixture has %q, stack has %q", id, got[id], w)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: in the fixture, not in the stack", id)
		}
	}
}
