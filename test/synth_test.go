// Package test holds the stack tests: snapshots of each stage's template,
// assertions on what matters in it (IAM scope, wiring, limits), cdk-nag, and
// the app's handling of a bad configuration.
//
// All stack tests live in this one package so that one jsii runtime (one
// Node.js process) serves them all.
package test

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/stacks"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	for _, dir := range assetDirs {
		os.RemoveAll(dir)
	}
	if scaffolded != nil {
		os.RemoveAll(scaffolded.dir)
	}
	os.Exit(code)
}

// template is a synthesized CloudFormation template as plain JSON.
type template map[string]any

// synthesized is the app stack and the account stack synthesized from one
// context, with their templates.
type synthesized struct {
	stack    awscdk.Stack
	template template
	account  awscdk.Stack
	// accountTemplate is the template of "<project>-account".
	accountTemplate template
}

var (
	cacheMu sync.Mutex
	cache   = map[string]synthesized{}
)

// synth synthesizes the app stack for a CDK context (as `-c` would give it)
// with placeholder zips, and caches the result per context (with
// withProdEnvironment applied).
func synth(t *testing.T, context map[string]any) synthesized {
	t.Helper()
	return synthWith(t, context, "placeholder")
}

// synthWith is synth with placeholder zips whose bootstrap holds content
// followed by the function's name.
func synthWith(t *testing.T, context map[string]any, content string) synthesized {
	t.Helper()
	// Keyed on the context the app gets, so that a prod context spelling
	// out the test's prod environment shares the synth of one that does not.
	key, _ := json.Marshal([]any{withProdEnvironment(context), content})
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[string(key)]; ok {
		return s
	}
	plan, appContext := synthContext(t, context)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &appContext})
	stack, err := stacks.NewAppStack(app, plan, placeholderAssets(t, content))
	if err != nil {
		t.Fatal(err)
	}
	account := stacks.NewAccountStack(app, plan.Config)
	stacks.CheckAwsSolutions(app)
	s := synthesized{stack: stack, template: templateOf(t, stack), account: account, accountTemplate: templateOf(t, account)}
	cache[string(key)] = s
	return s
}

// templateOf returns a stack's template as plain JSON.
func templateOf(t *testing.T, stack awscdk.Stack) template {
	t.Helper()
	raw, err := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// Account, region and front end origin the tests give prod, as a user
// would in cdk.json.
const (
	testProdAccount = "111111111111"
	testProdRegion  = "eu-west-1"
	testProdOrigin  = "https://uploads.acme.dev"
)

// withProdEnvironment adds prod.account, prod.region and
// api.corsAllowedOrigins to a prod context that lacks them: the prod stack
// is pinned to an account, and has no default front end.
func withProdEnvironment(context map[string]any) map[string]any {
	if context["stage"] != "prod" {
		return context
	}
	out := map[string]any{"prod.account": testProdAccount, "prod.region": testProdRegion, "api.corsAllowedOrigins": testProdOrigin}
	for k, v := range context {
		out[k] = v
	}
	return out
}

var (
	assetDirs []string // removed by TestMain; guarded by cacheMu
	assetSets = map[string]stacks.Assets{}
)

// placeholderAssets writes one small zip per declared function, whose
// bootstrap holds content and the function's name: the stack tests are
// about the template, and the build step has its own tests. The caller
// holds cacheMu.
func placeholderAssets(t *testing.T, content string) stacks.Assets {
	t.Helper()
	if a, ok := assetSets[content]; ok {
		return a
	}
	dir, err := os.MkdirTemp("", "stack-assets-")
	if err != nil {
		t.Fatal(err)
	}
	assetDirs = append(assetDirs, dir)
	assets := stacks.Assets{}
	for _, fn := range functions.Names() {
		path := filepath.Join(dir, fn+".zip")
		writePlaceholderZip(t, path, content+" "+fn)
		assets[fn] = path
	}
	assetSets[content] = assets
	return assets
}

// writePlaceholderZip writes a zip at path whose bootstrap holds content.
func writePlaceholderZip(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte(content))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// resources returns the template's resources of one type by logical ID.
func (tpl template) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// failureQueueSend is the statement a role needs to send failed
// asynchronous events to the stack's failure queue: the template's one
// AWS::SQS::Queue.
func failureQueueSend(t *testing.T, tpl template) statement {
	t.Helper()
	queues := slices.Collect(maps.Keys(tpl.resources("AWS::SQS::Queue")))
	if len(queues) != 1 {
		t.Fatalf("%d SQS queues %v, want the one failure queue", len(queues), queues)
	}
	return statement{"", []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}, `{"Fn::GetAtt":["` + queues[0] + `","Arn"]}`, ""}
}

// one returns the single resource of a type whose logical ID starts with
// prefix (CDK logical IDs are the construct path plus a hash).
func (tpl template) one(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var found map[string]any
	for rid, r := range tpl.resources(typ) {
		if strings.HasPrefix(rid, prefix) {
			if found != nil {
				t.Fatalf("more than one %s with prefix %s: %s, %s", typ, prefix, id, rid)
			}
			id, found = rid, r
		}
	}
	if found == nil {
		t.Fatalf("no %s with logical ID prefix %s", typ, prefix)
	}
	return id, found
}

// get walks a dotted path of map keys and list indexes ("Properties.Tags.0").
func get(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i := -1
			json.Unmarshal([]byte(part), &i)
			if i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// js renders a value as compact JSON, for comparisons and messages.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// assetKey matches the S3 key of a zip asset, which is its content hash.
var assetKey = regexp.MustCompile(`[0-9a-f]{64}\.zip`)

// versionID matches the logical ID of a function's current version, which
// ends in a hash of the function including its code.
var versionID = regexp.MustCompile(`CurrentVersion[0-9A-F]{8}[0-9a-f]{32}`)

// masked is the template with asset hashes (and the version IDs made from
// them) replaced, so that a handler change does not change the snapshot
// and anything else does.
func (tpl template) masked() string {
	b, _ := json.MarshalIndent(tpl, "", "  ")
	return versionID.ReplaceAllString(assetKey.ReplaceAllString(string(b), "<asset-hash>.zip"), "CurrentVersion<hash>")
}

// synthContext returns the plan for context (for stage prod, with the
// test's prod environment under it: withProdEnvironment) and the context
// the app gets from the CDK CLI: the project's cdk.json's (its feature
// flags change the template, e.g. how server access logs are granted),
// then context's keys.
func synthContext(t *testing.T, context map[string]any) (config.Plan, map[string]any) {
	t.Helper()
	context = withProdEnvironment(context)
	plan, err := config.LoadPlan(context)
	if err != nil {
		t.Fatal(err)
	}
	app, err := config.ReadContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range context {
		app[k] = v
	}
	return plan, app
}

// TestSynthReusesUnchangedAssembly runs `cdk synth` through the real CDK
// CLI on scaffoldedCopy, whose first synth (shared with
// TestNewFunctionOfEveryKind) synthesized: with nothing changed, the
// second reuses that assembly without starting the jsii kernel and leaves
// every template byte for byte as it was; the third, after a handler edit
// (only that function's zip changes), patches the assembly without the
// kernel and changes the templates. That a patched assembly equals a
// fresh synth byte for byte, with the context the CLI adds, is
// TestPatchedAssemblyEqualsFreshSynth's (in-process); that a context
// change through the CLI reaches the key and synthesizes again, the deploy
// rehearsal's prod deploy into dev's CDK_OUT.
func TestSynthReusesUnchangedAssembly(t *testing.T) {
	if testing.Short() {
		t.Skip("a full synth through the CDK CLI, with the function builds")
	}
	t.Parallel() // waits on other processes, alongside the other such tests
	c := scaffoldedModule(t)
	first := c.firstSynth(t)
	out := c.outdir()
	if !strings.Contains(first, "synth: synthesized "+out) {
		t.Fatalf("first synth: output lacks %q:\n%s", "synth: synthesized "+out, first)
	}
	edited := functions.Names()[0]
	editHandler := func(t *testing.T) {
		// An init the binary keeps: the zip changes, nothing else does.
		// No test of the copy compiles lambda/, so TestNewFunctionOfEveryKind's
		// go test there is not affected.
		fixture.WriteFile(t, filepath.Join(c.dir, "lambda", edited, "zz_edit.go"), "package main\n\nfunc init() { println(\"edited\") }\n")
	}
	steps := []struct {
		name   string
		before func(t *testing.T)
		want   string // the app's line about the cache
	}{
		{name: "nothing changed", want: "synth: reused " + out},
		{name: "handler edited", before: editHandler, want: "synth: patched " + out + " in"},
	}
	templates := c.templates
	for i, step := range steps {
		if step.before != nil {
			step.before(t)
		}
		stderr, err := c.run(t.Context(), c.cdk, c.synthArgs()...)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if !strings.Contains(stderr, step.want) {
			t.Fatalf("%s: output lacks %q:\n%s", step.name, step.want, stderr)
		}
		got := readTemplates(t, out)
		switch i {
		case 0:
			if !maps.Equal(got, templates) {
				t.Errorf("%s: the templates differ from the first synth's", step.name)
			}
		case 1:
			if maps.Equal(got, templates) {
				t.Errorf("%s: the templates did not change", step.name)
			}
			if !strings.Contains(stderr, "only the zips of "+edited+" changed") {
				t.Errorf("%s: output does not name %s:\n%s", step.name, edited, stderr)
			}
		}
		templates = got
	}
}

// readTemplates returns the content of every template in a cloud assembly
// folder, by file name.
func readTemplates(t *testing.T, dir string) map[string]string {
	t.Helper()
	out, err := templatesIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// templatesIn is readTemplates for callers without a *testing.T.
func templatesIn(dir string) (map[string]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no template in %s (%v)", dir, err)
	}
	out := map[string]string{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[filepath.Base(p)] = string(raw)
	}
	return out, nil
}
