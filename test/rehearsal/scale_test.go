package rehearsal

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/deployed"
	"go-lambda-cdk/internal/local/apigw"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/scaffold"
)

// nested is the context that puts every function into a nested stack.
const nested = "CDK_CONTEXT=-c nestedStacks=always"

// TestDeployRehearsalAtScale deploys a copy of the module with functions
// of every kind added by the scaffold and nestedStacks always (so at
// least three nested stacks) to the emulator, checks that every
// function, its live alias and its trigger exist, redeploys with no
// changes, adds one more function, shows with make diff that only its
// nested stack and the shared wiring change, deploys that as an update
// that replaces nothing else, and destroys the stage. Every command gets
// the same context, so the app synthesizes twice: in make bootstrap, whose
// assembly the deploys take as it is (SYNTH=0), and in make diff, whose
// assembly the deploy after it and make destroy take as it is (SYNTH=0;
// that make destroy's run of the app reuses an assembly is
// TestDeployRehearsal's prod destroy).
func TestDeployRehearsalAtScale(t *testing.T) {
	source, root := startRehearsal(t)
	declared := functions.All()
	for i, trigger := range []string{"api:/scaled-api", "s3:scaled/", "schedule:0 3 * * ? *", "none"} {
		declared = scaffoldInto(t, root, fmt.Sprintf("scaled%d", i), trigger, declared)
	}
	start := time.Now()
	r := newRehearsal(t, source, root)
	defer r.logEnd("rehearsal at scale", start)
	r.make("bootstrap", "APPROVE=1", nested)
	r.setAPIGatewayRole()
	r.make("deploy", "APPROVE=1", "SYNTH=0", nested)
	r.stackStatus(devStack, cfntypes.StackStatusCreateComplete)
	before := r.checkNested(declared)

	if out := r.make("deploy", "APPROVE=1", "SYNTH=0", nested); !strings.Contains(out, "(no changes)") {
		t.Errorf("second make deploy did not report (no changes):\n%s", out)
	}

	// One more function, in the middle of the declarations' kinds: an S3
	// trigger, so that the bucket's notification configuration changes too.
	declared = scaffoldInto(t, root, "scaledlate", "s3:late/", declared)
	added := declared[len(declared)-1]
	diff := r.make("diff", nested)
	t.Logf("make diff after adding %s:\n%s", added.Name, diff)
	changed := regexp.MustCompile(`(?m)^\[([-~+])\] (\S+) (\S+) (\S+)`).FindAllStringSubmatch(diff, -1)
	for _, c := range changed {
		if c[1] == "-" || strings.Contains(c[0], "replace") {
			t.Errorf("make diff removes or replaces %s", c[0])
		}
		for _, d := range declared[:len(declared)-1] {
			if strings.HasPrefix(c[3], d.ConstructID()) {
				t.Errorf("make diff changes %s of function %s: %s", c[3], d.Name, c[0])
			}
		}
	}
	if !strings.Contains(diff, added.ConstructID()) {
		t.Errorf("make diff does not show the new function %s", added.ConstructID())
	}
	r.make("deploy", "APPROVE=1", "SYNTH=0", nested)
	r.stackStatus(devStack, cfntypes.StackStatusUpdateComplete)
	after := r.checkNested(declared)
	for id, physical := range before {
		if after[id] != physical {
			t.Errorf("adding %s changed %s: %s, was %s", added.Name, id, after[id], physical)
		}
	}

	bucket := r.output(devStack, "BucketName")
	if out := r.make("destroy", "APPROVE=1", "SYNTH=0", nested); !strings.Contains(out, bucket) {
		t.Errorf("make destroy did not empty %s:\n%s", bucket, out)
	}
	r.stackGone(devStack)
}

// scaffoldInto adds a function to the module at root as make
// new-function does, and returns the declarations with it.
func scaffoldInto(t *testing.T, root, name, trigger string, declared []functions.Declaration) []functions.Declaration {
	t.Helper()
	fn, files, err := scaffold.Plan(scaffold.Options{ModuleDir: root, Name: name, Trigger: trigger, Declared: declared})
	if err != nil {
		t.Fatal(err)
	}
	if err := scaffold.Write(root, files); err != nil {
		t.Fatal(err)
	}
	return append(slices.Clone(declared), fn)
}

// checkNested asserts that the deployed dev stage holds at least three
// nested stacks, every declared function in one of them with its live
// alias and its trigger, and returns every resource's physical ID by
// flattened logical ID.
func (r *rehearsal) checkNested(declared []functions.Declaration) map[string]string {
	t := r.t
	t.Helper()
	s, err := deployed.Read(r.ctx(), r.aws.cfn, devStack)
	if err != nil {
		t.Fatal(err)
	}
	nestedStacks := 0
	physical := map[string]string{}
	for id, res := range s.Resources {
		physical[id] = res.Physical
		if res.Type == template.NestedStackType {
			nestedStacks++
		}
	}
	if nestedStacks < 3 {
		t.Errorf("%d nested stacks, want at least 3", nestedStacks)
	}
	tpl, err := template.Parse(s.Template, devStack)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range declared {
		fn, ok := tpl.Function(d.Name)
		if !ok || !strings.Contains(fn.LogicalID, template.NestedSeparator) {
			t.Errorf("function %s: found %v as %q, want it in a nested stack", d.Name, ok, fn.LogicalID)
			continue
		}
		name := physical[fn.LogicalID]
		if _, err := r.aws.lambda.GetAlias(r.ctx(), &lambda.GetAliasInput{FunctionName: aws.String(name), Name: aws.String("live")}); err != nil {
			t.Errorf("function %s (%s): live alias: %v", d.Name, name, err)
		}
		for _, kind := range d.Kinds() {
			switch kind {
			case functions.KindAPI:
				if tpl.API == nil || !slices.ContainsFunc(tpl.API.Routes, func(rt apigw.Route) bool { return rt.Function == d.Name }) {
					t.Errorf("function %s: no route of the REST API invokes it", d.Name)
				}
			case functions.KindS3:
				if !slices.ContainsFunc(tpl.Notifications, func(n template.Notification) bool { return n.Function == d.Name }) {
					t.Errorf("function %s: no bucket notification invokes it", d.Name)
				}
			case functions.KindSchedule:
				i := slices.IndexFunc(tpl.Schedules, func(sc template.Schedule) bool { return sc.Function == d.Name })
				if i < 0 || physical[tpl.Schedules[i].Rule] == "" {
					t.Errorf("function %s: no deployed schedule rule invokes it", d.Name)
				}
			}
		}
	}
	return physical
}
