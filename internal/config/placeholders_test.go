package config

import (
	"strings"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

func TestPlaceholderHost(t *testing.T) {
	tests := []struct {
		host string
		want string // a fragment of the reason; "": a real host
	}{
		{"app.acme.dev", ""},
		{"example.co", ""},
		{"myexample.com", ""},
		{"example.com.au", ""},
		{"testing.io", ""},
		{"203.0.113.7", ""},
		{"example.com", "example.com is reserved"},
		{"app.example.com", "example.com is reserved"},
		{"APP.Example.COM.", "example.com is reserved"},
		{"shop.example.net", "example.net is reserved"},
		{"example.org", "example.org is reserved"},
		{"app.example", ".example is a reserved top-level domain"},
		{"shop.test", ".test is a reserved top-level domain"},
		{"x.invalid", ".invalid is a reserved top-level domain"},
		{"localhost", "localhost is this machine"},
		{"app.localhost", "localhost is this machine"},
		{"127.0.0.1", "loopback"},
		{"::1", "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got := placeholderHost(tt.host)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("placeholderHost(%q) = %q, want %q", tt.host, got, tt.want)
			}
		})
	}
}

// TestProdNeedsRealFrontEnd: stage prod refuses to validate until
// api.corsAllowedOrigins and the app client's URLs are real, naming each
// key; dev keeps its local defaults.
func TestProdNeedsRealFrontEnd(t *testing.T) {
	pinAccount := func(c *Config) { c.Prod = Prod{Account: "111111111111", Region: "eu-west-1"} }
	tests := []struct {
		name   string
		stage  string
		mutate func(*Config)
		want   []string // nil: valid
	}{
		{"dev preset: any origin, localhost callback", StageDev, func(*Config) {}, nil},
		{"dev with an example.com origin", StageDev, func(c *Config) { c.API.CORSAllowedOrigins = []string{"https://app.example.com"} }, nil},
		{"prod preset: nothing set", StageProd, pinAccount, []string{
			"api.corsAllowedOrigins: is not set, and has no default in stage prod", "https://app.<your domain>",
			`auth.callbackUrls: is not set, so it defaults to "http://localhost:3000/" (derived from api.corsAllowedOrigins)`,
			`auth.logoutUrls: is not set, so it defaults to "http://localhost:3000/" (the callback URLs)`,
		}},
		{"prod with real origins", StageProd, pinProd, nil},
		{"prod with the old shipped placeholder", StageProd, func(c *Config) { pinAccount(c); c.API.CORSAllowedOrigins = []string{"https://app.example.com"} }, []string{
			`api.corsAllowedOrigins[0]: "https://app.example.com" is a placeholder: example.com is reserved for documentation (RFC 2606)`,
			`auth.callbackUrls: is not set, so it defaults to "https://app.example.com/"`,
			`auth.logoutUrls: is not set, so it defaults to "https://app.example.com/"`,
		}},
		{"prod with a real and a test origin", StageProd, func(c *Config) {
			pinAccount(c)
			c.API.CORSAllowedOrigins = []string{testProdOrigin, "https://staging.shop.test"}
		}, []string{`api.corsAllowedOrigins[1]: "https://staging.shop.test" is a placeholder: .test is a reserved top-level domain`, "auth.callbackUrls: is not set"}},
		{"prod with any origin and real app URLs", StageProd, func(c *Config) {
			pinAccount(c)
			c.API.CORSAllowedOrigins = []string{"*"}
			c.Auth.CallbackURLs = []string{testProdOrigin + "/callback"}
		}, nil},
		{"prod with any origin, app URLs left to their default", StageProd, func(c *Config) { pinAccount(c); c.API.CORSAllowedOrigins = []string{"*"} }, []string{
			`auth.callbackUrls: is not set, so it defaults to "http://localhost:3000/"`, "auth.logoutUrls: is not set",
		}},
		{"prod with a localhost callback", StageProd, func(c *Config) {
			pinProd(c)
			c.Auth.CallbackURLs = []string{testProdOrigin + "/", "http://localhost:5173/"}
			c.Auth.LogoutURLs = []string{testProdOrigin + "/bye"}
		}, []string{`auth.callbackUrls[1]: "http://localhost:5173/" is a placeholder: localhost is this machine`}},
		{"prod with a placeholder logout URL", StageProd, func(c *Config) { pinProd(c); c.Auth.LogoutURLs = []string{"https://127.0.0.1/"} }, []string{
			`auth.logoutUrls[0]: "https://127.0.0.1/" is a placeholder: a loopback address`,
		}},
		{"prod with an existing pool: no app client", StageProd, func(c *Config) {
			pinProd(c)
			c.Auth.UserPoolArn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123xyz"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := ForStage(tt.stage)
			tt.mutate(&c)
			fixture.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}
