package config

import (
	"regexp"
	"strings"
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
		maxLen := maxBucketNameBytes - len(c.Stage) - 2 - BucketNameSuffixLen
		switch {
		case !projectPattern.MatchString(c.Project):
			add("project", "%q is not allowed; use lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen (it starts the bucket name and the stack name %q)", c.Project, c.AccountStackName())
		case len(c.Project) > maxLen:
			add("project", "%q has %d characters; allowed at most %d, so that the bucket name %q plus %d characters of the stack ID fits S3's %d", c.Project, len(c.Project), maxLen, c.BucketNamePrefix(), BucketNameSuffixLen, maxBucketNameBytes)
		}
		for _, p := range reservedBucketPrefixes {
			if strings.HasPrefix(c.Project, p) {
				add("project", "%q starts with %q, which S3 does not allow at the start of a bucket name", c.Project, p)
			}
		}
	}
	if c.Stage == StageProd {
		if !accountPattern.MatchString(c.Prod.Account) {
			add("prod.account", "%q is not a 12-digit AWS account ID; the prod stack is pinned to one account: set it with -c prod.account=123456789012 or in cdk.json's context", c.Prod.Account)
		}
		if !regionPattern.MatchString(c.Prod.Region) {
			add("prod.region", "%q is not an AWS region such as \"eu-west-1\"; the prod stack is pinned to one region: set it with -c prod.region=... or in cdk.json's context", c.Prod.Region)
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
