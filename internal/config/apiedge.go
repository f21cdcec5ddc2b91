package config

import (
	"math"
	"regexp"
	"strings"
)

// Limits of the REST API's edge settings: the upload method's throttle,
// the WAF rate-based rule and the custom domain.
const (
	// WAF rate-based rules count requests over a 5-minute window (the
	// default evaluation window) and accept limits from 10 to 2e9 ("Rate-based
	// rule high-level settings", AWS WAF developer guide:
	// https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
	MinWAFRequestsPer5Minutes = 10
	MaxWAFRequestsPer5Minutes = 2_000_000_000
	// maxBasePathBytes keeps a base path mapping to one readable segment.
	maxBasePathBytes = 128
)

var (
	// domainNamePattern: lower-case DNS labels, at least two.
	domainNamePattern = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)
	// certificateARNPattern: partition, region, account, certificate ID.
	certificateARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:certificate/[0-9a-f-]{36}$`)
	// basePathPattern: what API Gateway accepts in a one-segment base path.
	basePathPattern = regexp.MustCompile(`^[A-Za-z0-9$_.+!*'()-]+$`)
)

// setAPIEdgeDefaults sets the stage preset's upload throttle and WAF.
func (c *Config) setAPIEdgeDefaults() {
	switch c.Stage {
	case StageProd:
		c.API.UploadThrottleRateLimit, c.API.UploadThrottleBurstLimit = 50, 100
		c.API.WAFRequestsPer5Minutes = 2000
	default:
		c.API.UploadThrottleRateLimit, c.API.UploadThrottleBurstLimit = 10, 20
	}
}

// HasCustomDomain reports whether api.domainName is set.
func (a API) HasCustomDomain() bool { return a.DomainName != "" }

// validateAPIEdge checks the upload throttle against the stage's, the WAF
// limit and the custom domain, whose settings come all or none.
func (c Config) validateAPIEdge(add func(string, string, ...any)) {
	a := c.API
	r := a.UploadThrottleRateLimit
	switch {
	case r <= 0 || math.IsNaN(r) || math.IsInf(r, 0):
		add("api.uploadThrottleRateLimit", "%v must be a positive number of requests per second", r)
	case a.ThrottleRateLimit > 0 && r > a.ThrottleRateLimit:
		add("api.uploadThrottleRateLimit", "%v requests/s exceeds the stage's api.throttleRateLimit %v; allowed more than 0 up to it", r, a.ThrottleRateLimit)
	}
	b := a.UploadThrottleBurstLimit
	switch {
	case b <= 0:
		add("api.uploadThrottleBurstLimit", "%d must be a positive number of requests", b)
	case a.ThrottleBurstLimit > 0 && b > a.ThrottleBurstLimit:
		add("api.uploadThrottleBurstLimit", "%d exceeds the stage's api.throttleBurstLimit %d; allowed 1 up to it", b, a.ThrottleBurstLimit)
	}
	if w := a.WAFRequestsPer5Minutes; w != 0 && (w < MinWAFRequestsPer5Minutes || w > MaxWAFRequestsPer5Minutes) {
		add("api.wafRequestsPer5Minutes", "%d is out of range; allowed 0 (no web ACL) or %d to %d requests per source IP in 5 minutes (AWS WAF's rate-based rule limits)", w, MinWAFRequestsPer5Minutes, int64(MaxWAFRequestsPer5Minutes))
	}
	c.validateCustomDomain(add)
}

func (c Config) validateCustomDomain(add func(string, string, ...any)) {
	a := c.API
	if !a.HasCustomDomain() {
		for _, f := range []struct{ field, value string }{{"api.certificateArn", a.CertificateARN}, {"api.basePath", a.BasePath}} {
			if f.value != "" {
				add(f.field, "%q is set, but api.domainName is not; set all of api.domainName and api.certificateArn (and optionally api.basePath), or none", f.value)
			}
		}
		return
	}
	if len(a.DomainName) > 253 || !domainNamePattern.MatchString(a.DomainName) {
		add("api.domainName", "%q is not a lower-case DNS name such as \"api.example.com\"", a.DomainName)
	}
	m := certificateARNPattern.FindStringSubmatch(a.CertificateARN)
	switch {
	case a.CertificateARN == "":
		add("api.certificateArn", "is empty, but api.domainName %q is set; give the ARN of an ACM certificate for it in the stack's region", a.DomainName)
	case m == nil:
		add("api.certificateArn", "%q is not an ACM certificate ARN; allowed: arn:aws:acm:<region>:<12-digit account>:certificate/<id>", a.CertificateARN)
	case c.Stage == StageProd && c.Prod.Region != "" && m[1] != c.Prod.Region:
		add("api.certificateArn", "%q is in region %s; a regional API's certificate must be in the stack's region, prod.region %s", a.CertificateARN, m[1], c.Prod.Region)
	}
	if p := a.BasePath; p != "" && (len(p) > maxBasePathBytes || !basePathPattern.MatchString(p) || strings.HasPrefix(p, ".")) {
		add("api.basePath", "%q is not a base path; allowed: one path segment of up to %d letters, digits and $ - _ . + ! * ' ( ) (no /), or \"\" to map the domain's root", p, maxBasePathBytes)
	}
}
