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
	var errs []error
	for _, id := range t.ids("AWS::ApiGateway::Method") {
		route, ok, err := t.method(api.LogicalID, id)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			api.Routes = append(api.Routes, route)
		}
	}
	t.API = api
	return errors.Join(errs...)
}

func (t *Template) method(apiID, id string) (apigw.Route, bool, error) {
	var p struct {
		HTTPMethod  string          `json:"HttpMethod"`
		ResourceID  json.RawMessage `json:"ResourceId"`
		Integration struct {
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
