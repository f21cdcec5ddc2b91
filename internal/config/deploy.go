package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/internal/quota"
)

// Prod pins the prod stage's stack to one account and region, so that prod
// never deploys to whatever account the caller's credentials point at. The
// dev stage ignores it: its stack is environment-agnostic and goes where the
// credentials point.
type Prod struct {
	// Account is the 12-digit AWS account ID of prod. Required for stage
	// prod (`-c prod.account=...` or cdk.json); no default.
	Account string `json:"account"`
	// Region is prod's AWS region, e.g. "eu-west-1". Required for stage
	// prod; no default.
	Region string `json:"region"`
}

// GitHub configures deploys from GitHub Actions. The account stack creates
// the OIDC provider and the deploy role only when Repository is set.
type GitHub struct {
	// Repository is "owner/name" of the repository whose workflows may
	// assume the deploy role. Default "": no OIDC provider, no deploy role.
	Repository string `json:"repository"`
	// OIDCProviderArn is the ARN of the account's existing GitHub OIDC
	// provider, to reuse it: an account holds one provider per URL, so a
	// second account stack (another region) must not create one. Default
	// "": the account stack creates it.
	OIDCProviderArn string `json:"oidcProviderArn"`
}

// Account says which stages the account that the account stack
// ("<project>-account", deployed by `make bootstrap`) goes to hosts. The
// GitHub deploy role there trusts the GitHub environments of those stages
// and no other, so that a job of the unreviewed dev environment cannot
// assume a role in prod's account.
type Account struct {
	// Stages lists the stages whose stacks deploy to that account: "dev",
	// "prod" or both ("dev,prod" on the command line). With prod among
	// them the account stack is pinned to prod.account and prod.region,
	// like the prod stack. Default: the stage synthesized, so `make
	// bootstrap` gives dev and `make bootstrap STAGE=prod` gives prod.
	Stages []string `json:"stages"`
}

// HostsStage reports whether account.stages lists stage.
func (a Account) HostsStage(stage string) bool { return slices.Contains(a.Stages, stage) }

// CheckAccountStackTarget refuses to synthesize an account stack whose
// GitHub deploy role would trust the dev environment in prod's account:
// account is the account the CDK CLI targets (CDK_DEFAULT_ACCOUNT, from the
// caller's credentials; "" when unknown, then nothing is checked). An
// account stack that hosts prod needs no check, since it is pinned to
// prod.account and the CLI deploys it nowhere else.
func (c Config) CheckAccountStackTarget(account string) error {
	if c.GitHub.Repository == "" || account == "" || account != c.Prod.Account || c.Account.HostsStage(StageProd) {
		return nil
	}
	return fmt.Errorf("account.stages: %s does not include prod, but the credentials are for prod.account %s: "+
		"the account stack there would let GitHub jobs of environment %s assume its deploy role; "+
		"run make bootstrap STAGE=prod for prod's account, or set -c account.stages=dev,prod if dev deploys to that account too",
		quoteList(c.Account.Stages), account, strings.Join(c.Account.Stages, ", "))
}

// BucketNameSuffixLen is the length of the stack-unique part of the app
// bucket's name: the last group of the stack's UUID (12 hex digits).
const BucketNameSuffixLen = 12

// BucketNamePrefix is the fixed part of the app bucket's name,
// "<project>-<stage>-"; the stack appends BucketNameSuffixLen characters of
// its own ID (see stacks.newBucketName).
func (c Config) BucketNamePrefix() string { return c.Project + "-" + c.Stage + "-" }

// AccountStackName is the CloudFormation stack name of the per-account,
// per-region stack, "<project>-account".
func (c Config) AccountStackName() string { return c.Project + "-account" }

var (
	projectPattern    = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	accountPattern    = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	oidcArnPattern    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)
	// S3 refuses bucket names with these prefixes.
	reservedBucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
)

// validateDeploy checks what deploying needs: a project name that makes a
// valid bucket and stack name, prod's account and region, the GitHub
// settings.
func (c Config) validateDeploy(add func(string, string, ...any)) {
	if c.Project != "" {
		maxLen := quota.MaxBucketNameBytes - len(c.Stage) - 2 - BucketNameSuffixLen
		switch {
		case !projectPattern.MatchString(c.Project):
			add("project", "%q is not allowed; use lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen (it starts the bucket name and the stack name %q)", c.Project, c.AccountStackName())
		case len(c.Project) > maxLen:
			add("project", "%q has %d characters; allowed at most %d, so that the bucket name %q plus %d characters of the stack ID fits S3's %d", c.Project, len(c.Project), maxLen, c.BucketNamePrefix(), BucketNameSuffixLen, quota.MaxBucketNameBytes)
		}
		for _, p := range reservedBucketPrefixes {
			if strings.HasPrefix(c.Project, p) {
				add("project", "%q starts with %q, which S3 does not allow at the start of a bucket name", c.Project, p)
			}
		}
	}
	c.validateAccountStages(add)
	if c.Stage == StageProd || c.Account.HostsStage(StageProd) {
		pinned := "the prod stack is pinned"
		if c.Stage != StageProd {
			pinned = "account.stages includes prod, so the account stack is pinned"
		}
		if !accountPattern.MatchString(c.Prod.Account) {
			add("prod.account", "%q is not a 12-digit AWS account ID; %s to one account: set it with -c prod.account=123456789012 or in cdk.json's context", c.Prod.Account, pinned)
		}
		if !regionPattern.MatchString(c.Prod.Region) {
			add("prod.region", "%q is not an AWS region such as \"eu-west-1\"; %s to one region: set it with -c prod.region=... or in cdk.json's context", c.Prod.Region, pinned)
		}
	}
	if c.GitHub.Repository != "" && !repositoryPattern.MatchString(c.GitHub.Repository) {
		add("github.repository", "%q is not \"owner/name\" of a GitHub repository", c.GitHub.Repository)
	}
	if c.GitHub.OIDCProviderArn != "" {
		switch {
		case c.GitHub.Repository == "":
			add("github.oidcProviderArn", "is set but github.repository is not; the provider is only used by the deploy role of that repository")
		case !oidcArnPattern.MatchString(c.GitHub.OIDCProviderArn):
			add("github.oidcProviderArn", "%q is not the ARN of a GitHub OIDC provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)", c.GitHub.OIDCProviderArn)
		}
	}
}

// validateAccountStages checks account.stages: known stages, each once, at
// least one.
func (c Config) validateAccountStages(add func(string, string, ...any)) {
	if len(c.Account.Stages) == 0 {
		add("account.stages", "is empty; list the stages the account stack's account hosts, from %s (e.g. -c account.stages=dev,prod)", quoteList(Stages()))
	}
	for i, s := range c.Account.Stages {
		switch {
		case !slices.Contains(Stages(), s):
			add("account.stages", "%q is not a known stage; allowed: %s", s, quoteList(Stages()))
		case slices.Contains(c.Account.Stages[:i], s):
			add("account.stages", "lists %q twice", s)
		}
	}
}
