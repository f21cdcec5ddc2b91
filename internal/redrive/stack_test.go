package redrive_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"go-lambda-cdk/internal/awsemu"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/redrive"
)

// TestResolveAgainstCloudFormation deploys a stack with the resources
// redrive looks up to moto's CloudFormation and resolves its functions.
func TestResolveAgainstCloudFormation(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "stack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfn := cloudformation.NewFromConfig(awsemu.Shared(t).SetEnv(t))
	ctx := context.Background()
	const stack = "GoLambdaCdk-dev"
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(stack), TemplateBody: aws.String(string(body)), Capabilities: nil}); err != nil {
		t.Fatal(err)
	}
	resources := map[string]string{}
	list, err := cfn.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.StackResourceSummaries {
		resources[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	t.Logf("deployed: %v", resources)
	queueID := fixture.LogicalID(t, body, "AWS::SQS::Queue", "")
	processorID := fixture.LogicalID(t, body, "AWS::Lambda::Function", "GoLambdaCdk-dev/Processor/Function/Resource")

	t.Run("function", func(t *testing.T) {
		d, err := redrive.Resolve(ctx, cfn, stack, "processor")
		if err != nil {
			t.Fatal(err)
		}
		if d.QueueURL == "" || d.QueueURL != resources[queueID] {
			t.Errorf("queue URL %q, want the queue's %q", d.QueueURL, resources[queueID])
		}
		if d.FunctionName == "" || d.FunctionName != resources[processorID] {
			t.Errorf("function %q, want the deployed %q", d.FunctionName, resources[processorID])
		}
		if d.Target != d.FunctionName {
			t.Errorf("target %q, want the function %q (the stack has no alias)", d.Target, d.FunctionName)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		_, err := redrive.Resolve(ctx, cfn, stack, "nope")
		if err == nil || !strings.Contains(err.Error(), `no function "nope"`) || !strings.Contains(err.Error(), "processor") {
			t.Errorf("err = %v, want one naming the function and the known ones", err)
		}
	})
	t.Run("unknown stack", func(t *testing.T) {
		_, err := redrive.Resolve(ctx, cfn, "GoLambdaCdk-nope", "processor")
		if err == nil || !strings.Contains(err.Error(), "GoLambdaCdk-nope") {
			t.Errorf("err = %v, want one naming the stack", err)
		}
	})
}

// fakeStack answers Resolve's CloudFormation calls from the testdata
// template and a list of resources.
type fakeStack struct {
	template  string
	resources []cfntypes.StackResourceSummary
}

var _ redrive.StackAPI = (*fakeStack)(nil)

func (f *fakeStack) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Outputs: []cfntypes.Output{
		{OutputKey: aws.String("ApiUrl"), OutputValue: aws.String("https://api")},
		{OutputKey: aws.String(redrive.QueueOutput), OutputValue: aws.String("https://sqs/failures")},
	}}}}, nil
}

func (f *fakeStack) GetTemplate(context.Context, *cloudformation.GetTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(f.template)}, nil
}

func (f *fakeStack) ListStackResources(_ context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	// Two pages, as CloudFormation pages long lists.
	half := len(f.resources) / 2
	if in.NextToken == nil {
		return &cloudformation.ListStackResourcesOutput{StackResourceSummaries: f.resources[:half], NextToken: aws.String("2")}, nil
	}
	return &cloudformation.ListStackResourcesOutput{StackResourceSummaries: f.resources[half:]}, nil
}

// TestResolveAlias checks that the live alias of the function, and no
// other alias, becomes the target.
func TestResolveAlias(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "stack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	summary := func(id, typ, physical string) cfntypes.StackResourceSummary {
		return cfntypes.StackResourceSummary{LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), PhysicalResourceId: aws.String(physical)}
	}
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:"
	function := func(name string) string {
		return fixture.LogicalID(t, body, "AWS::Lambda::Function", "GoLambdaCdk-dev/"+name+"/Function/Resource")
	}
	f := &fakeStack{template: string(body), resources: []cfntypes.StackResourceSummary{
		summary("ReportAlias", "AWS::Lambda::Alias", arn+"dev-report:live"),
		summary(function("Processor"), "AWS::Lambda::Function", "dev-processor"),
		summary("ProcessorAliasStaging", "AWS::Lambda::Alias", arn+"dev-processor:staging"),
		summary(function("Report"), "AWS::Lambda::Function", "dev-report"),
		summary("ProcessorAlias", "AWS::Lambda::Alias", arn+"dev-processor:live"),
		summary(fixture.LogicalID(t, body, "AWS::SQS::Queue", ""), "AWS::SQS::Queue", "https://sqs/failures"),
	}}
	for _, tt := range []struct{ fn, name, target string }{
		{"processor", "dev-processor", arn + "dev-processor:live"},
		{"report", "dev-report", arn + "dev-report:live"},
	} {
		d, err := redrive.Resolve(context.Background(), f, "GoLambdaCdk-dev", tt.fn)
		if err != nil {
			t.Fatal(err)
		}
		want := redrive.Deployed{QueueURL: "https://sqs/failures", FunctionName: tt.name, Target: tt.target}
		if d != want {
			t.Errorf("Resolve(%s) = %+v, want %+v", tt.fn, d, want)
		}
	}
}
