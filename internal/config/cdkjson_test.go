package config

import (
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
