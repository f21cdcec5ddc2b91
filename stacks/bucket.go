package stacks

// The app's bucket, all of it: its name (bucketRef), the bucket and its
// access-log bucket with lifecycle rules and CORS, the object-created
// notifications of every S3 trigger, and the versioned read actions.

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/layout"
	"slices"
)

// bucketRef is how every resource of the stack refers to the app's bucket:
// by a name computed from the stack's own ID, never by a Ref or GetAtt of
// the bucket resource.
//
// Why: the bucket's NotificationConfiguration invokes the processor, and S3
// checks that it may invoke it when the configuration is set, so the bucket
// depends on the processor's invoke permission and thus on the function; the
// function depends on the bucket through BUCKET_NAME and its role's policy.
// With CloudFormation's generated name (Ref Bucket) that is a cycle. CDK's
// AddEventNotification breaks it with a custom resource, a Python Lambda
// function with an AWS managed policy that puts the configuration after both
// exist. A name every resource can compute without the bucket breaks it
// with no helper: "<project>-<stage>-<last group of the stack's UUID>", from
// AWS::StackId. The UUID is new for every stack (account, region, and each
// re-creation), lower-case hex, and config.Validate keeps the whole name
// within S3's 63 characters.
type bucketRef struct {
	// Name is the bucket name (an Fn::Join token).
	Name *string
	// Arn is arn:<partition>:s3:::<name>.
	Arn *string
}

// newBucketRef returns the stack-unique bucket name of cfg's stage in stack.
func newBucketRef(stack awscdk.Stack, cfg config.Config) bucketRef {
	uuid := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), stack.StackId(), nil))
	last := awscdk.Fn_Select(jsii.Number(4), awscdk.Fn_Split(jsii.String("-"), uuid, nil))
	name := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(cfg.BucketNamePrefix()), last})
	arn := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), stack.Partition(), jsii.String(":s3:::"), name})
	return bucketRef{Name: name, Arn: arn}
}

// Objects is the ARN of the objects under a key prefix ("uploads/").
func (b bucketRef) Objects(prefix string) string {
	return *awscdk.Fn_Join(jsii.String(""), &[]*string{b.Arn, jsii.String("/" + prefix + "*")})
}

// objectCreatedConfigs returns the bucket NotificationConfiguration
// entries that invoke fn for every object created under prefix, or, when
// suffixes are given, for those whose key also ends with one of them. It
// grants s3.amazonaws.com the invoke permission for this bucket of this
// account only, and returns that permission too: the bucket must wait for it
// (S3 tests the destination when the configuration is set).
func objectCreatedConfigs(ref bucketRef, fn awslambda.IFunction, prefix string, suffixes []string) (configs []any, permission constructs.IConstruct) {
	stack := awscdk.Stack_Of(fn)
	fn.AddPermission(jsii.String("InvokeFromBucket"), &awslambda.Permission{
		Principal:     awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil),
		SourceAccount: stack.Account(),
		SourceArn:     ref.Arn,
	})
	rule := func(name, value string) any {
		return &awss3.CfnBucket_FilterRuleProperty{Name: jsii.String(name), Value: jsii.String(value)}
	}
	var filters [][]any
	if len(suffixes) == 0 {
		filters = append(filters, []any{rule("prefix", prefix)})
	}
	for _, s := range suffixes {
		filters = append(filters, []any{rule("prefix", prefix), rule("suffix", s)})
	}
	for _, rules := range filters {
		configs = append(configs, &awss3.CfnBucket_LambdaConfigurationProperty{
			Event:    jsii.String("s3:ObjectCreated:*"),
			Function: fn.FunctionArn(),
			Filter:   &awss3.CfnBucket_NotificationFilterProperty{S3Key: &awss3.CfnBucket_S3KeyFilterProperty{Rules: &rules}},
		})
	}
	return configs, fn.Node().FindChild(jsii.String("InvokeFromBucket"))
}

// setNotifications writes the bucket's own NotificationConfiguration (no
// custom resource) with the given Lambda entries, after the permissions.
func setNotifications(bucket awss3.Bucket, configs []any, permissions []constructs.IConstruct) {
	if len(configs) == 0 {
		return
	}
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{LambdaConfigurations: &configs})
	for _, p := range permissions {
		cfn.Node().AddDependency(p)
	}
}

// newBucket creates the upload bucket and the bucket of its server access
// logs.
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

// lifecycleRules expires uploads/ and results/ (by-owner results and the
// by-day index) after the configured days, keeps reports/, expires
// noncurrent versions, removes expired object delete markers and aborts
// incomplete multipart uploads everywhere.
//
// In a versioned bucket, expiring an object adds a delete marker; once its
// noncurrent versions expire too, the marker is left alone in the listing
// (an "expired object delete marker") and is removed only by a rule that
// says so. S3 refuses ExpiredObjectDeleteMarker in a rule that also expires
// after days or on a date, hence a rule of its own
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html).
// The noncurrent-version and delete-marker rules apply in every stage: a
// bucket whose versioning was turned off is suspended, not unversioned, and
// keeps its versions and markers.
func lifecycleRules(b config.Bucket) *[]*awss3.LifecycleRule {
	days := func(n int) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(n)) }
	return &[]*awss3.LifecycleRule{
		{Id: jsii.String("ExpireUploads"), Prefix: jsii.String(layout.UploadsPrefix), Expiration: days(b.UploadsExpireDays)},
		{Id: jsii.String("ExpireResults"), Prefix: jsii.String(layout.ResultsPrefix), Expiration: days(b.ResultsExpireDays)},
		{
			Id:                                  jsii.String("NoncurrentAndIncomplete"),
			AbortIncompleteMultipartUploadAfter: days(config.AbortIncompleteMultipartDays),
			NoncurrentVersionExpiration:         days(config.NoncurrentVersionExpireDays),
		},
		{Id: jsii.String("ExpiredDeleteMarkers"), ExpiredObjectDeleteMarker: jsii.Bool(true)},
	}
}

// readActions adds s3:GetObjectVersion to a Read statement on the prefix
// of the function's own S3 trigger when the bucket is versioned: the
// processor reads exactly the version of its event (GetObject with
// VersionId), which S3 authorizes with s3:GetObjectVersion.
func readActions(s functions.Statement, d functions.Declaration, b config.Bucket) []string {
	o, ok := d.ObjectCreated()
	if !b.Versioned || !ok || o.Prefix != s.Prefix || !slices.Contains(s.Actions, "s3:GetObject") {
		return s.Actions
	}
	return append(slices.Clone(s.Actions), "s3:GetObjectVersion")
}

// notifyOnObjectCreated invokes the function for every object created
// under prefix, or, with suffixes, under prefix and ending in one of them,
// through the bucket's own NotificationConfiguration (see bucketRef);
// NewAppStack writes the collected entries once every function exists.
func (a *app) notifyOnObjectCreated(f *GoFunction, prefix string, suffixes []string) {
	configs, permission := objectCreatedConfigs(a.bucketRef, f.Alias, prefix, suffixes)
	a.notifications = append(a.notifications, configs...)
	a.notifyPermissions = append(a.notifyPermissions, permission)
}
