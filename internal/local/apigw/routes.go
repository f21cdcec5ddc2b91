// Package apigw emulates an API Gateway REST API with Lambda proxy
// integrations: it routes HTTP requests by the resources and methods of a
// CloudFormation template, turns each request into the REST proxy event
// (payload format 1.0) that API Gateway sends, and turns the function's
// response back into HTTP the way API Gateway does, including its
// 403 "Missing Authentication Token" and 502 "Internal server error".
package apigw

import (
	"fmt"
	"net/http"
	"strings"
)

// Route is one method on one resource of the REST API.
type Route struct {
	// Path is the resource path as API Gateway shows it in the event's
	// "resource" field, e.g. "/uploads/{id}" or "/{proxy+}"; "/" is the root.
	Path string
	// Method is an HTTP method in upper case, or "ANY".
	Method string
	// Function is the name of the function an AWS_PROXY integration invokes.
	// Exactly one of Function and Mock is set.
	Function string
	// Mock is the fixed answer of a MOCK integration (CDK's CORS preflight).
	Mock *MockResponse
	// Authorizer, when set, is the method's Cognito user pools authorizer
	// (AuthorizationType COGNITO_USER_POOLS): a request without a valid
	// token gets 401 and never reaches the integration.
	Authorizer *Authorizer
}

// Authorizer is an AWS::ApiGateway::Authorizer of type COGNITO_USER_POOLS.
type Authorizer struct {
	// Name is the authorizer's logical ID.
	Name string
	// Header is the request header holding the token, from its
	// IdentitySource "method.request.header.<Header>".
	Header string
}

// MockResponse is what a MOCK integration answers.
type MockResponse struct {
	StatusCode int
	Headers    map[string]string
}

// Validate reports every problem of the route at once.
func (r Route) Validate() error {
	var problems []string
	if !strings.HasPrefix(r.Path, "/") {
		problems = append(problems, fmt.Sprintf("path %q must start with /", r.Path))
	}
	segs := splitPath(r.Path)
	for i, s := range segs {
		if s == "" {
			problems = append(problems, fmt.Sprintf("path %q has an empty segment", r.Path))
		}
		if isGreedy(s) && i != len(segs)-1 {
			problems = append(problems, fmt.Sprintf("path %q: greedy segment %s must be last", r.Path, s))
		}
	}
	if r.Method == "" {
		problems = append(problems, "method is empty")
	}
	if (r.Function == "") == (r.Mock == nil) {
		problems = append(problems, "exactly one of function and mock must be set")
	}
	if r.Authorizer != nil && r.Authorizer.Header == "" {
		problems = append(problems, "authorizer "+r.Authorizer.Name+" names no header")
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("route %s %s: %s", r.Method, r.Path, strings.Join(problems, "; "))
}

// node is one resource of the API's resource tree.
type node struct {
	path     string
	literal  map[string]*node
	param    *node  // child of the form {name}
	greedy   *node  // child of the form {name+}
	name     string // parameter name for param and greedy children
	methods  map[string]Route
	resource bool // a resource exists here (it may have no methods)
}

func newNode(path string) *node {
	return &node{path: path, literal: map[string]*node{}, methods: map[string]Route{}}
}

// router finds the resource and method for a request path, as API Gateway
// does: a literal segment wins over {param}, which wins over {proxy+}.
type router struct{ root *node }

func newRouter(routes []Route) (*router, error) {
	rt := &router{root: newNode("/")}
	rt.root.resource = true
	for _, r := range routes {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		n := rt.root
		for _, seg := range splitPath(r.Path) {
			n = n.child(seg)
			n.resource = true
		}
		m := strings.ToUpper(r.Method)
		if _, dup := n.methods[m]; dup {
			return nil, fmt.Errorf("route %s %s: defined twice", m, r.Path)
		}
		n.methods[m] = r
	}
	return rt, nil
}

func (n *node) child(seg string) *node {
	sub := n.path + "/" + seg
	if n.path == "/" {
		sub = "/" + seg
	}
	switch {
	case isGreedy(seg):
		if n.greedy == nil {
			n.greedy = newNode(sub)
			n.greedy.name = strings.TrimSuffix(seg[1:len(seg)-1], "+")
		}
		return n.greedy
	case isParam(seg):
		if n.param == nil {
			n.param = newNode(sub)
			n.param.name = seg[1 : len(seg)-1]
		}
		return n.param
	default:
		c, ok := n.literal[seg]
		if !ok {
			c = newNode(sub)
			n.literal[seg] = c
		}
		return c
	}
}

// match is a resource found for a request path.
type match struct {
	node   *node
	params map[string]string
}

// find returns the resource for a path of decoded segments, or false.
func (rt *router) find(segs []string) (match, bool) {
	params := map[string]string{}
	n := rt.root.find(segs, params)
	if n == nil {
		return match{}, false
	}
	if len(params) == 0 {
		params = nil
	}
	return match{node: n, params: params}, true
}

func (n *node) find(segs []string, params map[string]string) *node {
	if len(segs) == 0 {
		if n.resource {
			return n
		}
		return nil
	}
	seg, rest := segs[0], segs[1:]
	if c, ok := n.literal[seg]; ok {
		if found := c.find(rest, params); found != nil {
			return found
		}
	}
	if n.param != nil && seg != "" {
		if found := n.param.find(rest, params); found != nil {
			params[n.param.name] = seg
			return found
		}
	}
	if n.greedy != nil && n.greedy.resource {
		params[n.greedy.name] = strings.Join(segs, "/")
		return n.greedy
	}
	return nil
}

// method returns the route for an HTTP method on the resource: the method
// itself, else ANY. HEAD is not served by GET: API Gateway needs it declared.
func (n *node) method(m string) (Route, bool) {
	if r, ok := n.methods[m]; ok {
		return r, true
	}
	r, ok := n.methods["ANY"]
	return r, ok
}

func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

func isGreedy(seg string) bool { return isParam(seg) && strings.HasSuffix(seg, "+}") }

// methods every route may use; anything else is refused like API Gateway does.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodHead: true, http.MethodOptions: true,
}
