package template

import (
	"reflect"
	"strings"
	"testing"

	"go-lambda-cdk/internal/local/apigw"
)

func TestParseAuthorizer(t *testing.T) {
	tpl := readFixture(t, "authorizer.template.json", "GoLambdaCdk-dev")
	cognito := &apigw.Authorizer{Name: "ApiCognitoAuthorizer1A2B3C4D", Header: "Authorization"}
	want := []apigw.Route{
		{Path: "/health", Method: "GET", Function: "api"}, // no AuthorizationType: NONE
		{Path: "/uploads", Method: "OPTIONS", Function: "api"},
		{Path: "/uploads", Method: "POST", Function: "api", Authorizer: cognito},
	}
	if !reflect.DeepEqual(tpl.API.Routes, want) {
		t.Errorf("routes = %+v\nwant %+v", tpl.API.Routes, want)
	}
}

func TestParseAuthorizerErrors(t *testing.T) {
	const api = `"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
		"Fn": {"Type": "AWS::Lambda::Function", "Metadata": {"go-lambda-cdk:function": "api"}, "Properties": {"Runtime": "provided.al2023"}}`
	method := func(auth string) string {
		return `"M": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", ` + auth + `
			"ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
			"Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::GetAtt": ["Fn", "Arn"]}}}}`
	}
	authorizer := func(typ, source string) string {
		return `"Auth": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {"Type": "` + typ + `", "IdentitySource": "` + source + `"}}`
	}
	for _, tc := range []struct {
		name, resources, want string
	}{
		{"IAM authorization", method(`"AuthorizationType": "AWS_IAM",`), `AuthorizationType "AWS_IAM" is not served locally`},
		{"dangling authorizer", method(`"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": "Nope"},`), `is not a COGNITO_USER_POOLS authorizer`},
		{"Lambda authorizer", authorizer("TOKEN", "method.request.header.Authorization") + "," + method(`"AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": "Auth"},`), `type "TOKEN" is not served locally`},
		{"query identity source", authorizer("COGNITO_USER_POOLS", "method.request.querystring.token"), `is not method.request.header.<name>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(`{"Resources": {`+api+`,`+tc.resources+`}}`), "S")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
