// Package preflight makes the read-only checks that `make deploy` and `make
// diff` run against the target account before the CDK CLI does anything:
// credentials, the CDK bootstrap stack, API Gateway's CloudWatch role and
// Lambda's concurrency quota. It reports every problem at once, each with
// its fix.
//
// A check whose API the endpoint does not implement (an AWS API emulator
// such as moto lacks Lambda's GetAccountSettings) is reported as "not
// available", a warning, not a failure.
package preflight

import (
	awsquota "go-lambda-cdk/internal/quota"

	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"go-lambda-cdk/internal/config"
)

// DefaultToolkitStack is the name `cdk bootstrap` gives its stack.
const DefaultToolkitStack = "CDKToolkit"

// DefaultQualifier is the qualifier `cdk bootstrap` puts in its roles'
// names (cdk-<qualifier>-lookup-role-<account>-<region>).
const DefaultQualifier = "hnb659fds"

// Identity resolves the caller's credentials (STS).
type Identity interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Stacks describes CloudFormation stacks.
type Stacks interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// APIGatewayAccount reads API Gateway's account settings of the region.
type APIGatewayAccount interface {
	GetAccount(context.Context, *apigateway.GetAccountInput, ...func(*apigateway.Options)) (*apigateway.GetAccountOutput, error)
}

// LambdaAccount reads Lambda's account settings of the region.
type LambdaAccount interface {
	GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error)
}

// Clients are the AWS APIs the checks call, all for the target region.
type Clients struct {
	STS            Identity
	CloudFormation Stacks
	APIGateway     APIGatewayAccount
	Lambda         LambdaAccount
}

// Target is what is about to be deployed, and where.
type Target struct {
	// Config is the stage's validated configuration.
	Config config.Config
	// Region is the region the clients talk to: the credentials' default
	// region, or prod.region for prod.
	Region string
	// CredentialsRegion is the region the caller's settings name
	// (AWS_REGION or the profile's), "" when none.
	CredentialsRegion string
	// ToolkitStack is the CDK bootstrap stack's name. Default
	// DefaultToolkitStack.
	ToolkitStack string
	// MinBootstrapVersion is the lowest bootstrap version the synthesized
	// stack needs (see RequiredBootstrapVersion).
	MinBootstrapVersion int
}

// Status is the outcome of one check.
type Status string

// Outcomes of a check.
const (
	OK          Status = "ok"
	Unavailable Status = "not available" // the endpoint lacks the API: a warning
	Warning     Status = "warning"
	Failed      Status = "FAIL"
)

// Result is one check's outcome.
type Result struct {
	Check  string
	Status Status
	// Detail says what was found.
	Detail string
	// Fix says what to do, for a warning or a failure.
	Fix string
}

// Run makes every check and returns their results in a fixed order. It
// never stops early: every problem is reported at once.
func Run(ctx context.Context, t Target, c Clients) []Result {
	if t.ToolkitStack == "" {
		t.ToolkitStack = DefaultToolkitStack
	}
	return []Result{
		checkCredentials(ctx, t, c.STS),
		checkBootstrap(ctx, t, c.CloudFormation),
		checkAPIGatewayRole(ctx, t, c.APIGateway),
		checkConcurrency(ctx, t, c.Lambda),
	}
}

// Failures counts the failed checks.
func Failures(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Status == Failed {
			n++
		}
	}
	return n
}

// Write prints the results, one line per check and its fix indented below.
func Write(w io.Writer, results []Result) {
	width := 0
	for _, r := range results {
		width = max(width, len(r.Check))
	}
	for _, r := range results {
		fmt.Fprintf(w, "  %-13s %-*s  %s\n", r.Status, width, r.Check, r.Detail)
		if r.Fix != "" {
			fmt.Fprintf(w, "  %-13s %-*s  fix: %s\n", "", width, "", r.Fix)
		}
	}
}

func checkCredentials(ctx context.Context, t Target, c Identity) Result {
	r := Result{Check: "credentials"}
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		r.Status, r.Detail = Failed, "cannot resolve the caller's identity: "+oneLine(err)
		r.Fix = "configure AWS credentials for the target account (aws configure, aws sso login, or AWS_PROFILE)"
		return r
	}
	account := deref(out.Account)
	r.Status, r.Detail = OK, fmt.Sprintf("account %s (%s), region %s", account, deref(out.Arn), orNone(t.Region))
	var problems, fixes []string
	if t.Config.Stage == config.StageProd {
		if account != t.Config.Prod.Account {
			problems = append(problems, fmt.Sprintf("the credentials are for account %s, prod.account is %s", account, t.Config.Prod.Account))
			fixes = append(fixes, "use credentials for account "+t.Config.Prod.Account+" (e.g. AWS_PROFILE=<prod profile>)")
		}
		if t.CredentialsRegion != t.Config.Prod.Region {
			problems = append(problems, fmt.Sprintf("the default region is %s, prod.region is %s", orNone(t.CredentialsRegion), t.Config.Prod.Region))
			fixes = append(fixes, "set AWS_REGION="+t.Config.Prod.Region)
		}
	} else if t.Region == "" {
		problems = append(problems, "no region is configured")
		fixes = append(fixes, "set AWS_REGION (or the profile's region)")
	}
	if len(problems) > 0 {
		r.Status, r.Detail, r.Fix = Failed, r.Detail+": "+strings.Join(problems, "; "), strings.Join(fixes, "; ")
	}
	return r
}

func checkBootstrap(ctx context.Context, t Target, c Stacks) Result {
	r := Result{Check: "bootstrap"}
	fix := "make bootstrap (runs cdk bootstrap in this account and region, then deploys " + t.Config.AccountStackName() + ")"
	out, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &t.ToolkitStack})
	switch {
	case notAvailable(err):
		return unavailable(r, "CloudFormation DescribeStacks", err)
	case isMissingStack(err):
		r.Status, r.Detail, r.Fix = Failed, "no CDK bootstrap stack "+t.ToolkitStack+" in "+orNone(t.Region), fix
		return r
	case err != nil:
		r.Status, r.Detail, r.Fix = Failed, "cannot describe stack "+t.ToolkitStack+": "+oneLine(err), "allow cloudformation:DescribeStacks on it, or "+fix
		return r
	case len(out.Stacks) == 0:
		r.Status, r.Detail, r.Fix = Failed, "no CDK bootstrap stack "+t.ToolkitStack+" in "+orNone(t.Region), fix
		return r
	}
	stack := out.Stacks[0]
	if status := string(stack.StackStatus); !slices.Contains([]string{"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}, status) {
		r.Status, r.Detail, r.Fix = Failed, t.ToolkitStack+" is "+status, "let it finish, or repair it in the CloudFormation console, then "+fix
		return r
	}
	version := -1
	for _, o := range stack.Outputs {
		if deref(o.OutputKey) == "BootstrapVersion" {
			if v, err := strconv.Atoi(deref(o.OutputValue)); err == nil {
				version = v
			}
		}
	}
	switch {
	case version < 0:
		r.Status, r.Detail, r.Fix = Failed, t.ToolkitStack+" has no BootstrapVersion output (not a CDK bootstrap stack?)", fix
	case version < t.MinBootstrapVersion:
		r.Status, r.Detail, r.Fix = Failed, fmt.Sprintf("%s is version %d; this app needs at least %d", t.ToolkitStack, version, t.MinBootstrapVersion), fix+" to upgrade it"
	default:
		r.Status, r.Detail = OK, fmt.Sprintf("%s version %d (needs %d or later)", t.ToolkitStack, version, t.MinBootstrapVersion)
	}
	return r
}

func checkAPIGatewayRole(ctx context.Context, t Target, c APIGatewayAccount) Result {
	r := Result{Check: "api logging role"}
	out, err := c.GetAccount(ctx, &apigateway.GetAccountInput{})
	switch {
	case notAvailable(err):
		return unavailable(r, "API Gateway GetAccount", err)
	case err != nil:
		r.Status, r.Detail, r.Fix = Failed, "cannot read API Gateway's account settings: "+oneLine(err), "allow apigateway:GET on arn:aws:apigateway:"+orNone(t.Region)+"::/account"
	case deref(out.CloudwatchRoleArn) == "":
		r.Status = Failed
		r.Detail = "API Gateway has no CloudWatch role in " + orNone(t.Region) + ": it refuses a stage with access logging"
		r.Fix = "make bootstrap (deploys " + t.Config.AccountStackName() + ", which sets it)"
	default:
		r.Status, r.Detail = OK, "API Gateway logs with "+deref(out.CloudwatchRoleArn)
	}
	return r
}

func checkConcurrency(ctx context.Context, t Target, c LambdaAccount) Result {
	r := Result{Check: "concurrency"}
	out, err := c.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	switch {
	case notAvailable(err):
		return unavailable(r, "Lambda GetAccountSettings", err)
	case err != nil:
		r.Status, r.Detail, r.Fix = Failed, "cannot read Lambda's account settings: "+oneLine(err), "allow lambda:GetAccountSettings"
		return r
	case out.AccountLimit == nil:
		r.Status, r.Detail = Failed, "Lambda returned no account limit"
		return r
	}
	quota := int(out.AccountLimit.ConcurrentExecutions)
	unreserved := int(deref(out.AccountLimit.UnreservedConcurrentExecutions))
	reserved := 0
	for _, fn := range t.Config.Functions.Named() {
		reserved += fn.ReservedConcurrency
	}
	r.Status = OK
	r.Detail = fmt.Sprintf("quota %d, %d unreserved now, config reserves %d", quota, unreserved, reserved)
	// The same checks as synth's, with the real quota instead of
	// accountConcurrency.
	withQuota := t.Config
	withQuota.AccountConcurrency = quota
	if err := withQuota.Validate(); err != nil {
		r.Status = Failed
		r.Detail += "; with this quota: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		r.Fix = "request a higher \"Concurrent executions\" quota (Service Quotas, AWS Lambda), or lower functions.*.reservedConcurrency or peak"
		return r
	}
	if unreserved-reserved < awsquota.UnreservedConcurrency {
		r.Status = Warning
		r.Detail += fmt.Sprintf("; other reservations in the account leave %d unreserved after this app's, below %d (if this stack is deployed, its own reservations are counted twice)", unreserved-reserved, awsquota.UnreservedConcurrency)
		r.Fix = "free reserved concurrency elsewhere in the account, or lower functions.*.reservedConcurrency"
	}
	return r
}

func unavailable(r Result, api string, err error) Result {
	why := oneLine(err)
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		why = "HTTP " + strconv.Itoa(resp.HTTPStatusCode())
	}
	r.Status = Unavailable
	r.Detail = "the endpoint does not implement " + api + " (" + why + "); not checked"
	return r
}

// notAvailable reports whether err says the endpoint does not implement the
// operation at all: HTTP 404 or 501 without a modelled AWS error, or an
// error code that says so. AWS itself never answers these operations so.
func notAvailable(err error) bool {
	if err == nil {
		return false
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NotImplemented", "NotImplementedException", "InvalidAction", "UnknownOperationException":
			return true
		}
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		code := resp.HTTPStatusCode()
		return code == http.StatusNotImplemented || (code == http.StatusNotFound && !isModelled(err))
	}
	return false
}

// isModelled reports whether err is an AWS error with a code (such as
// ResourceNotFoundException), not a bare HTTP failure.
func isModelled(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() != "" && !strings.HasPrefix(apiErr.ErrorCode(), "NotFound") && apiErr.ErrorCode() != "UnknownError"
}

// isMissingStack reports CloudFormation's answer for a stack that does not
// exist: ValidationError "Stack with id X does not exist".
func isMissingStack(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist")
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
