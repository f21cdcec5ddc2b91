package smoke

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"go-lambda-cdk/internal/deployed"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/local/apigw"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/s3local"
)

// Outputs of the app stack that Target reads (stacks/app.go, stacks/api.go).
const (
	OutputAPIURL   = "ApiUrl"
	OutputBucket   = "BucketName"
	OutputPoolID   = "UserPoolId"
	OutputClientID = "UserPoolClientId"
)

// Target is what Run checks: the API, the bucket and the user pool.
type Target struct {
	// APIURL is the REST API's base URL with its stage.
	APIURL string
	// Bucket is the app's bucket, where the uploads and results go.
	Bucket string
	// UserPoolID and ClientID name the user pool and its app client; both
	// are "" when the API has no authorizer (auth.mode none). Deployed
	// only.
	UserPoolID, ClientID string
	// Authorized reports whether the upload routes need a token.
	Authorized bool
}

// StackAPI is the part of CloudFormation DeployedTarget uses;
// *cloudformation.Client satisfies it. It needs
// cloudformation:DescribeStacks on the stack.
type StackAPI interface {
	deployed.OutputsAPI
}

var _ StackAPI = (*cloudformation.Client)(nil)

// DeployedTarget reads the target from the deployed stack's outputs. A
// stack with a UserPoolId output needs tokens; its UserPoolClientId output
// is missing when auth.userPoolArn names a pool the stack does not own,
// and then clientID (the -client-id flag) must name an app client of that
// pool allowing ADMIN_USER_PASSWORD_AUTH; a non-empty clientID always wins.
func DeployedTarget(ctx context.Context, api StackAPI, stack, clientID string) (Target, error) {
	var t Target
	outputs, err := deployed.Outputs(ctx, api, stack)
	if err != nil {
		return t, err
	}
	t = Target{APIURL: outputs[OutputAPIURL], Bucket: outputs[OutputBucket], UserPoolID: outputs[OutputPoolID], ClientID: outputs[OutputClientID]}
	if clientID != "" {
		t.ClientID = clientID
	}
	t.Authorized = t.UserPoolID != ""
	var errs []error
	for _, o := range []struct{ name, value string }{{OutputAPIURL, t.APIURL}, {OutputBucket, t.Bucket}} {
		if o.value == "" {
			errs = append(errs, fmt.Errorf("stack %s has no output %s (is it this project's stack, deployed, with an api function?)", stack, o.name))
		}
	}
	if t.Authorized && t.ClientID == "" {
		errs = append(errs, fmt.Errorf("stack %s has output %s but no %s (auth.userPoolArn names a pool it does not own): pass -client-id with an app client of that pool that allows ADMIN_USER_PASSWORD_AUTH", stack, OutputPoolID, OutputClientID))
	}
	return t, errors.Join(errs...)
}

// LocalTarget is the target of `make local` serving tpl with its API on
// apiAddr (host:port): the API's stage, the bucket its upload route
// presigns into (the function's BUCKET_NAME), and whether that route has a
// Cognito user pools authorizer.
func LocalTarget(tpl *template.Template, apiAddr string) (Target, error) {
	if tpl.API == nil {
		return Target{}, fmt.Errorf("stack %s has no REST API", tpl.StackName)
	}
	i := slices.IndexFunc(tpl.API.Routes, func(r apigw.Route) bool {
		return r.Path == layout.ResourceUploads && r.Function != "" && (r.Method == layout.CreateUploadMethod || r.Method == "ANY")
	})
	if i < 0 {
		return Target{}, fmt.Errorf("stack %s has no %s %s route", tpl.StackName, layout.CreateUploadMethod, layout.ResourceUploads)
	}
	route := tpl.API.Routes[i]
	fn, ok := tpl.Function(route.Function)
	if !ok {
		return Target{}, fmt.Errorf("stack %s has no function %s behind %s", tpl.StackName, route.Function, layout.ResourceUploads)
	}
	env, err := tpl.Environment(fn, s3local.Region)
	if err != nil {
		return Target{}, err
	}
	bucket := env[layout.EnvBucketName]
	if bucket == "" {
		return Target{}, fmt.Errorf("function %s of stack %s has no %s", fn.Name, tpl.StackName, layout.EnvBucketName)
	}
	return Target{
		APIURL:     "http://" + apiAddr + "/" + strings.Trim(tpl.API.Stage, "/"),
		Bucket:     bucket,
		Authorized: route.Authorizer != nil,
	}, nil
}
