package cfnlimits_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cfnlimits"
)

// budget is a quota times DefaultMargin: the most a template may hold.
func budget(limit int) int { return limit * 8 / 10 }

// tmpl builds a template with n resources (queues), parameters and
// outputs, and applies edits.
func tmpl(resources, parameters, outputs int, edits ...func(cfnlimits.Template)) cfnlimits.Template {
	t := cfnlimits.Template{"Resources": section("Queue", resources, map[string]any{"Type": "AWS::SQS::Queue"}),
		"Parameters": section("Param", parameters, map[string]any{"Type": "String"}),
		"Outputs":    section("Out", outputs, map[string]any{"Value": "v"})}
	for _, e := range edits {
		e(t)
	}
	return t
}

func section(prefix string, n int, v any) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[fmt.Sprintf("%s%d", prefix, i)] = v
	}
	return m
}

func addResource(id string, r map[string]any) func(cfnlimits.Template) {
	return func(t cfnlimits.Template) { t["Resources"].(map[string]any)[id] = r }
}

// dashboard is a dashboard resource whose body, built with Fn::Join and
// Refs as the CDK writes it, has one widget per entry of metrics, each
// with that many metrics.
func dashboard(metrics ...int) map[string]any {
	parts := []any{`{"widgets":[`}
	for i, n := range metrics {
		if i > 0 {
			parts = append(parts, ",")
		}
		parts = append(parts, `{"type":"metric","width":6,"properties":{"region":"`, map[string]any{"Ref": "AWS::Region"}, `","metrics":[`)
		for j := range n {
			if j > 0 {
				parts = append(parts, ",")
			}
			parts = append(parts, `["AWS/Lambda","Errors","FunctionName","`, map[string]any{"Ref": "Fn"}, `"]`)
		}
		parts = append(parts, `]}}`)
	}
	parts = append(parts, `]}`)
	return map[string]any{"Type": "AWS::CloudWatch::Dashboard", "Properties": map[string]any{"DashboardBody": map[string]any{"Fn::Join": []any{"", parts}}}}
}

// permissions adds n API Gateway invoke permissions on the alias with the
// logical ID fn, each scoped to a method's execute-api ARN as the CDK
// writes it.
func permissions(fn string, n int) func(cfnlimits.Template) {
	return func(t cfnlimits.Template) {
		for i := range n {
			addResource(fmt.Sprintf("%sApiPermission%dTestInvokeABCDEF12", fn, i), map[string]any{
				"Type": "AWS::Lambda::Permission",
				"Properties": map[string]any{
					"Action": "lambda:InvokeFunction", "FunctionName": map[string]any{"Ref": fn}, "Principal": "apigateway.amazonaws.com",
					"SourceArn": map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":execute-api:",
						map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":", map[string]any{"Ref": "Api"},
						fmt.Sprintf("/test-invoke-stage/POST/path%d", i)}}},
				},
			})(t)
		}
	}
}

func TestCheckFlagsEachQuotaOverItsMargin(t *testing.T) {
	long := strings.Repeat("L", cfnlimits.MaxNameLength+1)
	for _, tc := range []struct {
		name    string
		t       cfnlimits.Template
		want    cfnlimits.Quantity // "" for none
		count   int
		limit   int
		subject string
	}{
		{name: "resources at the margin", t: tmpl(budget(cfnlimits.MaxResources), 1, 1)},
		{name: "resources over the margin", t: tmpl(budget(cfnlimits.MaxResources)+1, 1, 1), want: cfnlimits.Resources, count: budget(cfnlimits.MaxResources) + 1, limit: cfnlimits.MaxResources},
		{name: "parameters at the margin", t: tmpl(1, budget(cfnlimits.MaxParameters), 1)},
		{name: "parameters over the margin", t: tmpl(1, budget(cfnlimits.MaxParameters)+1, 1), want: cfnlimits.Parameters, count: budget(cfnlimits.MaxParameters) + 1, limit: cfnlimits.MaxParameters},
		{name: "outputs over the margin", t: tmpl(1, 1, budget(cfnlimits.MaxOutputs)+1), want: cfnlimits.Outputs, count: budget(cfnlimits.MaxOutputs) + 1, limit: cfnlimits.MaxOutputs},
		{name: "bytes over the margin", t: tmpl(1, 0, 0, addResource("Big", map[string]any{"Type": "AWS::SSM::Parameter", "Properties": map[string]any{"Value": strings.Repeat("x", budget(cfnlimits.MaxTemplateBytes))}})),
			want: cfnlimits.Bytes, limit: cfnlimits.MaxTemplateBytes},
		{name: "mappings over the margin", t: tmpl(1, 0, 0, func(t cfnlimits.Template) {
			t["Mappings"] = section("Map", budget(cfnlimits.MaxMappings)+1, map[string]any{"k": map[string]any{"a": "b"}})
		}), want: cfnlimits.Mappings, count: budget(cfnlimits.MaxMappings) + 1, limit: cfnlimits.MaxMappings},
		{name: "attributes of one mapping over the margin", t: tmpl(1, 0, 0, func(t cfnlimits.Template) {
			t["Mappings"] = map[string]any{"Regions": map[string]any{"us-east-1": section("attr", budget(cfnlimits.MaxMappingAttributes)+1, "v")}}
		}), want: cfnlimits.MappingAttributes, count: budget(cfnlimits.MaxMappingAttributes) + 1, limit: cfnlimits.MaxMappingAttributes, subject: "Regions"},
		{name: "logical ID at the limit", t: tmpl(0, 0, 0, addResource(long[1:], map[string]any{"Type": "AWS::SQS::Queue"}))},
		{name: "logical ID over the limit", t: tmpl(0, 0, 0, addResource(long, map[string]any{"Type": "AWS::SQS::Queue"})),
			want: cfnlimits.NameLength, count: len(long), limit: cfnlimits.MaxNameLength, subject: "Resource LLLL"},
		{name: "output name over the limit", t: tmpl(0, 0, 0, func(t cfnlimits.Template) { t["Outputs"] = map[string]any{long: map[string]any{"Value": "v"}} }),
			want: cfnlimits.NameLength, count: len(long), limit: cfnlimits.MaxNameLength, subject: "Output LLLL"},
		{name: "description over the limit", t: tmpl(1, 0, 0, func(t cfnlimits.Template) { t["Description"] = strings.Repeat("d", cfnlimits.MaxDescriptionBytes+1) }),
			want: cfnlimits.DescriptionBytes, count: cfnlimits.MaxDescriptionBytes + 1, limit: cfnlimits.MaxDescriptionBytes},
		{name: "dynamic references over the margin", t: tmpl(0, 0, 0, func(t cfnlimits.Template) {
			for i := range budget(cfnlimits.MaxDynamicReferences) + 1 {
				addResource(fmt.Sprintf("P%d", i), map[string]any{"Type": "AWS::SSM::Parameter", "Properties": map[string]any{"Value": "{{resolve:ssm:/a}}"}})(t)
			}
		}), want: cfnlimits.DynamicReferences, count: budget(cfnlimits.MaxDynamicReferences) + 1, limit: cfnlimits.MaxDynamicReferences},
		{name: "dashboard widgets at the margin", t: tmpl(0, 0, 0, addResource("Dash", dashboard(make([]int, budget(cfnlimits.MaxDashboardWidgets))...)))},
		{name: "dashboard widgets over the margin", t: tmpl(0, 0, 0, addResource("Dash", dashboard(make([]int, budget(cfnlimits.MaxDashboardWidgets)+1)...))),
			want: cfnlimits.DashboardWidgets, count: budget(cfnlimits.MaxDashboardWidgets) + 1, limit: cfnlimits.MaxDashboardWidgets, subject: "Dash"},
		{name: "metrics of one widget over the margin", t: tmpl(0, 0, 0, addResource("Dash", dashboard(1, budget(cfnlimits.MaxWidgetMetrics)+1))),
			want: cfnlimits.WidgetMetrics, count: budget(cfnlimits.MaxWidgetMetrics) + 1, limit: cfnlimits.MaxWidgetMetrics, subject: "Dash widget 2"},
		{name: "metrics of a dashboard over the margin", t: tmpl(0, 0, 0, addResource("Dash", dashboard(repeat(budget(cfnlimits.MaxWidgetMetrics), budget(cfnlimits.MaxDashboardMetrics)/budget(cfnlimits.MaxWidgetMetrics)+1)...))),
			want: cfnlimits.DashboardMetrics, limit: cfnlimits.MaxDashboardMetrics, subject: "Dash"},
		{name: "a function's policy from many permissions", t: tmpl(0, 0, 0, permissions("Alias", 60)),
			want: cfnlimits.PolicyBytes, limit: cfnlimits.MaxFunctionPolicyBytes, subject: "function Alias"},
		{name: "the same permissions over two functions", t: tmpl(0, 0, 0, permissions("Alias", 30), permissions("Other", 30))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cfnlimits.Check("GoLambdaCdk-dev", tc.t)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("violations %v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("violations %v, want one of %s", got, tc.want)
			}
			v := got[0]
			if v.Quantity != tc.want || v.Limit != tc.limit || v.Stack != "GoLambdaCdk-dev" || (tc.count != 0 && v.Count != tc.count) ||
				!strings.HasPrefix(v.Subject, tc.subject) || v.Count <= v.Allowed() {
				t.Errorf("violation %+v, want %s count %d limit %d subject %q", v, tc.want, tc.count, tc.limit, tc.subject)
			}
			msg := v.Error()
			for _, part := range []string{"stack GoLambdaCdk-dev", fmt.Sprint(v.Count), string(v.Quantity), fmt.Sprint(v.Limit), ": "} {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q does not name %q", msg, part)
				}
			}
		})
	}
}

func repeat(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestViolationMessageNamesMarginOrLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count int
		want  []string
	}{
		{"over the margin only", budget(cfnlimits.MaxResources) + 1, []string{"401 resources", "over 400, the 80 % margin of AWS's limit of 500", "nested stacks"}},
		{"over the limit itself", cfnlimits.MaxResources + 1, []string{"501 resources", "over AWS's limit of 500", "nested stacks"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cfnlimits.Check("Root", tmpl(tc.count, 0, 0))
			if len(got) != 1 {
				t.Fatalf("violations %v, want one", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0].Error(), w) {
					t.Errorf("message %q, want it to contain %q", got[0].Error(), w)
				}
			}
		})
	}
}

func TestCheckerMargin(t *testing.T) {
	for _, tc := range []struct {
		margin    float64
		resources int
		flagged   bool
	}{
		{margin: 1, resources: cfnlimits.MaxResources},
		{margin: 1, resources: cfnlimits.MaxResources + 1, flagged: true},
		{margin: 0.5, resources: cfnlimits.MaxResources / 2},
		{margin: 0.5, resources: cfnlimits.MaxResources/2 + 1, flagged: true},
		{margin: 0, resources: budget(cfnlimits.MaxResources) + 1, flagged: true}, // 0: DefaultMargin
		{margin: 2, resources: budget(cfnlimits.MaxResources) + 1, flagged: true}, // out of range: DefaultMargin
	} {
		t.Run(fmt.Sprintf("%g/%d", tc.margin, tc.resources), func(t *testing.T) {
			got := cfnlimits.Checker{Margin: tc.margin}.Check("S", tmpl(tc.resources, 0, 0))
			if (len(got) > 0) != tc.flagged {
				t.Errorf("violations %v, want flagged=%v", got, tc.flagged)
			}
		})
	}
}

func TestCheckBytesMeasuresTheBytesWritten(t *testing.T) {
	compact, _ := json.Marshal(tmpl(1, 0, 0))
	padded := append(append([]byte{}, compact...), []byte(strings.Repeat(" ", budget(cfnlimits.MaxTemplateBytes)))...)
	for _, tc := range []struct {
		name    string
		data    []byte
		flagged bool
		err     string
	}{
		{name: "compact", data: compact},
		{name: "padded past the margin", data: padded, flagged: true},
		{name: "not JSON", data: []byte("Resources: {}"), err: "stack S: parse template"},
		{name: "not an object", data: []byte("[]"), err: "stack S: parse template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cfnlimits.Checker{}.CheckBytes("S", tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (len(got) > 0) != tc.flagged || (tc.flagged && got[0].Quantity != cfnlimits.Bytes) {
				t.Errorf("violations %v, want flagged=%v", got, tc.flagged)
			}
		})
	}
}

// TestProjectSnapshotsWithinLimits checks the project's own synthesized
// templates (the stack snapshots) against the quotas.
func TestProjectSnapshotsWithinLimits(t *testing.T) {
	files, err := filepath.Glob("../../test/__snapshots__/*.snap.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stack snapshots: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cfnlimits.Checker{}.CheckBytes(filepath.Base(f), data)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range got {
				t.Error(v)
			}
		})
	}
}
