package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadPlanFile: the stage argument wins over cdk.json's, the overrides win
// over cdk.json's values, and a value the validation refuses is an error
// naming the stage and the key.
func TestLoadPlanFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdk.json")
	if err := os.WriteFile(path, []byte(`{"context": {"stage": "prod", "functions.api.architecture": "x86_64", "functions.report.memoryMB": 300}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPlanFile(path, StageDev, map[string]any{"functions.report.memoryMB": "640"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	if c.Stage != StageDev || c.Functions["api"].GOARCH() != "amd64" || c.Functions["report"].MemoryMB != 640 {
		t.Errorf("stage %s, api GOARCH %s, report memory %d; want dev, amd64, 640", c.Stage, c.Functions["api"].GOARCH(), c.Functions["report"].MemoryMB)
	}
	_, err = LoadPlanFile(path, StageDev, map[string]any{"functions.report.memoryMB": "1"})
	if err == nil || !strings.Contains(err.Error(), "configuration of stage dev") || !strings.Contains(err.Error(), "functions.report.memoryMB") {
		t.Errorf("LoadPlanFile with memoryMB 1 = %v, want a validation error naming the stage and the key", err)
	}
}

// TestLoadNamesReadsCdkJSON: the names every command derives outside the
// app (make redrive, make smoke, the Makefile's stack names, make package's
// architectures) follow cdk.json's project and the overrides, without
// validation (prod without its account still has a name).
func TestLoadNamesReadsCdkJSON(t *testing.T) {
	dir := t.TempDir()
	cdkJSON := filepath.Join(dir, "cdk.json")
	if err := os.WriteFile(cdkJSON, []byte(`{"app": "go run ./bin/app", "context": {"project": "acme-shop"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		stage     string
		overrides map[string]any
		stack     string
	}{
		{StageDev, nil, "AcmeShop-dev"},
		{StageProd, nil, "AcmeShop-prod"},
		{StageDev, map[string]any{"project": "orders"}, "Orders-dev"},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			cfg, err := LoadNames(cdkJSON, tt.stage, tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.StackName(); got != tt.stack {
				t.Errorf("StackName() = %q, want %q", got, tt.stack)
			}
		})
	}
	if _, err := LoadNames(cdkJSON, "staging", nil); err == nil || !strings.Contains(err.Error(), "staging") {
		t.Errorf("unknown stage: error %v, want one naming it", err)
	}
}

// TestStageFlagsReadTheModulesCdkJSON: the -stage and -c flags a command
// defines with AddStageFlags read the cdk.json of the module it runs in
// (found from a subfolder), -stage defaulting to dev and -c settings over
// cdk.json's context, for both the validated plan and the names.
func TestStageFlagsReadTheModulesCdkJSON(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":    "module example.com/shop\n",
		"cdk.json":  `{"context": {"project": "acme-shop", "functions.report.memoryMB": 300}}`,
		"sub/x.txt": "",
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(dir, "sub"))
	tests := []struct {
		name     string
		args     []string
		stack    string
		reportMB int // 0: the stage does not validate (prod without its account), names only
	}{
		{"defaults: dev, cdk.json's values", nil, "AcmeShop-dev", 300},
		{"-c over cdk.json", []string{"-c", "project=orders", "-c", "functions.report.memoryMB=640"}, "Orders-dev", 640},
		{"-stage prod: names without an account", []string{"-stage", "prod"}, "AcmeShop-prod", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := flag.NewFlagSet("cmd", flag.ContinueOnError)
			stage := AddStageFlags(flags, "`stage`")
			if err := flags.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			names, err := stage.LoadNames()
			if err != nil {
				t.Fatal(err)
			}
			if got := names.StackName(); got != tt.stack {
				t.Errorf("LoadNames: StackName() = %q, want %q", got, tt.stack)
			}
			if tt.reportMB == 0 {
				return
			}
			moduleDir, plan, err := stage.LoadPlan()
			if err != nil {
				t.Fatal(err)
			}
			if moduleDir != dir || plan.Config.StackName() != tt.stack || plan.Config.Functions["report"].MemoryMB != tt.reportMB {
				t.Errorf("LoadPlan = %s, stack %s, report memory %d; want %s, %s, %d", moduleDir, plan.Config.StackName(), plan.Config.Functions["report"].MemoryMB, dir, tt.stack, tt.reportMB)
			}
		})
	}
}
