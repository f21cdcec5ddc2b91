package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/config"
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
