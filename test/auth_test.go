package test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/layout"
)

// apiMethod is one AWS::ApiGateway::Method of a template.
type apiMethod struct {
	id, method, path, auth string
	props                  map[string]any // the whole resource
}

// route is the method as "POST /uploads COGNITO_USER_POOLS -> <target>",
// target the logical ID of the integration's function alias.
func (m apiMethod) route() string {
	return m.method + " " + m.path + " " + m.auth + " -> " + refTarget(get(m.props, "Properties.Integration.Uri"))
}

// apiMethods returns every method of the template's REST API with its
// resource's full path ("/" for the root).
func apiMethods(t *testing.T, tpl template) []apiMethod {
	t.Helper()
	resources := tpl.resources("AWS::ApiGateway::Resource")
	var pathOf func(ref any) string
	pathOf = func(ref any) string {
		id, ok := get(ref, "Ref").(string)
		if !ok {
			return "" // the root: Fn::GetAtt RootResourceId
		}
		r := resources[id]
		return pathOf(get(r, "Properties.ParentId")) + "/" + get(r, "Properties.PathPart").(string)
	}
	var out []apiMethod
	for id, m := range tpl.resources("AWS::ApiGateway::Method") {
		path := pathOf(get(m, "Properties.ResourceId"))
		if path == "" {
			path = "/"
		}
		auth, _ := get(m, "Properties.AuthorizationType").(string)
		out = append(out, apiMethod{id: id, method: get(m, "Properties.HttpMethod").(string), path: path, auth: auth, props: m})
	}
	return out
}

// declaredRoutes is what the declarations make of the REST API: ANY on
// each path and each upload route as its own method, with the authorizer
// unless the path is public or cognito is false (auth.mode none), and an
// OPTIONS method without it on every path that has it.
func declaredRoutes(t *testing.T, tpl template, cognito bool) []string {
	var out []string
	for _, d := range functions.All() {
		a, ok := d.API()
		if !ok {
			continue
		}
		fnID := liveAlias(t, tpl, d)
		for _, p := range a.Paths {
			auth := "NONE"
			if cognito && !slices.Contains(a.Public, p) {
				auth = "COGNITO_USER_POOLS"
				out = append(out, "OPTIONS "+p+" NONE -> "+fnID)
			}
			out = append(out, "ANY "+p+" "+auth+" -> "+fnID)
			for _, r := range a.UploadRoutes {
				if r.Path == p {
					out = append(out, r.Method+" "+p+" "+auth+" -> "+fnID)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func routes(methods []apiMethod) []string {
	var out []string
	for _, m := range methods {
		out = append(out, m.route())
	}
	slices.Sort(out)
	return out
}

// TestAPIAuthorization: with auth.mode cognito (the default of both
// stages) every method of the upload routes needs the Cognito user pools
// authorizer, while /health and every OPTIONS (CORS preflight) need none;
// with auth.mode none nothing does.
func TestAPIAuthorization(t *testing.T) {
	for _, c := range []struct {
		name    string
		context map[string]any
		cognito bool
	}{
		{"dev", map[string]any{"stage": "dev"}, true},
		{"prod", map[string]any{"stage": "prod"}, true},
		{"dev auth none", map[string]any{"stage": "dev", "auth.mode": "none"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl := synth(t, c.context).template
			methods := apiMethods(t, tpl)
			if got, want := routes(methods), declaredRoutes(t, tpl, c.cognito); !slices.Equal(got, want) {
				t.Errorf("methods\n got %q\nwant %q", got, want)
			}
			authorizers := tpl.resources("AWS::ApiGateway::Authorizer")
			if !c.cognito {
				if len(authorizers) != 0 || len(tpl.resources("AWS::Cognito::UserPool")) != 0 {
					t.Errorf("auth.mode none: %d authorizers, %d user pools; want none", len(authorizers), len(tpl.resources("AWS::Cognito::UserPool")))
				}
				return
			}
			authID, authorizer := tpl.one(t, "AWS::ApiGateway::Authorizer", "ApiAuthorizer")
			poolID, _ := tpl.one(t, "AWS::Cognito::UserPool", "UserPool")
			if got := js(authorizer["Properties"]); !strings.Contains(got, `"IdentitySource":"method.request.header.Authorization"`) ||
				!strings.Contains(got, `"ProviderARNs":[{"Fn::GetAtt":["`+poolID+`","Arn"]}]`) || !strings.Contains(got, `"Type":"COGNITO_USER_POOLS"`) {
				t.Errorf("authorizer %s", got)
			}
			// The routes, spelled out.
			byRoute := map[string]apiMethod{}
			for _, m := range methods {
				byRoute[m.method+" "+m.path] = m
			}
			for route, want := range map[string]string{
				"ANY " + layout.ResourceHealth:                           "NONE",
				"ANY " + layout.ResourceUploads:                          "COGNITO_USER_POOLS",
				layout.CreateUploadMethod + " " + layout.ResourceUploads: "COGNITO_USER_POOLS",
				"ANY " + layout.ResourceUpload:                           "COGNITO_USER_POOLS",
				"OPTIONS " + layout.ResourceUploads:                      "NONE",
				"OPTIONS " + layout.ResourceUpload:                       "NONE",
			} {
				m, ok := byRoute[route]
				if !ok {
					t.Errorf("no method %s", route)
					continue
				}
				if m.auth != want {
					t.Errorf("%s: AuthorizationType %s, want %s", route, m.auth, want)
				}
				ref := get(m.props, "Properties.AuthorizerId.Ref")
				if (want == "COGNITO_USER_POOLS") != (ref == authID) {
					t.Errorf("%s: AuthorizerId %v (authorizer %s)", route, ref, authID)
				}
			}
		})
	}
}

// TestNagSuppressionsOnlyOnPublicMethods: in auth.mode cognito no method
// that needs a token carries an APIG4/COG4 suppression; the public path
// carries both with its reason, and OPTIONS APIG4 only (cdk-nag's COG4
// skips OPTIONS). In auth.mode none every method carries both. TestCdkNag
// proves the stack has no unsuppressed finding either way.
func TestNagSuppressionsOnlyOnPublicMethods(t *testing.T) {
	for _, c := range []struct {
		context map[string]any
		cognito bool
	}{{map[string]any{"stage": "dev"}, true}, {map[string]any{"stage": "prod"}, true}, {map[string]any{"stage": "dev", "auth.mode": "none"}, false}} {
		s := synth(t, c.context)
		for _, m := range apiMethods(t, s.template) {
			var rules []string
			for _, r := range asSlice(get(m.props, "Metadata.cdk_nag.rules_to_suppress")) {
				if id := get(r, "id").(string); id == "AwsSolutions-APIG4" || id == "AwsSolutions-COG4" {
					rules = append(rules, id)
				}
			}
			var want []string
			switch {
			case !c.cognito:
				want = []string{"AwsSolutions-APIG4", "AwsSolutions-COG4"}
			case m.method == "OPTIONS":
				want = []string{"AwsSolutions-APIG4"}
			case m.auth == "NONE":
				want = []string{"AwsSolutions-APIG4", "AwsSolutions-COG4"}
			}
			if !slices.Equal(rules, want) {
				t.Errorf("%v %s %s (%s): suppressions %v, want %v", c.context, m.method, m.path, m.auth, rules, want)
			}
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// TestCdkNagAuthVariants: the settings this file covers leave no
// unsuppressed cdk-nag finding (TestCdkNag covers the presets).
func TestCdkNagAuthVariants(t *testing.T) {
	for name, context := range map[string]map[string]any{
		"dev auth none":      {"stage": "dev", "auth.mode": "none"},
		"dev WAF and domain": devOptions(),
		"prod existing pool": prodOptions(),
		"prod no WAF":        {"stage": "prod", "api.wafRequestsPer5Minutes": "0", "auth.threatProtection": "false"},
	} {
		t.Run(name, func(t *testing.T) { checkNoNagFindings(t, synth(t, context)) })
	}
}

// checkNoNagFindings fails for every AwsSolutions error or warning
// annotation of the app stack.
func checkNoNagFindings(t *testing.T, s synthesized) {
	t.Helper()
	for _, f := range nagFindings(s.stack, "AwsSolutions-.*") {
		t.Errorf("cdk-nag: %s", f)
	}
}

// nagFindings returns the errors and warnings on stack whose message
// matches rule (a regular expression, as assertions.Match_StringLikeRegexp
// takes it), each as "<level> <construct path> <message>". They are read
// from the assembly the app has already synthesized (the one synth's
// templates came from): assertions.Annotations_FromStack reads the same
// messages but synthesizes the whole app again first.
func nagFindings(stack awscdk.Stack, rule string) []string {
	match := regexp.MustCompile(rule)
	var out []string
	for _, m := range *awscdk.Stage_Of(stack).Synth(nil).GetStackArtifact(stack.ArtifactId()).Messages() {
		msg := fmt.Sprint(m.Entry.Data)
		if (m.Level == cxapi.SynthesisMessageLevel_ERROR || m.Level == cxapi.SynthesisMessageLevel_WARNING) && match.MatchString(msg) {
			out = append(out, fmt.Sprintf("%s %s %s", m.Level, *m.Id, msg))
		}
	}
	return out
}

const (
	testUserPoolARN    = "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbCdEf123"
	testCertificateARN = "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)

// TestUserPool: the pool signs in by email with a strong password policy
// and optional TOTP MFA, is retained and deletion-protected in prod, on the
// Plus plan with threat protection in prod; its app client has no secret,
// SRP and the code grant; the outputs name pool, client and hosted UI.
func TestUserPool(t *testing.T) {
	for stage, want := range map[string]struct{ deletion, protection, tier, callback string }{
		"dev":  {"Delete", "INACTIVE", "ESSENTIALS", "http://localhost:3000/"},
		"prod": {"Retain", "ACTIVE", "PLUS", testProdOrigin + "/"},
	} {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			_, pool := tpl.one(t, "AWS::Cognito::UserPool", "UserPool")
			checks := map[string]any{
				"DeletionPolicy":                                   want.deletion,
				"Properties.DeletionProtection":                    want.protection,
				"Properties.UserPoolTier":                          want.tier,
				"Properties.UsernameAttributes":                    []any{"email"},
				"Properties.AutoVerifiedAttributes":                []any{"email"},
				"Properties.MfaConfiguration":                      "OPTIONAL",
				"Properties.EnabledMfas":                           []any{"SOFTWARE_TOKEN_MFA"},
				"Properties.AdminCreateUserConfig":                 map[string]any{"AllowAdminCreateUserOnly": true},
				"Properties.Policies.PasswordPolicy.MinimumLength": 12.0,
			}
			for path, v := range checks {
				if got := get(pool, path); js(got) != js(v) {
					t.Errorf("pool %s = %s, want %s", path, js(got), js(v))
				}
			}
			for _, flag := range []string{"RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"} {
				if get(pool, "Properties.Policies.PasswordPolicy."+flag) != true {
					t.Errorf("password policy %s not set", flag)
				}
			}
			threat := get(pool, "Properties.UserPoolAddOns.AdvancedSecurityMode")
			if (stage == "prod") != (threat == "ENFORCED") {
				t.Errorf("threat protection %v in %s", threat, stage)
			}
			_, client := tpl.one(t, "AWS::Cognito::UserPoolClient", "UserPoolWebClient")
			for path, v := range map[string]any{
				"Properties.GenerateSecret":    false,
				"Properties.AllowedOAuthFlows": []any{"code"},
				"Properties.CallbackURLs":      []any{want.callback},
				"Properties.LogoutURLs":        []any{want.callback},
			} {
				if got := get(client, path); js(got) != js(v) {
					t.Errorf("client %s = %s, want %s", path, js(got), js(v))
				}
			}
			if flows := js(get(client, "Properties.ExplicitAuthFlows")); !strings.Contains(flows, "ALLOW_USER_SRP_AUTH") || strings.Contains(flows, `"ALLOW_USER_PASSWORD_AUTH"`) {
				t.Errorf("auth flows %s: want SRP, and no plain password flow", flows)
			}
			_, domain := tpl.one(t, "AWS::Cognito::UserPoolDomain", "UserPoolHostedUiDomain")
			if got := js(get(domain, "Properties.Domain")); got != `{"Fn::Join":["",["go-lambda-cdk-`+stage+`-",{"Ref":"AWS::AccountId"}]]}` {
				t.Errorf("hosted UI domain %s, want go-lambda-cdk-%s-<account>", got, stage)
			}
			for _, o := range []string{"UserPoolId", "UserPoolClientId", "UserPoolDomain"} {
				if get(map[string]any(tpl), "Outputs."+o+".Value") == nil {
					t.Errorf("no output %s", o)
				}
			}
		})
	}
}

// TestExistingUserPool: auth.userPoolArn makes the authorizer trust that
// pool; the stack creates no pool, client or domain.
func TestExistingUserPool(t *testing.T) {
	tpl := synth(t, prodOptions()).template // auth.userPoolArn testUserPoolARN
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"} {
		if n := len(tpl.resources(typ)); n != 0 {
			t.Errorf("%d %s, want none", n, typ)
		}
	}
	_, authorizer := tpl.one(t, "AWS::ApiGateway::Authorizer", "ApiAuthorizer")
	if got := js(get(authorizer, "Properties.ProviderARNs")); got != `["`+testUserPoolARN+`"]` {
		t.Errorf("authorizer provider ARNs %s", got)
	}
	if got := get(map[string]any(tpl), "Outputs.UserPoolId.Value"); got != "eu-west-1_AbCdEf123" {
		t.Errorf("output UserPoolId %v", got)
	}
}

// TestUploadThrottle: the stage has a method setting for each declared
// upload route with the upload throttle, and that route is a method of
// its own (a setting keyed POST does not apply to an ANY method).
func TestUploadThrottle(t *testing.T) {
	for _, c := range []struct {
		context     map[string]any
		rate, burst float64
	}{
		{map[string]any{"stage": "dev"}, 10, 20},
		{map[string]any{"stage": "prod"}, 50, 100},
		{devOptions(), 2, 4}, // api.uploadThrottleRateLimit 2, api.uploadThrottleBurstLimit 4
	} {
		tpl := synth(t, c.context).template
		_, st := tpl.one(t, "AWS::ApiGateway::Stage", "RestApiDeploymentStage")
		settings := asSlice(get(st, "Properties.MethodSettings"))
		// A method setting's ResourcePath is "/" and the path with each "/" as "~1".
		path := "/" + strings.ReplaceAll(layout.ResourceUploads, "/", "~1")
		var found bool
		for _, s := range settings {
			if get(s, "HttpMethod") == layout.CreateUploadMethod && get(s, "ResourcePath") == path {
				found = true
				if get(s, "ThrottlingRateLimit") != c.rate || get(s, "ThrottlingBurstLimit") != c.burst {
					t.Errorf("%v: upload throttle %s", c.context, js(s))
				}
			}
		}
		if !found {
			t.Errorf("%v: no method setting for %s %s in %s", c.context, layout.CreateUploadMethod, layout.ResourceUploads, js(settings))
		}
		if first := settings[0]; get(first, "ResourcePath") != "/*" || get(first, "HttpMethod") != "*" {
			t.Errorf("%v: first method setting %s, want the stage-wide /*/*", c.context, js(first))
		}
		var methods []string
		for _, m := range apiMethods(t, tpl) {
			if m.path == layout.ResourceUploads {
				methods = append(methods, m.method)
			}
		}
		if !slices.Contains(methods, layout.CreateUploadMethod) {
			t.Errorf("%v: %s has methods %v; the throttle needs its own %s method", c.context, layout.ResourceUploads, methods, layout.CreateUploadMethod)
		}
	}
}

// TestWAF: prod's stage is associated with a regional web ACL whose
// rate-based rule blocks a source IP over the limit; dev has none unless
// configured, and then keeps a reasoned APIG3 suppression only without it.
func TestWAF(t *testing.T) {
	for _, c := range []struct {
		name    string
		context map[string]any
		limit   float64 // 0: no web ACL
	}{
		{"prod", map[string]any{"stage": "prod"}, 2000},
		{"dev", map[string]any{"stage": "dev"}, 0},
		{"dev configured", devOptions(), 100}, // api.wafRequestsPer5Minutes 100
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl := synth(t, c.context).template
			stageID, st := tpl.one(t, "AWS::ApiGateway::Stage", "RestApiDeploymentStage")
			var apig3 bool
			for _, r := range asSlice(get(st, "Metadata.cdk_nag.rules_to_suppress")) {
				apig3 = apig3 || get(r, "id") == "AwsSolutions-APIG3"
			}
			if c.limit == 0 {
				if n := len(tpl.resources("AWS::WAFv2::WebACL")) + len(tpl.resources("AWS::WAFv2::WebACLAssociation")); n != 0 {
					t.Errorf("%d WAF resources, want none", n)
				}
				if !apig3 {
					t.Error("no web ACL and no APIG3 suppression")
				}
				return
			}
			if apig3 {
				t.Error("APIG3 suppressed although a web ACL is associated")
			}
			aclID, acl := tpl.one(t, "AWS::WAFv2::WebACL", "ApiWebAcl")
			rule := get(acl, "Properties.Rules.0")
			for path, v := range map[string]any{
				"Properties.Scope": "REGIONAL", "Properties.DefaultAction": map[string]any{"Allow": map[string]any{}},
				"Properties.VisibilityConfig.CloudWatchMetricsEnabled": true, "Properties.VisibilityConfig.SampledRequestsEnabled": true,
			} {
				if got := get(acl, path); js(got) != js(v) {
					t.Errorf("web ACL %s = %s, want %s", path, js(got), js(v))
				}
			}
			if got, want := js(get(rule, "Statement")), `{"RateBasedStatement":{"AggregateKeyType":"IP","EvaluationWindowSec":300,"Limit":`+js(c.limit)+`}}`; got != want {
				t.Errorf("rule statement %s, want %s", got, want)
			}
			if got := js(get(rule, "Action")); got != `{"Block":{"CustomResponse":{"ResponseCode":429}}}` {
				t.Errorf("rule action %s", got)
			}
			_, assoc := tpl.one(t, "AWS::WAFv2::WebACLAssociation", "ApiWebAclAssociation")
			if got := js(get(assoc, "Properties.WebACLArn")); got != `{"Fn::GetAtt":["`+aclID+`","Arn"]}` {
				t.Errorf("association web ACL %s", got)
			}
			if got := js(get(assoc, "Properties.ResourceArn")); !strings.Contains(got, `{"Ref":"`+stageID+`"}`) || !strings.Contains(got, "/stages/") {
				t.Errorf("association resource %s, want the stage %s", got, stageID)
			}
		})
	}
}

// TestCustomDomain: api.domainName, api.certificateArn and api.basePath
// give a regional TLS 1.2 domain mapped to the stage under the base path,
// with the DNS target as an output; without them there is none.
func TestCustomDomain(t *testing.T) {
	if n := len(synth(t, map[string]any{"stage": "dev"}).template.resources("AWS::ApiGateway::DomainName")); n != 0 {
		t.Errorf("dev preset: %d custom domains, want none", n)
	}
	tpl := synth(t, prodOptions()).template // api.domainName api.example.com, api.basePath v1
	domainID, domain := tpl.one(t, "AWS::ApiGateway::DomainName", "ApiDomain")
	for path, v := range map[string]any{
		"Properties.DomainName":                  "api.example.com",
		"Properties.RegionalCertificateArn":      testCertificateARN,
		"Properties.EndpointConfiguration.Types": []any{"REGIONAL"},
		"Properties.SecurityPolicy":              "TLS_1_2",
	} {
		if got := get(domain, path); js(got) != js(v) {
			t.Errorf("domain %s = %s, want %s", path, js(got), js(v))
		}
	}
	stageID, _ := tpl.one(t, "AWS::ApiGateway::Stage", "RestApiDeploymentStage")
	_, mapping := tpl.one(t, "AWS::ApiGateway::BasePathMapping", "ApiDomain")
	if got := js(mapping["Properties"]); !strings.Contains(got, `"BasePath":"v1"`) || !strings.Contains(got, `"DomainName":{"Ref":"`+domainID+`"}`) || !strings.Contains(got, `"Stage":{"Ref":"`+stageID+`"}`) {
		t.Errorf("base path mapping %s", got)
	}
	if got := js(get(map[string]any(tpl), "Outputs.ApiDomainTarget.Value")); got != `{"Fn::GetAtt":["`+domainID+`","RegionalDomainName"]}` {
		t.Errorf("output ApiDomainTarget %s", got)
	}
	if got := get(map[string]any(tpl), "Outputs.ApiCustomUrl.Value"); got != "https://api.example.com/v1/" {
		t.Errorf("output ApiCustomUrl %v", got)
	}
}

// TestGatewayErrorsCarryCORS: API Gateway's own 4XX answers (the
// authorizer's 401, throttling's 429) carry the one allowed origin, so a
// browser can read them; with several origins there is no fixed value.
func TestGatewayErrorsCarryCORS(t *testing.T) {
	for _, c := range []struct {
		context map[string]any
		origin  string // "": no gateway response
	}{
		{map[string]any{"stage": "dev"}, "'*'"},
		{map[string]any{"stage": "prod"}, "'" + testProdOrigin + "'"},
		{prodOptions(), ""}, // api.corsAllowedOrigins https://a.acme.dev,https://b.acme.dev
	} {
		responses := synth(t, c.context).template.resources("AWS::ApiGateway::GatewayResponse")
		if c.origin == "" {
			if len(responses) != 0 {
				t.Errorf("%v: %d gateway responses, want none", c.context, len(responses))
			}
			continue
		}
		if len(responses) != 1 {
			t.Fatalf("%v: %d gateway responses, want 1", c.context, len(responses))
		}
		for _, r := range responses {
			if got := get(r, "Properties.ResponseType"); got != "DEFAULT_4XX" {
				t.Errorf("%v: response type %v", c.context, got)
			}
			params, _ := get(r, "Properties.ResponseParameters").(map[string]any)
			if got := params["gatewayresponse.header.Access-Control-Allow-Origin"]; got != c.origin {
				t.Errorf("%v: Access-Control-Allow-Origin %v, want %s", c.context, got, c.origin)
			}
		}
	}
}
