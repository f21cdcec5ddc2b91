// Package cfnlimits holds the AWS quotas a synthesized CloudFormation
// template must stay under, checks templates against them with a safety
// margin, and plans how many functions fit in one (nested) stack.
//
// The quotas are CloudFormation's per-template ones
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html),
// CloudWatch's per-dashboard ones
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html)
// and the size of a Lambda function's resource-based policy
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
// None of them can be raised. Counts and sizes are checked against the
// limit times a Margin (DefaultMargin, 80 %), so a template is refused while
// there is still room for the next few functions; lengths of names are
// checked against the limit itself.
package cfnlimits

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/internal/assembly"
)

// CloudFormation's quotas per template, from
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html.
const (
	// MaxResources is the number of resources a template may declare.
	MaxResources = 500
	// MaxParameters is the number of parameters a template may declare.
	MaxParameters = 200
	// MaxOutputs is the number of outputs a template may declare.
	MaxOutputs = 200
	// MaxMappings is the number of mappings a template may declare.
	MaxMappings = 200
	// MaxMappingAttributes is the number of attributes (keys) in one
	// mapping.
	MaxMappingAttributes = 200
	// MaxNameLength is the length of a resource's logical ID and of a
	// parameter's, output's and mapping's name, in characters.
	MaxNameLength = 255
	// MaxTemplateBytes is the size of a template body read from S3 ("1
	// MB"): how the CDK CLI passes a root template over 50 KiB, and how
	// CloudFormation reads every nested stack's TemplateURL.
	MaxTemplateBytes = 1_000_000
	// MaxTemplateBodyBytes is the size of a template body passed in the
	// request itself. The CDK CLI uploads larger templates to S3, so
	// Check does not hold templates to it.
	MaxTemplateBodyBytes = 51_200
	// MaxDescriptionBytes is the size of a template's Description.
	MaxDescriptionBytes = 1_024
	// MaxDynamicReferences is the number of dynamic references
	// ({{resolve:...}}) in one template.
	MaxDynamicReferences = 60
)

// CloudWatch's quotas per dashboard, from
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
// ("Up to 500 widgets per dashboard. Up to 500 metrics per dashboard
// widget. Up to 2,500 metrics per dashboard, across all widgets.").
const (
	// MaxDashboardWidgets is the number of widgets on one dashboard.
	MaxDashboardWidgets = 500
	// MaxWidgetMetrics is the number of metrics in one widget.
	MaxWidgetMetrics = 500
	// MaxDashboardMetrics is the number of metrics on one dashboard,
	// across its widgets.
	MaxDashboardMetrics = 2_500
)

const (
	dashboardType         = "AWS::CloudWatch::Dashboard"
	permissionType        = "AWS::Lambda::Permission"
	nestedStackType       = assembly.NestedStackType
	policyEnvelopeBytes   = len(`{"Version":"2012-10-17","Id":"default","Statement":[]}`)
	statementSkeletonSize = len(`{"Sid":"","Effect":"Allow","Principal":{"Service":""},"Action":"","Resource":""},`)
)

// MaxFunctionPolicyBytes is the size of a Lambda function's (or alias's)
// resource-based policy: 20 KB, from
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
// Each AWS::Lambda::Permission adds a statement to it.
const MaxFunctionPolicyBytes = 20 * 1024

// UnresolvedBytes is the length Check assumes for a value CloudFormation
// only knows at deploy time (a Ref, a Fn::GetAtt, a joined ARN): 128
// bytes, as long as a typical ARN with a generated name.
const UnresolvedBytes = 128

// DefaultMargin is the share of a quota a template may fill: 80 %.
const DefaultMargin = 0.8

// Template is a parsed CloudFormation template (JSON object).
type Template map[string]any

// Parse reads a template's JSON.
func Parse(data []byte) (Template, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if t == nil {
		return nil, fmt.Errorf("parse template: not a JSON object")
	}
	return t, nil
}

// Quantity names what a Violation counts.
type Quantity string

// The quantities Check counts.
const (
	Resources         Quantity = "resources"
	Parameters        Quantity = "parameters"
	Outputs           Quantity = "outputs"
	Bytes             Quantity = "template bytes"
	Mappings          Quantity = "mappings"
	MappingAttributes Quantity = "mapping attributes"
	NameLength        Quantity = "characters in a name"
	DescriptionBytes  Quantity = "bytes of description"
	DynamicReferences Quantity = "dynamic references"
	DashboardWidgets  Quantity = "widgets on one dashboard"
	WidgetMetrics     Quantity = "metrics in one widget"
	DashboardMetrics  Quantity = "metrics on one dashboard"
	PolicyBytes       Quantity = "estimated bytes of function policy"
)

// advice is what to do about a quantity over its limit.
var advice = map[Quantity]string{
	Resources:         "split the stack's functions over more nested stacks, fewer functions in each",
	Parameters:        "split the stack's functions over more nested stacks, fewer functions in each (each shared resource a nested stack uses is one parameter)",
	Outputs:           "split the stack's functions over more nested stacks, fewer functions in each (each value another stack reads is one output)",
	Bytes:             "split the stack's functions over more nested stacks, fewer functions in each",
	Mappings:          "declare fewer mappings in one template, or split it into nested stacks",
	MappingAttributes: "split the mapping into several",
	NameLength:        "shorten the construct ID the name is made from",
	DescriptionBytes:  "shorten the stack's description",
	DynamicReferences: "resolve fewer {{resolve:...}} references in one template, or split it into nested stacks",
	DashboardWidgets:  "put fewer widgets on one dashboard (one dashboard per group of functions, or fewer per-function widgets)",
	WidgetMetrics:     "show fewer metrics in one widget",
	DashboardMetrics:  "put fewer metrics on one dashboard (one dashboard per group of functions, or fewer per-function graphs)",
	PolicyBytes:       "grant invoke with fewer permissions (one per source, scoped by its ARN) or trigger the function from fewer sources",
}

// Violation is one quantity of one template over its budget.
type Violation struct {
	// Stack names the template: its stack name, or a nested template's
	// file name.
	Stack string
	// Quantity is what is counted.
	Quantity Quantity
	// Subject names the part counted when it is not the whole template: a
	// logical ID, a dashboard, the function a policy belongs to.
	Subject string
	// Count is the count or size found.
	Count int
	// Limit is AWS's quota.
	Limit int
	// Margin is the share of Limit allowed; 1 for lengths of names.
	Margin float64
}

// Allowed is the budget: Limit times Margin, rounded down.
func (v Violation) Allowed() int { return allowed(v.Limit, v.Margin) }

func (v Violation) Error() string {
	subject := ""
	if v.Subject != "" {
		subject = " (" + v.Subject + ")"
	}
	bound := fmt.Sprintf("AWS's limit of %d", v.Limit)
	if v.Margin < 1 && v.Count <= v.Limit {
		bound = fmt.Sprintf("%d, the %s margin of AWS's limit of %d", v.Allowed(), percent(v.Margin), v.Limit)
	}
	return fmt.Sprintf("stack %s: %d %s%s, over %s: %s", v.Stack, v.Count, v.Quantity, subject, bound, advice[v.Quantity])
}

func percent(m float64) string { return fmt.Sprintf("%g %%", math.Round(m*1000)/10) }

func allowed(limit int, margin float64) int { return int(math.Floor(float64(limit)*margin + 1e-9)) }

// Checker checks templates with a margin.
type Checker struct {
	// Margin is the share of each count and size quota a template may
	// fill, above 0 and at most 1. Default (0): DefaultMargin.
	Margin float64
}

func (c Checker) margin() float64 {
	if c.Margin <= 0 || c.Margin > 1 {
		return DefaultMargin
	}
	return c.Margin
}

// Check checks t with DefaultMargin; see Checker.Check.
func Check(name string, t Template) []Violation { return Checker{}.Check(name, t) }

// Check returns every quantity of the template called name over its
// budget: counts and sizes over the margin, names over their length. The
// template's size is that of its compact JSON; CheckBytes measures the
// bytes as written. Each AWS::CloudWatch::Dashboard's widgets and metrics
// are counted in its body with intrinsic functions stood in for (a body
// that is then not JSON is not counted); each function's policy is
// estimated from the AWS::Lambda::Permission resources of this template
// that name it.
//
// t holds JSON values, as Parse returns them.
func (c Checker) Check(name string, t Template) []Violation {
	data, _ := json.Marshal(t)
	return c.check(name, t, len(data), data)
}

// CheckBytes parses a template's JSON and checks it, measuring its size
// as len(data).
func (c Checker) CheckBytes(name string, data []byte) ([]Violation, error) {
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	return c.check(name, t, len(data), data), nil
}

func (c Checker) check(name string, t Template, size int, data []byte) []Violation {
	m := c.margin()
	var out []Violation
	budget := func(q Quantity, subject string, count, limit int) {
		if count > allowed(limit, m) {
			out = append(out, Violation{Stack: name, Quantity: q, Subject: subject, Count: count, Limit: limit, Margin: m})
		}
	}
	hard := func(q Quantity, subject string, count, limit int) {
		if count > limit {
			out = append(out, Violation{Stack: name, Quantity: q, Subject: subject, Count: count, Limit: limit, Margin: 1})
		}
	}
	cost := t.cost(size)
	budget(Resources, "", cost.Resources, MaxResources)
	budget(Parameters, "", cost.Parameters, MaxParameters)
	budget(Outputs, "", cost.Outputs, MaxOutputs)
	budget(Bytes, "", cost.Bytes, MaxTemplateBytes)
	mappings := section(t, "Mappings")
	budget(Mappings, "", len(mappings), MaxMappings)
	for _, id := range slices.Sorted(maps.Keys(mappings)) {
		top, _ := mappings[id].(map[string]any)
		n := len(top)
		for _, second := range top {
			if s, ok := second.(map[string]any); ok && len(s) > n {
				n = len(s)
			}
		}
		budget(MappingAttributes, id, n, MaxMappingAttributes)
	}
	for _, s := range []string{"Resources", "Parameters", "Outputs", "Mappings"} {
		for _, id := range slices.Sorted(maps.Keys(section(t, s))) {
			hard(NameLength, strings.TrimSuffix(s, "s")+" "+truncate(id), len(id), MaxNameLength)
		}
	}
	if d, ok := t["Description"].(string); ok {
		hard(DescriptionBytes, "", len(d), MaxDescriptionBytes)
	}
	budget(DynamicReferences, "", len(dynamicReference.FindAll(data, -1)), MaxDynamicReferences)

	resources := section(t, "Resources")
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		r, _ := resources[id].(map[string]any)
		if r["Type"] != dashboardType {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		widgets, ok := dashboardWidgets(props["DashboardBody"])
		if !ok {
			continue // not JSON once intrinsics are stood in for: nothing to count
		}
		budget(DashboardWidgets, id, len(widgets), MaxDashboardWidgets)
		total := 0
		for i, w := range widgets {
			total += w
			budget(WidgetMetrics, fmt.Sprintf("%s widget %d", id, i+1), w, MaxWidgetMetrics)
		}
		budget(DashboardMetrics, id, total, MaxDashboardMetrics)
	}
	for _, p := range functionPolicies(name, resources) {
		budget(PolicyBytes, p.subject, p.bytes, MaxFunctionPolicyBytes)
	}
	return out
}

var dynamicReference = regexp.MustCompile(`\{\{resolve:`)

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func section(t Template, name string) map[string]any {
	m, _ := t[name].(map[string]any)
	return m
}

// Cost is what a template holds, or what one function (or the shared part
// of a stack) adds to one, in the quantities Budget plans with.
type Cost struct {
	Resources, Parameters, Outputs, Bytes int
}

// Plus is the sum of c and o.
func (c Cost) Plus(o Cost) Cost {
	return Cost{c.Resources + o.Resources, c.Parameters + o.Parameters, c.Outputs + o.Outputs, c.Bytes + o.Bytes}
}

// Times is c n times over.
func (c Cost) Times(n int) Cost {
	return Cost{c.Resources * n, c.Parameters * n, c.Outputs * n, c.Bytes * n}
}

// Minus is c less o.
func (c Cost) Minus(o Cost) Cost { return c.Plus(o.Times(-1)) }

func (c Cost) String() string {
	return fmt.Sprintf("%d resources, %d parameters, %d outputs, %d bytes", c.Resources, c.Parameters, c.Outputs, c.Bytes)
}

func (t Template) cost(size int) Cost {
	return Cost{Resources: len(section(t, "Resources")), Parameters: len(section(t, "Parameters")), Outputs: len(section(t, "Outputs")), Bytes: size}
}

// Cost is t's counts and the size of its compact JSON.
func (t Template) Cost() Cost {
	data, _ := json.Marshal(t)
	return t.cost(len(data))
}
