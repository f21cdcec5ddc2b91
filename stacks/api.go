package stacks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
)

// The REST API, all of it: the API and its stage (newRestAPI), each api
// trigger's routes (app.routeAPI), and its protection, added once when the
// first api trigger creates the API: who may call it (auth.*), the WAF web
// ACL (api.wafRequestsPer5Minutes) and the custom domain (api.domainName).

// Reasons of the cdk-nag findings the API's settings accept.
const (
	publicPathReason = "The function's declaration makes this path public (functions: API.Public), e.g. a health check for uptime probes; it returns no user data."
	authNoneReason   = "auth.mode is none: the dev stack's API is deliberately public (allowed in dev only; synth prints a warning)."
	preflightReason  = "CORS preflight: browsers send OPTIONS without credentials, so it cannot carry a token; the function answers it with CORS headers only."
)

// protectAPI adds the user pool and authorizer (auth.mode cognito, when
// a declared path needs a token), the WAF web ACL and the custom domain to
// the app's new REST API.
func (a *app) protectAPI() {
	if a.cfg.Auth.Mode == config.AuthModeCognito && hasPrivatePath(a.cfg) {
		a.authorizer = newAuthorizer(a.stack, a.cfg, a.removal)
	}
	if n := a.cfg.API.WAFRequestsPer5Minutes; n > 0 {
		newWebACL(a.stack, a.restAPI, n)
	} else {
		suppress(a.restAPI, "AwsSolutions-APIG3", "api.wafRequestsPer5Minutes is 0 in this stage, so no WAF web ACL (it costs a monthly fee per web ACL and rule plus a fee per request); the stage and method throttles bound the load.")
	}
	if a.cfg.API.HasCustomDomain() {
		newCustomDomain(a.stack, a.cfg.API, a.restAPI)
	}
	corsOnGatewayErrors(a.restAPI, a.cfg.API.CORSAllowedOrigins)
}

// corsOnGatewayErrors lets a browser read the errors API Gateway answers
// itself, without the function (401 from the authorizer, 403 for an
// unknown route, 429 from a throttle): their body stays API Gateway's, and
// they get Access-Control-Allow-Origin when it can be one fixed value, "*"
// or a single origin. With several origins the function's answers carry
// CORS headers but these errors cannot (a gateway response cannot choose
// among origins).
func corsOnGatewayErrors(api awsapigateway.RestApi, origins []string) {
	if len(origins) != 1 {
		return
	}
	api.AddGatewayResponse(jsii.String("GatewayErrorsCors"), &awsapigateway.GatewayResponseOptions{
		Type:            awsapigateway.ResponseType_DEFAULT_4XX(),
		ResponseHeaders: &map[string]*string{"Access-Control-Allow-Origin": jsii.String("'" + origins[0] + "'")},
	})
}

// addMethods routes each path of t to integration: ANY, each declared
// upload route as its own method, and, on a path that needs a token, an
// OPTIONS method without one for CORS preflights. The function answers
// every method itself (a wrong one with 405).
func (a *app) addMethods(t functions.API, integration awsapigateway.Integration) {
	for _, path := range t.Paths {
		resource := a.restAPI.Root().ResourceForPath(jsii.String(strings.TrimPrefix(path, "/")))
		public := a.cfg.Auth.Mode == config.AuthModeNone || slices.Contains(t.Public, path)
		options := &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_NONE}
		if !public {
			options = &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_COGNITO, Authorizer: a.authorizer}
		}
		methods := []string{"ANY"}
		for _, r := range t.UploadRoutes {
			if r.Path == path {
				methods = append(methods, r.Method)
			}
		}
		for _, m := range methods {
			method := resource.AddMethod(jsii.String(m), integration, options)
			switch {
			case a.cfg.Auth.Mode == config.AuthModeNone:
				suppressPublicMethod(method, authNoneReason)
			case public:
				suppressPublicMethod(method, publicPathReason)
			}
		}
		if !public {
			preflight := resource.AddMethod(jsii.String("OPTIONS"), integration, &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_NONE})
			suppress(preflight, "AwsSolutions-APIG4", preflightReason) // cdk-nag's COG4 skips OPTIONS
		}
	}
}

// hasPrivatePath reports whether a declared API path is not public, so
// needs the authorizer (CDK refuses an authorizer no method uses).
func hasPrivatePath(cfg config.Config) bool {
	for _, fn := range cfg.Functions.Named() {
		if t, ok := fn.Declaration.API(); ok && slices.ContainsFunc(t.Paths, func(p string) bool { return !slices.Contains(t.Public, p) }) {
			return true
		}
	}
	return false
}

// uploadThrottles are the stage's method settings of every declared upload
// route (functions.API.UploadRoutes): the upload throttle, inside the
// stage's. API Gateway keys a method setting by resource path and the
// method's own HTTP method, so each route is its own method (addMethods),
// not the path's ANY.
func uploadThrottles(cfg config.Config) *map[string]*awsapigateway.MethodDeploymentOptions {
	out := map[string]*awsapigateway.MethodDeploymentOptions{}
	for _, fn := range cfg.Functions.Named() {
		t, ok := fn.Declaration.API()
		if !ok {
			continue
		}
		for _, r := range t.UploadRoutes {
			out[r.Path+"/"+r.Method] = &awsapigateway.MethodDeploymentOptions{
				ThrottlingRateLimit:  jsii.Number(cfg.API.UploadThrottleRateLimit),
				ThrottlingBurstLimit: jsii.Number(cfg.API.UploadThrottleBurstLimit),
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// newAuthorizer returns the REST API's Cognito user pools authorizer on
// auth.userPoolArn, or on a user pool, app client and hosted UI domain it
// creates, with their IDs as outputs. It reads the token from the
// Authorization header and accepts ID tokens of the pool.
func newAuthorizer(stack awscdk.Stack, cfg config.Config, removal awscdk.RemovalPolicy) awsapigateway.IAuthorizer {
	var pool awscognito.IUserPool
	if cfg.Auth.UserPoolArn != "" {
		pool = awscognito.UserPool_FromUserPoolArn(stack, jsii.String("UserPool"), jsii.String(cfg.Auth.UserPoolArn))
	} else {
		pool = newUserPool(stack, cfg, removal)
	}
	output(stack, "UserPoolId", pool.UserPoolId(), "Cognito user pool whose ID tokens the REST API accepts (Authorization: Bearer <token>)")
	return awsapigateway.NewCognitoUserPoolsAuthorizer(stack, jsii.String("ApiAuthorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: &[]awscognito.IUserPool{pool},
		IdentitySource:   awsapigateway.IdentitySource_Header(jsii.String("Authorization")),
	})
}

// newUserPool creates the user pool (sign-in by email, strong passwords,
// optional TOTP MFA, users created by an administrator), its app client
// for the front end (no secret; SRP, and the OAuth authorization code grant
// with PKCE through the hosted UI) and the hosted UI's domain.
func newUserPool(stack awscdk.Stack, cfg config.Config, removal awscdk.RemovalPolicy) awscognito.UserPool {
	props := &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(false),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes:  &awscognito.StandardAttributes{Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)}},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true), TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		Mfa:                awscognito.Mfa_OPTIONAL,
		MfaSecondFactor:    &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		DeletionProtection: jsii.Bool(cfg.Stage == config.StageProd),
		RemovalPolicy:      removal,
	}
	if cfg.Auth.ThreatProtection {
		props.FeaturePlan = awscognito.FeaturePlan_PLUS
		props.StandardThreatProtectionMode = awscognito.StandardThreatProtectionMode_FULL_FUNCTION
	}
	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), props)
	suppress(pool, "AwsSolutions-COG2", "MFA is optional (TOTP): each user may turn it on; requiring it would stop users without an authenticator app from signing in.")
	if !cfg.Auth.ThreatProtection {
		suppress(pool, "AwsSolutions-COG8", "auth.threatProtection is off in this stage: the Plus feature plan is billed per monthly active user; prod turns it on by default.")
	}

	client := pool.AddClient(jsii.String("WebClient"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		// SRP for the front end; ADMIN_USER_PASSWORD_AUTH only for callers
		// with IAM credentials for cognito-idp:AdminInitiateAuth (the
		// README's walkthrough).
		AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(true), AdminUserPassword: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(cfg.AppClientCallbackURLs()...),
			LogoutUrls:   jsii.Strings(cfg.AppClientLogoutURLs()...),
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
	})
	output(stack, "UserPoolClientId", client.UserPoolClientId(), "App client of the front end: no secret, SRP or the hosted UI's authorization code grant with PKCE")

	prefix, withAccount := cfg.HostedUIDomainPrefix()
	if withAccount {
		prefix += *awscdk.Aws_ACCOUNT_ID()
	}
	domain := pool.AddDomain(jsii.String("HostedUiDomain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(prefix)},
	})
	output(stack, "UserPoolDomain", domain.BaseUrl(nil), "Hosted UI of the user pool (OAuth authorize, token and logout endpoints)")
	return pool
}

// newWebACL puts a regional WAF web ACL in front of the API's stage: one
// rate-based rule blocks (429) a source IP while it sends more than limit
// requests in 5 minutes; metrics and sampled requests are on.
func newWebACL(stack awscdk.Stack, api awsapigateway.RestApi, limit int64) {
	visibility := func(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true), MetricName: jsii.String(metric),
		}
	}
	acl := awswafv2.NewCfnWebACL(stack, jsii.String("ApiWebAcl"), &awswafv2.CfnWebACLProps{
		Description:      jsii.String(fmt.Sprintf("Blocks a source IP that sends more than %d requests in 5 minutes to the REST API", limit)),
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility(*awscdk.Aws_STACK_NAME() + "-api"),
		Rules: &[]any{&awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String("RateLimitPerSourceIp"),
			Priority: jsii.Number(0),
			Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
				CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(429)},
			}},
			Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				AggregateKeyType: jsii.String("IP"), Limit: jsii.Number(float64(limit)), EvaluationWindowSec: jsii.Number(300),
			}},
			VisibilityConfig: visibility("RateLimitPerSourceIp"),
		}},
	})
	awswafv2.NewCfnWebACLAssociation(stack, jsii.String("ApiWebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: api.DeploymentStage().StageArn(),
		WebAclArn:   acl.AttrArn(),
	})
}

// newCustomDomain serves the API's stage on api.domainName (regional, TLS
// 1.2) under api.basePath, and outputs the name to point DNS at.
func newCustomDomain(stack awscdk.Stack, cfg config.API, api awsapigateway.RestApi) {
	domain := awsapigateway.NewDomainName(stack, jsii.String("ApiDomain"), &awsapigateway.DomainNameProps{
		DomainName:     jsii.String(cfg.DomainName),
		Certificate:    awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("ApiCertificate"), jsii.String(cfg.CertificateARN)),
		EndpointType:   awsapigateway.EndpointType_REGIONAL,
		SecurityPolicy: awsapigateway.SecurityPolicy_TLS_1_2,
	})
	var basePath *string
	if cfg.BasePath != "" {
		basePath = jsii.String(cfg.BasePath)
	}
	domain.AddBasePathMapping(api, &awsapigateway.BasePathMappingOptions{BasePath: basePath, Stage: api.DeploymentStage()})
	url := "https://" + cfg.DomainName + "/"
	if cfg.BasePath != "" {
		url += cfg.BasePath + "/"
	}
	output(stack, "ApiCustomUrl", jsii.String(url), "Base URL of the REST API on its custom domain")
	output(stack, "ApiDomainTarget", domain.DomainNameAliasDomainName(), "Regional domain name to point api.domainName at (CNAME, or a Route 53 alias with ApiDomainHostedZoneId)")
	output(stack, "ApiDomainHostedZoneId", domain.DomainNameAliasHostedZoneId(), "Hosted zone ID of ApiDomainTarget, for a Route 53 alias record")
}

// newRestAPI creates the stage's REST API with JSON access logs and CORS;
// each function with an api trigger adds its routes (app.routeAPI).
func newRestAPI(stack awscdk.Stack, cfg config.Config, logRetention awslogs.RetentionDays, removal awscdk.RemovalPolicy) awsapigateway.RestApi {
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: removal,
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		// API Gateway's metrics are keyed by ApiName (and Stage): a name of
		// its own per project and stage keeps another stage's, or another
		// app's, requests out of this stage's alarms and dashboard
		// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html).
		RestApiName:    jsii.String(cfg.Project + "-" + cfg.Stage),
		Description:    jsii.String(fmt.Sprintf("%s %s API", cfg.Project, cfg.Stage)),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(false),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(cfg.Stage),
			ThrottlingRateLimit:  jsii.Number(cfg.API.ThrottleRateLimit),
			ThrottlingBurstLimit: jsii.Number(cfg.API.ThrottleBurstLimit),
			TracingEnabled:       jsii.Bool(cfg.Tracing),
			MethodOptions:        uploadThrottles(cfg),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(false), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(false),
			}),
		},
	})
	suppress(api, "AwsSolutions-APIG2", "Lambda proxy integration: each function behind the API validates every request body and parameter itself and answers 400/413 with a JSON error.")
	suppress(api, "AwsSolutions-APIG6", "Execution logs go to a log group API Gateway creates itself (API-Gateway-Execution-Logs_<id>/<stage>), outside the stack and without retention; the stage's JSON access logs cover every request. (Both need the region's API Gateway CloudWatch role, which the account stack sets.)")
	return api
}

// routeAPI sends every method of each path to the function through a
// Lambda proxy integration on the stage's REST API, behind its authorizer
// (api.go).
func (a *app) routeAPI(f *GoFunction, t functions.API) {
	if a.restAPI == nil {
		a.restAPI = newRestAPI(a.stack, a.cfg, a.logRetention, a.removal)
		a.protectAPI()
	}
	// The Lambda proxy integration of CDK's LambdaIntegration (the same
	// AWS_PROXY URI invoking the live alias), without its invoke
	// permissions: it adds two per method (the stage's and the console's
	// test), in the API's stack. Here each path gets one, in the function's
	// own stack, for every method and stage of the path
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html):
	// the stage's stack keeps only the methods, which matters once the
	// functions are in nested stacks, and the function's resource policy
	// (20 KB at most, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
	// grows by one statement per path.
	integration := awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Proxy:   jsii.Bool(true),
		Service: jsii.String("lambda"),
		Path:    jsii.String("2015-03-31/functions/" + *f.Alias.FunctionArn() + "/invocations"),
	})
	a.addMethods(t, integration)
	for _, path := range t.Paths {
		f.Alias.AddPermission(jsii.String("ApiInvoke"+apiPermissionID.Replace(path)), &awslambda.Permission{
			Principal: a.apiPrincipal(),
			SourceArn: a.restAPI.ArnForExecuteApi(jsii.String("*"), jsii.String(pathParams.ReplaceAllString(path, "*")), jsii.String("*")),
		})
	}
}

// pathParams are the {parameters} of a resource path, which an
// execute-api ARN spells "*" (as CDK's Method.methodArn does).
var pathParams = regexp.MustCompile(`\{[^}]*\}`)

// apiPermissionID turns a resource path into a construct ID's tail.
var apiPermissionID = strings.NewReplacer("/", ".", "{", "", "}", "", "+", "")

// apiPrincipal is API Gateway's service principal, made once.
func (a *app) apiPrincipal() awsiam.IPrincipal {
	if a.apigateway == nil {
		a.apigateway = awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil)
	}
	return a.apigateway
}
