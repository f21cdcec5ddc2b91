package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestContextFromEnvironment reads the context as aws-cdk-lib's App does:
// CDK_CONTEXT_JSON, then the overflow file, whose keys win.
func TestContextFromEnvironment(t *testing.T) {
	overflow := filepath.Join(t.TempDir(), "context.json")
	if err := os.WriteFile(overflow, []byte(`{"stage":"prod","b":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, json, file string
		want             map[string]any
		wantErr          bool
	}{
		{name: "none", want: map[string]any{}},
		{name: "environment", json: `{"stage":"dev","a":1}`, want: map[string]any{"stage": "dev", "a": 1.0}},
		{name: "overflow file wins", json: `{"stage":"dev","a":1}`, file: overflow, want: map[string]any{"stage": "prod", "a": 1.0, "b": 2.0}},
		{name: "not JSON", json: `{`, wantErr: true},
		{name: "missing file", file: filepath.Join(t.TempDir(), "nope.json"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(contextEnv, tt.json)
			t.Setenv(contextOverflowEnv, tt.file)
			got, err := contextFromEnvironment()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("context = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNoEarlyBuildsForABadConfig checks that a context that does not give a
// valid configuration starts no build: the app reports the configuration
// problems alone.
func TestNoEarlyBuildsForABadConfig(t *testing.T) {
	for _, ctx := range []string{`{"stage":"qa"}`, `{"functions.api.memoryMB":64}`, `{`} {
		t.Setenv(contextEnv, ctx)
		t.Setenv(contextOverflowEnv, "")
		if b := startEarlyBuilds(context.Background(), nil); b != nil {
			b.stop()
			t.Errorf("context %s started builds", ctx)
		}
	}
}
