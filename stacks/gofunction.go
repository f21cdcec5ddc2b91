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

	"go-lambda-cdk/stacks/config"
)

// GoFunctionProps configures a GoFunction.
type GoFunctionProps struct {
	// Name is the function's folder under lambda/, e.g. "processor".
	Name string
	// Description is the function's description in the console.
	Description string
	// Asset is the path of the function's zip, built by internal/bundle.
	Asset string
	// Config holds memory, timeout, storage, architecture, log levels,
	// extra environment and reserved concurrency.
	Config config.Function
	// Environment is what the stack sets (may hold tokens); Config's
	// environment is added to it.
	Environment map[string]*string
	// Retention is the log group's retention.
	Retention awslogs.RetentionDays
	// RemovalPolicy applies to the log group. Default: retain.
	RemovalPolicy awscdk.RemovalPolicy
}

// GoFunction is a Go Lambda function on provided.al2023 with its own
// execution role and log group. The role can write to that log group only;
// grant everything else explicitly with Grant.
type GoFunction struct {
	constructs.Construct
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
}

// NewGoFunction creates the log group, the role and the function. Construct
// IDs inside it ("LogGroup", "Role", "Function") are stable: renaming them
// replaces deployed resources.
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
	fnProps := &awslambda.FunctionProps{
		Description:           jsii.String(props.Description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Handler:               jsii.String("bootstrap"),
		Architecture:          architecture(cfg.Architecture),
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
	fn := awslambda.NewFunction(c, jsii.String("Function"), fnProps)
	return &GoFunction{Construct: c, Function: fn, Role: role, LogGroup: logGroup}
}

// Grant adds one statement to the function's role.
func (g *GoFunction) Grant(sid string, actions []string, resources []string, conditions map[string]any) {
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

func architecture(name string) awslambda.Architecture {
	if name == config.ArchX86_64 {
		return awslambda.Architecture_X86_64()
	}
	return awslambda.Architecture_ARM_64()
}

// retention maps a validated number of days to CloudWatch's enum.
func retention(days int) awslogs.RetentionDays {
	return map[int]awslogs.RetentionDays{
		1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
		7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
		60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
		150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
		400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
		1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
		2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
		3653: awslogs.RetentionDays_TEN_YEARS,
	}[days]
}
