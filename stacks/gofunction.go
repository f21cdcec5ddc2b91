// Package stacks defines the app's CDK stacks and constructs. It holds
// only code that defines constructs; the configuration it is built from is
// a resolved plan (internal/config.Plan), which app.go adapts to the
// constructs' props in one place.
package stacks

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/quota"
)

// GoFunctionProps configures a GoFunction, in the style of aws-lambda's
// FunctionProps. Limits are Lambda's
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
// NewGoFunction returns an error naming the prop that breaks one.
type GoFunctionProps struct {
	// Name is the function's name in the app, e.g. "processor": the
	// role's description names it, and the function resource's Metadata
	// entry functions.MetadataKey holds it (the local run finds the
	// function's lambda/<name> folder by it). Required.
	Name string
	// Description is the function's description in the console, at most
	// 256 characters. Default: none.
	Description string
	// Asset is the path of the built zip, with the bootstrap executable at
	// its root (internal/bundle builds it from lambda/<name>). Required.
	Asset string
	// MemorySize is the memory in MB, 128 to 10240. Default 128.
	MemorySize int
	// Timeout is how long an invocation may run, 1 s to 15 min, in whole
	// seconds. Default 3 s.
	Timeout time.Duration
	// EphemeralStorageSize is the size of /tmp in MB, 512 to 10240.
	// Default 512.
	EphemeralStorageSize int
	// Architecture is the instruction set the asset was built for.
	// Default ARM_64 (Graviton).
	Architecture awslambda.Architecture
	// Environment variables; values may be tokens. Keys and values
	// together may take 4096 bytes (checked for literal values). Default
	// none.
	Environment map[string]*string
	// ApplicationLogLevel is TRACE, DEBUG, INFO, WARN, ERROR or FATAL
	// (JSON logs). Default INFO.
	ApplicationLogLevel string
	// SystemLogLevel is DEBUG, INFO or WARN. Default WARN.
	SystemLogLevel string
	// LogRetention is the log group's retention. Default ONE_WEEK.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy applies to the log group. Default RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// Tracing turns on X-Ray active tracing. Default false.
	Tracing bool
	// ReservedConcurrency reserves and caps concurrent executions; 0
	// leaves the function in the account's unreserved pool. Default 0.
	ReservedConcurrency int
	// ProvisionedBaseline is the provisioned concurrency kept on the live
	// alias at all times, at most ReservedConcurrency when that is set; 0
	// is none. Leave it 0 when Application Auto Scaling owns the alias's
	// provisioned concurrency. Default 0.
	ProvisionedBaseline int
}

// Defaults of GoFunctionProps.
const (
	DefaultMemorySize           = 128
	DefaultTimeout              = 3 * time.Second
	DefaultEphemeralStorageSize = 512
)

var (
	applicationLogLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	systemLogLevels      = []string{"DEBUG", "INFO", "WARN"}
)

// withDefaults returns p with every unset prop at its default, or an error
// naming each prop that breaks a limit.
func (p GoFunctionProps) withDefaults() (GoFunctionProps, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.MemorySize, DefaultMemorySize)
	def(&p.EphemeralStorageSize, DefaultEphemeralStorageSize)
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
	}
	if p.ApplicationLogLevel == "" {
		p.ApplicationLogLevel = "INFO"
	}
	if p.SystemLogLevel == "" {
		p.SystemLogLevel = "WARN"
	}
	if p.Architecture == nil {
		p.Architecture = awslambda.Architecture_ARM_64()
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_WEEK
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	var errs []error
	bad := func(prop, format string, args ...any) {
		errs = append(errs, fmt.Errorf("GoFunctionProps.%s: %s", prop, fmt.Sprintf(format, args...)))
	}
	if p.Name == "" {
		bad("Name", "is required")
	}
	if p.Asset == "" {
		bad("Asset", "is required: the path of the function's zip")
	}
	if len(p.Description) > functions.MaxDescriptionLength {
		bad("Description", "has %d characters; allowed at most %d", len(p.Description), functions.MaxDescriptionLength)
	}
	if p.MemorySize < quota.MinMemoryMB || p.MemorySize > quota.MaxMemoryMB {
		bad("MemorySize", "%d is out of range; allowed %d to %d MB", p.MemorySize, quota.MinMemoryMB, quota.MaxMemoryMB)
	}
	if minT, maxT := quota.MinTimeoutSeconds*time.Second, quota.MaxTimeoutSeconds*time.Second; p.Timeout < minT || p.Timeout > maxT || p.Timeout%time.Second != 0 {
		bad("Timeout", "%s is out of range; allowed %s to %s in whole seconds", p.Timeout, minT, maxT)
	}
	if p.EphemeralStorageSize < quota.MinEphemeralMB || p.EphemeralStorageSize > quota.MaxEphemeralMB {
		bad("EphemeralStorageSize", "%d is out of range; allowed %d to %d MB", p.EphemeralStorageSize, quota.MinEphemeralMB, quota.MaxEphemeralMB)
	}
	if !slices.Contains(applicationLogLevels, p.ApplicationLogLevel) {
		bad("ApplicationLogLevel", "%q is not a log level; allowed: %v", p.ApplicationLogLevel, applicationLogLevels)
	}
	if !slices.Contains(systemLogLevels, p.SystemLogLevel) {
		bad("SystemLogLevel", "%q is not a system log level; allowed: %v", p.SystemLogLevel, systemLogLevels)
	}
	size := 0
	for k, v := range p.Environment {
		if v != nil && !*awscdk.Token_IsUnresolved(v) {
			size += len(k) + len(*v)
		}
	}
	if size > quota.MaxEnvironmentBytes {
		bad("Environment", "takes %d bytes (keys and values); allowed at most %d", size, quota.MaxEnvironmentBytes)
	}
	if p.ReservedConcurrency < 0 {
		bad("ReservedConcurrency", "%d must not be negative (0: unreserved)", p.ReservedConcurrency)
	}
	switch {
	case p.ProvisionedBaseline < 0:
		bad("ProvisionedBaseline", "%d must not be negative (0: none)", p.ProvisionedBaseline)
	case p.ReservedConcurrency > 0 && p.ProvisionedBaseline > p.ReservedConcurrency:
		bad("ProvisionedBaseline", "%d exceeds ReservedConcurrency %d", p.ProvisionedBaseline, p.ReservedConcurrency)
	}
	return p, errors.Join(errs...)
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
// it and the live alias, with the provisioned baseline when props has one.
// It returns an error naming every prop that breaks a limit, before it
// creates anything. Construct IDs inside it ("LogGroup", "Role",
// "Function", "Live") are stable: renaming them replaces deployed resources.
func NewGoFunction(scope constructs.Construct, id string, props GoFunctionProps) (*GoFunction, error) {
	props, err := props.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", id, err)
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: props.RemovalPolicy,
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
	fnProps := &awslambda.FunctionProps{
		Description:           jsii.String(props.Description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Handler:               jsii.String("bootstrap"),
		Architecture:          props.Architecture,
		Code:                  awslambda.Code_FromAsset(jsii.String(props.Asset), nil),
		MemorySize:            jsii.Number(props.MemorySize),
		Timeout:               awscdk.Duration_Seconds(jsii.Number(props.Timeout.Seconds())),
		EphemeralStorageSize:  awscdk.Size_Mebibytes(jsii.Number(props.EphemeralStorageSize)),
		Environment:           &env,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel(props.ApplicationLogLevel),
		SystemLogLevelV2:      awslambda.SystemLogLevel(props.SystemLogLevel),
		LogGroup:              logGroup,
		Role:                  role,
	}
	if props.ReservedConcurrency > 0 {
		fnProps.ReservedConcurrentExecutions = jsii.Number(props.ReservedConcurrency)
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
	g.Alias = newLiveAlias(g, props.ProvisionedBaseline)
	return g, nil
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
