package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/gkampitakis/go-snaps/snaps"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
	localtemplate "go-lambda-cdk/internal/local/template"
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
// different sets of zips give the same masked template (and different
// unmasked ones), while a config change does not.
func TestSnapshotIgnoresHandlerCode(t *testing.T) {
	dev := synth(t, map[string]any{"stage": "dev"}).template
	if n, want := len(assetKey.FindAllString(js(dev), -1)), len(functions.Names()); n != want {
		t.Fatalf("%d asset keys found in the template, want %d (one per declared function)", n, want)
	}
	if assetKey.MatchString(dev.masked()) {
		t.Fatal("masked template still holds an asset hash")
	}
	otherCode := synthWith(t, map[string]any{"stage": "dev"}, "other handler code").template
	if js(dev) == js(otherCode) {
		t.Fatal("different zips gave the same unmasked template: the test compares nothing")
	}
	if dev.masked() != otherCode.masked() {
		t.Error("different zips gave different masked templates (snapshots)")
	}
	other := synth(t, map[string]any{"stage": "dev", "functions." + functions.Names()[0] + ".memoryMB": "1024"}).template
	if dev.masked() == other.masked() {
		t.Fatal("a memory change did not change the masked template")
	}
}

// TestFunctions: every declared function gets its settings, its own log
// group and role, and the environment its triggers need.
func TestFunctions(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "dev"}).template
	_, bucket := tpl.one(t, "AWS::S3::Bucket", "Bucket")
	bucketName := get(bucket, "Properties.BucketName")
	for _, d := range functions.All() {
		t.Run(d.Name, func(t *testing.T) {
			id := d.ConstructID()
			_, fn := tpl.one(t, "AWS::Lambda::Function", id+"Function")
			checks := map[string]any{
				"Properties.Runtime":                           "provided.al2023",
				"Properties.Handler":                           "bootstrap",
				"Properties.Architectures":                     []any{"arm64"},
				"Properties.MemorySize":                        256.0,
				"Properties.Timeout":                           float64(d.TimeoutSeconds),
				"Properties.EphemeralStorage.Size":             512.0,
				"Properties.LoggingConfig.LogFormat":           "JSON",
				"Properties.LoggingConfig.ApplicationLogLevel": "DEBUG",
				"Properties.LoggingConfig.SystemLogLevel":      "WARN",
				"Properties.Environment.Variables.BUCKET_NAME": bucketName,
				"Properties.Description":                       d.Description,
			}
			for path, v := range checks {
				if got := get(fn, path); js(got) != js(v) {
					t.Errorf("%s = %s, want %s", path, js(got), js(v))
				}
			}
			if ref := js(get(fn, "Properties.LoggingConfig.LogGroup")); !strings.Contains(ref, `"`+id+"LogGroup") {
				t.Errorf("log group %s, want a Ref to %sLogGroup*", ref, id)
			}
			if role := js(get(fn, "Properties.Role")); !strings.Contains(role, `"`+id+"Role") {
				t.Errorf("role %s, want its own %sRole*", role, id)
			}
			var keys []string
			for k := range get(fn, "Properties.Environment.Variables").(map[string]any) {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			want := []string{"BUCKET_NAME", "METRICS_NAMESPACE"}
			if got := get(fn, "Properties.Environment.Variables.METRICS_NAMESPACE"); got != "go-lambda-cdk/dev" {
				t.Errorf("METRICS_NAMESPACE = %v, want the default <project>/<stage>", got)
			}
			if api, ok := d.API(); ok {
				// Every API function gets the API's settings; only one
				// that declares upload routes gets the upload settings.
				want = []string{"AUTH_MODE", "BUCKET_NAME", "CORS_ALLOWED_ORIGINS", "METRICS_NAMESPACE"}
				if len(api.UploadRoutes) > 0 {
					want = []string{"ALLOWED_CONTENT_TYPES", "AUTH_MODE", "BUCKET_NAME", "CORS_ALLOWED_ORIGINS", "MAX_UPLOAD_BYTES", "METRICS_NAMESPACE", "UPLOAD_URL_EXPIRY_SECONDS"}
					if got := get(fn, "Properties.Environment.Variables.UPLOAD_URL_EXPIRY_SECONDS"); got != "300" {
						t.Errorf("UPLOAD_URL_EXPIRY_SECONDS = %v, want the default api.uploadUrlExpirySeconds 300", got)
					}
				}
			}
			if !slices.Equal(keys, want) {
				t.Errorf("environment keys %v, want %v", keys, want)
			}
			if get(fn, "Properties.ReservedConcurrentExecutions") != nil {
				t.Error("reserved concurrency set although config leaves it 0")
			}
		})
	}
}

func TestFunctionOverridesFromContext(t *testing.T) {
	scheduled, notified, api := fixture.DeclaredWith(t, functions.KindSchedule), fixture.DeclaredWith(t, functions.KindS3), fixture.DeclaredWith(t, functions.KindAPI)
	tpl := synth(t, prodOptions()).template
	_, fn := tpl.one(t, "AWS::Lambda::Function", scheduled.ConstructID()+"Function")
	if got := js(get(fn, "Properties.Architectures")); got != `["x86_64"]` {
		t.Errorf("%s architectures %s", scheduled.Name, got)
	}
	_, fn = tpl.one(t, "AWS::Lambda::Function", notified.ConstructID()+"Function")
	if got := get(fn, "Properties.ReservedConcurrentExecutions"); got != 20.0 {
		t.Errorf("%s reserved concurrency %v", notified.Name, got)
	}
	if got := get(fn, "Properties.EphemeralStorage.Size"); got != 2048.0 {
		t.Errorf("%s ephemeral storage %v", notified.Name, got)
	}
	if got := get(fn, "Properties.MemorySize"); got != 512.0 {
		t.Errorf("%s memory %v, want the prod preset's 512", notified.Name, got)
	}
	_, fn = tpl.one(t, "AWS::Lambda::Function", api.ConstructID()+"Function")
	if got := get(fn, "Properties.Environment.Variables.FEATURE_X"); got != "on" {
		t.Errorf("%s FEATURE_X %v", api.Name, got)
	}
	if got := get(fn, "Properties.LoggingConfig.ApplicationLogLevel"); got != "INFO" {
		t.Errorf("prod application log level %v", got)
	}
}

// TestRoles: the role of each of the app's functions holds exactly its own
// log statement, the statements of the README's table, each scoped to its
// key prefix, and, when invoked asynchronously, the failure queue's; the
// expected statements are written out. A function declared later (not in
// the table) gets one statement per flag of its bucket access, named as
// functions.Statements names it (TestStatements), which the scaffold's
// test (TestNewFunctionOfEveryKind) also checks literally.
func TestRoles(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": "dev"}).template
	// The bucket's ARN is built from its stack-unique name, never GetAtt.
	arn := `"arn:",{"Ref":"AWS::Partition"},":s3:::go-lambda-cdk-dev-",` + stackUUIDGroup
	bucket := `{"Fn::Join":["",[` + arn + `]]}`
	objects := func(prefix string) string {
		return `{"Fn::Join":["",[` + arn + `,"/` + prefix + `*"]]}`
	}
	queueSend := failureQueueSend(t, tpl)
	literal := map[string][]statement{
		"api": {
			{"WriteUploads", []string{"s3:PutObject"}, objects("uploads/"), ""},
			{"ListResults", []string{"s3:ListBucket"}, bucket, `{"StringLike":{"s3:prefix":["results/","results/*"]}}`},
			{"ReadResults", []string{"s3:GetObject"}, objects("results/"), ""},
		},
		"processor": {
			{"ReadUploads", []string{"s3:GetObject"}, objects("uploads/"), ""},
			{"WriteResults", []string{"s3:PutObject"}, objects("results/"), ""},
			queueSend,
		},
		"report": {
			{"ListResults", []string{"s3:ListBucket"}, bucket, `{"StringLike":{"s3:prefix":["results/","results/*"]}}`},
			{"ReadResults", []string{"s3:GetObject"}, objects("results/"), ""},
			{"WriteReports", []string{"s3:PutObject"}, objects("reports/"), ""},
			queueSend,
		},
	}
	for _, d := range functions.All() {
		t.Run(d.Name, func(t *testing.T) {
			want, ok := literal[d.Name]
			if !ok {
				for _, s := range d.Statements() {
					st := statement{s.Sid, s.Actions, objects(s.Prefix), ""}
					if s.OnBucket {
						st.resource, st.condition = bucket, `{"StringLike":{"s3:prefix":["`+s.Prefix+`","`+s.Prefix+`*"]}}`
					}
					want = append(want, st)
				}
				if d.Async() {
					want = append(want, queueSend)
				}
			}
			checkRole(t, tpl, d.ConstructID(), want)
		})
	}
}

// checkRole asserts that the role of the function construct id is trusted
// by Lambda only, has no managed policy, and that its policy holds exactly
// the statement on its own log group followed by extra.
func checkRole(t *testing.T, tpl template, id string, extra []statement) {
	t.Helper()
	roleID, role := tpl.one(t, "AWS::IAM::Role", id+"Role")
	trust := js(get(role, "Properties.AssumeRolePolicyDocument.Statement"))
	if trust != `[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}]` {
		t.Errorf("trust policy %s", trust)
	}
	if get(role, "Properties.ManagedPolicyArns") != nil {
		t.Errorf("managed policies attached: %s", js(get(role, "Properties.ManagedPolicyArns")))
	}
	_, policy := tpl.one(t, "AWS::IAM::Policy", id+"RoleDefaultPolicy")
	if got := js(get(policy, "Properties.Roles")); got != `[{"Ref":"`+roleID+`"}]` {
		t.Errorf("policy attached to %s", got)
	}
	logGroupID, _ := tpl.one(t, "AWS::Logs::LogGroup", id+"LogGroup")
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
}

// TestNoWildcardResources: no statement of the functions' roles has "*"
// as its resource, and no statement allows a service-wide action ("s3:*").
// xrayWrite are the actions active tracing needs, which accept only "*".
var xrayWrite = []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}

func TestNoWildcardResources(t *testing.T) {
	for _, stage := range stages {
		tpl := synth(t, map[string]any{"stage": stage}).template
		for id, p := range tpl.resources("AWS::IAM::Policy") {
			for _, raw := range get(p, "Properties.PolicyDocument.Statement").([]any) {
				st := raw.(map[string]any)
				actions := stringList(st["Action"])
				slices.Sort(actions)
				for _, r := range resolvedResources(st["Resource"]) {
					if r == "*" && slices.Equal(actions, xrayWrite) {
						if stage == "dev" {
							t.Errorf("%s %s: X-Ray statement although tracing is off in dev", stage, id)
						}
						continue // the one reasoned exception: X-Ray's write actions take no resource
					}
					if wildcardResource(r) {
						t.Errorf("%s %s: statement %s has a wildcard resource %s", stage, id, js(st), r)
					}
				}
				for _, a := range actions {
					if strings.HasSuffix(a, ":*") || a == "*" {
						t.Errorf("%s %s: action %s", stage, id, a)
					}
				}
			}
		}
	}
}

// TestWildcardResourceMatcher: what TestNoWildcardResources calls a
// wildcard, with the resources written as CDK writes them (Fn::Join).
func TestWildcardResourceMatcher(t *testing.T) {
	partition := `{"Ref":"AWS::Partition"}`
	bucketName := `"go-lambda-cdk-dev-",` + stackUUIDGroup
	for _, tc := range []struct {
		name, resource string
		wildcard       bool
	}{
		{"everything", `"*"`, true},
		{"every object of the bucket, joined", `{"Fn::Join":["",["arn:",` + partition + `,":s3:::",` + bucketName + `,"/*"]]}`, true},
		{"every bucket, joined", `{"Fn::Join":["",["arn:",` + partition + `,":s3:::*"]]}`, true},
		{"buckets by name pattern", `"arn:aws:s3:::go-lambda-*/results/*"`, true},
		{"every log group", `{"Fn::Join":["",["arn:",` + partition + `,":logs:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":log-group:*"]]}`, true},
		{"any region", `"arn:aws:sqs:*:123456789012:failures"`, true},
		{"one in a list", `["arn:aws:s3:::b/results/*",{"Fn::Join":["",["arn:aws:s3:::b","/*"]]}]`, true},
		{"objects under a prefix, joined", `{"Fn::Join":["",["arn:",` + partition + `,":s3:::",` + bucketName + `,"/results/*"]]}`, false},
		{"the bucket itself", `{"Fn::Join":["",["arn:",` + partition + `,":s3:::",` + bucketName + `]]}`, false},
		{"a log group's Arn attribute", `{"Fn::GetAtt":["ApiLogGroup","Arn"]}`, false},
		{"one log group's streams", `"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/api:*"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tc.resource), &v); err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(resolvedResources(v), wildcardResource)
			if got != tc.wildcard {
				t.Errorf("wildcard = %v for %v, want %v", got, resolvedResources(v), tc.wildcard)
			}
		})
	}
}

// stringList is a policy's Action or Resource: one string or a list.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, stringList(x)...)
		}
		return out
	}
	return nil
}

// resolvedResources renders a statement's Resource (one or a list) as
// the strings CloudFormation makes of them: Fn::Join joined, every other
// intrinsic function as a placeholder that stands for one concrete value
// and holds no ":", "/" or "*" ("${AWSPartition}", "${ApiLogGroup.Arn}",
// "${expression}" for Fn::Select and the like).
func resolvedResources(v any) []string {
	if list, ok := v.([]any); ok {
		var out []string
		for _, x := range list {
			out = append(out, resolvedResources(x)...)
		}
		return out
	}
	return []string{resolveIntrinsics(v)}
}

func resolveIntrinsics(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, _ := join[1].([]any)
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = resolveIntrinsics(p)
			}
			return strings.Join(out, sep)
		}
		if ref, ok := v["Ref"].(string); ok {
			return "${" + strings.ReplaceAll(ref, ":", "") + "}"
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return fmt.Sprintf("${%v.%v}", att[0], att[1])
		}
	}
	return "${expression}"
}

// wildcardResource reports whether a resolved resource covers more than
// one known thing: "*", an ARN with "*" as its region or account, or as
// its whole resource part or the part after a resource type
// ("log-group:*", "function:*"); for S3, a bucket name with "*" or every
// object of a bucket ("<bucket>/*").
func wildcardResource(r string) bool {
	if r == "*" {
		return true
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return strings.Contains(r, "*") && !strings.HasPrefix(r, "${")
	}
	service, region, account, resource := parts[2], parts[3], parts[4], parts[5]
	if region == "*" || account == "*" || resource == "*" {
		return true
	}
	if service == "s3" {
		bucket, key, _ := strings.Cut(resource, "/")
		return strings.Contains(bucket, "*") || key == "*"
	}
	typ, rest, ok := strings.Cut(resource, ":")
	if !ok {
		typ, rest, ok = strings.Cut(resource, "/")
	}
	return ok && typ != "" && rest == "*"
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
		if want := len(functions.Names()) + 1; len(groups) != want {
			t.Errorf("%s: %d log groups, want %d (one per declared function + API access logs)", stage, len(groups), want)
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

			for _, m := range apiMethods(t, tpl) {
				if got := get(m.props, "Properties.Integration.Type"); got != "AWS_PROXY" {
					t.Errorf("%s %s: integration %v, want AWS_PROXY (OPTIONS reaches the function, no MOCK preflight)", m.method, m.path, got)
				}
			}
			if got, want := routes(apiMethods(t, tpl)), declaredRoutes(t, tpl, true); !slices.Equal(got, want) {
				t.Errorf("routes %q, want %q", got, want)
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
			var configs []string
			for _, d := range functions.All() {
				if o, ok := d.ObjectCreated(); ok {
					configs = append(configs, `{"Event":"s3:ObjectCreated:*","Filter":{"S3Key":{"Rules":[{"Name":"prefix","Value":"`+o.Prefix+`"}]}},"Function":{"Ref":"`+liveAlias(t, tpl, d)+`"}}`)
				}
			}
			want := "[" + strings.Join(configs, ",") + "]"
			if got := js(get(b, "Properties.NotificationConfiguration.LambdaConfigurations")); got != want {
				t.Errorf("notification\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestNotificationSuffixes: suffixes set on an S3-triggered function give
// it one notification per suffix under its prefix (the other functions'
// notifications are not its business).
func TestNotificationSuffixes(t *testing.T) {
	d := fixture.DeclaredWith(t, functions.KindS3)
	o, _ := d.ObjectCreated()
	tpl := synth(t, devOptions()).template // functions.<d>.notificationSuffixes .csv,.txt
	_, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
	target := `{"Ref":"` + liveAliasOf(t, tpl, d.ConstructID()) + `"}`
	var filters []string
	for _, c := range get(b, "Properties.NotificationConfiguration.LambdaConfigurations").([]any) {
		if js(get(c, "Function")) == target {
			filters = append(filters, js(get(c, "Filter.S3Key.Rules")))
		}
	}
	want := []string{
		`[{"Name":"prefix","Value":"` + o.Prefix + `"},{"Name":"suffix","Value":".csv"}]`,
		`[{"Name":"prefix","Value":"` + o.Prefix + `"},{"Name":"suffix","Value":".txt"}]`,
	}
	if !slices.Equal(filters, want) {
		t.Errorf("filters\n got %v\nwant %v", filters, want)
	}
}

func TestAsyncInvocation(t *testing.T) {
	tpl := synth(t, devOptions()).template // async.retryAttempts 1, async.maxEventAgeSeconds 3600
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
	var async []string
	for _, d := range functions.All() {
		if !slices.Equal(d.Kinds(), []string{functions.KindAPI}) {
			async = append(async, d.ConstructID())
		}
	}
	configs := tpl.resources("AWS::Lambda::EventInvokeConfig")
	if len(configs) != len(async) {
		t.Fatalf("%d event invoke configs, want %d (%v)", len(configs), len(async), async)
	}
	for _, name := range async {
		fnID, _ := tpl.one(t, "AWS::Lambda::Function", name+"Function")
		aliasID, _ := tpl.one(t, "AWS::Lambda::Alias", name+"Live")
		_, c := tpl.one(t, "AWS::Lambda::EventInvokeConfig", name+"LiveEventInvokeConfig")
		checks := map[string]string{
			"Properties.FunctionName":                            `{"Ref":"` + fnID + `"}`,
			"Properties.Qualifier":                               `{"Fn::Select":[7,{"Fn::Split":[":",{"Ref":"` + aliasID + `"}]}]}`,
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
	_, alarm := tpl.one(t, "AWS::CloudWatch::Alarm", "FailureQueueMessagesAlarm")
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
	d := fixture.DeclaredWith(t, functions.KindSchedule)
	declared, _ := d.Schedule()
	for _, c := range []struct {
		context map[string]any
		want    string
	}{
		{map[string]any{"stage": "dev"}, "cron(" + declared.Cron + ")"},
		{devOptions(), "cron(30 6 ? * MON-FRI *)"}, // functions.<d>.schedule
	} {
		tpl := synth(t, c.context).template
		_, rule := tpl.one(t, "AWS::Events::Rule", d.ConstructID()+"Schedule")
		if got := get(rule, "Properties.ScheduleExpression"); got != c.want {
			t.Errorf("schedule %v, want %s", got, c.want)
		}
		if got := js(get(rule, "Properties.Targets.0.Arn")); got != `{"Ref":"`+liveAlias(t, tpl, d)+`"}` {
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
			checkNoNagFindings(t, synth(t, map[string]any{"stage": stage}))
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
	if len(nagFindings(stack, "AwsSolutions-SQS[0-9]")) == 0 {
		t.Fatal("cdk-nag reported nothing for an unencrypted queue without TLS enforcement")
	}
}

// localFixtures are the committed copies of the dev template that the
// local run's tests read, each with the context it is synthesized from:
// cdk-synth without authorizer (auth.mode none) for the tests that call the
// API anonymously, cdk-synth-cognito as `make local` runs it (the default,
// auth.mode cognito).
var localFixtures = []struct {
	path    string
	context map[string]any
}{
	{"../internal/local/template/testdata/cdk-synth.template.json", map[string]any{"stage": "dev", "auth.mode": "none"}},
	{"../internal/local/template/testdata/cdk-synth-cognito.template.json", map[string]any{"stage": "dev"}},
}

// TestLocalFixtureMatchesStack: each local fixture must hold the same
// resources (and the same function environments and policies) as the
// stack synthesizes now from its context, and give the local run the same
// functions (timeouts, memory, async settings), routes (with their
// authorizers), notifications and schedules. `make update-snapshots`
// (UPDATE_SNAPS=true, not in CI) rewrites them, with the snapshots.
func TestLocalFixtureMatchesStack(t *testing.T) {
	for _, f := range localFixtures {
		t.Run(filepath.Base(f.path), func(t *testing.T) { checkLocalFixture(t, f.path, f.context) })
	}
}

func checkLocalFixture(t *testing.T, fixturePath string, context map[string]any) {
	// The local run names functions after their construct paths, which
	// only a synth with path metadata (as the CLI does it) records.
	withPathsContext := map[string]any{"aws:cdk:enable-path-metadata": true}
	maps.Copy(withPathsContext, context)
	withPaths := synth(t, withPathsContext).template
	if os.Getenv("UPDATE_SNAPS") == "true" && os.Getenv("CI") == "" {
		data, err := json.MarshalIndent(withPaths, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fixturePath, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var fixture template
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	dev := synth(t, context).template
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
	sameSummary(t, "", summary(dev), summary(fixture))

	withPathsJSON, _ := json.Marshal(withPaths)
	local := func(data []byte) map[string]string {
		tpl, err := localtemplate.Parse(data, "GoLambdaCdk-dev")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{"routes": js(tpl.API.Routes), "notifications": js(tpl.Notifications), "schedules": js(tpl.Schedules),
			"gateway error headers": js([]map[string]string{tpl.API.ErrorHeaders4XX, tpl.API.ErrorHeaders5XX})}
		for _, f := range tpl.Functions {
			out["function "+f.Name] = fmt.Sprintf("timeout %v memory %d retries %d max event age %v log level %s architectures %v",
				f.Timeout, f.MemoryMB, f.RetryAttempts, f.MaxEventAge, f.LogLevel, f.Architectures)
		}
		return out
	}
	sameSummary(t, "local run's ", local(withPathsJSON), local(raw))
}

// TestLocalRunNamesFunctionsByDeclaredName: the local run finds a
// function's lambda/<name> folder by the name the stack writes on it, so a
// name that ends like a suffix of construct IDs ("thumbfn") keeps it whole.
func TestLocalRunNamesFunctionsByDeclaredName(t *testing.T) {
	asset := t.TempDir()
	if err := os.WriteFile(filepath.Join(asset, "bootstrap"), []byte("placeholder"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"thumbfn", "apihandler", "reportlambda", "uploadfunction", "api"} {
		t.Run(name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("Probe"), nil)
			id := functions.Declaration{Name: name}.ConstructID()
			if _, err := stacks.NewGoFunction(stack, id, stacks.GoFunctionProps{Name: name, Description: "probe", Asset: asset}); err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(templateOf(t, stack))
			if err != nil {
				t.Fatal(err)
			}
			tpl, err := localtemplate.Parse(data, "Probe")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range tpl.Functions {
				got = append(got, f.Name)
			}
			if len(got) != 1 || got[0] != name {
				t.Fatalf("the local run reads functions %q from construct %s, want [%s]", got, id, name)
			}
		})
	}
}

// sameSummary reports every key whose value differs between the stack's
// summary and the fixture's, or that only one of them has.
func sameSummary(t *testing.T, prefix string, stack, fixture map[string]string) {
	t.Helper()
	for k, w := range stack {
		if fixture[k] != w {
			t.Errorf("%s%s: fixture has %q, stack has %q", prefix, k, fixture[k], w)
		}
	}
	for k := range fixture {
		if _, ok := stack[k]; !ok {
			t.Errorf("%s%s: in the fixture, not in the stack", prefix, k)
		}
	}
}

// liveAlias returns the logical ID of the live alias of a declared
// function, checking that it is an alias of that function.
func liveAlias(t *testing.T, tpl template, d functions.Declaration) string {
	t.Helper()
	return liveAliasOf(t, tpl, d.ConstructID())
}

// liveAliasOf is liveAlias by the function's construct ID.
func liveAliasOf(t *testing.T, tpl template, constructID string) string {
	t.Helper()
	fnID, _ := tpl.one(t, "AWS::Lambda::Function", constructID+"Function")
	id, alias := tpl.one(t, "AWS::Lambda::Alias", constructID+"Live")
	if got := js(get(alias, "Properties.FunctionName")); got != `{"Ref":"`+fnID+`"}` || get(alias, "Properties.Name") != stacks.LiveAlias {
		t.Errorf("alias %s: function %s name %v, want %s of %s", id, got, get(alias, "Properties.Name"), stacks.LiveAlias, fnID)
	}
	return id
}

// refTarget returns the first logical ID that v (a template value)
// references with Ref, other than a pseudo parameter ("AWS::Region"), or
// "".
func refTarget(v any) string {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["Ref"].(string); ok && !strings.HasPrefix(id, "AWS::") {
			return id
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if id := refTarget(v[k]); id != "" {
				return id
			}
		}
	case []any:
		for _, e := range v {
			if id := refTarget(e); id != "" {
				return id
			}
		}
	}
	return ""
}
