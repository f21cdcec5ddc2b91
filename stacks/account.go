package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/layout"
)

// gitHubOIDCURL is the issuer of GitHub Actions' OIDC tokens.
const gitHubOIDCURL = "https://token.actions.githubusercontent.com"

// bootstrapRoles are the roles of the CDK bootstrap stack (cdk bootstrap,
// default qualifier) that the CLI assumes to deploy: the deploy role (change
// sets), the file publishing role (asset zips) and the lookup role (cdk
// diff reads the deployed template with it).
var bootstrapRoles = []string{"deploy-role", "file-publishing-role", "lookup-role"}

// NewAccountStack defines "<project>-account", one per account and region,
// deployed by `make bootstrap` right after `cdk bootstrap`. It holds what
// the app's stacks need from the account but must not own, since more than
// one stack (and more than one app) shares it:
//
//   - API Gateway's CloudWatch role and the AWS::ApiGateway::Account setting
//     that points at it. API Gateway refuses a stage with access logging
//     until the region's account has this role. Both are retained when the
//     stack is deleted: other APIs of the region rely on the setting.
//   - When github.repository is set: GitHub Actions' OIDC provider (unless
//     github.oidcProviderArn names an existing one) and a deploy role that
//     only that repository's jobs of the GitHub environments of the stages
//     the account hosts (account.stages) can assume, and that can only
//     assume the CDK bootstrap roles of this account and region.
//
// An account stack that hosts prod is pinned to prod.account and
// prod.region, like the prod stack: the CDK CLI deploys it nowhere else.
// Otherwise it is environment-agnostic and goes where the credentials
// point; config.CheckAccountStackTarget keeps it out of prod's account.
func NewAccountStack(scope awscdk.App, cfg config.Config) awscdk.Stack {
	var env *awscdk.Environment
	if cfg.Account.HostsStage(config.StageProd) {
		env = &awscdk.Environment{Account: jsii.String(cfg.Prod.Account), Region: jsii.String(cfg.Prod.Region)}
	}
	stack := awscdk.NewStack(scope, jsii.String(cfg.AccountStackName()), &awscdk.StackProps{
		Env:         env,
		Description: jsii.String(fmt.Sprintf("%s: per-account settings (API Gateway CloudWatch role; GitHub deploy role when configured)", cfg.Project)),
	})
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String(cfg.Project), nil)

	role := newAPIGatewayLogsRole(stack)
	account := awsapigateway.NewCfnAccount(stack, jsii.String("ApiGatewayAccount"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	account.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	output(stack, "ApiGatewayCloudWatchRoleArn", role.RoleArn(), "Role API Gateway uses to write the region's API logs")

	if cfg.GitHub.Repository != "" {
		deploy := newGitHubDeployRole(stack, cfg)
		output(stack, "GitHubDeployRoleArn", deploy.RoleArn(), "Role the deploy workflow of "+cfg.GitHub.Repository+" assumes (AWS_DEPLOY_ROLE_ARN)")
	}
	return stack
}

// newAPIGatewayLogsRole is the role API Gateway assumes to write access and
// execution logs, with an inline policy instead of AWS's managed
// AmazonAPIGatewayPushToCloudWatchLogs (whose resource is "*"): the same
// write and describe actions, on this account's log groups in this region.
// The role serves every API of the region, whose log groups are not known
// here, so the region's log groups are the narrowest scope.
func newAPIGatewayLogsRole(stack awscdk.Stack) awsiam.Role {
	logGroups := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account())
	role := awsiam.NewRole(stack, jsii.String("ApiGatewayCloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway writes the region's API access and execution logs with this role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"WriteApiLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid: jsii.String("WriteApiLogs"),
					Actions: jsii.Strings("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
						"logs:DescribeLogStreams", "logs:PutLogEvents"),
					Resources: jsii.Strings(logGroups),
				}),
			}}),
		},
	})
	role.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
	suppress(role, "AwsSolutions-IAM5",
		"API Gateway's CloudWatch role is one per region and serves every API there, whose log group names are not known to this stack; it is scoped to this account's log groups in this region.",
		// Tokens in an environment-agnostic stack, literals in one pinned
		// to prod's account and region.
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):logs:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):log-group:\*$/`)})
	return role
}

// newGitHubDeployRole is the role GitHub Actions assumes with its OIDC
// token. It may only assume the CDK bootstrap roles of this account and
// region; CloudFormation's execution role does the deploying.
//
// Its trust admits tokens with audience sts.amazonaws.com whose subject is
// the job of one of the account's stages: the jobs of
// .github/workflows/deploy.yml run in the GitHub environment named like
// their stage, and a job that references an environment gets the subject
// "repo:<owner>/<name>:environment:<environment>", whatever branch or tag
// it runs for
// (https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims).
// So a prod account trusts environment:prod alone (protect it with
// required reviewers), a dev account environment:dev, and no branch
// subject is trusted: no deploy job runs outside an environment. IAM
// matches the sub condition key of a GitHub OIDC token as written
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub).
func newGitHubDeployRole(stack awscdk.Stack, cfg config.Config) awsiam.Role {
	providerArn := cfg.GitHub.OIDCProviderArn
	if providerArn == "" {
		provider := awsiam.NewOidcProviderNative(stack, jsii.String("GitHubOidcProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String(gitHubOIDCURL),
			ClientIds: jsii.Strings("sts.amazonaws.com"),
		})
		providerArn = *provider.OidcProviderArn()
	}
	subjects := gitHubSubjects(cfg)
	role := awsiam.NewRole(stack, jsii.String("GitHubDeployRole"), &awsiam.RoleProps{
		Description: jsii.String("GitHub Actions of " + cfg.GitHub.Repository + " deploy with this role through the CDK bootstrap roles"),
		AssumedBy: awsiam.NewWebIdentityPrincipal(jsii.String(providerArn), &map[string]any{
			"StringEquals": map[string]any{
				"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
				"token.actions.githubusercontent.com:sub": subjects,
			},
		}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	var roles []string
	for _, r := range bootstrapRoles {
		roles = append(roles, fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-%s-%s-%s", *stack.Partition(), *stack.Account(),
			*awscdk.DefaultStackSynthesizer_DEFAULT_QUALIFIER(), r, *stack.Account(), *stack.Region()))
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AssumeCdkBootstrapRoles"),
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(roles...),
	}))
	allowSmoke(stack, role, cfg)
	return role
}

// allowSmoke lets the deploy role run `make smoke` after each deploy
// (bin/smoke): read the app stacks' outputs, create, sign in and delete
// temporary users of their user pools, and delete the objects the check
// uploaded and the results it caused, every version. The account stack
// cannot know the pools' IDs or the buckets' generated names, so it scopes
// by what it knows: the stacks' names, the project tag every app stack
// puts on its pool (Cognito user pools honour aws:ResourceTag in IAM
// conditions,
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TagResource.html),
// and the buckets' "<project>-<stage>-" name prefix with the uploads/ and
// results/ key prefixes. The role deploys anything through CloudFormation
// already, so this adds no reach, only a path without a change set.
func allowSmoke(stack awscdk.Stack, role awsiam.Role, cfg config.Config) {
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	var stacks, buckets, objects []string
	for _, stage := range config.Stages() {
		if !cfg.Account.HostsStage(stage) {
			continue // the role may not smoke-check a stage this account does not host
		}
		c := cfg
		c.Stage = stage
		stacks = append(stacks, fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/*", partition, region, account, c.StackName()))
		bucket := fmt.Sprintf("arn:%s:s3:::%s*", partition, c.BucketNamePrefix())
		buckets = append(buckets, bucket)
		objects = append(objects, bucket+"/"+layout.UploadsPrefix+"*", bucket+"/"+layout.ResultsPrefix+"*")
	}
	for _, st := range []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("SmokeReadAppStacks"), Actions: jsii.Strings("cloudformation:DescribeStacks"), Resources: jsii.Strings(stacks...)},
		{
			Sid:        jsii.String("SmokeTemporaryUsers"),
			Actions:    jsii.Strings("cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminDeleteUser"),
			Resources:  jsii.Strings(fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/*", partition, region, account)),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/project": cfg.Project}},
		},
		// https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html
		{Sid: jsii.String("SmokeBucketVersions"), Actions: jsii.Strings("s3:GetBucketVersioning", "s3:ListBucketVersions"), Resources: jsii.Strings(buckets...)},
		{Sid: jsii.String("SmokeDeleteObjects"), Actions: jsii.Strings("s3:DeleteObject", "s3:DeleteObjectVersion"), Resources: jsii.Strings(objects...)},
	} {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(st))
	}
	suppress(role, "AwsSolutions-IAM5",
		"make smoke after each deploy: the account stack cannot know the app stacks' IDs, pool IDs or generated bucket names; it scopes to the stacks' names, pools tagged with the project, and the buckets' <project>-<stage>- prefix under uploads/ and results/.",
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):((cloudformation|cognito-idp):(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):(stack\/GoLambdaCdk-[a-z]+\/\*|userpool\/\*)|s3:::[a-z0-9-]+-\*(\/(uploads|results)\/\*)?)$/`)})
}

// gitHubSubjects are the OIDC subjects the GitHub deploy role trusts: the
// GitHub environment of each stage the account hosts, in the order of
// config.Stages.
func gitHubSubjects(cfg config.Config) []string {
	var subjects []string
	for _, stage := range config.Stages() {
		if cfg.Account.HostsStage(stage) {
			subjects = append(subjects, "repo:"+cfg.GitHub.Repository+":environment:"+stage)
		}
	}
	return subjects
}
