package hotswap

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/deployed"
)

// StackAPI is the part of the CloudFormation client Resolve uses;
// *cloudformation.Client satisfies it.
type StackAPI interface {
	deployed.StackAPI
}

var _ StackAPI = (*cloudformation.Client)(nil)

// Declared is one declared function to hotswap.
type Declared struct {
	// ConstructID is the ID of the function's construct in the stack
	// (functions.Declaration.ConstructID, e.g. "Api"): its Lambda function is
	// the resource at the CDK path <stack>/<ConstructID>/Function/Resource.
	ConstructID string
	// Build is what bundle.Build makes its zip from.
	Build bundle.Target
}

// Resolve finds each function in the deployed stack, exactly: the
// AWS::Lambda::Function whose aws:cdk:path metadata (which the CDK writes
// into the template) is <stack>/<ConstructID>/Function/Resource, the
// AWS::Lambda::Alias named LiveAlias whose FunctionName refers to it, and
// the log group its LoggingConfig refers to; their physical names come from
// the stack's resources. The function may be in a nested stack of the
// stack (package deployed). The result is keyed by the declared name.
func Resolve(ctx context.Context, api StackAPI, stack string, fns []Declared) (map[string]Target, error) {
	deployedStack, err := deployed.Read(ctx, api, stack)
	if err != nil {
		return nil, fmt.Errorf("%w (deploy it first with make deploy)", err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string                     `json:"Type"`
			Properties map[string]json.RawMessage `json:"Properties"`
			Metadata   map[string]json.RawMessage `json:"Metadata"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(deployedStack.Template, &tpl); err != nil {
		return nil, fmt.Errorf("template of stack %s: %w", stack, err)
	}
	physical := map[string]string{}
	for id, r := range deployedStack.Resources {
		physical[id] = r.Physical
	}
	ref := func(raw json.RawMessage) string {
		var r struct{ Ref string }
		_ = json.Unmarshal(raw, &r)
		return r.Ref
	}
	ids := slices.Sorted(maps.Keys(tpl.Resources))
	targets := map[string]Target{}
	for _, f := range fns {
		name := f.Build.Name
		fnID, aliasID := "", ""
		for _, id := range ids {
			r := tpl.Resources[id]
			var path string
			_ = json.Unmarshal(r.Metadata["aws:cdk:path"], &path)
			// <stack>/<ConstructID>/Function/Resource, or with the
			// nested stack's construct ID after <stack>.
			if parts := strings.Split(path, "/"); r.Type == "AWS::Lambda::Function" && (len(parts) == 4 || len(parts) == 5) &&
				slices.Equal(parts[len(parts)-3:], []string{f.ConstructID, "Function", "Resource"}) {
				fnID = id
			}
		}
		if fnID == "" {
			return nil, fmt.Errorf("stack %s has no Lambda function at CDK path %s/%s/Function/Resource (function %s): deploy the stack with make deploy first",
				stack, stack, f.ConstructID, name)
		}
		for _, id := range ids {
			r := tpl.Resources[id]
			var alias string
			_ = json.Unmarshal(r.Properties["Name"], &alias)
			if r.Type == "AWS::Lambda::Alias" && alias == LiveAlias && ref(r.Properties["FunctionName"]) == fnID {
				aliasID = id
			}
		}
		if aliasID == "" {
			return nil, fmt.Errorf("stack %s: function %s (%s) has no %s alias; hotswap moves that alias", stack, name, fnID, LiveAlias)
		}
		var logging struct{ LogGroup json.RawMessage }
		_ = json.Unmarshal(tpl.Resources[fnID].Properties["LoggingConfig"], &logging)
		t := Target{Name: name, FunctionName: physical[fnID], Alias: LiveAlias}
		if t.FunctionName == "" {
			return nil, fmt.Errorf("stack %s has no deployed resource %s (function %s)", stack, fnID, name)
		}
		if _, ok := physical[aliasID]; !ok {
			return nil, fmt.Errorf("stack %s has no deployed resource %s (the %s alias of function %s)", stack, aliasID, LiveAlias, name)
		}
		if group := ref(logging.LogGroup); group != "" {
			t.LogGroup = physical[group]
		}
		if t.LogGroup == "" {
			// Lambda's default: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
			t.LogGroup = "/aws/lambda/" + t.FunctionName
		}
		targets[name] = t
	}
	return targets, nil
}
