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
