// Package nesting decides, before any construct exists, which template
// holds each of a stage's functions, and what every template will cost in
// CloudFormation's per-template quantities (resources, parameters,
// outputs, bytes; package cfnlimits).
//
// The shared resources (bucket, REST API with its methods, authorizer,
// failure queue, alert topic and key, user pool, CodeDeploy application,
// the overview dashboard) stay in the stage's stack. With nestedStacks
// "always", or "auto" once the functions no longer fit that stack with a
// margin, every function goes into one of Groups nested stacks
// (AWS::CloudFormation::Stack, CDK's NestedStack), chosen by a hash of
// its name (GroupOf).
//
// Why a hash and not the order of declaration: a function that changes
// nested stack is a new resource in another template, so CloudFormation
// replaces it (new function, new alias and versions, new log group, new
// role). Packing in declaration order keeps groups full, but inserting a
// function in the middle of the declarations shifts every later one. A
// hash of the name depends on nothing else: adding or removing another
// function never moves this one. The price is headroom: groups fill
// unevenly, so Groups is fixed high enough (16) that 200 functions leave
// every group within the margin. A group that would still overflow is
// refused at synth with its functions named (Split).
package nesting

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/config"
)

// Groups is the number of nested stacks the functions are hashed into.
// It is fixed: changing it moves most functions to another nested stack,
// which replaces them.
const Groups = 16

// Estimated sizes of one resource in a template as the CDK writes it
// (JSON indented by one space), from synthesized stacks of this app: a
// function's 16 resources take about 22 KB, the stage's shared ones about
// 1.5 KB each. Rounded up.
const (
	bytesPerResource = 2_000
	// bytesPerDashboardFunction is a function's three graphs in its
	// group's dashboard body.
	bytesPerDashboardFunction = 1_500
	// sharedResources is an upper bound of the stage's own resources with
	// every option on (buckets and policies, queue, key, topic, API, stage,
	// deployment, access logs, authorizer, user pool, client, domain, web
	// ACL, custom domain, gateway response, CodeDeploy application,
	// dashboard, metadata, the queue's and the API's alarms), not counting
	// email subscriptions and the API's paths.
	sharedResources = 40
	// sharedOutputs is an upper bound of the stage's stack's outputs.
	sharedOutputs = 12
	// nestedParameters is an upper bound of the parameters through which
	// a nested stack receives the shared resources it uses: the stack ID
	// and partition (the bucket's name and ARN), the failure queue, the
	// alert topic, the CodeDeploy application, the REST API.
	nestedParameters = 10
	// nestedResources is what a nested stack holds besides its functions:
	// its group's dashboard and the CDK's AWS::CDK::Metadata.
	nestedResources = 2
)

// GroupOf is the group (0 to Groups-1) of a function whose group key is
// key: FNV-1a of the key, modulo Groups. See Key for the key.
func GroupOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % Groups)
}

// StackID is the construct ID of group g's nested stack, e.g.
// "Functions07". It names the stack in cdk.out and in errors.
func StackID(g int) string { return fmt.Sprintf("Functions%02d", g) }

// key is the name whose hash places the function called name among fns:
// its own, or, when it has a traffic hook, its pre-traffic hook's key
// (else its post-traffic hook's). A function and its hooks then share a
// nested stack: the deployment's hook policy and the alias's UpdatePolicy
// name each other, which across two nested stacks would make each wait
// for the other.
func key(fns map[string]config.FunctionSettings, name string) string {
	seen := map[string]bool{}
	for !seen[name] {
		seen[name] = true
		fn, ok := fns[name]
		if !ok {
			return name
		}
		switch {
		case fn.PreTrafficHook != "":
			name = fn.PreTrafficHook
		case fn.PostTrafficHook != "":
			name = fn.PostTrafficHook
		default:
			return name
		}
	}
	// Hooks in a loop: the loop's first name in sort order, for all.
	loop := make([]string, 0, len(seen))
	for n := range seen {
		loop = append(loop, n)
	}
	sort.Strings(loop)
	return loop[0]
}

// FunctionCost is what fn adds to the template that holds it: its
// resources (see the list in the code), their bytes, and, in a nested
// stack, one output when the stage's stack refers to it (the REST API's
// integration or the bucket's notification invoke its live alias).
func FunctionCost(c config.Config, fn config.NamedFunction, nested bool) cfnlimits.Cost {
	d := fn.Declaration
	// Log group, role and its policy, function, version, live alias,
	// CodeDeploy's role and its policy, deployment group.
	r := 9 + config.RollbackAlarms + c.Alarms.PagingAlarms(fn.FunctionSettings)
	if d.Async() {
		r++ // event invoke config
	}
	r += permissions(d) // invoke permissions: per API path, S3, schedule
	_, isAPI := d.API()
	_, isS3 := d.ObjectCreated()
	if _, ok := d.Schedule(); ok {
		r++ // rule
	}
	if len(fn.Provisioned.Windows) > 0 {
		r++ // scalable target
	}
	hooks := map[string]bool{}
	for _, h := range []string{fn.PreTrafficHook, fn.PostTrafficHook} {
		if h != "" && !hooks[h] {
			hooks[h] = true
			r++ // the hook's reporting policy
		}
	}
	cost := cfnlimits.Cost{Resources: r, Bytes: r * bytesPerResource}
	if nested {
		cost.Bytes += bytesPerDashboardFunction
		if isAPI || isS3 {
			cost.Outputs++
		}
	}
	return cost
}

// permissionStatementBytes is an upper bound of one invoke permission's
// statement in a function's resource policy (Sid, principal, action, the
// alias's ARN, a SourceArn condition with an execute-api or S3 ARN, a
// SourceAccount): about 400 bytes with this app's names, rounded up.
const permissionStatementBytes = 500

// PolicyBytes estimates the resource policy of fn's live alias: one
// statement per invoke permission (one per API path, one for an S3
// trigger, one for a schedule). Lambda refuses a policy over 20 KB
// (cfnlimits.MaxFunctionPolicyBytes).
func PolicyBytes(fn config.NamedFunction) int {
	return permissions(fn.Declaration) * permissionStatementBytes
}

// permissions counts d's invoke permissions: one per API path, one for an
// S3 trigger, one for a schedule.
func permissions(d functions.Declaration) int {
	n := 0
	if api, ok := d.API(); ok {
		n += len(api.Paths)
	}
	if _, ok := d.ObjectCreated(); ok {
		n++
	}
	if _, ok := d.Schedule(); ok {
		n++
	}
	return n
}

// Plan is where each function goes and what each template costs.
type Plan struct {
	// Stack is the stage's stack name.
	Stack string
	// Nested is true when the functions are in nested stacks.
	Nested bool
	// Root is the estimated cost of the stage's stack.
	Root cfnlimits.Cost
	// Groups are the nested stacks that hold functions, by ID; none when
	// not Nested.
	Groups []Group
	// group maps a function to its group.
	group map[string]int
}

// Group is one nested stack of functions.
type Group struct {
	// ID is 0 to Groups-1.
	ID int
	// Functions are its functions' names in declaration order.
	Functions []string
	// Cost is the template's estimated cost.
	Cost cfnlimits.Cost
}

// StackID is the group's construct ID (StackID).
func (g Group) StackID() string { return StackID(g.ID) }

// GroupOf returns the group of the named function, false when it is in
// the stage's stack.
func (p Plan) GroupOf(name string) (int, bool) {
	g, ok := p.group[name]
	return g, ok && p.Nested
}

// Split places c's functions and estimates every template (see the
// package comment), then checks each against CloudFormation's limits with
// the default margin (cfnlimits.DefaultMargin). It returns every template
// over a limit as one error naming the stack, the quantity, the count, the
// limit and what to do. c must have passed Validate.
func Split(c config.Config) (Plan, error) { return SplitFunctions(c, c.Functions.Named()) }

// SplitFunctions is Split of the functions fns (in declaration order)
// with c's other settings.
func SplitFunctions(c config.Config, fns []config.NamedFunction) (Plan, error) {
	p := Plan{Stack: c.StackName(), group: map[string]int{}}
	settings := make(map[string]config.FunctionSettings, len(fns))
	for _, fn := range fns {
		settings[fn.Name] = fn.FunctionSettings
	}
	shared := sharedCost(c, fns)
	var policies []string
	policyRoom := int(cfnlimits.MaxFunctionPolicyBytes * cfnlimits.DefaultMargin)
	for _, fn := range fns {
		if b := PolicyBytes(fn); b > policyRoom {
			policies = append(policies, fmt.Sprintf("function %s: about %d bytes of resource policy (one invoke permission per API path and trigger), more than %d (%g %% of Lambda's limit of %d): declare fewer API paths for one function, e.g. one path with a {parameter}, or split it",
				fn.Name, b, policyRoom, cfnlimits.DefaultMargin*100, cfnlimits.MaxFunctionPolicyBytes))
		}
	}
	if len(policies) > 0 {
		return p, fmt.Errorf("the functions' resource policies would exceed Lambda's limit:\n  %s", strings.Join(policies, "\n  "))
	}
	single := shared
	for _, fn := range fns {
		single = single.Plus(FunctionCost(c, fn, false))
	}
	budget := cfnlimits.Budget{}
	p.Nested = c.NestedStacks == config.NestedAlways || !single.Within(budget.Capacity())
	if !p.Nested {
		p.Root = single
		return p, p.check(budget)
	}
	byID := map[int]*Group{}
	for _, fn := range fns {
		g := GroupOf(key(settings, fn.Name))
		p.group[fn.Name] = g
		if byID[g] == nil {
			byID[g] = &Group{ID: g, Cost: cfnlimits.Cost{Resources: nestedResources, Parameters: nestedParameters, Bytes: nestedResources * bytesPerResource}}
		}
		byID[g].Functions = append(byID[g].Functions, fn.Name)
		byID[g].Cost = byID[g].Cost.Plus(FunctionCost(c, fn, true))
	}
	for _, g := range byID {
		p.Groups = append(p.Groups, *g)
	}
	sort.Slice(p.Groups, func(i, j int) bool { return p.Groups[i].ID < p.Groups[j].ID })
	p.Root = shared.Plus(cfnlimits.Cost{Resources: len(p.Groups), Bytes: len(p.Groups) * bytesPerResource})
	return p, p.check(budget)
}

// sharedCost is the estimated cost of the stage's stack without its
// functions: the shared resources, the email subscriptions, and the
// REST API's resources and methods, which stay with the API.
func sharedCost(c config.Config, fns []config.NamedFunction) cfnlimits.Cost {
	r := sharedResources + len(c.Alerts.Emails)
	segments := map[string]bool{}
	for _, fn := range fns {
		api, ok := fn.Declaration.API()
		if !ok {
			continue
		}
		for _, path := range api.Paths {
			parts := strings.Split(strings.Trim(path, "/"), "/")
			for i := range parts {
				segments[strings.Join(parts[:i+1], "/")] = true
			}
			r++ // ANY
			for _, u := range api.UploadRoutes {
				if u.Path == path {
					r++
				}
			}
			r++ // OPTIONS, when the path needs a token
		}
	}
	r += len(segments)
	return cfnlimits.Cost{Resources: r, Parameters: 1, Outputs: sharedOutputs, Bytes: r * bytesPerResource}
}

// check refuses any template of p over the budget's capacity.
func (p Plan) check(b cfnlimits.Budget) error {
	capacity := b.Capacity()
	var problems []string
	over := func(stack string, c cfnlimits.Cost, advice string) {
		for _, q := range []struct {
			name       cfnlimits.Quantity
			n, room, l int
		}{
			{cfnlimits.Resources, c.Resources, capacity.Resources, cfnlimits.MaxResources},
			{cfnlimits.Parameters, c.Parameters, capacity.Parameters, cfnlimits.MaxParameters},
			{cfnlimits.Outputs, c.Outputs, capacity.Outputs, cfnlimits.MaxOutputs},
			{cfnlimits.Bytes, c.Bytes, capacity.Bytes, cfnlimits.MaxTemplateBytes},
		} {
			if q.n > q.room {
				problems = append(problems, fmt.Sprintf("stack %s: about %d %s, more than %d (%g %% of CloudFormation's limit of %d per template): %s",
					stack, q.n, q.name, q.room, cfnlimits.DefaultMargin*100, q.l, advice))
			}
		}
	}
	over(p.Stack, p.Root, "the stage's stack keeps the REST API's paths and methods; declare fewer API paths in this app, or move a part of the API into another app")
	for _, g := range p.Groups {
		over(p.Stack+"/"+g.StackID(), g.Cost, fmt.Sprintf(
			"its %d functions (%s) are placed there by a hash of their names; turn alarms.perFunction down (fewer alarms per function), or move some of them into another app",
			len(g.Functions), strings.Join(g.Functions, ", ")))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("the templates would exceed CloudFormation's limits:\n  %s", strings.Join(problems, "\n  "))
}

// Warning says, when the functions are still in the stage's stack but
// fill three quarters of its room, that a few more functions will move
// every function into nested stacks (which replaces each once), and how
// to move now; "" otherwise.
func (p Plan) Warning() string {
	capacity := cfnlimits.Budget{}.Capacity()
	if p.Nested || p.Root.Resources*4 < capacity.Resources*3 {
		return ""
	}
	return fmt.Sprintf("stack %s holds about %d resources of its %d: a few more functions and nestedStacks auto moves every function into nested stacks, which replaces each function once; set nestedStacks to \"always\" while the stage is young to move them now, or expect that replacement (docs/design.md, \"Stacks at scale\")",
		p.Stack, p.Root.Resources, capacity.Resources)
}
