package hotswap

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"go-lambda-cdk/internal/bundle"
)

// fakeStack serves one template and its resources' physical IDs, a page
// at a time.
type fakeStack struct {
	template string
	physical [][2]string // logical, physical
}

var _ StackAPI = fakeStack{}

func (s fakeStack) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(s.template)}, nil
}

func (s fakeStack) ListStackResources(_ context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	i := 0
	if in.NextToken != nil {
		i = 1
	}
	// Two pages: the first resource, then the rest.
	page := s.physical[:1]
	out := &cloudformation.ListStackResourcesOutput{NextToken: aws.String("more")}
	if i == 1 {
		page, out.NextToken = s.physical[1:], nil
	}
	for _, p := range page {
		out.StackResourceSummaries = append(out.StackResourceSummaries, cfntypes.StackResourceSummary{LogicalResourceId: aws.String(p[0]), PhysicalResourceId: aws.String(p[1])})
	}
	return out, nil
}

// resolveTemplate has two functions whose construct IDs differ only by a
// suffix ("Img", "ImgFunction"), one alias that is not live, and one
// function without a log group of its own.
const resolveTemplate = `{"Resources": {
  "ImgFunctionFunction1": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": "S/ImgFunction/Function/Resource"},
    "Properties": {"LoggingConfig": {"LogGroup": {"Ref": "ImgFunctionLogGroup1"}}}},
  "ImgFunctionLogGroup1": {"Type": "AWS::Logs::LogGroup", "Metadata": {"aws:cdk:path": "S/ImgFunction/LogGroup/Resource"}},
  "ImgFunctionLive1": {"Type": "AWS::Lambda::Alias", "Properties": {"Name": "live", "FunctionName": {"Ref": "ImgFunctionFunction1"}}},
  "ImgFunction2": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": "S/Img/Function/Resource"}, "Properties": {}},
  "ImgOther2": {"Type": "AWS::Lambda::Alias", "Properties": {"Name": "other", "FunctionName": {"Ref": "ImgFunction2"}}},
  "ImgLive2": {"Type": "AWS::Lambda::Alias", "Properties": {"Name": "live", "FunctionName": {"Ref": "ImgFunction2"}}},
  "NoAliasFunction3": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": "S/NoAlias/Function/Resource"}, "Properties": {}}
}}`

func TestResolve(t *testing.T) {
	api := fakeStack{template: resolveTemplate, physical: [][2]string{
		{"ImgFunctionFunction1", "S-ImgFunctionFunction1-AAA"}, {"ImgFunctionLogGroup1", "S-ImgFunctionLogGroup1-BBB"},
		{"ImgFunctionLive1", "arn:aws:lambda:us-east-1:1:function:S-ImgFunctionFunction1-AAA:live"},
		{"ImgFunction2", "S-ImgFunction2-CCC"}, {"ImgLive2", "arn:aws:lambda:us-east-1:1:function:S-ImgFunction2-CCC:live"},
		{"ImgOther2", "arn:aws:lambda:us-east-1:1:function:S-ImgFunction2-CCC:other"},
		{"NoAliasFunction3", "S-NoAliasFunction3-DDD"},
	}}
	fn := func(construct, name string) Declared {
		return Declared{ConstructID: construct, Build: bundle.Target{Name: name, Dir: "lambda/" + name}}
	}
	got, err := Resolve(context.Background(), api, "S", []Declared{fn("ImgFunction", "imgfunction"), fn("Img", "img")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Target{
		"imgfunction": {Name: "imgfunction", FunctionName: "S-ImgFunctionFunction1-AAA", Alias: "live", LogGroup: "S-ImgFunctionLogGroup1-BBB"},
		"img":         {Name: "img", FunctionName: "S-ImgFunction2-CCC", Alias: "live", LogGroup: "/aws/lambda/S-ImgFunction2-CCC"},
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %+v\nwant %+v", name, got[name], w)
		}
	}
	for _, tc := range []struct {
		name string
		fn   Declared
		want string
	}{
		{"not in the stack", fn("Thumbnail", "thumbnail"), "stack S has no Lambda function at CDK path S/Thumbnail/Function/Resource (function thumbnail)"},
		{"no live alias", fn("NoAlias", "noalias"), "function noalias (NoAliasFunction3) has no live alias"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), api, "S", []Declared{tc.fn})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Resolve = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
