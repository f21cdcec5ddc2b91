package cfnlimits_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cfnlimits"
)

// writeJSON writes v as indented JSON (as the CDK writes cdk.out) to
// dir/name.
func writeJSON(t *testing.T, dir, name string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func stackArtifact(template, stackName string) map[string]any {
	return map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
		"properties": map[string]any{"templateFile": template, "stackName": stackName}}
}

// nestedResource is a parent's AWS::CloudFormation::Stack with the asset
// metadata the CDK writes.
func nestedResource(file string) map[string]any {
	return map[string]any{"Type": "AWS::CloudFormation::Stack", "Properties": map[string]any{"TemplateURL": "https://example/" + file},
		"Metadata": map[string]any{"aws:asset:path": file, "aws:asset:property": "TemplateURL"}}
}

// assembly writes a cloud assembly like `cdk synth` does: a root stack
// with two nested stacks (one nesting a third), an asset manifest
// artifact, and a stage (nested cloud assembly) with its own stack.
// Functions1's template is over the resource margin.
func assembly(t *testing.T) string {
	dir := t.TempDir()
	writeJSON(t, dir, "manifest.json", map[string]any{"version": "48.0.0", "artifacts": map[string]any{
		"GoLambdaCdk-dev.assets": map[string]any{"type": "cdk:asset-manifest", "properties": map[string]any{"file": "GoLambdaCdk-dev.assets.json"}},
		"GoLambdaCdk-dev":        stackArtifact("GoLambdaCdk-dev.template.json", "GoLambdaCdk-dev"),
		"Tree":                   map[string]any{"type": "cdk:tree", "properties": map[string]any{"file": "tree.json"}},
		"assembly-Prod":          map[string]any{"type": "cdk:cloud-assembly", "properties": map[string]any{"directoryName": "assembly-Prod", "displayName": "Prod"}},
	}})
	root := tmpl(3, 1, 1, addResource("Functions1", nestedResource("Functions1.nested.template.json")),
		addResource("Functions2", nestedResource("Functions2.nested.template.json")))
	writeJSON(t, dir, "GoLambdaCdk-dev.template.json", root)
	writeJSON(t, dir, "Functions1.nested.template.json", tmpl(budget(cfnlimits.MaxResources)+1, 5, 0))
	writeJSON(t, dir, "Functions2.nested.template.json", tmpl(10, 5, 0, addResource("Deeper", nestedResource("Deeper.nested.template.json"))))
	writeJSON(t, dir, "Deeper.nested.template.json", tmpl(2, 0, 0))
	writeJSON(t, dir, "Orphan.nested.template.json", tmpl(1, 0, 0))
	stage := filepath.Join(dir, "assembly-Prod")
	writeJSON(t, stage, "manifest.json", map[string]any{"version": "48.0.0", "artifacts": map[string]any{
		"ProdGoLambdaCdk": stackArtifact("ProdGoLambdaCdk.template.json", "Prod-GoLambdaCdk"),
	}})
	writeJSON(t, stage, "ProdGoLambdaCdk.template.json", tmpl(budget(cfnlimits.MaxResources), 0, budget(cfnlimits.MaxOutputs)+1))
	return dir
}

func TestReadAssemblyNamesEveryTemplate(t *testing.T) {
	dir := assembly(t)
	stacks, err := cfnlimits.ReadAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		path      string
		nested    bool
		resources int
	}{
		"GoLambdaCdk-dev":                   {"GoLambdaCdk-dev.template.json", false, 5},
		"GoLambdaCdk-dev/Functions1":        {"Functions1.nested.template.json", true, budget(cfnlimits.MaxResources) + 1},
		"GoLambdaCdk-dev/Functions2":        {"Functions2.nested.template.json", true, 11},
		"GoLambdaCdk-dev/Functions2/Deeper": {"Deeper.nested.template.json", true, 2},
		"Orphan":                            {"Orphan.nested.template.json", true, 1},
		"Prod-GoLambdaCdk":                  {filepath.Join("assembly-Prod", "ProdGoLambdaCdk.template.json"), false, budget(cfnlimits.MaxResources)},
	}
	if len(stacks) != len(want) {
		t.Errorf("read %d templates, want %d", len(stacks), len(want))
	}
	for _, s := range stacks {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("unexpected template %s (%s)", s.Name, s.Path)
			continue
		}
		info, err := os.Stat(filepath.Join(dir, s.Path))
		if err != nil || s.Path != w.path || s.Nested != w.nested || s.Cost().Resources != w.resources || int64(s.Size) != info.Size() {
			t.Errorf("%s: %s nested=%v %v, want %s nested=%v %d resources, %d bytes (%v)", s.Name, s.Path, s.Nested, s.Cost(), w.path, w.nested, w.resources, info.Size(), err)
		}
	}
}

func TestCheckAssemblyChecksRootAndNestedTemplates(t *testing.T) {
	got, err := cfnlimits.CheckAssembly(assembly(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cfnlimits.Quantity{"GoLambdaCdk-dev/Functions1": cfnlimits.Resources, "Prod-GoLambdaCdk": cfnlimits.Outputs}
	if len(got) != len(want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	for _, v := range got {
		if want[v.Stack] != v.Quantity {
			t.Errorf("violation %v, want only %v", v, want)
		}
	}
}

func TestReadAssemblyErrorsNameTheFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, dir string)
		want  []string
	}{
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "manifest.json")) }, []string{"no manifest.json", "make synth"}},
		{"manifest not JSON", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{"), 0o644) }, []string{"manifest.json"}},
		{"template missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "GoLambdaCdk-dev.template.json")) }, []string{"stack GoLambdaCdk-dev", "GoLambdaCdk-dev.template.json"}},
		{"nested template not JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "Functions2.nested.template.json"), []byte("nope"), 0o644)
		}, []string{"stack GoLambdaCdk-dev/Functions2", "Functions2.nested.template.json", "parse template"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := assembly(t)
			tc.spoil(t, dir)
			_, err := cfnlimits.CheckAssembly(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}
