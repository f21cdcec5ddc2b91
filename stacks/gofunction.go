// Package stacks defines the CDK stacks and constructs of the app. It is the
// one place where the plain Go configuration (package config) meets jsii.
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
)

// GoFunctionProps configures a GoFunction.
type GoFunctionProps struct {
	// Name is the function's folder under lambda/, e.g. "processor".
	Name string
	// Description is the function's description in the console.
	Description string
	// Asset is the path of the function's zip, built by internal/bundle.
	Asset string
	// Config holds memory, timeout, storage, log levels, extra environment
	// and reserved concurrency.
	Config config.FunctionSettings
	// Architecture is the function's; see architecture(). Default arm64.
	Architecture awslambda.Architecture
	// Environment is what the stack sets (may hold tokens); Config's
	// environment is added to it.
	Environment map[string]*string
	// Retention is the log group's retention.
	Retention awslogs.RetentionDays
	// RemovalPolicy applies to the log group. Default: retain.
	RemovalPolicy awscdk.RemovalPolicy
	// Tracing turns on X-Ray active tracing. Default off.
	Tracing bool
}

// GoFunction is a Go Lambda function on provided.al2023 with its own
// execution role and log group, and its live alias (LiveAlias), which is
// what triggers invoke. The role can write to that log group only (and to
// X-Ray when tracing is on); add every other permission explicitly with
// AddToRolePolicy.
type GoFunction struct {
	constructs.Construct
	// Name is the function's name, as in GoFunctionProps.
	Name     string
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
	// Alias is the live alias on the function's current version.
	Alias awslambda.Alias
}

// NewGoFunction creates the log group, the role, the function, a version of
// it and the live alias, with the provisioned concurrency baseline when
// cfg.Provisioned has one. Construct IDs inside it ("LogGroup", "Role",
// "Function", "Live") are stable: renaming them replaces deployed resources.
func NewGoFunction(scope constructs.Construct, id string, props GoFunctionProps) *GoFunction {
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention:     props.Retention,
		RemovalPolicy: removal,
	})
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("Execution role of the %s function", props.Name)),
	})
	// Instead of AWSLambdaBasicExecutionRole (logs on "*"): this function's
	// own log group only. Its Arn attribute ends in ":*", which covers the
	// log streams Lambda creates in it.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logGroup.LogGroupArn()),
	}))

	env := map[string]*string{}
	for k, v := range props.Environment {
		env[k] = v
	}
	for k, v := range props.Config.Environment {
		env[k] = jsii.String(v)
	}
	cfg := props.Config
	arch := props.Architecture
	if arch == nil {
		arch = awslambda.Architecture_ARM_64()
	}
	fnProps := &awslambda.FunctionProps{
		Description:           jsii.String(props.Description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Handler:               jsii.String("bootstrap"),
		Architecture:          arch,
		Code:                  awslambda.Code_FromAsset(jsii.String(props.Asset), nil),
		MemorySize:            jsii.Number(cfg.MemoryMB),
		Timeout:               awscdk.Duration_Seconds(jsii.Number(cfg.TimeoutSeconds)),
		EphemeralStorageSize:  awscdk.Size_Mebibytes(jsii.Number(cfg.EphemeralStorageMB)),
		Environment:           &env,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel(cfg.LogLevel),
		SystemLogLevelV2:      awslambda.SystemLogLevel(cfg.SystemLogLevel),
		LogGroup:              logGroup,
		Role:                  role,
	}
	if cfg.ReservedConcurrency > 0 {
		fnProps.ReservedConcurrentExecutions = jsii.Number(cfg.ReservedConcurrency)
	}
	if props.Tracing {
		fnProps.Tracing = awslambda.Tracing_ACTIVE
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), fnProps)
	// The local run finds the folder that builds the function by this
	// entry, not by the shape of its construct ID. A resource's Metadata
	// attribute is kept in the stack's template only: it changes nothing
	// in the deployed function (neither its configuration nor its tags)
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-metadata.html
	fn.Node().DefaultChild().(awslambda.CfnFunction).AddMetadata(jsii.String(functions.MetadataKey), props.Name)
	if props.Tracing {
		suppress(role, "AwsSolutions-IAM5", "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions: \"*\" is the only resource they accept (Service Authorization Reference, AWS X-Ray). It is the one wildcard resource of the stage's roles.", "Resource::*")
	}
	g := &GoFunction{Construct: c, Name: props.Name, Function: fn, Role: role, LogGroup: logGroup}
	g.Alias = newLiveAlias(g, cfg.Provisioned)
	return g
}

// AddToRolePolicy adds one Allow statement to the function's role: the
// actions on the resources, under the conditions when not nil.
func (g *GoFunction) AddToRolePolicy(sid string, actions []string, resources []string, conditions map[string]any) {
	props := &awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	}
	if conditions != nil {
		props.Conditions = &conditions
	}
	g.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(props))
}

// architecture maps a Lambda architecture name (config.ArchARM64,
// config.ArchX86_64) to the CDK's, refusing any other.
func architecture(name string) (awslambda.Architecture, error) {
	switch name {
	case config.ArchARM64:
		return awslambda.Architecture_ARM_64(), nil
	case config.ArchX86_64:
		return awslambda.Architecture_X86_64(), nil
	}
	return nil, fmt.Errorf("%q is not a Lambda architecture; allowed: %q, %q", name, config.ArchARM64, config.ArchX86_64)
}

// retention maps a number of days to CloudWatch's enum, refusing a value
// that config.Retentions does not list.
func retention(days int) (awslogs.RetentionDays, error) {
	name, err := config.RetentionName(days)
	if err != nil {
		return "", fmt.Errorf("logs.retentionDays: %w", err)
	}
	return awslogs.RetentionDays(name), nil
}
