package template_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go-lambda-cdk/internal/local/template"
)

func write(t *testing.T, dir, name string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type m = map[string]any

// nestedAssembly writes a cloud assembly shaped as the CDK writes one with
// the functions in nested stacks: the stage's stack holds the bucket (its
// notification invokes a child's alias through the child's output), the
// REST API (its method's integration likewise) and the nested stack
// resource, which passes the bucket's name as a parameter; the child,
// itself nesting a grandchild with the scheduled function, holds the
// functions and their aliases.
func nestedAssembly(t *testing.T) string {
	dir := t.TempDir()
	write(t, dir, "manifest.json", m{"version": "48.0.0", "artifacts": m{
		"App-dev": m{"type": "aws:cloudformation:stack", "properties": m{"templateFile": "App-dev.template.json", "stackName": "App-dev"}},
	}})
	function := func(name string) m {
		return m{"Type": "AWS::Lambda::Function", "Metadata": m{"go-lambda-cdk:function": name}, "Properties": m{
			"Handler": "bootstrap", "Runtime": "provided.al2023", "Environment": m{"Variables": m{"BUCKET_NAME": m{"Ref": "BucketNameParam"}}},
		}}
	}
	alias := func(fn string) m {
		return m{"Type": "AWS::Lambda::Alias", "Properties": m{"Name": "live", "FunctionName": m{"Ref": fn}}}
	}
	nested := func(file string, params m) m {
		return m{"Type": "AWS::CloudFormation::Stack", "Properties": m{"Parameters": params, "TemplateURL": "https://example/" + file},
			"Metadata": m{"aws:asset:path": file, "aws:asset:property": "TemplateURL"}}
	}
	write(t, dir, "App-dev.template.json", m{"Resources": m{
		"Bucket": m{"Type": "AWS::S3::Bucket", "Properties": m{"BucketName": "uploads-bucket", "NotificationConfiguration": m{"LambdaConfigurations": []any{
			m{"Event": "s3:ObjectCreated:*", "Filter": m{"S3Key": m{"Rules": []any{m{"Name": "prefix", "Value": "in/"}}}},
				"Function": m{"Fn::GetAtt": []any{"Functions01", "Outputs.ProcessorLiveRef"}}},
		}}}},
		"Api":      m{"Type": "AWS::ApiGateway::RestApi", "Properties": m{"Name": "api"}},
		"ApiItems": m{"Type": "AWS::ApiGateway::Resource", "Properties": m{"RestApiId": m{"Ref": "Api"}, "ParentId": m{"Fn::GetAtt": []any{"Api", "RootResourceId"}}, "PathPart": "items"}},
		"ApiItemsANY": m{"Type": "AWS::ApiGateway::Method", "Properties": m{"RestApiId": m{"Ref": "Api"}, "ResourceId": m{"Ref": "ApiItems"}, "HttpMethod": "ANY", "AuthorizationType": "NONE",
			"Integration": m{"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": m{"Fn::Join": []any{"", []any{
				"arn:", m{"Ref": "AWS::Partition"}, ":apigateway:", m{"Ref": "AWS::Region"}, ":lambda:path/2015-03-31/functions/",
				m{"Fn::GetAtt": []any{"Functions01", "Outputs.ApiLiveRef"}}, "/invocations"}}}}}},
		"ApiStage":    m{"Type": "AWS::ApiGateway::Stage", "Properties": m{"RestApiId": m{"Ref": "Api"}, "StageName": "dev"}},
		"Functions01": nested("Functions01.nested.template.json", m{"BucketNameParam": "uploads-bucket"}),
	}})
	write(t, dir, "Functions01.nested.template.json", m{
		"Parameters": m{"BucketNameParam": m{"Type": "String"}},
		"Resources": m{
			"ApiFunction": function("api"), "ApiLive": alias("ApiFunction"),
			"ProcessorFunction": function("processor"), "ProcessorLive": alias("ProcessorFunction"),
			"Deeper": nested("Deeper.nested.template.json", m{"BucketNameParam": m{"Ref": "BucketNameParam"}}),
		},
		"Outputs": m{"ApiLiveRef": m{"Value": m{"Ref": "ApiLive"}}, "ProcessorLiveRef": m{"Value": m{"Ref": "ProcessorLive"}}},
	})
	write(t, dir, "Deeper.nested.template.json", m{
		"Parameters": m{"BucketNameParam": m{"Type": "String"}},
		"Resources": m{
			"ReportFunction": function("report"), "ReportLive": alias("ReportFunction"),
			"ReportSchedule": m{"Type": "AWS::Events::Rule", "Properties": m{"ScheduleExpression": "cron(0 0 * * ? *)", "State": "ENABLED",
				"Targets": []any{m{"Arn": m{"Ref": "ReportLive"}, "Id": "Target0"}}}},
		},
	})
	return dir
}

// TestLoadReadsFunctionsOfNestedStacks: with the functions in nested
// stacks, two levels deep, the local run finds every function with its
// alias and the parameters it was passed, the REST API's route, the
// bucket notification and the schedule, each naming its function.
func TestLoadReadsFunctionsOfNestedStacks(t *testing.T) {
	tpl, err := template.Load(nestedAssembly(t), "App-dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api", "processor", "report"} {
		fn, ok := tpl.Function(name)
		if !ok || fn.Alias != "live" {
			t.Errorf("function %s: found %v, alias %q", name, ok, fn.Alias)
			continue
		}
		env, err := tpl.Environment(fn, "eu-west-1")
		if err != nil || env["BUCKET_NAME"] != "uploads-bucket" {
			t.Errorf("function %s: environment %v (%v), want the bucket name passed down", name, env, err)
		}
	}
	if tpl.API == nil || len(tpl.API.Routes) != 1 || tpl.API.Routes[0].Function != "api" || tpl.API.Routes[0].Path != "/items" {
		t.Errorf("API %+v, want /items routed to api", tpl.API)
	}
	if len(tpl.Notifications) != 1 || tpl.Notifications[0].Function != "processor" || tpl.Notifications[0].Prefix != "in/" {
		t.Errorf("notifications %+v, want in/ to processor", tpl.Notifications)
	}
	if len(tpl.Schedules) != 1 || tpl.Schedules[0].Function != "report" {
		t.Errorf("schedules %+v, want report's", tpl.Schedules)
	}
}

// TestFlattenLeavesAStackWithoutNestedStacksAlone: the same bytes back.
func TestFlattenLeavesAStackWithoutNestedStacksAlone(t *testing.T) {
	data := []byte(`{"Resources":{"A":{"Type":"AWS::SQS::Queue"}}}`)
	got, err := template.Flatten(data, func(string, map[string]any) ([]byte, error) { t.Fatal("read a child"); return nil, nil })
	if err != nil || string(got) != string(data) {
		t.Errorf("Flatten = %s, %v", got, err)
	}
}
