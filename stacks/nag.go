package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// CheckAwsSolutions applies cdk-nag's AWS Solutions rules to everything
// under scope: an unsuppressed finding becomes an error or warning
// annotation, and `cdk synth` fails on errors. Every suppression in this
// package states its reason.
func CheckAwsSolutions(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppress records one cdk-nag rule as accepted for a construct and its
// children, with the reason.
func suppress(c constructs.IConstruct, rule, reason string, appliesTo ...any) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}

// suppressPrefixWildcards accepts the one kind of wildcard the functions'
// roles hold: object ARNs under one of the bucket's key prefixes
// ("arn:<partition>:s3:::<project>-<stage>-<from AWS::StackId>/uploads/*",
// see bucketRef). Keys are generated per upload, so the prefix is the
// narrowest scope that is known at deploy time.
func suppressPrefixWildcards(role constructs.IConstruct) {
	suppress(role, "AwsSolutions-IAM5",
		"Object keys are generated per upload; access is scoped to one key prefix of the app's own bucket (uploads/, results/ or reports/).",
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::[a-z0-9-]+\{.*"AWS::StackId".*\}\/(uploads|results|reports)\/\*$/`)})
}
