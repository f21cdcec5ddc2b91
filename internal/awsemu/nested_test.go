package awsemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"go-lambda-cdk/internal/awsemu"
)

// assetBucket is the CDK bootstrap's asset bucket (qualifier hnb659fds) for
// the emulator's account and region, where `cdk deploy` uploads nested
// stacks' templates.
const assetBucket = "cdk-hnb659fds-assets-" + awsemu.Account + "-" + awsemu.Region

// cdkTemplateURL is a nested stack's TemplateURL as the CDK synthesizes it:
// path-style S3 URL built from the region and URL suffix.
func cdkTemplateURL(key string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"https://s3.", map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"},
		"/" + assetBucket + "/" + key,
	}}}
}

// child is a nested stack's template: a queue named from its Name
// parameter, the parameters it declares, and outputs.
func child(params []string, outputs map[string]any) map[string]any {
	p := map[string]any{"Name": map[string]any{"Type": "String"}}
	for _, name := range params {
		p[name] = map[string]any{"Type": "String"}
	}
	out := map[string]any{"QueueUrl": map[string]any{"Value": map[string]any{"Ref": "Queue"}}}
	for k, v := range outputs {
		out[k] = map[string]any{"Value": v}
	}
	return map[string]any{
		"Parameters": p,
		"Resources": map[string]any{
			"Queue": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"QueueName": map[string]any{"Ref": "Name"}}},
		},
		"Outputs": out,
	}
}

// nestedResource is the parent's AWS::CloudFormation::Stack for the
// template uploaded under key, with the given parameters.
func nestedResource(key string, params map[string]any) map[string]any {
	return map[string]any{"Type": "AWS::CloudFormation::Stack", "Properties": map[string]any{
		"TemplateURL": cdkTemplateURL(key), "Parameters": params,
	}}
}

// parent is a CDK-like root stack: a Stage parameter passed to child A,
// A's output passed to B, and the children's outputs read into the
// parent's outputs. extra adds resources (a fourth child).
func parent(keys map[string]string, extra map[string]any) string {
	resources := map[string]any{
		"ChildA": nestedResource(keys["A"], map[string]any{
			"Name":  map[string]any{"Fn::Sub": "${Stage}-a"},
			"Stage": map[string]any{"Ref": "Stage"},
		}),
		"ChildB": nestedResource(keys["B"], map[string]any{
			"Name":     "b",
			"Greeting": map[string]any{"Fn::GetAtt": []any{"ChildA", "Outputs.Greeting"}},
		}),
		"ChildC": nestedResource(keys["C"], map[string]any{"Name": "c"}),
	}
	for k, v := range extra {
		resources[k] = v
	}
	t := map[string]any{
		"Parameters": map[string]any{"Stage": map[string]any{"Type": "String", "Default": "dev"}},
		"Resources":  resources,
		"Outputs": map[string]any{
			"Greeting": map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"ChildA", "Outputs.Greeting"}}},
			"Relayed":  map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"ChildB", "Outputs.Relayed"}}},
			"Version":  map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"ChildC", "Outputs.Version"}}},
		},
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// startWithAssetBucket starts the emulator with the bucket assetBucket, and
// returns it and upload, which puts a template into the bucket under key
// and returns key.
func startWithAssetBucket(t *testing.T) (*awsemu.Server, func(key string, template map[string]any) string) {
	t.Helper()
	srv := awsemu.Shared(t)
	cfg := srv.Config()
	ctx := context.Background()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(assetBucket)}); err != nil {
		t.Fatal(err)
	}
	upload := func(key string, template map[string]any) string {
		t.Helper()
		b, _ := json.Marshal(template)
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(assetBucket), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	return srv, upload
}

// TestNestedStacksDeployLikeCloudFormation deploys a parent stack with
// nested stacks through change sets, as `cdk deploy` does, and checks what
// CloudFormation does: parameters reach the children, Fn::GetAtt
// Child.Outputs.X resolves in the parent, an update of one child updates
// that stack in place and leaves the others alone, a new child is only
// created, a child reading a sibling's changed output is updated, and
// deleting the parent deletes the children.
func TestNestedStacksDeployLikeCloudFormation(t *testing.T) {
	srv, upload := startWithAssetBucket(t)
	cfg := srv.Config()
	ctx := context.Background()
	cfn := cloudformation.NewFromConfig(cfg)
	sqsc := sqs.NewFromConfig(cfg)

	keys := map[string]string{
		"A": upload("a1.json", child([]string{"Stage"}, map[string]any{"Greeting": map[string]any{"Fn::Sub": "hello-${Stage}"}})),
		"B": upload("b1.json", child([]string{"Greeting"}, map[string]any{"Relayed": map[string]any{"Ref": "Greeting"}})),
		"C": upload("c1.json", child(nil, map[string]any{"Version": "v1"})),
	}
	const stack = "Nested-dev"
	deploy := func(kind cfntypes.ChangeSetType, body string) {
		t.Helper()
		name := fmt.Sprintf("cs-%d", time.Now().UnixNano())
		if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
			StackName: aws.String(stack), ChangeSetName: aws.String(name), ChangeSetType: kind, TemplateBody: aws.String(body),
		}); err != nil {
			t.Fatalf("create change set: %v", err)
		}
		if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(name)}); err != nil {
			t.Fatalf("execute change set: %v\n%s", err, lastLines(srv.Output(), 30))
		}
	}
	describe := func(name string) cfntypes.Stack {
		t.Helper()
		out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil || len(out.Stacks) != 1 {
			t.Fatalf("describe %s: %v", name, err)
		}
		return out.Stacks[0]
	}
	// children maps the parent's nested stack logical IDs to their stacks,
	// found by the physical IDs the parent lists.
	children := func() map[string]cfntypes.Stack {
		t.Helper()
		out, err := cfn.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]cfntypes.Stack{}
		for _, r := range out.StackResourceSummaries {
			if aws.ToString(r.ResourceType) == "AWS::CloudFormation::Stack" {
				m[aws.ToString(r.LogicalResourceId)] = describe(aws.ToString(r.PhysicalResourceId))
			}
		}
		return m
	}

	deploy(cfntypes.ChangeSetTypeCreate, parent(keys, nil))
	root0 := describe(stack)
	before := children()

	t.Run("create resolves parameters and outputs", func(t *testing.T) {
		want := map[string]string{"Greeting": "hello-dev", "Relayed": "hello-dev", "Version": "v1"}
		if got := outputs(root0); !hasEntries(got, want) {
			t.Errorf("parent outputs %v, want %v", got, want)
		}
		if len(before) != 3 {
			t.Fatalf("nested stacks %v, want ChildA, ChildB, ChildC", slices.Sorted(maps.Keys(before)))
		}
		for id, s := range before {
			if !strings.HasPrefix(aws.ToString(s.StackId), "arn:aws:cloudformation:") {
				t.Errorf("%s: physical ID %q, want the nested stack's ARN (Ref of AWS::CloudFormation::Stack)", id, aws.ToString(s.StackId))
			}
			if aws.ToString(s.ParentId) != aws.ToString(root0.StackId) || aws.ToString(s.RootId) != aws.ToString(root0.StackId) {
				t.Errorf("%s: ParentId %q RootId %q, want the parent %q", id, aws.ToString(s.ParentId), aws.ToString(s.RootId), aws.ToString(root0.StackId))
			}
			if s.StackStatus != cfntypes.StackStatusCreateComplete {
				t.Errorf("%s: status %s, want CREATE_COMPLETE", id, s.StackStatus)
			}
		}
		if got := params(before["ChildB"]); got["Greeting"] != "hello-dev" {
			t.Errorf("ChildB parameters %v, want Greeting=hello-dev (ChildA's output)", got)
		}
		if got := outputs(before["ChildA"]); got["Greeting"] != "hello-dev" {
			t.Errorf("ChildA outputs %v, want Greeting=hello-dev", got)
		}
		for _, q := range []string{"dev-a", "b", "c"} {
			if _, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q)}); err != nil {
				t.Errorf("queue %s of a nested stack: %v", q, err)
			}
		}
	})

	keys["C"] = upload("c2.json", child(nil, map[string]any{"Version": "v2"}))
	deploy(cfntypes.ChangeSetTypeUpdate, parent(keys, nil))
	updated := children()

	t.Run("update changes one child in place", func(t *testing.T) {
		for id, old := range before {
			now, ok := updated[id]
			if !ok || aws.ToString(now.StackId) != aws.ToString(old.StackId) {
				t.Errorf("%s: stack %q after the update, want the same stack %q (not replaced)", id, aws.ToString(now.StackId), aws.ToString(old.StackId))
			}
		}
		c := updated["ChildC"]
		if c.StackStatus != cfntypes.StackStatusUpdateComplete || c.LastUpdatedTime == nil {
			t.Errorf("ChildC: status %s, last updated %v, want UPDATE_COMPLETE with a time", c.StackStatus, c.LastUpdatedTime)
		}
		if got := outputs(c)["Version"]; got != "v2" {
			t.Errorf("ChildC output Version %q, want v2", got)
		}
		if got := outputs(describe(stack))["Version"]; got != "v2" {
			t.Errorf("parent output Version %q, want v2 (ChildC's new output)", got)
		}
		for _, id := range []string{"ChildA", "ChildB"} {
			if s := updated[id]; s.StackStatus != cfntypes.StackStatusCreateComplete || s.LastUpdatedTime != nil {
				t.Errorf("%s: status %s, last updated %v, want untouched (CREATE_COMPLETE, never updated)", id, s.StackStatus, s.LastUpdatedTime)
			}
		}
		if got := deletedStacks(t, cfn); len(got) != 0 {
			t.Errorf("deleted stacks %v, want none (nothing replaced)", got)
		}
	})

	keys["A"] = upload("a2.json", child([]string{"Stage"}, map[string]any{"Greeting": map[string]any{"Fn::Sub": "hi-${Stage}"}}))
	deploy(cfntypes.ChangeSetTypeUpdate, parent(keys, nil))
	relayed := children()

	t.Run("an output change updates the children that read it", func(t *testing.T) {
		for _, id := range []string{"ChildA", "ChildB"} {
			s := relayed[id]
			if aws.ToString(s.StackId) != aws.ToString(updated[id].StackId) || s.StackStatus != cfntypes.StackStatusUpdateComplete {
				t.Errorf("%s: %s %s, want %s updated in place", id, aws.ToString(s.StackId), s.StackStatus, aws.ToString(updated[id].StackId))
			}
		}
		if got := params(relayed["ChildB"])["Greeting"]; got != "hi-dev" {
			t.Errorf("ChildB parameter Greeting %q, want ChildA's new output hi-dev", got)
		}
		if c := relayed["ChildC"]; !sameTime(c.LastUpdatedTime, updated["ChildC"].LastUpdatedTime) {
			t.Errorf("ChildC updated at %v, want untouched since %v", c.LastUpdatedTime, updated["ChildC"].LastUpdatedTime)
		}
		want := map[string]string{"Greeting": "hi-dev", "Relayed": "hi-dev", "Version": "v2"}
		if got := outputs(describe(stack)); !hasEntries(got, want) {
			t.Errorf("parent outputs %v, want %v", got, want)
		}
	})
	updated = relayed

	keys["D"] = upload("d1.json", child([]string{"Greeting"}, map[string]any{"Relayed": map[string]any{"Ref": "Greeting"}}))
	deploy(cfntypes.ChangeSetTypeUpdate, parent(keys, map[string]any{
		"ChildD": nestedResource(keys["D"], map[string]any{
			"Name":     "d",
			"Greeting": map[string]any{"Fn::GetAtt": []any{"ChildA", "Outputs.Greeting"}},
		}),
	}))
	added := children()

	t.Run("a new child is only created", func(t *testing.T) {
		d, ok := added["ChildD"]
		if !ok || d.StackStatus != cfntypes.StackStatusCreateComplete || outputs(d)["Relayed"] != "hi-dev" {
			t.Fatalf("ChildD %+v, want CREATE_COMPLETE relaying hi-dev", d)
		}
		for id, old := range updated {
			now := added[id]
			if aws.ToString(now.StackId) != aws.ToString(old.StackId) || now.StackStatus != old.StackStatus || !sameTime(now.LastUpdatedTime, old.LastUpdatedTime) {
				t.Errorf("%s: %s %s %v, want untouched %s %s %v", id, aws.ToString(now.StackId), now.StackStatus, now.LastUpdatedTime,
					aws.ToString(old.StackId), old.StackStatus, old.LastUpdatedTime)
			}
		}
	})

	t.Run("deleting the parent deletes the children", func(t *testing.T) {
		if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(stack)}); err != nil {
			t.Fatal(err)
		}
		for id, s := range added {
			if got := describe(aws.ToString(s.StackId)); got.StackStatus != cfntypes.StackStatusDeleteComplete {
				t.Errorf("%s: status %s after deleting the parent, want DELETE_COMPLETE", id, got.StackStatus)
			}
		}
		list, err := cfn.ListStacks(ctx, &cloudformation.ListStacksInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list.StackSummaries {
			if s.StackStatus != cfntypes.StackStatusDeleteComplete {
				t.Errorf("stack %s is %s after deleting the parent", aws.ToString(s.StackName), s.StackStatus)
			}
		}
		queues, err := sqsc.ListQueues(ctx, &sqs.ListQueuesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(queues.QueueUrls) != 0 {
			t.Errorf("queues %v remain after deleting the parent", queues.QueueUrls)
		}
	})
}

// TestNestedStackErrorsName checks that a nested stack whose template is
// missing, or a Fn::GetAtt of an output a child does not have, fails the
// deployment with CloudFormation's message rather than an internal error.
func TestNestedStackErrorsName(t *testing.T) {
	srv, upload := startWithAssetBucket(t)
	ctx := context.Background()
	cfn := cloudformation.NewFromConfig(srv.Config())
	upload("c.json", child(nil, map[string]any{"Version": "v1"}))
	for _, tc := range []struct {
		name     string
		resource map[string]any
		output   any
		want     []string
	}{
		{
			name:     "missing template",
			resource: nestedResource("nope.json", map[string]any{"Name": "x"}),
			want:     []string{"TemplateURL", "nope.json"},
		},
		{
			name:     "missing output",
			resource: nestedResource("c.json", map[string]any{"Name": "y"}),
			output:   map[string]any{"Fn::GetAtt": []any{"Child", "Outputs.Nope"}},
			want:     []string{"Child", "Nope"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := map[string]any{"Resources": map[string]any{"Child": tc.resource}}
			if tc.output != nil {
				tmpl["Outputs"] = map[string]any{"Out": map[string]any{"Value": tc.output}}
			}
			body, _ := json.Marshal(tmpl)
			_, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("Err" + strings.ReplaceAll(tc.name, " ", "")), TemplateBody: aws.String(string(body))})
			var apiErr interface{ ErrorCode() string }
			if err == nil || !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationError" {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
		})
	}
}

func outputs(s cfntypes.Stack) map[string]string {
	m := map[string]string{}
	for _, o := range s.Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

func params(s cfntypes.Stack) map[string]string {
	m := map[string]string{}
	for _, p := range s.Parameters {
		m[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	return m
}

// hasEntries reports whether got has want's entries (got may hold more,
// e.g. QueueUrl).
func hasEntries(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func deletedStacks(t *testing.T, cfn *cloudformation.Client) []string {
	t.Helper()
	out, err := cfn.ListStacks(context.Background(), &cloudformation.ListStacksInput{StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusDeleteComplete}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.StackSummaries {
		names = append(names, aws.ToString(s.StackName))
	}
	return names
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
