package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
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
	integration := awsapigateway.NewLambdaIntegration(f.Alias, &awsapigateway.LambdaIntegrationOptions{Proxy: jsii.Bool(true)})
	a.addMethods(t, integration)
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

// schedule invokes the function on an EventBridge cron schedule. The rule's
// construct ID is the function's followed by "Schedule".
func (a *app) schedule(f *GoFunction, cron string) {
	awsevents.NewRule(a.stack, jsii.String(*f.Node().Id()+"Schedule"), &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Invokes the %s function on schedule", f.Name)),
		Schedule:    awsevents.Schedule_Expression(jsii.String("cron(" + cron + ")")),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.Alias, nil)},
	})
}
