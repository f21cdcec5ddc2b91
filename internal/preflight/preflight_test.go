package preflight

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"go-lambda-cdk/internal/config"
)

// fakeAWS answers every client interface from its fields; a non-nil error
// field is returned instead.
type fakeAWS struct {
	account       string
	identityErr   error
	toolkit       *cfntypes.Stack
	stacksErr     error
	cwRole        string
	apigwErr      error
	quota         int32
	unreserved    int32
	lambdaErr     error
	describedName string
}

var (
	_ Identity          = (*fakeAWS)(nil)
	_ Stacks            = (*fakeAWS)(nil)
	_ APIGatewayAccount = (*fakeAWS)(nil)
	_ LambdaAccount     = (*fakeAWS)(nil)
)

func (f *fakeAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if f.identityErr != nil {
		return nil, f.identityErr
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(f.account), Arn: aws.String("arn:aws:iam::" + f.account + ":user/dev")}, nil
}

func (f *fakeAWS) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.describedName = aws.ToString(in.StackName)
	if f.stacksErr != nil {
		return nil, f.stacksErr
	}
	if f.toolkit == nil {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id " + f.describedName + " does not exist"}
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{*f.toolkit}}, nil
}

func (f *fakeAWS) GetAccount(context.Context, *apigateway.GetAccountInput, ...func(*apigateway.Options)) (*apigateway.GetAccountOutput, error) {
	if f.apigwErr != nil {
		return nil, f.apigwErr
	}
	out := &apigateway.GetAccountOutput{}
	if f.cwRole != "" {
		out.CloudwatchRoleArn = aws.String(f.cwRole)
	}
	return out, nil
}

func (f *fakeAWS) GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error) {
	if f.lambdaErr != nil {
		return nil, f.lambdaErr
	}
	return &lambda.GetAccountSettingsOutput{AccountLimit: &lambdatypes.AccountLimit{
		ConcurrentExecutions: f.quota, UnreservedConcurrentExecutions: aws.Int32(f.unreserved),
	}}, nil
}

func toolkitStack(status cfntypes.StackStatus, version string) *cfntypes.Stack {
	return &cfntypes.Stack{StackStatus: status, Outputs: []cfntypes.Output{{OutputKey: aws.String("BootstrapVersion"), OutputValue: aws.String(version)}}}
}

// ready is an account where every check passes for the dev preset.
func ready() *fakeAWS {
	return &fakeAWS{
		account: "123456789012", toolkit: toolkitStack(cfntypes.StackStatusUpdateComplete, "30"),
		cwRole: "arn:aws:iam::123456789012:role/apigw", quota: 1000, unreserved: 1000,
	}
}

// httpError is what the SDK returns for a bare HTTP status without an AWS
// error body, as an endpoint that lacks the operation answers.
func httpError(status int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("deserialization failed"),
	}}
}

func TestRun(t *testing.T) {
	dev, _ := config.ForStage(config.StageDev)
	prod, _ := config.ForStage(config.StageProd)
	prod.Prod = config.Prod{Account: "123456789012", Region: "eu-west-1"}
	prod.API.CORSAllowedOrigins = []string{"https://uploads.acme.dev"} // prod has no default front end
	tests := []struct {
		name   string
		cfg    config.Config
		region string
		// reserve is the processor's reserved concurrency in config.
		reserve int
		mutate  func(*fakeAWS)
		want    map[string]Status // by check; others must be OK
		detail  []string          // fragments of the output
	}{
		{"all ready", dev, "us-east-1", 0, func(*fakeAWS) {}, nil, []string{"CDKToolkit version 30 (needs 8 or later)", "quota 1000"}},
		{"no credentials", dev, "us-east-1", 0, func(f *fakeAWS) { f.identityErr = errors.New("no EC2 IMDS role found") }, map[string]Status{"credentials": Failed},
			[]string{"no EC2 IMDS role found", "fix: configure AWS credentials"}},
		{"no region for dev", dev, "", 0, func(*fakeAWS) {}, map[string]Status{"credentials": Failed}, []string{"no region is configured", "set AWS_REGION"}},
		{"prod with another account's credentials", prod, "eu-west-1", 0, func(f *fakeAWS) { f.account = "999999999999" }, map[string]Status{"credentials": Failed},
			[]string{"credentials are for account 999999999999, prod.account is 123456789012", "use credentials for account 123456789012"}},
		{"prod with another default region", prod, "us-east-1", 0, func(*fakeAWS) {}, map[string]Status{"credentials": Failed},
			[]string{"default region is us-east-1, prod.region is eu-west-1", "set AWS_REGION=eu-west-1"}},
		{"prod pinned and matching", prod, "eu-west-1", 0, func(*fakeAWS) {}, nil, nil},
		{"not bootstrapped", dev, "us-east-1", 0, func(f *fakeAWS) { f.toolkit = nil }, map[string]Status{"bootstrap": Failed},
			[]string{"no CDK bootstrap stack CDKToolkit in us-east-1", "fix: make bootstrap"}},
		{"bootstrap too old", dev, "us-east-1", 0, func(f *fakeAWS) { f.toolkit = toolkitStack(cfntypes.StackStatusCreateComplete, "6") }, map[string]Status{"bootstrap": Failed},
			[]string{"version 6; this app needs at least 8", "to upgrade it"}},
		{"bootstrap rolled back", dev, "us-east-1", 0, func(f *fakeAWS) { f.toolkit = toolkitStack(cfntypes.StackStatusRollbackComplete, "30") }, map[string]Status{"bootstrap": Failed},
			[]string{"CDKToolkit is ROLLBACK_COMPLETE"}},
		{"no API Gateway role", dev, "us-east-1", 0, func(f *fakeAWS) { f.cwRole = "" }, map[string]Status{"api logging role": Failed},
			[]string{"refuses a stage with access logging", "deploys go-lambda-cdk-account"}},
		{"quota below what config reserves", dev, "us-east-1", 60, func(f *fakeAWS) { f.quota, f.unreserved = 150, 150 }, map[string]Status{"concurrency": Failed},
			[]string{"quota 150", "config reserves 60", "exceed the 50 an account of 150 can reserve", "Service Quotas"}},
		{"others reserve most of the account", dev, "us-east-1", 60, func(f *fakeAWS) { f.unreserved = 120 }, map[string]Status{"concurrency": Warning},
			[]string{"leave 60 unreserved"}},
		{"emulator without GetAccountSettings", dev, "us-east-1", 0, func(f *fakeAWS) { f.lambdaErr = httpError(404) }, map[string]Status{"concurrency": Unavailable},
			[]string{"does not implement Lambda GetAccountSettings (HTTP 404); not checked"}},
		{"access denied is a failure, not unavailable", dev, "us-east-1", 0, func(f *fakeAWS) {
			f.lambdaErr = &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
		}, map[string]Status{"concurrency": Failed}, []string{"not authorized", "allow lambda:GetAccountSettings"}},
		{"every problem at once", prod, "us-east-1", 0, func(f *fakeAWS) { f.account, f.toolkit, f.cwRole = "1", nil, "" },
			map[string]Status{"credentials": Failed, "bootstrap": Failed, "api logging role": Failed}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Functions = maps.Clone(cfg.Functions)
			fn := cfg.Functions["processor"]
			fn.ReservedConcurrency = tt.reserve
			cfg.Functions["processor"] = fn
			f := ready()
			tt.mutate(f)
			results := Run(context.Background(), Target{Config: cfg, Region: regionFor(cfg, tt.region), CredentialsRegion: tt.region, MinBootstrapVersion: 8},
				Clients{STS: f, CloudFormation: f, APIGateway: f, Lambda: f})
			var out bytes.Buffer
			Write(&out, results)
			if len(results) != 4 {
				t.Fatalf("%d results, want 4:\n%s", len(results), &out)
			}
			for _, r := range results {
				want := tt.want[r.Check]
				if want == "" {
					want = OK
				}
				if r.Status != want {
					t.Errorf("%s: %s, want %s:\n%s", r.Check, r.Status, want, &out)
				}
			}
			if Failures(results) != countFailed(tt.want) {
				t.Errorf("Failures = %d, want %d", Failures(results), countFailed(tt.want))
			}
			for _, d := range tt.detail {
				if !strings.Contains(out.String(), d) {
					t.Errorf("output lacks %q:\n%s", d, &out)
				}
			}
			if f.describedName != DefaultToolkitStack {
				t.Errorf("described stack %q, want %s", f.describedName, DefaultToolkitStack)
			}
		})
	}
}

func regionFor(cfg config.Config, credentials string) string {
	if cfg.Stage == config.StageProd {
		return cfg.Prod.Region
	}
	return credentials
}

func countFailed(m map[string]Status) int {
	n := 0
	for _, s := range m {
		if s == Failed {
			n++
		}
	}
	return n
}

func TestNotAvailable(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"bare 404", httpError(404), true},
		{"501", httpError(501), true},
		{"403", httpError(403), false},
		{"not implemented code", &smithy.GenericAPIError{Code: "NotImplemented"}, true},
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException"}, false},
		{"plain error", errors.New("dial tcp: connection refused"), false},
	} {
		if got := notAvailable(tt.err); got != tt.want {
			t.Errorf("%s: notAvailable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRequiredBootstrapVersion(t *testing.T) {
	dir := t.TempDir()
	manifest := `{"artifacts": {
		"App-dev.assets": {"type": "cdk:asset-manifest", "properties": {"requiresBootstrapStackVersion": 6}},
		"App-dev": {"type": "aws:cloudformation:stack", "dependencies": ["App-dev.assets"],
			"properties": {"requiresBootstrapStackVersion": 6, "lookupRole": {"requiresBootstrapStackVersion": 8}}}}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if v, err := RequiredBootstrapVersion(dir, "App-dev"); err != nil || v != 8 {
		t.Errorf("version %d, %v; want 8 (the lookup role's)", v, err)
	}
	if _, err := RequiredBootstrapVersion(dir, "App-prod"); err == nil || !strings.Contains(err.Error(), "no stack App-prod") {
		t.Errorf("missing stack: %v", err)
	}
	if _, err := RequiredBootstrapVersion(t.TempDir(), "App-dev"); err == nil || !strings.Contains(err.Error(), "run cdk synth first") {
		t.Errorf("missing cdk.out: %v", err)
	}
}
