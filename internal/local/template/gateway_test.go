package template

import (
	"reflect"
	"strings"
	"testing"
)

// TestGatewayResponses reads the DEFAULT_4XX and DEFAULT_5XX gateway
// responses' fixed headers, and refuses what the local run would not
// serve as API Gateway does.
func TestGatewayResponses(t *testing.T) {
	const api = `"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}}`
	response := func(typ, params string) string {
		return `"R` + typ + `": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"RestApiId": {"Ref": "Api"}, "ResponseType": "` + typ + `", "ResponseParameters": {` + params + `}}}`
	}
	tpl, err := Parse([]byte(`{"Resources": {`+api+`,`+response("DEFAULT_4XX", `"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"`)+`,`+
		response("DEFAULT_5XX", `"gatewayresponse.header.X-A": "'b'"`)+`}}`), "S")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"Access-Control-Allow-Origin": "*"}; !reflect.DeepEqual(tpl.API.ErrorHeaders4XX, want) {
		t.Errorf("4XX headers %v, want %v", tpl.API.ErrorHeaders4XX, want)
	}
	if want := map[string]string{"X-A": "b"}; !reflect.DeepEqual(tpl.API.ErrorHeaders5XX, want) {
		t.Errorf("5XX headers %v, want %v", tpl.API.ErrorHeaders5XX, want)
	}
	for _, tc := range []struct{ name, resource, want string }{
		{"a specific type", response("UNAUTHORIZED", `"gatewayresponse.header.X": "'y'"`), `type "UNAUTHORIZED" is not served locally`},
		{"a header from the request", response("DEFAULT_4XX", `"gatewayresponse.header.X": "method.request.header.Origin"`), `gatewayresponse.header.X = method.request.header.Origin is not served locally`},
		{"a template", `"T": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"ResponseType": "DEFAULT_4XX", "ResponseTemplates": {"application/json": "{}"}}}`, "ResponseTemplates and StatusCode are not served locally"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(`{"Resources": {`+api+`,`+tc.resource+`}}`), "S")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestSynthesizedGatewayResponses: the stack's dev templates let a
// browser read API Gateway's own 4XX answers from any origin.
func TestSynthesizedGatewayResponses(t *testing.T) {
	for _, name := range []string{"cdk-synth.template.json", "cdk-synth-cognito.template.json"} {
		tpl := readFixture(t, name, "GoLambdaCdk-dev")
		if got := tpl.API.ErrorHeaders4XX["Access-Control-Allow-Origin"]; got != "*" {
			t.Errorf("%s: 4XX Access-Control-Allow-Origin %q, want * (dev's api.corsAllowedOrigins)", name, got)
		}
	}
}
