// Package deployed reads a deployed CloudFormation stack as one template,
// the way the local run reads cdk.out: the stack's own template with the
// resources of every nested stack merged in (template.Flatten), and each
// resource's physical ID and type under the same flattened logical ID
// ("<nested stack's logical ID>.<logical ID>"). The commands that act on a
// deployed stage (make redrive, make hotswap) find a function wherever the
// stage keeps it.
package deployed

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"go-lambda-cdk/internal/local/template"
)

// StackAPI is the part of the CloudFormation client Read uses;
// *cloudformation.Client satisfies it.
type StackAPI interface {
	GetTemplate(ctx context.Context, in *cloudformation.GetTemplateInput, opts ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
	cloudformation.ListStackResourcesAPIClient
}

var _ StackAPI = (*cloudformation.Client)(nil)

// OutputsAPI is the part of the CloudFormation client Outputs uses;
// *cloudformation.Client satisfies it. It needs cloudformation:DescribeStacks
// on the stack.
type OutputsAPI interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

var _ OutputsAPI = (*cloudformation.Client)(nil)

// Outputs returns the outputs of the deployed stack called stack, by
// output key; an error when CloudFormation does not describe exactly one
// such stack.
func Outputs(ctx context.Context, api OutputsAPI, stack string) (map[string]string, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", stack, err)
	}
	if len(out.Stacks) != 1 {
		return nil, fmt.Errorf("describe stack %s: %d stacks found", stack, len(out.Stacks))
	}
	outputs := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return outputs, nil
}

// Resource is a deployed resource.
type Resource struct {
	Type     string
	Physical string
}

// Stack is a deployed stack with its nested stacks.
type Stack struct {
	// Template is the flattened template (template.Flatten).
	Template []byte
	// Resources are every resource, by flattened logical ID.
	Resources map[string]Resource
}

// Read reads the deployed stack called stack: its template (as it was
// submitted) and its resources, then each nested stack's, by the nested
// stack's physical ID (its stack ARN).
func Read(ctx context.Context, api StackAPI, stack string) (Stack, error) {
	s := Stack{Resources: map[string]Resource{}}
	if err := s.list(ctx, api, stack, ""); err != nil {
		return s, err
	}
	body, err := getTemplate(ctx, api, stack)
	if err != nil {
		return s, err
	}
	s.Template, err = template.Flatten(body, func(id string, _ map[string]any) ([]byte, error) {
		r, ok := s.Resources[id]
		if !ok || r.Physical == "" {
			return nil, fmt.Errorf("stack %s has no deployed nested stack %s", stack, id)
		}
		return getTemplate(ctx, api, r.Physical)
	})
	if err != nil {
		return s, fmt.Errorf("template of stack %s: %w", stack, err)
	}
	return s, nil
}

func getTemplate(ctx context.Context, api StackAPI, stack string) ([]byte, error) {
	out, err := api.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack), TemplateStage: cfntypes.TemplateStageOriginal})
	if err != nil {
		return nil, fmt.Errorf("get template of stack %s: %w", stack, err)
	}
	return []byte(aws.ToString(out.TemplateBody)), nil
}

// list records the resources of stack under prefix, and those of its
// nested stacks under theirs.
func (s *Stack) list(ctx context.Context, api StackAPI, stack, prefix string) error {
	var nested []string
	pages := cloudformation.NewListStackResourcesPaginator(api, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list resources of stack %s: %w", stack, err)
		}
		for _, r := range page.StackResourceSummaries {
			id := prefix + aws.ToString(r.LogicalResourceId)
			s.Resources[id] = Resource{Type: aws.ToString(r.ResourceType), Physical: aws.ToString(r.PhysicalResourceId)}
			if s.Resources[id].Type == template.NestedStackType && s.Resources[id].Physical != "" {
				nested = append(nested, id)
			}
		}
	}
	for _, id := range nested {
		if err := s.list(ctx, api, s.Resources[id].Physical, id+template.NestedSeparator); err != nil {
			return err
		}
	}
	return nil
}
