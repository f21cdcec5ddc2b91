package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/internal/layout"
)

// Auth configures who may call the REST API (auth.*).
type Auth struct {
	// Mode is "cognito": every method except the declaration's public
	// paths and CORS preflights (OPTIONS) needs a token of a Cognito user
	// pool, checked by the REST API's Cognito user pools authorizer; or
	// "none": every method is public and all callers share one owner.
	// "none" is allowed in dev only, and synth warns about it. Default
	// "cognito".
	Mode string `json:"mode"`
	// UserPoolArn, when set, makes the authorizer accept tokens of this
	// existing user pool ("arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>");
	// the stack then creates no pool, app client or hosted UI domain.
	// Default "": the stack creates them.
	UserPoolArn string `json:"userPoolArn"`
	// CallbackURLs are where the hosted UI may send the front end back
	// with an authorization code (OAuth code grant with PKCE), 1 to 100
	// https:// URLs (http:// only for localhost), without a fragment.
	// Default: each api.corsAllowedOrigins origin followed by "/", or
	// "http://localhost:3000/" when the origins are "*". In stage prod
	// they must be real (placeholders.go): no example.com or localhost.
	CallbackURLs []string `json:"callbackUrls"`
	// LogoutURLs are where the hosted UI may send the front end after
	// signing out, with the rules of CallbackURLs. Default: the callback
	// URLs.
	LogoutURLs []string `json:"logoutUrls"`
	// DomainPrefix names the hosted UI's domain,
	// https://<prefix>.auth.<region>.amazoncognito.com, unique in the
	// region: 1 to 63 lower-case letters, digits and hyphens, not starting
	// or ending with one, without "aws", "amazon" or "cognito". Default:
	// "<project>-<stage>-<account ID>".
	DomainPrefix string `json:"domainPrefix"`
	// ThreatProtection puts the pool the stack creates on Cognito's Plus
	// feature plan with threat protection enforced (compromised
	// credentials, adaptive authentication), billed per monthly active
	// user. Default false (dev), true (prod).
	ThreatProtection bool `json:"threatProtection"`
}

// Authentication modes of auth.mode, as the api function reads them
// (layout.EnvAuthMode).
const (
	AuthModeCognito = layout.AuthModeCognito
	AuthModeNone    = layout.AuthModeNone
)

// Limits of a Cognito app client's URLs and of a hosted UI domain prefix
// (Amazon Cognito API reference, CreateUserPoolClient and
// CreateUserPoolDomain).
const (
	MaxCallbackURLs     = 100
	MaxCallbackURLBytes = 1024
	maxDomainPrefix     = 63
	// LocalCallbackURL is the callback of a front end served on the
	// developer's machine, the default when any origin is allowed.
	LocalCallbackURL = "http://localhost:3000/"
)

var (
	authModes = []string{AuthModeCognito, AuthModeNone}
	// userPoolARNPattern: partition, region, account, pool ID
	// (<region>_<letters and digits>).
	userPoolARNPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:cognito-idp:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):userpool/([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$`)
	domainPrefixPattern  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)
	reservedDomainWords  = []string{"aws", "amazon", "cognito"}
	accountIDPlaceholder = strings.Repeat("0", 12) // the account ID in the default prefix
)

// setAuthDefaults sets the auth settings of the stage's preset.
func (c *Config) setAuthDefaults() {
	c.Auth.Mode = AuthModeCognito
	c.Auth.ThreatProtection = c.Stage == StageProd
}

// CreatesUserPool reports whether the stack creates its own user pool, app
// client and hosted UI domain: in mode cognito without auth.userPoolArn.
func (a Auth) CreatesUserPool() bool { return a.Mode == AuthModeCognito && a.UserPoolArn == "" }

// AppClientCallbackURLs are auth.callbackUrls or their default.
func (c Config) AppClientCallbackURLs() []string {
	if len(c.Auth.CallbackURLs) > 0 {
		return c.Auth.CallbackURLs
	}
	var out []string
	for _, o := range c.API.CORSAllowedOrigins {
		if o != "*" {
			out = append(out, strings.TrimSuffix(o, "/")+"/")
		}
	}
	if len(out) == 0 {
		out = []string{LocalCallbackURL}
	}
	return out
}

// AppClientLogoutURLs are auth.logoutUrls or their default, the callback
// URLs.
func (c Config) AppClientLogoutURLs() []string {
	if len(c.Auth.LogoutURLs) > 0 {
		return c.Auth.LogoutURLs
	}
	return c.AppClientCallbackURLs()
}

// HostedUIDomainPrefix is auth.domainPrefix, or the default's parts
// before the account ID ("go-lambda-cdk-dev-"), to which the stack appends
// the account ID; withAccount tells which.
func (c Config) HostedUIDomainPrefix() (prefix string, withAccount bool) {
	if c.Auth.DomainPrefix != "" {
		return c.Auth.DomainPrefix, false
	}
	return strings.ToLower(c.Project) + "-" + c.Stage + "-", true
}

// validateAuth checks auth.*.
func (c Config) validateAuth(add func(string, string, ...any)) {
	a := c.Auth
	if !slices.Contains(authModes, a.Mode) {
		add("auth.mode", "%q is not an authentication mode; allowed: %s", a.Mode, quoteList(authModes))
		return
	}
	if a.Mode == AuthModeNone {
		if c.Stage != StageDev {
			add("auth.mode", "%q is allowed only in stage %s (it makes every route public); allowed in %s: %q", a.Mode, StageDev, c.Stage, AuthModeCognito)
		}
		if a.UserPoolArn != "" {
			add("auth.userPoolArn", "%q is set, but auth.mode is %q (no authorizer); set auth.mode=%s or remove it", a.UserPoolArn, a.Mode, AuthModeCognito)
		}
		return
	}
	if a.UserPoolArn != "" {
		m := userPoolARNPattern.FindStringSubmatch(a.UserPoolArn)
		switch {
		case m == nil:
			add("auth.userPoolArn", "%q is not a Cognito user pool ARN; allowed: arn:aws:cognito-idp:<region>:<12-digit account>:userpool/<region>_<letters and digits>", a.UserPoolArn)
		case m[1] != m[3]:
			add("auth.userPoolArn", "%q: the pool ID's region %s differs from the ARN's region %s", a.UserPoolArn, m[3], m[1])
		}
		// What only a pool the stack creates uses.
		for _, f := range []struct {
			field string
			set   bool
		}{{"auth.callbackUrls", len(a.CallbackURLs) > 0}, {"auth.logoutUrls", len(a.LogoutURLs) > 0}, {"auth.domainPrefix", a.DomainPrefix != ""}} {
			if f.set {
				add(f.field, "is set, but auth.userPoolArn names an existing pool, whose app clients and domain the stack does not manage; remove one of them")
			}
		}
		return
	}
	validateAppURLs("auth.callbackUrls", c.AppClientCallbackURLs(), add)
	validateAppURLs("auth.logoutUrls", c.AppClientLogoutURLs(), add)
	c.validateProdAppURLs(add)
	prefix, withAccount := c.HostedUIDomainPrefix()
	shown := prefix
	if withAccount {
		shown += accountIDPlaceholder
	}
	if len(shown) > maxDomainPrefix || !domainPrefixPattern.MatchString(shown) || slices.ContainsFunc(reservedDomainWords, func(w string) bool { return strings.Contains(shown, w) }) {
		why := ""
		if withAccount {
			why = fmt.Sprintf(" (the default, from project %q, the stage and the account ID); set auth.domainPrefix", c.Project)
		}
		add("auth.domainPrefix", "%q is not a hosted UI domain prefix%s; allowed: 1 to %d lower-case letters, digits and hyphens, not at either end, without %s", shown, why, maxDomainPrefix, quoteList(reservedDomainWords))
	}
}

// validateAppURLs checks an app client's callback or logout URLs: https://
// (http:// on localhost only), no fragment, at most MaxCallbackURLs.
func validateAppURLs(field string, urls []string, add func(string, string, ...any)) {
	if len(urls) > MaxCallbackURLs {
		add(field, "lists %d URLs; allowed at most %d", len(urls), MaxCallbackURLs)
	}
	for i, s := range urls {
		u, err := url.Parse(s)
		local := err == nil && u.Scheme == "http" && u.Hostname() == "localhost"
		switch {
		case err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && !local):
			add(fmt.Sprintf("%s[%d]", field, i), "%q is not an absolute https:// URL (http:// is allowed for localhost only)", s)
		case u.Fragment != "" || strings.Contains(s, "#"):
			add(fmt.Sprintf("%s[%d]", field, i), "%q has a fragment (#...); Cognito refuses it", s)
		case len(s) > MaxCallbackURLBytes:
			add(fmt.Sprintf("%s[%d]", field, i), "is %d bytes long; allowed at most %d", len(s), MaxCallbackURLBytes)
		}
	}
}

// authWarnings are the auth settings that validate but leave the API open.
func (c Config) authWarnings() []string {
	if c.Auth.Mode == AuthModeNone {
		return []string{fmt.Sprintf("auth.mode is %q: every route of the %s REST API is public, so anyone can presign uploads into the bucket; use it only for a throwaway dev stack (default %q)", c.Auth.Mode, c.Stage, AuthModeCognito)}
	}
	return nil
}
