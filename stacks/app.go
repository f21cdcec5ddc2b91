package stacks

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/nesting"
)

// Assets maps a function's name to the path of its zip.
type Assets map[string]string

// NewAppStack defines one stage of the app from its plan: the bucket, the
// failure queue and its alarm, then every declared function (package
// functions) with its role, log group and triggers — the REST API, bucket
// notifications and schedules. Every function of the plan must have an
// entry in assets; the plan itself was checked when it was made, so
// nothing here fails on configuration.
//
// The functions are in the stage's stack, or each in the nested stack of
// its group when they do not all fit one template (nesting.Split, which
// refuses a placement over CloudFormation's limits before any construct
// is created).
//
// The prod stack is pinned to the plan's prod account and region; dev is
// environment-agnostic.
func NewAppStack(scope constructs.Construct, plan config.Plan, assets Assets) (awscdk.Stack, error) {
	// Every template's counts and size are checked before any construct
	// exists (package nesting): a limit is an error here, not CDK's panic.
	placement, err := nesting.Split(plan.Config)
	if err != nil {
		return nil, err
	}
	return NewPlacedAppStack(scope, plan, placement, assets)
}

// NewPlacedAppStack is NewAppStack with the placement nesting.Split made
// of plan.Config, for a caller that already split it (the CDK app does,
// before the jsii kernel starts).
func NewPlacedAppStack(scope constructs.Construct, plan config.Plan, placement nesting.Plan, assets Assets) (awscdk.Stack, error) {
	for _, fn := range plan.Functions {
		if assets[fn.Name] == "" {
			return nil, fmt.Errorf("function %s: no asset (zip) was built for it", fn.Name)
		}
	}
	cfg := plan.Config
	logRetention := awslogs.RetentionDays(plan.RetentionName)
	stack := awscdk.NewStack(scope, jsii.String(cfg.StackName()), &awscdk.StackProps{
		Env:         environment(cfg),
		Description: jsii.String(plan.Description),
	})
	// Dashboards and scalable targets take tags only in CloudFormation's
	// newest schema (cfn-lint 1.51 refuses them); they are found by name
	// and by their function.
	untagged := &awscdk.TagProps{ExcludeResourceTypes: jsii.Strings("AWS::CloudWatch::Dashboard", "AWS::ApplicationAutoScaling::ScalableTarget")}
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String(cfg.Project), untagged)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(cfg.Stage), untagged)

	removal := awscdk.RemovalPolicy_RETAIN
	if cfg.Stage == config.StageDev {
		removal = awscdk.RemovalPolicy_DESTROY
	}
	a := &app{stack: stack, cfg: cfg, placement: placement, removal: removal, logRetention: logRetention,
		groups: map[int]awscdk.NestedStack{}, codeDeployApps: map[int]awscodedeploy.ILambdaApplication{}}
	a.bucketRef = newBucketRef(stack, cfg)
	a.bucket = newBucket(stack, cfg, a.bucketRef, removal, logRetention)
	a.queue = newFailureQueue(stack, removal)
	a.alerts = newAlertTopic(stack, cfg, removal)
	a.queueAlarms()
	a.functions = map[string]*GoFunction{}
	a.functionAlarmsOf = map[string][]awscloudwatch.Alarm{}
	for _, fn := range plan.Functions {
		f, err := a.addFunction(fn, assets[fn.Name])
		if err != nil {
			return nil, err
		}
		a.functions[fn.Name] = f
	}
	// Deployments come last: a hook may be any function.
	for _, fn := range plan.Functions {
		f := a.functions[fn.Name]
		a.deployment(f, a.functionAlarms(f, fn.NamedFunction), a.functions[fn.PreTrafficHook], a.functions[fn.PostTrafficHook])
	}
	setNotifications(a.bucket, a.notifications, a.notifyPermissions)
	if a.restAPI != nil {
		a.apiAlarms()
	}
	a.dashboards()

	if a.restAPI != nil {
		output(stack, "ApiUrl", a.restAPI.Url(), "Base URL of the REST API")
	}
	output(stack, "BucketName", a.bucketRef.Name, "Bucket that holds uploads, results and reports")
	output(stack, "FailureQueueUrl", a.queue.QueueUrl(), "Queue that receives the asynchronous events a function failed on after its retries")
	return stack, nil
}

// app holds what every function's constructs share.
type app struct {
	stack        awscdk.Stack
	cfg          config.Config
	placement    nesting.Plan               // which stack holds each function
	groups       map[int]awscdk.NestedStack // the placement's nested stacks, as created
	removal      awscdk.RemovalPolicy
	logRetention awslogs.RetentionDays
	bucketRef    bucketRef // how everything refers to the bucket
	bucket       awss3.Bucket
	queue        awssqs.Queue
	restAPI      awsapigateway.RestApi // created for the first api trigger
	alerts       awssns.Topic          // every alarm's action
	stageAlarms  []awscloudwatch.Alarm // the queue's and the API's alarms, for the dashboard
	// functionAlarmsOf are each function's alarms, by name, for the
	// dashboard of the stack that holds it.
	functionAlarmsOf map[string][]awscloudwatch.Alarm
	alertAction      awscloudwatch.IAlarmAction      // notifies the alert topic
	apigateway       awsiam.IPrincipal               // API Gateway's service principal
	functions        map[string]*GoFunction          // by name
	codeDeployApp    awscodedeploy.LambdaApplication // the CodeDeploy application of every deployment group
	// codeDeployApps are codeDeployApp as each nested stack refers to it.
	codeDeployApps map[int]awscodedeploy.ILambdaApplication
	// authorizer guards every non-public method; nil with auth.mode none
	// or when every path is public (api.go).
	authorizer awsapigateway.IAuthorizer
	// notifications are the bucket's NotificationConfiguration entries of
	// every S3 trigger, with the invoke permissions they wait for.
	notifications     []any
	notifyPermissions []constructs.IConstruct
}

// goFunctionProps adapts a function's plan to GoFunction's props: the one
// place where the plan meets the construct. Provisioned concurrency with
// windows belongs to Application Auto Scaling (scheduleProvisioned), so
// the alias gets the baseline only without windows.
func (a *app) goFunctionProps(fn config.FunctionPlan, asset string) GoFunctionProps {
	env := map[string]*string{layout.EnvBucketName: a.bucketRef.Name}
	for k, v := range fn.Environment {
		env[k] = jsii.String(v)
	}
	arch := awslambda.Architecture_ARM_64()
	if fn.Architecture == config.ArchX86_64 {
		arch = awslambda.Architecture_X86_64()
	}
	baseline := fn.Provisioned.Baseline
	if len(fn.Provisioned.Windows) > 0 {
		baseline = 0
	}
	return GoFunctionProps{
		Name: fn.Name, Description: fn.Declaration.Description, Asset: asset,
		MemorySize: fn.MemoryMB, Timeout: time.Duration(fn.TimeoutSeconds) * time.Second, EphemeralStorageSize: fn.EphemeralStorageMB,
		Architecture: arch, Environment: env, ApplicationLogLevel: fn.LogLevel, SystemLogLevel: fn.SystemLogLevel,
		LogRetention: a.logRetention, RemovalPolicy: a.removal, Tracing: a.cfg.Tracing,
		ReservedConcurrency: fn.ReservedConcurrency, ProvisionedBaseline: baseline,
	}
}

// addFunction creates one declared function with its role statements, its
// asynchronous invocation settings, its provisioned concurrency schedule and
// its triggers, all on its live alias. Per-function resources go here.
func (a *app) addFunction(fn config.FunctionPlan, asset string) (*GoFunction, error) {
	d := fn.Declaration
	scope := a.scopeOf(fn.Name)
	f, err := NewGoFunction(scope, d.ConstructID(), a.goFunctionProps(fn, asset))
	if err != nil {
		return nil, err
	}
	scheduleProvisioned(f.Alias, fn.Provisioned, fn.ProvisionedWeek.Max())
	a.grantBucketAccess(f, d)
	if d.Async() {
		f.Alias.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(a.cfg.Async.RetryAttempts),
			MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(a.cfg.Async.MaxEventAgeSeconds)),
			OnFailure:     awslambdadestinations.NewSqsDestination(a.queue),
		})
	}
	for _, t := range d.Triggers {
		switch t := t.(type) {
		case functions.API:
			a.routeAPI(f, t)
		case functions.ObjectCreated:
			a.notifyOnObjectCreated(f, t.Prefix, fn.Suffixes)
		case functions.Schedule:
			a.schedule(scope, f, fn.Schedule)
		default:
			return nil, fmt.Errorf("function %s: unknown trigger type %T", fn.Name, t)
		}
	}
	return f, nil
}

// grantBucketAccess adds the role statements of the declaration's Access,
// each scoped to its key prefix, and accepts cdk-nag's finding on the
// prefix wildcards with the reason.
func (a *app) grantBucketAccess(f *GoFunction, d functions.Declaration) {
	for _, s := range d.Statements() {
		if s.OnBucket {
			f.AddToRolePolicy(s.Sid, s.Actions, []string{*a.bucketRef.Arn},
				map[string]any{"StringLike": map[string]any{"s3:prefix": []string{s.Prefix, s.Prefix + "*"}}})
			continue
		}
		f.AddToRolePolicy(s.Sid, readActions(s, d, a.cfg.Bucket), []string{a.bucketRef.Objects(s.Prefix)}, nil)
	}
	if prefixes := d.ObjectPrefixes(); len(prefixes) > 0 {
		suppressPrefixWildcards(f.Role, prefixes, d.WildcardReason())
	}
}

// environment pins the prod stack to its configured account and region;
// the dev stack is environment-agnostic (it deploys where the credentials
// point, and synth needs none).
func environment(cfg config.Config) *awscdk.Environment {
	if cfg.Stage != config.StageProd {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(cfg.Prod.Account), Region: jsii.String(cfg.Prod.Region)}
}

func newFailureQueue(stack awscdk.Stack, removal awscdk.RemovalPolicy) awssqs.Queue {
	queue := awssqs.NewQueue(stack, jsii.String("FailureQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   removal,
	})
	suppress(queue, "AwsSolutions-SQS3", "This queue is itself the on-failure destination (dead letter) of the asynchronous functions.")
	return queue
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
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

// scopeOf is where the named function's constructs go: the stage's stack,
// or its group's nested stack (created with the first of its functions).
func (a *app) scopeOf(name string) constructs.Construct {
	g, ok := a.placement.GroupOf(name)
	if !ok {
		return a.stack
	}
	if n, ok := a.groups[g]; ok {
		return n
	}
	n := awscdk.NewNestedStack(a.stack, jsii.String(nesting.StackID(g)), &awscdk.NestedStackProps{
		Description: jsii.String(fmt.Sprintf("%s (%s): functions of group %d (placed by a hash of their names)", a.cfg.Project, a.cfg.Stage, g)),
	})
	a.groups[g] = n
	return n
}
