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
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/stacks"
	"go-lambda-cdk/stacks/config"
	"go-lambda-cdk/stacks/functions"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	for _, dir := range assetDirs {
		os.RemoveAll(dir)
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
// with placeholder zips, and caches the result per context.
func synth(t *testing.T, context map[string]any) synthesized {
	t.Helper()
	return synthWith(t, context, "placeholder")
}

// synthWith is synth with placeholder zips whose bootstrap holds content
// followed by the function's name.
func synthWith(t *testing.T, context map[string]any, content string) synthesized {
	t.Helper()
	key, _ := json.Marshal([]any{context, content})
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[string(key)]; ok {
		return s
	}
	context = withProdEnvironment(context)
	cfg, err := config.Load(context)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	// The feature flags in cdk.json change the template (e.g. how server
	// access logs are granted): synthesize with them, as the CLI does.
	appContext := cdkJSONContext(t)
	for k, v := range context {
		appContext[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &appContext})
	stack, err := stacks.NewAppStack(app, cfg, placeholderAssets(t, content))
	if err != nil {
		t.Fatal(err)
	}
	account := stacks.NewAccountStack(app, cfg)
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
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, _ := zw.Create("bootstrap")
		w.Write([]byte(content + " " + fn))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		assets[fn] = path
	}
	assetSets[content] = assets
	return assets
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

// cdkJSONContext returns the "context" object of the project's cdk.json.
func cdkJSONContext(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	return file.Context
}
