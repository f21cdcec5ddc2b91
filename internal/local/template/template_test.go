package template

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/local/apigw"
)

func readFixture(t *testing.T, name, stack string) *Template {
	t.Helper()
	tpl, err := ReadFile(filepath.Join("testdata", name), stack)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

const fixtureBucket = "golambdacdk-dev-uploadsbucket5e5e9b64"

func TestParseHandwritten(t *testing.T) {
	tpl := readFixture(t, "handwritten.template.json", "GoLambdaCdk-dev")

	t.Run("functions", func(t *testing.T) {
		var got []string
		for _, f := range tpl.Functions {
			got = append(got, f.Name)
		}
		if want := []string{"api", "processor", "report"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("functions = %v, want %v", got, want)
		}
		if len(tpl.Skipped) != 1 || !strings.Contains(tpl.Skipped[0], "python3.13") {
			t.Errorf("skipped = %v, want the Python notifications handler", tpl.Skipped)
		}
		api, _ := tpl.Function("api")
		if api.MemoryMB != 256 || api.Timeout != 10*time.Second || api.Handler != "bootstrap" || !reflect.DeepEqual(api.Architectures, []string{"arm64"}) {
			t.Errorf("api = %+v", api)
		}
		if api.RetryAttempts != DefaultRetryAttempts {
			t.Errorf("api retries = %d, want default %d", api.RetryAttempts, DefaultRetryAttempts)
		}
		report, _ := tpl.Function("report")
		if report.MemoryMB != DefaultMemoryMB || report.Timeout != 300*time.Second || report.RetryAttempts != 0 || report.MaxEventAge != DefaultMaxEventAge {
			t.Errorf("report = %+v", report)
		}
		proc, _ := tpl.Function("processor")
		if proc.RetryAttempts != 1 || proc.MaxEventAge != 6*time.Hour {
			t.Errorf("processor retries %d, age %s", proc.RetryAttempts, proc.MaxEventAge)
		}
	})

	t.Run("environment", func(t *testing.T) {
		api, _ := tpl.Function("api")
		env, err := tpl.Environment(api, "eu-west-1")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"BUCKET_NAME":           fixtureBucket,
			"BUCKET_ARN":            "arn:aws:s3:::" + fixtureBucket,
			"ALLOWED_CONTENT_TYPES": "image/png,text/plain",
			"MAX_UPLOAD_BYTES":      "104857600",
			"CORS_ALLOWED_ORIGINS":  "*",
			"SELF":                  "arn:aws:lambda:eu-west-1:123456789012:function:processor",
			"AWS_LAMBDA_LOG_LEVEL":  "DEBUG",
			"AWS_LAMBDA_LOG_FORMAT": "JSON",
		}
		if !reflect.DeepEqual(env, want) {
			t.Errorf("env = %v\nwant  %v", env, want)
		}
	})

	t.Run("api", func(t *testing.T) {
		if tpl.API == nil {
			t.Fatal("no API")
		}
		if tpl.API.Stage != "dev" || !reflect.DeepEqual(tpl.API.BinaryMediaTypes, []string{"image/*"}) {
			t.Errorf("stage %q, binary %v", tpl.API.Stage, tpl.API.BinaryMediaTypes)
		}
		want := []apigw.Route{
			{Path: "/health", Method: "GET", Function: "api"},
			{Path: "/uploads", Method: "POST", Function: "api"},
			{Path: "/uploads/{id}", Method: "GET", Function: "api"},
			{Path: "/uploads/{id}", Method: "OPTIONS", Mock: &apigw.MockResponse{StatusCode: 204, Headers: map[string]string{
				"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key",
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD",
			}}},
		}
		if !reflect.DeepEqual(tpl.API.Routes, want) {
			t.Errorf("routes = %+v\nwant %+v", tpl.API.Routes, want)
		}
	})

	t.Run("notifications and schedules", func(t *testing.T) {
		wantN := []Notification{{Bucket: fixtureBucket, Function: "processor", Events: []string{"s3:ObjectCreated:*"}, Prefix: "uploads/"}}
		if !reflect.DeepEqual(tpl.Notifications, wantN) {
			t.Errorf("notifications = %+v", tpl.Notifications)
		}
		wantS := []Schedule{{Rule: "NightlyReportRule0A1B2C3D", Expression: "cron(0 0 * * ? *)", Function: "report", Enabled: true}}
		if !reflect.DeepEqual(tpl.Schedules, wantS) {
			t.Errorf("schedules = %+v", tpl.Schedules)
		}
	})
}

// TestFunctionNameFromMetadata: a function's name is the stack's Metadata
// entry, exactly, whatever its construct ID and logical ID look like; a
// custom-runtime function without the entry is skipped with the reason,
// and a malformed entry is an error naming it.
func TestFunctionNameFromMetadata(t *testing.T) {
	tests := []struct {
		name, id, metadata string
		want               string // "" when the function is not run
		wantErr, wantSkip  string
	}{
		{"name ending in fn", "ThumbfnFunction1A2B3C4D", `{"aws:cdk:path": "S/Thumbfn/Function/Resource", "go-lambda-cdk:function": "thumbfn"}`, "thumbfn", "", ""},
		{"name ending in handler", "ApihandlerFunction1A2B3C4D", `{"go-lambda-cdk:function": "apihandler"}`, "apihandler", "", ""},
		{"name ending in lambda", "ReportlambdaFunction1A2B3C4D", `{"go-lambda-cdk:function": "reportlambda"}`, "reportlambda", "", ""},
		{"name unlike the construct ID", "SomethingElse", `{"aws:cdk:path": "S/SomethingElse/Resource", "go-lambda-cdk:function": "processor"}`, "processor", "", ""},
		{"no entry", "ApiFunction", `{"aws:cdk:path": "S/ApiFunction/Resource"}`, "", "", `without Metadata "go-lambda-cdk:function"`},
		{"entry not a string", "ApiFunction", `{"go-lambda-cdk:function": 1}`, "", `Metadata "go-lambda-cdk:function" is 1`, ""},
		{"empty entry", "ApiFunction", `{"go-lambda-cdk:function": ""}`, "", `Metadata "go-lambda-cdk:function" is ""`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse([]byte(`{"Resources": {"`+tt.id+`": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023"}, "Metadata": `+tt.metadata+`}}}`), "S")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.id) {
					t.Fatalf("Parse = %v, want an error naming %s and containing %q", err, tt.id, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSkip != "" {
				if len(tpl.Functions) != 0 || len(tpl.Skipped) != 1 || !strings.Contains(tpl.Skipped[0], tt.wantSkip) {
					t.Fatalf("functions %+v, skipped %q; want it skipped with %q", tpl.Functions, tpl.Skipped, tt.wantSkip)
				}
				return
			}
			if len(tpl.Functions) != 1 || tpl.Functions[0].Name != tt.want || tpl.Functions[0].LogicalID != tt.id {
				t.Fatalf("functions = %+v, want %s named %q", tpl.Functions, tt.id, tt.want)
			}
			if _, ok := tpl.Function(tt.want); !ok {
				t.Errorf("Function(%q) finds nothing", tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	fn := func(id, name, env string) string {
		return `"` + id + `": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "` + name + `"}, "Properties": {"Runtime": "provided.al2023", "Environment": {"Variables": ` + env + `}}}`
	}
	tests := []struct {
		name      string
		resources string
		want      []string
	}{
		{"not JSON", `x`, []string{"parse"}},
		{"same name", fn("ApiFunction", "api", "{}") + "," + fn("ApiHandler", "api", "{}"), []string{"ApiFunction and ApiHandler both have the name \"api\""}},
		{"unknown integration", fn("ApiFunction", "api", "{}") + `,
			"R": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
			"M": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", "ResourceId": {"Fn::GetAtt": ["R", "RootResourceId"]}, "Integration": {"Type": "HTTP_PROXY"}}},
			"N": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", "ResourceId": {"Ref": "Nope"}, "Integration": {"Type": "AWS_PROXY"}}}`,
			[]string{`"HTTP_PROXY" is not served`, "Nope"}},
		{"notification to a missing function", `"B": {"Type": "AWS::S3::Bucket"},
			"C": {"Type": "Custom::S3BucketNotifications", "Properties": {"BucketName": {"Ref": "B"}, "NotificationConfiguration": {"LambdaFunctionConfigurations": [{"Events": ["s3:ObjectCreated:*"], "LambdaFunctionArn": {"Fn::GetAtt": ["Gone", "Arn"]}}]}}}`,
			[]string{"not a Go function"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(`{"Resources": {`+tt.resources+`}}`), "S")
			if tt.name == "not JSON" {
				_, err = Parse([]byte(tt.resources), "S")
			}
			if err == nil {
				t.Fatal("want error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEnvironmentUnresolvable(t *testing.T) {
	tpl, err := Parse([]byte(`{"Resources": {"ApiFunction": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "api"}, "Properties": {"Runtime": "provided.al2023",
		"Environment": {"Variables": {"QUEUE": {"Ref": "SomeQueue"}, "OK": "1"}}}}}}`), "S")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Environment(tpl.Functions[0], "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "QUEUE") || !strings.Contains(err.Error(), "SomeQueue") {
		t.Errorf("error = %v, want one naming QUEUE and SomeQueue", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	tplBytes, err := os.ReadFile(filepath.Join("testdata", "handwritten.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("GoLambdaCdk-dev.template.json", string(tplBytes))
	write("manifest.json", `{"artifacts": {
		"GoLambdaCdk-dev": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "GoLambdaCdk-dev.template.json"}},
		"GoLambdaCdk-dev.assets": {"type": "cdk:asset-manifest", "properties": {"file": "GoLambdaCdk-dev.assets.json"}},
		"Tree": {"type": "cdk:tree"}}}`)

	tpl, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.StackName != "GoLambdaCdk-dev" || len(tpl.Functions) != 3 {
		t.Errorf("stack %q with %d functions", tpl.StackName, len(tpl.Functions))
	}
	if _, err := Load(dir, "Other"); err == nil || !strings.Contains(err.Error(), "GoLambdaCdk-dev") {
		t.Errorf("Load of a missing stack: %v, want error listing the stacks", err)
	}
	if _, err := Load(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "make synth") {
		t.Errorf("Load without manifest: %v", err)
	}
}

// TestParseSynthesized reads a template synthesized from this project's own
// stack (`make update-snapshots` rewrites it after a change to the stack).
func TestParseSynthesized(t *testing.T) {
	tpl := readFixture(t, "cdk-synth.template.json", "GoLambdaCdk-dev")
	var names []string
	for _, f := range tpl.Functions {
		names = append(names, f.Name)
		env, err := tpl.Environment(f, "us-east-1")
		if err != nil {
			t.Errorf("environment of %s: %v", f.Name, err)
		}
		if env["BUCKET_NAME"] == "" {
			t.Errorf("%s has no BUCKET_NAME", f.Name)
		}
		if f.Alias != "live" { // the triggers below reach it through this alias
			t.Errorf("%s: alias %q, want live", f.Name, f.Alias)
		}
	}
	if want := functions.Names(); !reflect.DeepEqual(names, want) {
		t.Fatalf("functions = %v, want the declared %v", names, want)
	}
	if tpl.API == nil || tpl.API.Stage != "dev" {
		t.Fatalf("API = %+v, want stage dev", tpl.API)
	}
	proxied := map[string]bool{}
	for _, r := range tpl.API.Routes {
		if r.Function == "api" {
			proxied[r.Method+" "+r.Path] = true
		}
	}
	for _, want := range []string{"ANY /uploads", "ANY /uploads/{id}", "ANY /health"} {
		if !proxied[want] {
			t.Errorf("no route %s to api; routes %v", want, proxied)
		}
	}
	if len(tpl.Notifications) == 0 || tpl.Notifications[0].Function != "processor" || tpl.Notifications[0].Prefix != "uploads/" {
		t.Errorf("notifications = %+v", tpl.Notifications)
	}
	if len(tpl.Schedules) != 1 || tpl.Schedules[0].Function != "report" {
		t.Errorf("schedules = %+v", tpl.Schedules)
	}
}

// TestBucketNotificationConfiguration reads notifications written as the
// bucket's own NotificationConfiguration (CloudFormation's way, not CDK's).
func TestBucketNotificationConfiguration(t *testing.T) {
	tpl, err := Parse([]byte(`{"Resources": {
		"ProcessorFunction": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "processor"}, "Properties": {"Runtime": "provided.al2023"}},
		"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "my-bucket", "NotificationConfiguration": {"LambdaConfigurations": [
			{"Event": "s3:ObjectCreated:Put", "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".csv"}, {"Name": "prefix", "Value": "in/"}]}},
			 "Function": {"Fn::GetAtt": ["ProcessorFunction", "Arn"]}}]}}}}}`), "S")
	if err != nil {
		t.Fatal(err)
	}
	want := []Notification{{Bucket: "my-bucket", Function: "processor", Events: []string{"s3:ObjectCreated:Put"}, Prefix: "in/", Suffix: ".csv"}}
	if !reflect.DeepEqual(tpl.Notifications, want) {
		t.Errorf("notifications = %+v, want %+v", tpl.Notifications, want)
	}
}

// TestBucketNameFromStackID resolves a bucket name built from the stack's
// UUID (Fn::Select of Fn::Split of AWS::StackId) in the bucket and in a
// function's environment to the same local name.
func TestBucketNameFromStackID(t *testing.T) {
	name := `{"Fn::Join": ["", ["app-dev-", {"Fn::Select": [4, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]}]]}`
	tpl, err := Parse([]byte(`{"Resources": {
		"ApiFunction": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "api"}, "Properties": {"Runtime": "provided.al2023", "Environment": {"Variables": {"BUCKET_NAME": `+name+`}}}},
		"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": `+name+`}}}}`), "App-dev")
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Buckets[0].Name
	if !regexp.MustCompile(`^app-dev-[0-9a-f]{12}$`).MatchString(got) {
		t.Fatalf("bucket name %q, want app-dev- and 12 hex digits", got)
	}
	env, err := tpl.Environment(tpl.Functions[0], "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if env["BUCKET_NAME"] != got {
		t.Errorf("BUCKET_NAME %q, bucket %q", env["BUCKET_NAME"], got)
	}
	if id := tpl.StackID("eu-west-1"); !strings.HasPrefix(id, "arn:aws:cloudformation:eu-west-1:123456789012:stack/App-dev/") || !strings.HasSuffix(id, got[len("app-dev-"):]) {
		t.Errorf("stack ID %s", id)
	}
}
