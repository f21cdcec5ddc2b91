package awsemu_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/awsemu"
)

// codeZip is a Lambda deployment package whose bootstrap holds body, and
// its CodeSha256 (base64 of the zip's SHA-256), as Lambda reports it.
func codeZip(t *testing.T, body string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create("bootstrap")
	if err == nil {
		_, err = f.Write([]byte(body))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), base64.StdEncoding.EncodeToString(sum[:])
}

// versionedFunction is a template shaped as CDK writes a function with
// currentVersion and a live alias: the function's code is the S3 object
// key, the AWS::Lambda::Version's logical ID (versionID) changes with the
// code, and the alias points at that version through Fn::GetAtt.
func versionedFunction(key, versionID string) string {
	t := map[string]any{"Resources": map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "lambda.amazonaws.com"},
			}}},
		}},
		"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
			"Code":    map[string]any{"S3Bucket": assetBucket, "S3Key": key},
			"Handler": "bootstrap", "Runtime": "provided.al2023",
			"Role": map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}},
		}},
		versionID: map[string]any{"Type": "AWS::Lambda::Version", "Properties": map[string]any{
			"FunctionName": map[string]any{"Ref": "Fn"},
		}},
		"Live": map[string]any{"Type": "AWS::Lambda::Alias", "Properties": map[string]any{
			"FunctionName":    map[string]any{"Ref": "Fn"},
			"FunctionVersion": map[string]any{"Fn::GetAtt": []any{versionID, "Version"}},
			"Name":            "live",
		}},
	}}
	b, _ := json.Marshal(t)
	return string(b)
}

// TestChangeSetPublishesVersionFromUpdatedCode deploys a function with a
// version and a live alias through change sets, as `cdk deploy` does, then
// edits the code twice (new S3 object, new Version logical ID). Each time
// CloudFormation updates the function before it creates the Version that
// refers to it, so the alias's version runs the new code, and it removes
// the old Version last.
func TestChangeSetPublishesVersionFromUpdatedCode(t *testing.T) {
	srv := awsemu.Shared(t)
	cfg := srv.Config()
	ctx := context.Background()
	cfn := cloudformation.NewFromConfig(cfg)
	lam := lambda.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(assetBucket)}); err != nil {
		t.Fatal(err)
	}
	const stack = "Versioned-dev"

	previous := ""
	for i, step := range []struct {
		name, code, versionID string
		kind                  cfntypes.ChangeSetType
	}{
		{name: "create publishes the first code", code: "v1", versionID: "FnCurrentVersionAAAA", kind: cfntypes.ChangeSetTypeCreate},
		{name: "a code edit moves the alias to the new code", code: "v2", versionID: "FnCurrentVersionBBBB", kind: cfntypes.ChangeSetTypeUpdate},
		{name: "a second edit moves it again", code: "v3", versionID: "FnCurrentVersionCCCC", kind: cfntypes.ChangeSetTypeUpdate},
	} {
		t.Run(step.name, func(t *testing.T) {
			body, sha := codeZip(t, step.code)
			key := step.code + ".zip"
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(assetBucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("cs-%d", i)
			if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
				StackName: aws.String(stack), ChangeSetName: aws.String(name), ChangeSetType: step.kind,
				TemplateBody: aws.String(versionedFunction(key, step.versionID)), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
			}); err != nil {
				t.Fatalf("create change set: %v", err)
			}
			if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(name)}); err != nil {
				t.Fatalf("execute change set: %v\n%s", err, lastLines(srv.Output(), 30))
			}

			fn, err := cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String(stack), LogicalResourceId: aws.String("Fn")})
			if err != nil {
				t.Fatal(err)
			}
			fnName := fn.StackResourceDetail.PhysicalResourceId
			alias, err := lam.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: fnName, Name: aws.String("live")})
			if err != nil {
				t.Fatal(err)
			}
			version, err := lam.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: fnName, Qualifier: alias.FunctionVersion})
			if err != nil {
				t.Fatal(err)
			}
			got := aws.ToString(version.CodeSha256)
			if got != sha {
				t.Errorf("live -> version %s with CodeSha256 %s, want %s (the %s code); previous code %s",
					aws.ToString(alias.FunctionVersion), got, sha, step.code, previous)
			}
			if got == previous {
				t.Errorf("live -> version %s still runs the previous code (%s)", aws.ToString(alias.FunctionVersion), previous)
			}
			previous = sha

			list, err := cfn.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
			if err != nil {
				t.Fatal(err)
			}
			var versions []string
			for _, r := range list.StackResourceSummaries {
				if aws.ToString(r.ResourceType) == "AWS::Lambda::Version" {
					versions = append(versions, aws.ToString(r.LogicalResourceId))
				}
			}
			if len(versions) != 1 || versions[0] != step.versionID {
				t.Errorf("stack versions %v, want only %s (the replaced one removed)", versions, step.versionID)
			}
		})
	}
}
