package stacks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
)

// One function per trigger kind: each wires a function to its event source.

// routeAPI sends every method of each path to the function through a
// Lambda proxy integration on the stage's REST API, behind its authorizer
// (api.go).
func (a *app) routeAPI(f *GoFunction, t functions.API) {
	if a.restAPI == nil {
		a.restAPI = newRestAPI(a.stack, a.cfg, a.logRetention, a.removal)
		a.protectAPI()
	}
	// The Lambda proxy integration of CDK's LambdaIntegration (the same
	// AWS_PROXY URI invoking the live alias), without its invoke
	// permissions: it adds two per method (the stage's and the console's
	// test), in the API's stack. Here each path gets one, in the function's
	// own stack, for every method and stage of the path
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html):
	// the stage's stack keeps only the methods, which matters once the
	// functions are in nested stacks, and the function's resource policy
	// (20 KB at most, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
	// grows by one statement per path.
	integration := awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Proxy:   jsii.Bool(true),
		Service: jsii.String("lambda"),
		Path:    jsii.String("2015-03-31/functions/" + *f.Alias.FunctionArn() + "/invocations"),
	})
	a.addMethods(t, integration)
	for _, path := range t.Paths {
		f.Alias.AddPermission(jsii.String("ApiInvoke"+apiPermissionID.Replace(path)), &awslambda.Permission{
			Principal: a.apiPrincipal(),
			SourceArn: a.restAPI.ArnForExecuteApi(jsii.String("*"), jsii.String(pathParams.ReplaceAllString(path, "*")), jsii.String("*")),
		})
	}
}

// pathParams are the {parameters} of a resource path, which an
// execute-api ARN spells "*" (as CDK's Method.methodArn does).
var pathParams = regexp.MustCompile(`\{[^}]*\}`)

// apiPermissionID turns a resource path into a construct ID's tail.
var apiPermissionID = strings.NewReplacer("/", ".", "{", "", "}", "", "+", "")

// apiPrincipal is API Gateway's service principal, made once.
func (a *app) apiPrincipal() awsiam.IPrincipal {
	if a.apigateway == nil {
		a.apigateway = awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil)
	}
	return a.apigateway
}

// notifyOnObjectCreated invokes the function for every object created
// under prefix, or, with suffixes, under prefix and ending in one of them,
// through the bucket's own NotificationConfiguration (see bucketRef);
// NewAppStack writes the collected entries once every function exists.
func (a *app) notifyOnObjectCreated(f *GoFunction, prefix string, suffixes []string) {
	configs, permission := objectCreatedConfigs(a.bucketName, f.Alias, prefix, suffixes)
	a.notifications = append(a.notifications, configs...)
	a.notifyPermissions = append(a.notifyPermissions, permission)
}

// schedule invokes the function on an EventBridge cron schedule. The rule
// is in scope, the stack that holds the function; its construct ID is the
// function's followed by "Schedule".
func (a *app) schedule(scope constructs.Construct, f *GoFunction, cron string) {
	awsevents.NewRule(scope, jsii.String(*f.Node().Id()+"Schedule"), &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Invokes the %s function on schedule", f.Name)),
		Schedule:    awsevents.Schedule_Expression(jsii.String("cron(" + cron + ")")),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.Alias, nil)},
	})
}
