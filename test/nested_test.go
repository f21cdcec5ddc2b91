package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/config"
	localtemplate "go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/nesting"
	"go-lambda-cdk/stacks"
)

// synthAssembly synthesizes the app for a CDK context into a temporary
// cloud assembly, as `cdk synth` writes it (nested templates included),
// and returns its folder and the plan.
func synthAssembly(t *testing.T, context map[string]any) (string, config.Plan) {
	t.Helper()
	dir := t.TempDir()
	return dir, synthInto(t, context, placeholderAssets(t, "placeholder"), dir)
}

// synthInto synthesizes the app for a CDK context with the given zips into
// the cloud assembly folder dir, as `cdk synth` writes it (nested templates
// included), and returns the plan.
func synthInto(t *testing.T, context map[string]any, assets stacks.Assets, dir string) config.Plan {
	t.Helper()
	plan, appContext := synthContext(t, context)
	// As the CDK CLI sets it (unless --no-asset-metadata): the nested
	// stack resources name their template files.
	appContext["aws:cdk:enable-asset-metadata"] = true
	app := awscdk.NewApp(&awscdk.AppProps{Context: &appContext, Outdir: jsii.String(dir)})
	if _, err := stacks.NewAppStack(app, plan, assets); err != nil {
		t.Fatal(err)
	}
	stacks.NewAccountStack(app, plan.Config)
	stacks.CheckAwsSolutions(app)
	app.Synth(nil)
	return plan
}

// TestNestedStacksHoldEveryFunctionWithinTheEstimate: with nestedStacks
// always, every declared function is in the nested stack of its group
// (nesting.GroupOf), the stage's stack holds none, every template is
// within 80 % of CloudFormation's limits, and the estimate synth checks
// before creating any construct (nesting.Split) is at least what each
// template holds: resources, parameters, outputs, bytes.
func TestNestedStacksHoldEveryFunctionWithinTheEstimate(t *testing.T) {
	for _, st := range []string{config.StageDev, config.StageProd} {
		t.Run(st, func(t *testing.T) {
			dir, plan := synthAssembly(t, map[string]any{"stage": st, "nestedStacks": config.NestedAlways})
			placement, err := nesting.Split(plan.Config)
			if err != nil {
				t.Fatal(err)
			}
			stacksRead, err := cfnlimits.ReadAssembly(dir)
			if err != nil {
				t.Fatal(err)
			}
			root := plan.StackName()
			estimates := map[string]cfnlimits.Cost{root: placement.Root}
			for _, g := range placement.Groups {
				estimates[g.StackID()] = g.Cost
			}
			seen := map[string]bool{}
			for _, s := range stacksRead {
				if !strings.HasPrefix(s.Name, root) {
					continue // the account stack
				}
				key := root
				if s.Nested {
					key = strings.TrimPrefix(s.Name, root+"/")
					key = key[:len("Functions00")]
				}
				seen[key] = true
				est, ok := estimates[key]
				if !ok {
					t.Errorf("template %s: no estimate (not in the placement)", s.Name)
					continue
				}
				got := s.Cost()
				if got.Resources > est.Resources || got.Parameters > est.Parameters || got.Outputs > est.Outputs || got.Bytes > est.Bytes {
					t.Errorf("template %s holds %v, more than its estimate %v", s.Name, got, est)
				}
				fns := 0
				for _, r := range s.Template["Resources"].(map[string]any) {
					if r.(map[string]any)["Type"] == "AWS::Lambda::Function" {
						fns++
					}
				}
				want := 0
				for _, g := range placement.Groups {
					if g.StackID() == key {
						want = len(g.Functions)
					}
				}
				if fns != want {
					t.Errorf("template %s holds %d functions, want %d", s.Name, fns, want)
				}
			}
			for key := range estimates {
				if !seen[key] {
					t.Errorf("no template for %s", key)
				}
			}
			violations, err := cfnlimits.CheckAssembly(dir)
			if err != nil || len(violations) > 0 {
				t.Errorf("limits: %v %v", violations, err)
			}
			// The local run reads them all, by the declared names.
			tpl, err := localtemplate.Load(dir, root)
			if err != nil {
				t.Fatal(err)
			}
			for _, fn := range plan.Functions {
				f, ok := tpl.Function(fn.Name)
				g, _ := placement.GroupOf(fn.Name)
				if !ok || !strings.HasPrefix(f.LogicalID, nesting.StackID(g)) || !strings.Contains(f.LogicalID, localtemplate.NestedSeparator) {
					t.Errorf("function %s: found %v as %q, want it in %s", fn.Name, ok, f.LogicalID, nesting.StackID(g))
				}
			}
			if len(placement.Groups) == 0 {
				t.Error("no nested stack with nestedStacks always")
			}
		})
	}
}
