package deployed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"go-lambda-cdk/internal/deployed"
	"go-lambda-cdk/internal/local/template"
)

type m = map[string]any

type resource struct{ id, typ, physical string }

// fakeCFN answers GetTemplate and ListStackResources from a set of stacks
// by name or ARN, as CloudFormation does for a stage with nested stacks.
type fakeCFN struct {
	templates map[string]m
	resources map[string][]resource
}

func (f fakeCFN) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	t, ok := f.templates[aws.ToString(in.StackName)]
	if !ok {
		return nil, fmt.Errorf("stack %s does not exist", aws.ToString(in.StackName))
	}
	data, _ := json.Marshal(t)
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(string(data))}, nil
}

func (f fakeCFN) ListStackResources(_ context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	rs, ok := f.resources[aws.ToString(in.StackName)]
	if !ok {
		return nil, fmt.Errorf("stack %s does not exist", aws.ToString(in.StackName))
	}
	out := &cloudformation.ListStackResourcesOutput{}
	for _, r := range rs {
		out.StackResourceSummaries = append(out.StackResourceSummaries, cfntypes.StackResourceSummary{
			LogicalResourceId: aws.String(r.id), ResourceType: aws.String(r.typ), PhysicalResourceId: aws.String(r.physical),
		})
	}
	return out, nil
}

// TestReadFindsFunctionsInNestedStacks: a function deployed in a nested
// stack is found by its declared name, with its physical name and its
// alias's, as in a stage whose functions are all in its own stack.
func TestReadFindsFunctionsInNestedStacks(t *testing.T) {
	child := "arn:aws:cloudformation:eu-west-1:111122223333:stack/App-dev-Functions01-X/uuid"
	api := fakeCFN{
		templates: map[string]m{
			"App-dev": {"Resources": m{"Functions01": m{"Type": template.NestedStackType, "Properties": m{"TemplateURL": "https://example/t.json"}}}},
			child: {"Resources": m{
				"ApiFunction": m{"Type": "AWS::Lambda::Function", "Metadata": m{"go-lambda-cdk:function": "api"}, "Properties": m{"Handler": "bootstrap", "Runtime": "provided.al2023"}},
				"ApiLive":     m{"Type": "AWS::Lambda::Alias", "Properties": m{"Name": "live", "FunctionName": m{"Ref": "ApiFunction"}}},
			}},
		},
		resources: map[string][]resource{
			"App-dev": {{"Functions01", template.NestedStackType, child}},
			child: {
				{"ApiFunction", "AWS::Lambda::Function", "App-dev-Functions01-ApiFunction-1"},
				{"ApiLive", "AWS::Lambda::Alias", "arn:aws:lambda:eu-west-1:111122223333:function:App-dev-Functions01-ApiFunction-1:live"},
			},
		},
	}
	s, err := deployed.Read(context.Background(), api, "App-dev")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Parse(s.Template, "App-dev")
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Function("api")
	if !ok || fn.Alias != "live" {
		t.Fatalf("function api: found %v, alias %q", ok, fn.Alias)
	}
	if got := s.Resources[fn.LogicalID]; got.Physical != "App-dev-Functions01-ApiFunction-1" || got.Type != "AWS::Lambda::Function" {
		t.Errorf("resource %s = %+v, want the child's function", fn.LogicalID, got)
	}
	if got := s.Resources["Functions01"+template.NestedSeparator+"ApiLive"].Physical; got == "" {
		t.Errorf("the child's alias is not among the resources: %v", s.Resources)
	}
}

// describeStacks answers DescribeStacks with stacks, or with err.
type describeStacks struct {
	stacks []cfntypes.Stack
	err    error
}

func (d describeStacks) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	return &cloudformation.DescribeStacksOutput{Stacks: d.stacks}, d.err
}

// TestOutputs: a stack's outputs by key; a failed or ambiguous describe is
// an error naming the stack.
func TestOutputs(t *testing.T) {
	one := cfntypes.Stack{Outputs: []cfntypes.Output{
		{OutputKey: aws.String("ApiUrl"), OutputValue: aws.String("https://x/dev/")},
		{OutputKey: aws.String("BucketName"), OutputValue: aws.String("b")},
	}}
	tests := []struct {
		name string
		api  describeStacks
		want map[string]string
		err  string
	}{
		{"one stack", describeStacks{stacks: []cfntypes.Stack{one}}, map[string]string{"ApiUrl": "https://x/dev/", "BucketName": "b"}, ""},
		{"describe fails", describeStacks{err: fmt.Errorf("access denied")}, nil, "describe stack S: access denied"},
		{"no stack", describeStacks{}, nil, "describe stack S: 0 stacks found"},
		{"two stacks", describeStacks{stacks: []cfntypes.Stack{one, one}}, nil, "describe stack S: 2 stacks found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := deployed.Outputs(context.Background(), tt.api, "S")
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Outputs = %v, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Outputs = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
