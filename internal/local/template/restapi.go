package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"go-lambda-cdk/internal/local/apigw"
)

// restAPI reads the REST API: its stage, binary media types, and a route per
// AWS::ApiGateway::Method with an AWS_PROXY integration on one of the Go
// functions or a MOCK integration (CDK's CORS preflight). One REST API at most.
func (t *Template) restAPI() error {
	apis := t.ids("AWS::ApiGateway::RestApi")
	switch len(apis) {
	case 0:
		return nil
	case 1:
	default:
		return fmt.Errorf("%d REST APIs (%s); the local run serves one", len(apis), strings.Join(apis, ", "))
	}
	api := &RestAPI{LogicalID: apis[0], Stage: "prod"}
	var p struct {
		BinaryMediaTypes []string `json:"BinaryMediaTypes"`
	}
	if err := remarshal(t.resources[api.LogicalID].Properties, &p); err != nil {
		return fmt.Errorf("rest api %s: %w", api.LogicalID, err)
	}
	api.BinaryMediaTypes = p.BinaryMediaTypes
	for _, id := range t.ids("AWS::ApiGateway::Stage") {
		var sp struct {
			StageName string `json:"StageName"`
		}
		if remarshal(t.resources[id].Properties, &sp) == nil && sp.StageName != "" {
			api.Stage = sp.StageName
		}
	}
	authorizers, errs := t.authorizers()
	for _, id := range t.ids("AWS::ApiGateway::Method") {
		route, ok, err := t.method(api.LogicalID, id, authorizers)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			api.Routes = append(api.Routes, route)
		}
	}
	errs = append(errs, t.gatewayResponses(api)...)
	t.API = api
	return errors.Join(errs...)
}

// gatewayResponses reads the API's AWS::ApiGateway::GatewayResponse
// resources into its error headers. Only DEFAULT_4XX and DEFAULT_5XX with
// fixed header values ('...') are served locally; any other is an error
// rather than a silent difference.
func (t *Template) gatewayResponses(api *RestAPI) []error {
	var errs []error
	for _, id := range t.ids("AWS::ApiGateway::GatewayResponse") {
		var p struct {
			ResponseType       string            `json:"ResponseType"`
			ResponseParameters map[string]string `json:"ResponseParameters"`
			ResponseTemplates  map[string]string `json:"ResponseTemplates"`
			StatusCode         string            `json:"StatusCode"`
		}
		if err := remarshal(t.resources[id].Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("gateway response %s: %w", id, err))
			continue
		}
		if len(p.ResponseTemplates) > 0 || p.StatusCode != "" {
			errs = append(errs, fmt.Errorf("gateway response %s: ResponseTemplates and StatusCode are not served locally (response headers are)", id))
			continue
		}
		headers := map[string]string{}
		for k, v := range p.ResponseParameters {
			name, ok := strings.CutPrefix(k, "gatewayresponse.header.")
			if !ok || len(v) < 2 || !strings.HasPrefix(v, "'") || !strings.HasSuffix(v, "'") {
				errs = append(errs, fmt.Errorf("gateway response %s: parameter %s = %s is not served locally (gatewayresponse.header.<name> = '<fixed value>' is)", id, k, v))
				continue
			}
			headers[name] = strings.Trim(v, "'")
		}
		switch p.ResponseType {
		case "DEFAULT_4XX":
			api.ErrorHeaders4XX = headers
		case "DEFAULT_5XX":
			api.ErrorHeaders5XX = headers
		default:
			errs = append(errs, fmt.Errorf("gateway response %s: type %q is not served locally (DEFAULT_4XX and DEFAULT_5XX are)", id, p.ResponseType))
		}
	}
	return errs
}

// authorizers reads the AWS::ApiGateway::Authorizer resources by logical
// ID. Only COGNITO_USER_POOLS authorizers with a header identity source are
// served; the local issuer (package auth) stands in for every user pool.
func (t *Template) authorizers() (map[string]*apigw.Authorizer, []error) {
	found := map[string]*apigw.Authorizer{}
	var errs []error
	for _, id := range t.ids("AWS::ApiGateway::Authorizer") {
		var p struct {
			Type           string `json:"Type"`
			IdentitySource string `json:"IdentitySource"`
		}
		if err := remarshal(t.resources[id].Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("authorizer %s: %w", id, err))
			continue
		}
		if p.Type != "COGNITO_USER_POOLS" {
			errs = append(errs, fmt.Errorf("authorizer %s: type %q is not served locally (COGNITO_USER_POOLS is)", id, p.Type))
			continue
		}
		header, ok := strings.CutPrefix(p.IdentitySource, "method.request.header.")
		if !ok || header == "" {
			errs = append(errs, fmt.Errorf("authorizer %s: IdentitySource %q is not method.request.header.<name>", id, p.IdentitySource))
			continue
		}
		found[id] = &apigw.Authorizer{Name: id, Header: header}
	}
	return found, errs
}

func (t *Template) method(apiID, id string, authorizers map[string]*apigw.Authorizer) (apigw.Route, bool, error) {
	var p struct {
		HTTPMethod        string          `json:"HttpMethod"`
		ResourceID        json.RawMessage `json:"ResourceId"`
		AuthorizationType string          `json:"AuthorizationType"`
		AuthorizerID      json.RawMessage `json:"AuthorizerId"`
		Integration       struct {
			Type                 string          `json:"Type"`
			URI                  json.RawMessage `json:"Uri"`
			IntegrationResponses []struct {
				StatusCode         string            `json:"StatusCode"`
				ResponseParameters map[string]string `json:"ResponseParameters"`
			} `json:"IntegrationResponses"`
		} `json:"Integration"`
	}
	if err := remarshal(t.resources[id].Properties, &p); err != nil {
		return apigw.Route{}, false, fmt.Errorf("method %s: %w", id, err)
	}
	resPath, err := t.resourcePath(apiID, p.ResourceID, 0)
	if err != nil {
		return apigw.Route{}, false, fmt.Errorf("method %s: %w", id, err)
	}
	route := apigw.Route{Path: resPath, Method: strings.ToUpper(p.HTTPMethod)}
	switch p.AuthorizationType {
	case "", "NONE":
	case "COGNITO_USER_POOLS":
		a, ok := authorizers[refTarget(p.AuthorizerID)]
		if !ok {
			return apigw.Route{}, false, fmt.Errorf("method %s %s (%s): AuthorizerId %s is not a COGNITO_USER_POOLS authorizer of the template", route.Method, resPath, id, p.AuthorizerID)
		}
		route.Authorizer = a
	default:
		return apigw.Route{}, false, fmt.Errorf("method %s %s (%s): AuthorizationType %q is not served locally (NONE and COGNITO_USER_POOLS are)", route.Method, resPath, id, p.AuthorizationType)
	}
	switch p.Integration.Type {
	case "AWS_PROXY":
		fn, ok := t.functionName(p.Integration.URI)
		if !ok {
			return apigw.Route{}, false, fmt.Errorf("method %s %s (%s): integration Uri does not name a Go function of the template", route.Method, resPath, id)
		}
		route.Function = fn
	case "MOCK":
		mock := &apigw.MockResponse{StatusCode: 200, Headers: map[string]string{}}
		if rs := p.Integration.IntegrationResponses; len(rs) > 0 {
			if code, err := strconv.Atoi(rs[0].StatusCode); err == nil {
				mock.StatusCode = code
			}
			for k, v := range rs[0].ResponseParameters {
				if h, ok := strings.CutPrefix(k, "method.response.header."); ok {
					mock.Headers[h] = strings.Trim(v, "'")
				}
			}
		}
		route.Mock = mock
	default:
		return apigw.Route{}, false, fmt.Errorf("method %s %s (%s): integration type %q is not served locally (AWS_PROXY and MOCK are)", route.Method, resPath, id, p.Integration.Type)
	}
	return route, true, nil
}

// resourcePath builds a resource's full path from its PathPart and parents.
func (t *Template) resourcePath(apiID string, ref json.RawMessage, depth int) (string, error) {
	if depth > 64 {
		return "", errors.New("resource parents form a cycle")
	}
	if id, attr, ok := getAtt(ref); ok {
		if id == apiID && attr == "RootResourceId" {
			return "/", nil
		}
		return "", fmt.Errorf("resource %s.%s is not the REST API's root", id, attr)
	}
	id := refTarget(ref)
	r, ok := t.resources[id]
	if !ok || r.Type != "AWS::ApiGateway::Resource" {
		return "", fmt.Errorf("resource %s is not an AWS::ApiGateway::Resource", ref)
	}
	var p struct {
		ParentID json.RawMessage `json:"ParentId"`
		PathPart string          `json:"PathPart"`
	}
	if err := remarshal(r.Properties, &p); err != nil {
		return "", fmt.Errorf("resource %s: %w", id, err)
	}
	parent, err := t.resourcePath(apiID, p.ParentID, depth+1)
	if err != nil {
		return "", err
	}
	return path.Join(parent, p.PathPart), nil
}
