package nesting_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/nesting"
)

// scaled returns the project's declared functions followed by functions
// of every kind in turn (api, s3, schedule, none, as bench-scale
// scaffolds them) up to n in all.
func scaled(t *testing.T, c config.Config, n int) []config.NamedFunction {
	t.Helper()
	fns := c.Functions.Named()
	for i := len(fns) + 1; len(fns) < n; i++ {
		fns = append(fns, extra(fmt.Sprintf("fn%03d", i), i))
	}
	return fns
}

// extra is a function of the i-th kind called name.
func extra(name string, i int) config.NamedFunction {
	var trigger functions.Trigger
	switch i % 4 {
	case 0:
		trigger = functions.API{Paths: []string{"/" + name}}
	case 1:
		trigger = functions.ObjectCreated{Prefix: name + "/"}
	case 2:
		trigger = functions.Schedule{Cron: fmt.Sprintf("%d %d * * ? *", i%60, i%24)}
	}
	d := functions.Declaration{Name: name, Description: "scaled " + name, TimeoutSeconds: 10}
	if trigger != nil {
		d.Triggers = []functions.Trigger{trigger}
	}
	return config.NamedFunction{Name: name, FunctionSettings: config.FunctionSettings{TimeoutSeconds: 10, MemoryMB: 256}, Declaration: d}
}

func stage(t *testing.T, name string) config.Config {
	t.Helper()
	c, err := config.ForStage(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func groups(p nesting.Plan, fns []config.NamedFunction) map[string]int {
	out := map[string]int{}
	for _, fn := range fns {
		if g, ok := p.GroupOf(fn.Name); ok {
			out[fn.Name] = g
		}
	}
	return out
}

// TestGroupStaysWhenAnotherFunctionIsAddedOrRemoved: inserting a function
// in the middle of the declarations, or removing one, moves no other
// function to another nested stack (which would replace it).
func TestGroupStaysWhenAnotherFunctionIsAddedOrRemoved(t *testing.T) {
	for _, n := range []int{3, 30, 100, 199} {
		for _, st := range []string{config.StageDev, config.StageProd} {
			t.Run(fmt.Sprintf("%s/%d", st, n), func(t *testing.T) {
				c := stage(t, st)
				c.NestedStacks = config.NestedAlways
				before := scaled(t, c, n)
				p, err := nesting.SplitFunctions(c, before)
				if err != nil {
					t.Fatal(err)
				}
				was := groups(p, before)
				if len(was) != len(before) {
					t.Fatalf("%d of %d functions placed in a group", len(was), len(before))
				}
				middle := len(before) / 2
				added := slices.Insert(slices.Clone(before), middle, extra("inserted", 0))
				removed := slices.Delete(slices.Clone(before), middle, middle+1)
				for name, fns := range map[string][]config.NamedFunction{"added": added, "removed": removed} {
					q, err := nesting.SplitFunctions(c, fns)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					for fn, g := range groups(q, fns) {
						if old, ok := was[fn]; ok && old != g {
							t.Errorf("one function %s in the middle: %s moved from %s to %s", name, fn, nesting.StackID(old), nesting.StackID(g))
						}
					}
				}
			})
		}
	}
}

// TestEveryTemplateFitsTheMarginUpTo200Functions: with up to 200
// functions of every kind, in both stages' presets and every
// alarms.perFunction, the plan is accepted and every template's estimate
// is within 80 % of each CloudFormation limit.
func TestEveryTemplateFitsTheMarginUpTo200Functions(t *testing.T) {
	capacity := cfnlimits.Budget{}.Capacity()
	within := func(c cfnlimits.Cost) bool {
		return c.Resources <= capacity.Resources && c.Parameters <= capacity.Parameters && c.Outputs <= capacity.Outputs && c.Bytes <= capacity.Bytes
	}
	for _, st := range []string{config.StageDev, config.StageProd} {
		for _, alarms := range config.PerFunctionModes {
			for _, n := range []int{3, 25, 50, 100, 150, 200} {
				t.Run(fmt.Sprintf("%s/%s/%d", st, alarms, n), func(t *testing.T) {
					c := stage(t, st)
					c.Alarms.PerFunction = alarms
					fns := scaled(t, c, n)
					p, err := nesting.SplitFunctions(c, fns)
					if err != nil {
						t.Fatal(err)
					}
					if !within(p.Root) {
						t.Errorf("stage's stack %v, over %v", p.Root, capacity)
					}
					placed := 0
					for _, g := range p.Groups {
						placed += len(g.Functions)
						if !within(g.Cost) {
							t.Errorf("%s: %v, over %v", g.StackID(), g.Cost, capacity)
						}
					}
					if p.Nested && placed != n {
						t.Errorf("nested stacks hold %d functions, want %d", placed, n)
					}
				})
			}
		}
	}
}

// TestSplitRefusesAGroupOverTheMargin: functions that all land in one
// nested stack (here: all hooked by one function, so they share its
// group) are refused with the stack, the count, the limit and what to do.
func TestSplitRefusesAGroupOverTheMargin(t *testing.T) {
	c := stage(t, config.StageProd)
	fns := scaled(t, c, 60)
	for i := range fns {
		if fns[i].Name != "report" {
			fns[i].PreTrafficHook = "report"
		}
	}
	_, err := nesting.SplitFunctions(c, fns)
	if err == nil {
		t.Fatal("60 functions in one nested stack accepted")
	}
	g := nesting.StackID(nesting.GroupOf("report"))
	for _, want := range []string{"GoLambdaCdk-prod/" + g, "resources, more than 400", "limit of 500", "alarms.perFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestAutoNestsOnlyWhatOutgrowsOneStack: nestedStacks auto keeps a small
// app in the stage's stack and nests a big one; always nests any.
func TestAutoNestsOnlyWhatOutgrowsOneStack(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		n      int
		nested bool
	}{
		{config.NestedAuto, 3, false},
		{config.NestedAuto, 200, true},
		{config.NestedAlways, 3, true},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.mode, tc.n), func(t *testing.T) {
			c := stage(t, config.StageDev)
			c.NestedStacks = tc.mode
			p, err := nesting.SplitFunctions(c, scaled(t, c, tc.n))
			if err != nil {
				t.Fatal(err)
			}
			if p.Nested != tc.nested {
				t.Errorf("nested %v, want %v", p.Nested, tc.nested)
			}
		})
	}
}

// TestHookSharesItsFunctionsGroup: a function and its traffic hooks are in
// one nested stack, whatever their names hash to.
func TestHookSharesItsFunctionsGroup(t *testing.T) {
	c := stage(t, config.StageDev)
	c.NestedStacks = config.NestedAlways
	fns := scaled(t, c, 40)
	fns[10].PreTrafficHook = fns[20].Name
	fns[11].PostTrafficHook = fns[20].Name
	p, err := nesting.SplitFunctions(c, fns)
	if err != nil {
		t.Fatal(err)
	}
	hook, _ := p.GroupOf(fns[20].Name)
	for _, i := range []int{10, 11} {
		if g, _ := p.GroupOf(fns[i].Name); g != hook {
			t.Errorf("%s in %s, its hook %s in %s", fns[i].Name, nesting.StackID(g), fns[20].Name, nesting.StackID(hook))
		}
	}
}

// TestSplitRefusesAFunctionPolicyOverTheMargin: a function behind so many
// API paths that its invoke permissions would pass 80 % of Lambda's 20 KB
// policy is refused, named, with what to do; one path fewer than that
// passes.
func TestSplitRefusesAFunctionPolicyOverTheMargin(t *testing.T) {
	c := stage(t, config.StageDev)
	fns := scaled(t, c, 10)
	paths := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("/wide/p%d", i))
		}
		return out
	}
	most := int(cfnlimits.MaxFunctionPolicyBytes*cfnlimits.DefaultMargin) / nesting.PolicyBytes(extra("one", 0))
	for _, tc := range []struct {
		paths int
		ok    bool
	}{{most, true}, {most + 1, false}} {
		t.Run(fmt.Sprint(tc.paths), func(t *testing.T) {
			wide := extra("wide", 0)
			wide.Declaration.Triggers = []functions.Trigger{functions.API{Paths: paths(tc.paths)}}
			_, err := nesting.SplitFunctions(c, append(slices.Clone(fns), wide))
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "function wide") || !strings.Contains(err.Error(), "fewer API paths")) {
				t.Errorf("error %v, want function wide refused with what to do", err)
			}
		})
	}
}

// TestWarnsBeforeAutoMovesEveryFunction: with nestedStacks auto, synth
// warns once the stage's stack is three quarters full (the next functions
// will move every function), and not for a small app or a nested one.
func TestWarnsBeforeAutoMovesEveryFunction(t *testing.T) {
	c := stage(t, config.StageDev)
	warned := 0
	for n := 3; n <= 60; n++ {
		p, err := nesting.SplitFunctions(c, scaled(t, c, n))
		if err != nil {
			t.Fatal(err)
		}
		w := p.Warning()
		switch {
		case n == 3 && w != "":
			t.Errorf("3 functions: warning %q", w)
		case p.Nested && w != "":
			t.Errorf("%d functions, nested: warning %q", n, w)
		case w != "":
			warned++
			if !strings.Contains(w, "nestedStacks") || !strings.Contains(w, "replaces") {
				t.Errorf("%d functions: warning %q does not say what happens and what to do", n, w)
			}
		}
	}
	if warned == 0 {
		t.Error("no warning before the functions moved into nested stacks")
	}
}
