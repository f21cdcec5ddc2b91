package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"go-lambda-cdk/internal/origin"
)

// Stage prod has no default for the front end's addresses: the origins the
// API, the bucket's CORS rule and the gateway responses allow
// (api.corsAllowedOrigins) and the app client's callback and logout URLs
// (auth.callbackUrls, auth.logoutUrls, by default derived from the
// origins). Each must have a real host, which validateOrigins and
// validateProdAppURLs check: not a name reserved for documentation, testing
// or the local machine, which can never be a deployed front end:
//   - example.com, example.net, example.org and their subdomains, and the
//     top-level domains .example, .test, .invalid and .localhost (RFC 2606,
//     https://www.rfc-editor.org/rfc/rfc2606.html; RFC 6761,
//     https://www.rfc-editor.org/rfc/rfc6761.html);
//   - localhost and loopback addresses (127.0.0.0/8, ::1).
// "*" as the only origin stays allowed: it is a deliberate choice, not a
// placeholder, but then the app client's URLs must be set explicitly.

// reservedDomains are the second-level domains RFC 2606 reserves for
// documentation.
var reservedDomains = []string{"example.com", "example.net", "example.org"}

// reservedTLDs are the top-level domains RFC 2606 reserves for testing,
// documentation, invalid names and the local machine.
var reservedTLDs = []string{"example", "test", "invalid", "localhost"}

// placeholderHost returns why host cannot be a deployed front end's, or ""
// when it can.
func placeholderHost(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(h); ip != nil {
		if ip.IsLoopback() {
			return "a loopback address, this machine"
		}
		return ""
	}
	for _, d := range reservedDomains {
		if h == d || strings.HasSuffix(h, "."+d) {
			return d + " is reserved for documentation (RFC 2606)"
		}
	}
	tld := h[strings.LastIndex(h, ".")+1:]
	for _, r := range reservedTLDs {
		if tld == r {
			if r == "localhost" {
				return "localhost is this machine (RFC 6761)"
			}
			return "." + r + " is a reserved top-level domain (RFC 2606)"
		}
	}
	return ""
}

// prodFrontEndAllowed says what stage prod accepts, for messages.
const prodFrontEndAllowed = "stage prod needs the real front end's https origins, e.g. -c api.corsAllowedOrigins=https://app.<your domain>; placeholders (example.com, .net and .org, the .example, .test, .invalid and .localhost domains, localhost, loopback addresses) are refused"

// validateOrigins checks api.corsAllowedOrigins (internal/origin), and in
// stage prod that they are set and real.
func (c Config) validateOrigins(add func(string, string, ...any)) {
	const field = "api.corsAllowedOrigins"
	origins := c.API.CORSAllowedOrigins
	if c.Stage == StageProd && len(origins) == 0 {
		add(field, "is not set, and has no default in stage prod; %s", prodFrontEndAllowed)
		return
	}
	for _, p := range origin.Check(origins) {
		f := field
		if p.Index >= 0 {
			f = fmt.Sprintf("%s[%d]", field, p.Index)
		}
		add(f, "%v", p.Err)
	}
	if c.Stage != StageProd {
		return
	}
	for i, o := range origins {
		if why := urlPlaceholder(o); o != origin.Any && why != "" {
			add(fmt.Sprintf("%s[%d]", field, i), "%q is a placeholder: %s; %s", o, why, prodFrontEndAllowed)
		}
	}
}

// validateProdAppURLs checks, in stage prod, that the app client's
// callback and logout URLs are real. A list left to its default is
// reported once, saying where the default comes from.
func (c Config) validateProdAppURLs(add func(string, string, ...any)) {
	if c.Stage != StageProd || !c.Auth.CreatesUserPool() {
		return
	}
	for _, l := range []struct {
		field    string
		set      bool
		urls     []string
		fallback string // what the default derives from
	}{
		{"auth.callbackUrls", len(c.Auth.CallbackURLs) > 0, c.AppClientCallbackURLs(), "derived from api.corsAllowedOrigins"},
		{"auth.logoutUrls", len(c.Auth.LogoutURLs) > 0, c.AppClientLogoutURLs(), "the callback URLs"},
	} {
		for i, s := range l.urls {
			why := urlPlaceholder(s)
			if why == "" {
				continue
			}
			if !l.set {
				add(l.field, "is not set, so it defaults to %q (%s), a placeholder: %s; in stage prod set api.corsAllowedOrigins to the real front end's origins, or %s to its URLs", s, l.fallback, why, l.field)
				break // one line for a default
			}
			add(fmt.Sprintf("%s[%d]", l.field, i), "%q is a placeholder: %s; stage prod needs the real front end's URLs", s, why)
		}
	}
}

// urlPlaceholder is placeholderHost of a URL's host; "" for a URL that
// does not parse (validateAppURLs reports it).
func urlPlaceholder(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return placeholderHost(u.Hostname())
}
