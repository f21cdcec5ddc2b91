package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/stacks/config"
)

// Assets maps a function name ("api", "processor", "report") to the path of
// its zip.
type Assets map[string]string

// NewAppStack defines one stage of the app: the three functions, the REST
// API, the bucket with its notification, the failure queue and its alarm,
// and the schedule. cfg must have passed Validate; every function in it
// must have an entry in assets.
//
// The stack is environment-agnostic unless CDK_DEFAULT_ACCOUNT is set.
func NewAppStack(scope constructs.Construct, cfg config.Config, assets Assets) (awscdk.Stack, error) {
	for _, fn := range cfg.Functions.Named() {
		if assets[fn.Name] == "" {
			return nil, fmt.Errorf("function %s: no asset (zip) was built for it", fn.Name)
		}
	}
	stack := awscdk.NewStack(scope, jsii.String(cfg.StackName()), &awscdk.StackProps{
		Env:         environment(cfg),
		Description: jsii.String(fmt.Sprintf("%s (%s): REST API, S3 upload processing and nightly report on AWS Lambda", cfg.Project, cfg.Stage)),
	})
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String(cfg.Project), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(cfg.Stage), nil)

	removal := awscdk.RemovalPolicy_RETAIN
	if cfg.Stage == config.StageDev {
		removal = awscdk.RemovalPolicy_DESTROY
	}
	logRetention := retention(cfg.Logs.RetentionDays)

	bucketName := newBucketRef(stack, cfg)
	bucket := newBucket(stack, cfg, bucketName, removal, logRetention)
	queue := newFailureQueue(stack, removal)

	fn := func(id, name, description string, c config.Function, env map[string]*string) *GoFunction {
		env[layout.EnvBucketName] = bucketName.Name
		return NewGoFunction(stack, id, GoFunctionProps{
			Name: name, Description: description, Asset: assets[name], Config: c,
			Environment: env, Retention: logRetention, RemovalPolicy: removal,
		})
	}
	apiEnv := map[string]*string{}
	for k, v := range cfg.APIEnvironment() {
		apiEnv[k] = jsii.String(v)
	}
	api := fn("Api", "api", "REST API: presigns uploads and serves processing results", cfg.Functions.API, apiEnv)
	processor := fn("Processor", "processor", "Hashes and inspects each object uploaded under "+layout.UploadsPrefix, cfg.Functions.Processor, map[string]*string{})
	report := fn("Report", "report", "Summarizes the day's results into "+layout.ReportsPrefix, cfg.Functions.Report, map[string]*string{})

	objects := bucketName.Objects
	// Listing results/ also lets S3 tell the api "no such key" (404) for a
	// result not written yet; without it S3 answers 403.
	listResults := func(f *GoFunction) {
		f.Grant("ListResults", []string{"s3:ListBucket"}, []string{*bucketName.Arn},
			map[string]any{"StringLike": map[string]any{"s3:prefix": []string{layout.ResultsPrefix, layout.ResultsPrefix + "*"}}})
	}
	api.Grant("PresignUploads", []string{"s3:PutObject"}, []string{objects(layout.UploadsPrefix)}, nil)
	listResults(api)
	api.Grant("ReadResults", []string{"s3:GetObject"}, []string{objects(layout.ResultsPrefix)}, nil)
	processor.Grant("ReadUploads", []string{"s3:GetObject"}, []string{objects(layout.UploadsPrefix)}, nil)
	processor.Grant("WriteResults", []string{"s3:PutObject"}, []string{objects(layout.ResultsPrefix)}, nil)
	listResults(report)
	report.Grant("ReadResults", []string{"s3:GetObject"}, []string{objects(layout.ResultsPrefix)}, nil)
	report.Grant("WriteReports", []string{"s3:PutObject"}, []string{objects(layout.ReportsPrefix)}, nil)
	for _, f := range []*GoFunction{api, processor, report} {
		suppressPrefixWildcards(f.Role)
	}

	restAPI := newRestAPI(stack, cfg, api.Function, logRetention, removal)

	for _, f := range []*GoFunction{processor, report} {
		f.Function.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(cfg.Async.RetryAttempts),
			MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(cfg.Async.MaxEventAgeSeconds)),
			OnFailure:     awslambdadestinations.NewSqsDestination(queue),
		})
	}

	notifyOnCreate(bucket, bucketName, processor.Function, layout.UploadsPrefix, cfg.Bucket.NotificationSuffixes)

	awsevents.NewRule(stack, jsii.String("NightlyReport"), &awsevents.RuleProps{
		Description: jsii.String("Invokes the report function on schedule"),
		Schedule:    awsevents.Schedule_Expression(jsii.String("cron(" + cfg.Schedule.Cron + ")")),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(report.Function, nil)},
	})

	output(stack, "ApiUrl", restAPI.Url(), "Base URL of the REST API")
	output(stack, "BucketName", bucketName.Name, "Bucket that holds uploads, results and reports")
	output(stack, "FailureQueueUrl", queue.QueueUrl(), "Queue that receives events the processor or report failed on")
	return stack, nil
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
	awscloudwatch.NewAlarm(stack, jsii.String("FailureAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("An asynchronous invocation failed after its retries; its event waits in the failure queue."),
		Metric:             queue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum")}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	return queue
}

// apiRoutes are the REST API's resources. Each takes ANY method so that the
// function answers a wrong method with 405 and an Allow header, and answers
// CORS preflights (OPTIONS) itself, from config; a path that is not here
// gets API Gateway's own 403.
var apiRoutes = []string{"health", "uploads", "uploads/{id}"}

func newRestAPI(stack awscdk.Stack, cfg config.Config, fn awslambda.IFunction, logRetention awslogs.RetentionDays, removal awscdk.RemovalPolicy) awsapigateway.RestApi {
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: removal,
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		Description:    jsii.String(fmt.Sprintf("%s %s API", cfg.Project, cfg.Stage)),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(false),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(cfg.Stage),
			ThrottlingRateLimit:  jsii.Number(cfg.API.ThrottleRateLimit),
			ThrottlingBurstLimit: jsii.Number(cfg.API.ThrottleBurstLimit),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(false), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(false),
			}),
		},
	})
	integration := awsapigateway.NewLambdaIntegration(fn, &awsapigateway.LambdaIntegrationOptions{Proxy: jsii.Bool(true)})
	for _, route := range apiRoutes {
		api.Root().ResourceForPath(jsii.String(route)).AddMethod(jsii.String("ANY"), integration, nil)
	}
	suppress(api, "AwsSolutions-APIG2", "Lambda proxy integration: the api function validates every request body and parameter itself and answers 400/413 with a JSON error.")
	suppress(api, "AwsSolutions-APIG3", "A WAF web ACL is account-specific and billed separately; associate one per deployment. The stage throttle bounds load in the meantime.")
	suppress(api, "AwsSolutions-APIG4", "The upload API is public by design in this template (the front end presigns uploads anonymously); add an authorizer for your users before production.")
	suppress(api, "AwsSolutions-COG4", "No Cognito user pool in this template; see the AwsSolutions-APIG4 reason.")
	suppress(api, "AwsSolutions-APIG6", "Execution logs go to a log group API Gateway creates itself (API-Gateway-Execution-Logs_<id>/<stage>), outside the stack and without retention; the stage's JSON access logs cover every request. (Both need the region's API Gateway CloudWatch role, which the account stack sets.)")
	return api
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
}
