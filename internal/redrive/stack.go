package redrive

import (
	"context"
	"fmt"
	"go-lambda-cdk/internal/layout"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"go-lambda-cdk/internal/deployed"
	"go-lambda-cdk/internal/destination"
	"go-lambda-cdk/internal/local/template"
)

// QueueOutput is the stack output that holds the failure queue's URL.
const QueueOutput = "FailureQueueUrl"

// LiveAlias is layout.LiveAlias, the alias every trigger invokes.
const LiveAlias = layout.LiveAlias

// StackAPI is the part of the CloudFormation client Resolve uses;
// *cloudformation.Client satisfies it.
type StackAPI interface {
	deployed.OutputsAPI
	deployed.StackAPI
}

var _ StackAPI = (*cloudformation.Client)(nil)

// Deployed is what a redrive needs from a deployed stack.
type Deployed struct {
	// QueueURL is the failure queue (the stack's QueueOutput output).
	QueueURL string
	// FunctionName is the function's physical name, as in the records'
	// function ARNs.
	FunctionName string
	// Target is what to invoke: the function's LiveAlias ARN when the
	// stack has that alias, else FunctionName.
	Target string
}

// Resolve finds the failure queue and the function called name (its
// declared name, as `make local` and `make invoke` call it: api,
// processor, report) in the deployed stack. The name is read from the
// deployed template (the Metadata entry functions.MetadataKey), the same
// way the local run reads it from cdk.out, in the stack or any of its
// nested stacks (package deployed).
func Resolve(ctx context.Context, api StackAPI, stack, name string) (Deployed, error) {
	var d Deployed
	outputs, err := deployed.Outputs(ctx, api, stack)
	if err != nil {
		return d, err
	}
	if d.QueueURL = outputs[QueueOutput]; d.QueueURL == "" {
		return d, fmt.Errorf("stack %s has no output %s (is it this project's stack, deployed?)", stack, QueueOutput)
	}
	deployedStack, err := deployed.Read(ctx, api, stack)
	if err != nil {
		return d, err
	}
	tpl, err := template.Parse(deployedStack.Template, stack)
	if err != nil {
		return d, fmt.Errorf("template of stack %s: %w", stack, err)
	}
	fn, ok := tpl.Function(name)
	if !ok {
		var known []string
		for _, f := range tpl.Functions {
			known = append(known, f.Name)
		}
		return d, fmt.Errorf("stack %s has no function %q; it has: %v", stack, name, known)
	}
	var aliases []string
	for _, id := range slices.Sorted(maps.Keys(deployedStack.Resources)) {
		r := deployedStack.Resources[id]
		switch {
		case id == fn.LogicalID:
			d.FunctionName = r.Physical
		case r.Type == "AWS::Lambda::Alias":
			aliases = append(aliases, r.Physical)
		}
	}
	if d.FunctionName == "" {
		return d, fmt.Errorf("stack %s has no deployed resource %s (function %s)", stack, fn.LogicalID, name)
	}
	d.Target = d.FunctionName
	for _, arn := range aliases {
		if fnName, alias, err := destination.FunctionName(arn); err == nil && fnName == d.FunctionName && alias == LiveAlias {
			d.Target = arn
		}
	}
	return d, nil
}
