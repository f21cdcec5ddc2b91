package config

import (
	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"

	"slices"
	"strings"
	"testing"
)

func TestAuthAndEdgePresets(t *testing.T) {
	dev, _ := ForStage(StageDev)
	prod, _ := ForStage(StageProd)
	for _, c := range []Config{dev, prod} {
		if c.Auth.Mode != AuthModeCognito || !c.Auth.CreatesUserPool() {
			t.Errorf("%s: auth.mode %q, creates pool %v; want cognito with the stack's own pool", c.Stage, c.Auth.Mode, c.Auth.CreatesUserPool())
		}
		if c.Environment(functions.Declaration{Triggers: []functions.Trigger{functions.API{Paths: []string{"/x"}}}})["AUTH_MODE"] != "cognito" {
			t.Errorf("%s: AUTH_MODE %q, want cognito", c.Stage, c.Environment(functions.Declaration{Triggers: []functions.Trigger{functions.API{Paths: []string{"/x"}}}})["AUTH_MODE"])
		}
	}
	if dev.Auth.ThreatProtection || !prod.Auth.ThreatProtection {
		t.Errorf("threat protection dev %v prod %v, want off in dev, on in prod", dev.Auth.ThreatProtection, prod.Auth.ThreatProtection)
	}
	if dev.API.WAFRequestsPer5Minutes != 0 || prod.API.WAFRequestsPer5Minutes != 2000 {
		t.Errorf("WAF dev %d prod %d, want 0 and 2000", dev.API.WAFRequestsPer5Minutes, prod.API.WAFRequestsPer5Minutes)
	}
	for _, c := range []Config{dev, prod} {
		if c.API.UploadThrottleRateLimit >= c.API.ThrottleRateLimit || c.API.UploadThrottleBurstLimit >= c.API.ThrottleBurstLimit {
			t.Errorf("%s: upload throttle %v/%d is not below the stage's %v/%d", c.Stage, c.API.UploadThrottleRateLimit, c.API.UploadThrottleBurstLimit, c.API.ThrottleRateLimit, c.API.ThrottleBurstLimit)
		}
	}
	if got := dev.AppClientCallbackURLs(); !slices.Equal(got, []string{LocalCallbackURL}) {
		t.Errorf("dev callback URLs %q (origins *), want %q", got, LocalCallbackURL)
	}
	pinProd(&prod)
	if got := prod.AppClientCallbackURLs(); !slices.Equal(got, []string{testProdOrigin + "/"}) {
		t.Errorf("prod callback URLs %q, want the CORS origin with /", got)
	}
	if got := prod.AppClientLogoutURLs(); !slices.Equal(got, prod.AppClientCallbackURLs()) {
		t.Errorf("prod logout URLs %q, want the callback URLs", got)
	}
	if p, acct := dev.HostedUIDomainPrefix(); p != "go-lambda-cdk-dev-" || !acct {
		t.Errorf("dev domain prefix %q (account appended %v)", p, acct)
	}
}

// TestValidateAuthAndEdge has one case per rule of auth.* and of the
// API's edge settings (upload throttle, WAF, custom domain).
func TestValidateAuthAndEdge(t *testing.T) {
	const poolARN = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123xyz"
	const certARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	tests := []struct {
		name   string
		stage  string
		mutate func(*Config)
		want   []string // nil: valid
	}{
		{"mode none in dev", StageDev, func(c *Config) { c.Auth.Mode = AuthModeNone }, nil},
		{"mode none in prod", StageProd, func(c *Config) { c.Auth.Mode = AuthModeNone }, []string{"auth.mode", `"none" is allowed only in stage dev`, `"cognito"`}},
		{"unknown mode", StageDev, func(c *Config) { c.Auth.Mode = "iam" }, []string{"auth.mode", `"iam"`, `"cognito", "none"`}},
		{"existing pool", StageProd, func(c *Config) { c.Auth.UserPoolArn = poolARN }, nil},
		{"existing pool in another partition", StageDev, func(c *Config) {
			c.Auth.UserPoolArn = "arn:aws-us-gov:cognito-idp:us-gov-west-1:123456789012:userpool/us-gov-west-1_x1"
		}, nil},
		{"pool ARN of an identity pool", StageDev, func(c *Config) {
			c.Auth.UserPoolArn = "arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/eu-west-1:0000"
		}, []string{"auth.userPoolArn", "not a Cognito user pool ARN", "arn:aws:cognito-idp:<region>"}},
		{"pool ID of another region", StageDev, func(c *Config) {
			c.Auth.UserPoolArn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/us-east-1_AbC"
		}, []string{"auth.userPoolArn", "us-east-1 differs from the ARN's region eu-west-1"}},
		{"pool with mode none", StageDev, func(c *Config) { c.Auth.Mode, c.Auth.UserPoolArn = AuthModeNone, poolARN }, []string{"auth.userPoolArn", `auth.mode is "none"`}},
		{"pool with callback URLs", StageDev, func(c *Config) {
			c.Auth.UserPoolArn, c.Auth.CallbackURLs = poolARN, []string{"https://app.example.com/"}
		}, []string{"auth.callbackUrls", "existing pool"}},
		{"pool with a domain prefix", StageDev, func(c *Config) { c.Auth.UserPoolArn, c.Auth.DomainPrefix = poolARN, "shop" }, []string{"auth.domainPrefix", "existing pool"}},
		{"callback URLs", StageDev, func(c *Config) {
			c.Auth.CallbackURLs = []string{"https://app.example.com/callback", "http://localhost:5173/"}
		}, nil},
		{"http callback", StageDev, func(c *Config) { c.Auth.CallbackURLs = []string{"http://app.example.com/"} }, []string{"auth.callbackUrls[0]", `"http://app.example.com/"`, "https://", "localhost"}},
		{"relative callback", StageDev, func(c *Config) { c.Auth.CallbackURLs = []string{"/callback"} }, []string{"auth.callbackUrls[0]", "absolute"}},
		{"callback with a fragment", StageDev, func(c *Config) { c.Auth.CallbackURLs = []string{"https://app.example.com/#x"} }, []string{"auth.callbackUrls[0]", "fragment"}},
		{"callback too long", StageDev, func(c *Config) {
			c.Auth.CallbackURLs = []string{"https://app.example.com/" + strings.Repeat("a", 1001)}
		}, []string{"auth.callbackUrls[0]", "1025 bytes", "at most 1024"}},
		{"too many callbacks", StageDev, func(c *Config) {
			c.Auth.CallbackURLs = slices.Repeat([]string{"https://app.example.com/"}, 101)
		}, []string{"auth.callbackUrls", "101 URLs", "at most 100"}},
		{"logout URL", StageDev, func(c *Config) { c.Auth.LogoutURLs = []string{"ftp://x"} }, []string{"auth.logoutUrls[0]", `"ftp://x"`}},
		{"callbacks derived from a plain-http origin would be refused", StageDev, func(c *Config) {
			c.API.CORSAllowedOrigins = []string{"https://app.example.com", "https://admin.example.com"}
		}, nil},
		{"domain prefix", StageDev, func(c *Config) { c.Auth.DomainPrefix = "shop-uploads-dev" }, nil},
		{"domain prefix with a reserved word", StageDev, func(c *Config) { c.Auth.DomainPrefix = "my-cognito" }, []string{"auth.domainPrefix", `"my-cognito"`, `"amazon", "aws", "cognito"`}},
		{"domain prefix upper case", StageDev, func(c *Config) { c.Auth.DomainPrefix = "Shop" }, []string{"auth.domainPrefix", `"Shop"`}},
		{"default domain prefix from a project with aws", StageDev, func(c *Config) { c.Project = "aws-tools" }, []string{"auth.domainPrefix", `"aws-tools-dev-000000000000"`, "set auth.domainPrefix"}},
		{"upload throttle equal to the stage's", StageDev, func(c *Config) {
			c.API.UploadThrottleRateLimit, c.API.UploadThrottleBurstLimit = c.API.ThrottleRateLimit, c.API.ThrottleBurstLimit
		}, nil},
		{"upload rate over the stage's", StageDev, func(c *Config) { c.API.UploadThrottleRateLimit = 51 }, []string{"api.uploadThrottleRateLimit", "51", "api.throttleRateLimit 50"}},
		{"upload burst over the stage's", StageDev, func(c *Config) { c.API.UploadThrottleBurstLimit = 101 }, []string{"api.uploadThrottleBurstLimit", "101", "api.throttleBurstLimit 100"}},
		{"upload rate zero", StageDev, func(c *Config) { c.API.UploadThrottleRateLimit = 0 }, []string{"api.uploadThrottleRateLimit", "must be a positive"}},
		{"upload burst zero", StageDev, func(c *Config) { c.API.UploadThrottleBurstLimit = 0 }, []string{"api.uploadThrottleBurstLimit", "must be a positive"}},
		{"WAF at the minimum", StageDev, func(c *Config) { c.API.WAFRequestsPer5Minutes = 10 }, nil},
		{"WAF at the maximum", StageDev, func(c *Config) { c.API.WAFRequestsPer5Minutes = 2_000_000_000 }, nil},
		{"WAF off in prod", StageProd, func(c *Config) { c.API.WAFRequestsPer5Minutes = 0 }, nil},
		{"WAF below the minimum", StageDev, func(c *Config) { c.API.WAFRequestsPer5Minutes = 9 }, []string{"api.wafRequestsPer5Minutes", "9 is out of range", "0 (no web ACL) or 10 to 2000000000"}},
		{"WAF over the maximum", StageDev, func(c *Config) { c.API.WAFRequestsPer5Minutes = 2_000_000_001 }, []string{"api.wafRequestsPer5Minutes", "2000000001"}},
		{"WAF negative", StageDev, func(c *Config) { c.API.WAFRequestsPer5Minutes = -1 }, []string{"api.wafRequestsPer5Minutes", "-1"}},
		{"custom domain", StageProd, func(c *Config) {
			c.API.DomainName, c.API.CertificateARN, c.API.BasePath = "api.example.com", certARN, "v1"
		}, nil},
		{"custom domain at the root", StageDev, func(c *Config) { c.API.DomainName, c.API.CertificateARN = "api.example.com", certARN }, nil},
		{"domain without a certificate", StageDev, func(c *Config) { c.API.DomainName = "api.example.com" }, []string{"api.certificateArn", "is empty", `"api.example.com"`}},
		{"certificate without a domain", StageDev, func(c *Config) { c.API.CertificateARN = certARN }, []string{"api.certificateArn", "api.domainName is not", "all of", "or none"}},
		{"base path without a domain", StageDev, func(c *Config) { c.API.BasePath = "v1" }, []string{"api.basePath", `"v1"`, "api.domainName is not"}},
		{"domain name with upper case", StageDev, func(c *Config) { c.API.DomainName, c.API.CertificateARN = "API.example.com", certARN }, []string{"api.domainName", `"API.example.com"`}},
		{"domain name one label", StageDev, func(c *Config) { c.API.DomainName, c.API.CertificateARN = "localhost", certARN }, []string{"api.domainName", `"localhost"`}},
		{"certificate not ACM", StageDev, func(c *Config) {
			c.API.DomainName, c.API.CertificateARN = "api.example.com", "arn:aws:iam::123456789012:server-certificate/x"
		}, []string{"api.certificateArn", "not an ACM certificate ARN"}},
		{"certificate in another region than prod's", StageProd, func(c *Config) {
			c.API.DomainName, c.API.CertificateARN = "api.example.com", strings.Replace(certARN, "eu-west-1", "us-east-1", 1)
		}, []string{"api.certificateArn", "region us-east-1", "prod.region eu-west-1"}},
		{"base path with a slash", StageDev, func(c *Config) {
			c.API.DomainName, c.API.CertificateARN, c.API.BasePath = "api.example.com", certARN, "v1/uploads"
		}, []string{"api.basePath", `"v1/uploads"`, "no /"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ForStage(tt.stage)
			if err != nil {
				t.Fatal(err)
			}
			if tt.stage == StageProd {
				pinProd(&c)
				c.Prod.Region = "eu-west-1"
			}
			tt.mutate(&c)
			fixture.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}

func TestWarnings(t *testing.T) {
	dev, _ := ForStage(StageDev)
	if w := dev.Warnings(); len(w) != 0 {
		t.Errorf("dev preset: warnings %q, want none", w)
	}
	dev.Auth.Mode = AuthModeNone
	if w := dev.Warnings(); len(w) != 1 || !strings.Contains(w[0], `auth.mode is "none"`) || !strings.Contains(w[0], "public") {
		t.Errorf("dev with auth.mode none: warnings %q, want the public-API warning", w)
	}
	prod, _ := ForStage(StageProd)
	if w := prod.Warnings(); len(w) != 1 || !strings.Contains(w[0], "alerts.emails") {
		t.Errorf("prod preset: warnings %q, want the operations warning", w)
	}
}

// TestAuthFromContext sets the new keys the way the CDK CLI passes them.
func TestAuthFromContext(t *testing.T) {
	c, err := Load(map[string]any{
		"auth.mode": "none", "auth.callbackUrls": "https://a.example.com/cb,http://localhost:8080/",
		"api.wafRequestsPer5Minutes": "500", "api.uploadThrottleRateLimit": "2.5", "api.domainName": "api.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.Mode != "none" || len(c.Auth.CallbackURLs) != 2 || c.Auth.CallbackURLs[1] != "http://localhost:8080/" ||
		c.API.WAFRequestsPer5Minutes != 500 || c.API.UploadThrottleRateLimit != 2.5 || c.API.DomainName != "api.example.com" {
		t.Errorf("loaded auth %+v api %+v", c.Auth, c.API)
	}
	for _, key := range []string{"auth.mode", "auth.userPoolArn", "auth.callbackUrls", "auth.logoutUrls", "auth.domainPrefix", "auth.threatProtection",
		"api.uploadThrottleRateLimit", "api.uploadThrottleBurstLimit", "api.wafRequestsPer5Minutes", "api.domainName", "api.certificateArn", "api.basePath"} {
		if !slices.Contains(Keys(), key) {
			t.Errorf("Keys() lacks %s", key)
		}
	}
}
