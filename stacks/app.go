package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
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
	"go-lambda-cdk/internal/cron"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/nesting"
)

// Assets maps a function's name to the path of its zip.
type Assets map[string]string

// NewAppStack defines one stage of the app: the bucket, the failure queue
// and its alarm, then every declared function (package functions) with its
// role, log group and triggers — the REST API, bucket notifications and
// schedules. cfg must have passed Validate; every function in it must have
// an entry in assets.
//
// The functions are in the stage's stack, or each in the nested stack of
// its group when they do not all fit one template (nesting.Split, which
// also refuses a plan over CloudFormation's limits before any construct
// is created).
//
// The prod stack is pinned to cfg.Prods account and region; dev is
// environment-agnostic.
func NewAppStack(scope constructs.Construct, cfg config.Config, assets Assets) (awscdk.Stack, error) {
	for _, fn := range cfg.Functions.Named() {
		if assets[fn.Name] == "" {
			return nil, fmt.Errorf("function %s: no asset (zip) was built for it", fn.Name)
		}
	}
	logRetention, err := retention(cfg.Logs.RetentionDays)
	if err != nil {
		return nil, err
	}
	// Every template's counts and size are checked before any construct
	// exists (package nesting): a limit is an error here, not CDK's panic.
	plan, err := nesting.Split(cfg)
	if err != nil {
		return nil, err
	}
	stack := awscdk.NewStack(scope, jsii.String(cfg.StackName()), &awscdk.StackProps{
		Env:         environment(cfg),
		Description: jsii.String(fmt.Sprintf("%s (%s): REST API, S3 upload processing and nightly report on AWS Lambda", cfg.Project, cfg.Stage)),
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
	a := &app{stack: stack, cfg: cfg, plan: plan, removal: removal, logRetention: logRetention, groups: map[int]awscdk.NestedStack{}}
	a.bucketName = newBucketRef(stack, cfg)
	a.bucket = newBucket(stack, cfg, a.bucketName, removal, logRetention)
	a.queue = newFailureQueue(stack, removal)
	a.alerts = newAlertTopic(stack, cfg, removal)
	a.queueAlarms()
	schedules, err := cfg.Schedules()
	if err != nil {
		return nil, err
	}
	a.functions = map[string]*GoFunction{}
	a.functionAlarmsOf = map[string][]awscloudwatch.Alarm{}
	for _, fn := range cfg.Functions.Named() {
		f, err := a.addFunction(fn, assets[fn.Name], schedules[fn.Name])
		if err != nil {
			return nil, err
		}
		a.functions[fn.Name] = f
	}
	// Deployments come last: a hook may be any function.
	for _, fn := range cfg.Functions.Named() {
		f := a.functions[fn.Name]
		a.deployment(f, a.functionAlarms(f, fn), a.functions[fn.PreTrafficHook], a.functions[fn.PostTrafficHook])
	}
	setNotifications(a.bucket, a.notifications, a.notifyPermissions)
	if a.restAPI != nil {
		a.apiAlarms()
	}
	a.dashboards()

	if a.restAPI != nil {
		output(stack, "ApiUrl", a.restAPI.Url(), "Base URL of the REST API")
	}
	output(stack, "BucketName", a.bucketName.Name, "Bucket that holds uploads, results and reports")
	output(stack, "FailureQueueUrl", a.queue.QueueUrl(), "Queue that receives the asynchronous events a function failed on after its retries")
	return stack, nil
}

// app holds what every function's constructs share.
type app struct {
	stack        awscdk.Stack
	cfg          config.Config
	plan         nesting.Plan
	groups       map[int]awscdk.NestedStack // the plan's nested stacks, as created
	removal      awscdk.RemovalPolicy
	logRetention awslogs.RetentionDays
	bucketName   bucketRef // how everything refers to the bucket
	bucket       awss3.Bucket
	queue        awssqs.Queue
	restAPI      awsapigateway.RestApi // created for the first api trigger
	alerts       awssns.Topic          // every alarm's action
	stageAlarms  []awscloudwatch.Alarm // the queue's and the API's alarms, for the dashboard
	// functionAlarmsOf are each function's alarms, by name, for the
	// dashboard of the stack that holds it.
	functionAlarmsOf map[string][]awscloudwatch.Alarm
	alertAction      awscloudwatch.IAlarmAction // notifies the alert topic
	apigateway       awsiam.IPrincipal          // API Gateway's service principal
	functions        map[string]*GoFunction     // by name
	deployments      awscodedeploy.LambdaApplication
	// authorizer guards every non-public method; nil with auth.mode none
	// or when every path is public (api.go).
	authorizer awsapigateway.IAuthorizer
	// notifications are the bucket's NotificationConfiguration entries of
	// every S3 trigger, with the invoke permissions they wait for.
	notifications     []any
	notifyPermissions []constructs.IConstruct
}

// addFunction creates one declared function with its role statements, its
// asynchronous invocation settings, its provisioned concurrency schedule and
// its triggers, all on its live alias. Per-function resources go here.
func (a *app) addFunction(fn config.NamedFunction, asset string, provisioned cron.Week) (*GoFunction, error) {
	d := fn.Declaration
	env := map[string]*string{layout.EnvBucketName: a.bucketName.Name}
	for k, v := range a.cfg.CommonEnvironment() {
		env[k] = jsii.String(v)
	}
	if _, ok := d.API(); ok {
		for k, v := range a.cfg.APIEnvironment() {
			env[k] = jsii.String(v)
		}
	}
	arch, err := architecture(fn.Architecture)
	if err != nil {
		return nil, fmt.Errorf("functions.%s.architecture: %w", fn.Name, err)
	}
	scope := a.scopeOf(fn.Name)
	f := NewGoFunction(scope, d.ConstructID(), GoFunctionProps{
		Name: fn.Name, Description: d.Description, Asset: asset, Config: fn.FunctionSettings, Architecture: arch,
		Environment: env, Retention: a.logRetention, RemovalPolicy: a.removal, Tracing: a.cfg.Tracing,
	})
	scheduleProvisioned(f.Alias, fn.Provisioned, provisioned.Max())
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
			a.notifyOnObjectCreated(f, t.Prefix, fn.NotificationSuffixes)
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
			f.AddToRolePolicy(s.Sid, s.Actions, []string{*a.bucketName.Arn},
				map[string]any{"StringLike": map[string]any{"s3:prefix": []string{s.Prefix, s.Prefix + "*"}}})
			continue
		}
		f.AddToRolePolicy(s.Sid, readActions(s, d, a.cfg.Bucket), []string{a.bucketName.Objects(s.Prefix)}, nil)
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

func newBucket(stack awscdk.Stack, cfg config.Config, name bucketRef, removal awscdk.RemovalPolicy, logRetention awslogs.RetentionDays) awss3.Bucket {
	common := func() *awss3.BucketProps {
		return &awss3.BucketProps{
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			MinimumTLSVersion: jsii.Number(1.2),
			ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			RemovalPolicy:     removal,
		}
	}
	logsProps := common()
	logsProps.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED // S3 log delivery writes with ACLs
	logsProps.LifecycleRules = &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(cfg.Logs.RetentionDays))}}
	accessLogs := awss3.NewBucket(stack, jsii.String("AccessLogsBucket"), logsProps)
	suppress(accessLogs, "AwsSolutions-S1", "This bucket is the target of the upload bucket's server access logs; logging it into itself would loop.")

	props := common()
	props.BucketName = name.Name
	props.Versioned = jsii.Bool(cfg.Bucket.Versioned)
	props.LifecycleRules = lifecycleRules(cfg.Bucket)
	props.ServerAccessLogsBucket = accessLogs
	props.ServerAccessLogsPrefix = jsii.String("uploads-bucket/")
	props.Cors = &[]*awss3.CorsRule{{
		AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
		AllowedOrigins: jsii.Strings(cfg.API.CORSAllowedOrigins...),
		AllowedHeaders: jsii.Strings(layout.CORSAllowedHeaders()...),
		MaxAge:         jsii.Number(layout.CORSMaxAgeSeconds),
	}}
	return awss3.NewBucket(stack, jsii.String("Bucket"), props)
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

// newRestAPI creates the stage's REST API with JSON access logs and CORS;
// each function with an api trigger adds its routes (app.routeAPI).
func newRestAPI(stack awscdk.Stack, cfg config.Config, logRetention awslogs.RetentionDays, removal awscdk.RemovalPolicy) awsapigateway.RestApi {
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: removal,
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		// API Gateway's metrics are keyed by ApiName (and Stage): a name of
		// its own per project and stage keeps another stage's, or another
		// app's, requests out of this stage's alarms and dashboard
		// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html).
		RestApiName:    jsii.String(cfg.Project + "-" + cfg.Stage),
		Description:    jsii.String(fmt.Sprintf("%s %s API", cfg.Project, cfg.Stage)),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(false),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(cfg.Stage),
			ThrottlingRateLimit:  jsii.Number(cfg.API.ThrottleRateLimit),
			ThrottlingBurstLimit: jsii.Number(cfg.API.ThrottleBurstLimit),
			TracingEnabled:       jsii.Bool(cfg.Tracing),
			MethodOptions:        uploadThrottles(cfg),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(false), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(false),
			}),
		},
	})
	suppress(api, "AwsSolutions-APIG2", "Lambda proxy integration: each function behind the API validates every request body and parameter itself and answers 400/413 with a JSON error.")
	suppress(api, "AwsSolutions-APIG6", "Execution logs go to a log group API Gateway creates itself (API-Gateway-Execution-Logs_<id>/<stage>), outside the stack and without retention; the stage's JSON access logs cover every request. (Both need the region's API Gateway CloudWatch role, which the account stack sets.)")
	return api
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
}

// scopeOf is where the named function's constructs go: the stage's stack,
// or its group's nested stack (created with the first of its functions).
func (a *app) scopeOf(name string) constructs.Construct {
	g, ok := a.plan.GroupOf(name)
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
