package stacks

import (
	"regexp"
	"strings"

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

// suppressPrefixWildcards accepts the one kind of wildcard a function's
// role holds: object ARNs under one of the given key prefixes of the app's
// bucket ("arn:<partition>:s3:::<project>-<stage>-<from AWS::StackId>/uploads/*",
// see bucketRef), with the reason. The suppression applies to exactly those
// prefixes.
func suppressPrefixWildcards(role constructs.IConstruct, prefixes []string, reason string) {
	quoted := make([]string, len(prefixes))
	for i, p := range prefixes {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(p), "/", `\/`)
	}
	suppress(role, "AwsSolutions-IAM5", reason,
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::[a-z0-9-]+\{.*"AWS::StackId".*\}\/(` + strings.Join(quoted, "|") + `)\*$/`)})
}

// suppressPublicMethod accepts that a REST API method has no authorizer,
// with the reason.
func suppressPublicMethod(method constructs.IConstruct, reason string) {
	suppress(method, "AwsSolutions-APIG4", reason)
	suppress(method, "AwsSolutions-COG4", reason)
}
