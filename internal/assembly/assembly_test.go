package assembly_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/internal/assembly"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStacksFollowStagesByName: Stacks lists the stacks of the root
// assembly and of its stages, by name, with paths relative to the root,
// and skips other artifacts.
func TestStacksFollowStagesByName(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "manifest.json", `{"artifacts": {
		"Zed": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Zed.template.json"}},
		"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json", "stackName": "App-dev"}},
		"Tree": {"type": "cdk:tree"},
		"Stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Stage"}}}}`)
	write(t, dir, "assembly-Stage/manifest.json", `{"artifacts": {
		"Inner": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Inner.template.json", "stackName": "Stage-Inner"}}}}`)
	got, err := assembly.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []assembly.Stack{
		{Name: "App-dev", Path: "App.template.json"},
		{Name: "Stage-Inner", Path: filepath.Join("assembly-Stage", "Inner.template.json")},
		{Name: "Zed", Path: "Zed.template.json"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Stacks = %v, want %v", got, want)
	}
	if _, err := assembly.Stacks(t.TempDir()); err == nil || !strings.Contains(err.Error(), "make synth") {
		t.Errorf("Stacks without manifest.json: %v, want an error saying to synthesize", err)
	}
}

func TestNestedTemplateFile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		resource map[string]any
		want     string
	}{
		{"asset path", map[string]any{"Metadata": map[string]any{"aws:asset:path": "Fn.nested.template.json"}}, "Fn.nested.template.json"},
		{"asset path in a folder", map[string]any{"Metadata": map[string]any{"aws:asset:path": "sub/Fn.nested.template.json"}}, "Fn.nested.template.json"},
		{"no metadata", map[string]any{"Type": assembly.NestedStackType}, ""},
		{"other metadata", map[string]any{"Metadata": map[string]any{"cdk_nag": "x"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := assembly.NestedTemplateFile(tc.resource); got != tc.want {
				t.Errorf("NestedTemplateFile = %q, want %q", got, tc.want)
			}
		})
	}
}
