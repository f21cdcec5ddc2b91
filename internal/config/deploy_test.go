package config

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/quota"
)

// testProdOrigin is the front end's origin the tests give stage prod.
const testProdOrigin = "https://uploads.acme.dev"

// pinProd sets what stage prod requires and has no default for: the
// account, the region and the front end's origins.
func pinProd(c *Config) {
	c.Prod = Prod{Account: "111111111111", Region: "eu-west-1"}
	c.API.CORSAllowedOrigins = []string{testProdOrigin}
}

// TestValidateDeploy has one case per deploy rule, on the dev or prod
// preset: nil want means valid, otherwise every fragment must appear.
func TestValidateDeploy(t *testing.T) {
	tests := []struct {
		name   string
		stage  string
		mutate func(*Config)
		want   []string
	}{
		{"dev needs no account", StageDev, func(c *Config) {}, nil},
		{"prod without account or region", StageProd, func(c *Config) {}, []string{
			`prod.account: "" is not a 12-digit AWS account ID`, "-c prod.account=", `prod.region: "" is not an AWS region`}},
		{"prod pinned", StageProd, pinProd, nil},
		{"prod account with 11 digits", StageProd, func(c *Config) { pinProd(c); c.Prod.Account = "12345678901" }, []string{"prod.account", `"12345678901"`}},
		{"prod region misspelt", StageProd, func(c *Config) { pinProd(c); c.Prod.Region = "europe-1" }, []string{"prod.region", `"europe-1"`}},
		{"gov cloud region", StageProd, func(c *Config) { pinProd(c); c.Prod.Region = "us-gov-west-1" }, nil},
		{"project upper case", StageDev, func(c *Config) { c.Project = "MyApp" }, []string{"project", `"MyApp"`, "lower-case letters, digits and hyphens"}},
		{"project ends with a hyphen", StageDev, func(c *Config) { c.Project = "app-" }, []string{"project", `"app-"`}},
		{"project at the longest for prod", StageProd, func(c *Config) { pinProd(c); c.Project = strings.Repeat("a", 45) }, nil},
		{"project too long for the bucket name", StageProd, func(c *Config) { pinProd(c); c.Project = strings.Repeat("a", 46) }, []string{
			"project", "46 characters", "at most 45", "S3's 63"}},
		{"dev allows one more character", StageDev, func(c *Config) { c.Project = strings.Repeat("a", 46) }, nil},
		{"project with a prefix S3 refuses", StageDev, func(c *Config) { c.Project = "sthree-app" }, []string{"project", `"sthree-"`}},
		{"github repository", StageDev, func(c *Config) { c.GitHub.Repository = "acme/shop.api" }, nil},
		{"github repository without owner", StageDev, func(c *Config) { c.GitHub.Repository = "shop" }, []string{"github.repository", `"shop"`, "owner/name"}},
		{"oidc provider without repository", StageDev, func(c *Config) {
			c.GitHub.OIDCProviderArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
		}, []string{"github.oidcProviderArn", "github.repository"}},
		{"oidc provider of another issuer", StageDev, func(c *Config) {
			c.GitHub.Repository = "acme/shop"
			c.GitHub.OIDCProviderArn = "arn:aws:iam::123456789012:oidc-provider/example.com"
		}, []string{"github.oidcProviderArn", "example.com"}},
		{"dev account hosts dev by default", StageDev, func(c *Config) {
			if !slices.Equal(c.Account.Stages, []string{StageDev}) {
				t.Errorf("account.stages %q, want [dev]", c.Account.Stages)
			}
		}, nil},
		{"prod account hosts prod by default", StageProd, func(c *Config) {
			pinProd(c)
			if !slices.Equal(c.Account.Stages, []string{StageProd}) {
				t.Errorf("account.stages %q, want [prod]", c.Account.Stages)
			}
		}, nil},
		{"account hosting both", StageDev, func(c *Config) { pinProd(c); c.Account.Stages = []string{"dev", "prod"} }, nil},
		{"account hosting prod needs prod's account", StageDev, func(c *Config) { c.Account.Stages = []string{"dev", "prod"} }, []string{
			`prod.account: "" is not a 12-digit AWS account ID; account.stages includes prod, so the account stack is pinned to one account`,
			`prod.region: "" is not an AWS region`}},
		{"account hosting no stage", StageDev, func(c *Config) { c.Account.Stages = nil }, []string{"account.stages: is empty", `"dev", "prod"`}},
		{"account hosting an unknown stage", StageDev, func(c *Config) { c.Account.Stages = []string{"dev", "qa"} }, []string{`account.stages: "qa" is not a known stage; allowed: "dev", "prod"`}},
		{"account hosting a stage twice", StageDev, func(c *Config) { c.Account.Stages = []string{"dev", "dev"} }, []string{`account.stages: lists "dev" twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := ForStage(tt.stage)
			tt.mutate(&c)
			fixture.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}

// TestCheckAccountStackTarget: an account stack that would trust the dev
// environment in prod's account is refused when the credentials show it;
// every other combination passes.
func TestCheckAccountStackTarget(t *testing.T) {
	const prodAccount, otherAccount = "111111111111", "222222222222"
	tests := []struct {
		name    string
		stages  []string
		github  string
		account string // the CLI's CDK_DEFAULT_ACCOUNT
		wantErr bool
	}{
		{"dev account stack in another account", []string{"dev"}, "acme/shop", otherAccount, false},
		{"dev account stack in prod's account", []string{"dev"}, "acme/shop", prodAccount, true},
		{"account stack hosting both in prod's account", []string{"dev", "prod"}, "acme/shop", prodAccount, false},
		{"prod account stack (pinned) with other credentials", []string{"prod"}, "acme/shop", otherAccount, false},
		{"no credentials", []string{"dev"}, "acme/shop", "", false},
		{"no deploy role", []string{"dev"}, "", prodAccount, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := ForStage(StageDev)
			pinProd(&c)
			c.Account.Stages, c.GitHub.Repository = tt.stages, tt.github
			err := c.CheckAccountStackTarget(tt.account)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckAccountStackTarget(%q) = %v, want error %v", tt.account, err, tt.wantErr)
			}
			if err != nil {
				for _, frag := range []string{"account.stages", prodAccount, "make bootstrap STAGE=prod", "account.stages=dev,prod"} {
					if !strings.Contains(err.Error(), frag) {
						t.Errorf("error does not contain %q: %v", frag, err)
					}
				}
			}
		})
	}
}

// checkValidation expects no error for a nil want, otherwise an error that
// contains every fragment of want.

func TestContextFlagAndFile(t *testing.T) {
	flags := ContextFlag{}
	for _, s := range []string{"prod.account=111111111111", "api.corsAllowedOrigins=https://a.example,https://b.example"} {
		if err := flags.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := flags.Set("no-equals-sign"); err == nil || !strings.Contains(err.Error(), `"no-equals-sign" is not key=value`) {
		t.Errorf("Set without =: %v", err)
	}
	dir := t.TempDir()
	path := dir + "/cdk.json"
	if err := os.WriteFile(path, []byte(`{"app": "x", "context": {"prod.region": "eu-west-1", "stage": "prod"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	context, err := ReadContext(path)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range flags {
		context[k] = v
	}
	c, err := Load(context)
	if err != nil {
		t.Fatal(err)
	}
	if c.Prod.Account != "111111111111" || c.Prod.Region != "eu-west-1" || len(c.API.CORSAllowedOrigins) != 2 {
		t.Errorf("loaded %+v %v", c.Prod, c.API.CORSAllowedOrigins)
	}
	if empty, err := ReadContext(dir + "/missing.json"); err != nil || len(empty) != 0 {
		t.Errorf("missing cdk.json: %v %v, want an empty context", empty, err)
	}
	os.WriteFile(path, []byte(`{"context": [1]}`), 0o644)
	if _, err := ReadContext(path); err == nil || !strings.Contains(err.Error(), "cdk.json") {
		t.Errorf("bad cdk.json: %v", err)
	}
}

func TestBucketNameFits(t *testing.T) {
	for _, stage := range Stages() {
		c, _ := ForStage(stage)
		pinProd(&c)
		c.Project = strings.Repeat("a", quota.MaxBucketNameBytes-len(stage)-2-BucketNameSuffixLen)
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: longest project refused: %v", stage, err)
		}
		if n := len(c.BucketNamePrefix()) + BucketNameSuffixLen; n != quota.MaxBucketNameBytes {
			t.Errorf("%s: longest bucket name has %d characters, want %d", stage, n, quota.MaxBucketNameBytes)
		}
	}
}

// TestStackNamesFollowTheProject: both stacks are named after the project,
// and the default project keeps the names deployed so far.
func TestStackNamesFollowTheProject(t *testing.T) {
	for _, tt := range []struct{ project, stage, app, account string }{
		{"go-lambda-cdk", StageDev, "GoLambdaCdk-dev", "go-lambda-cdk-account"},
		{"go-lambda-cdk", StageProd, "GoLambdaCdk-prod", "go-lambda-cdk-account"},
		{"shop", StageDev, "Shop-dev", "shop-account"},
		{"my-app2", StageProd, "MyApp2-prod", "my-app2-account"},
	} {
		t.Run(tt.project+"/"+tt.stage, func(t *testing.T) {
			c := Config{Project: tt.project, Stage: tt.stage}
			if c.StackName() != tt.app || c.AccountStackName() != tt.account {
				t.Errorf("stacks %q and %q, want %q and %q", c.StackName(), c.AccountStackName(), tt.app, tt.account)
			}
		})
	}
}
