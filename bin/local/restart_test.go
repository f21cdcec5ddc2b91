package main

import (
	"path/filepath"
	"slices"
	"testing"

	"go-lambda-cdk/internal/bundle"
)

// TestRestartOnIsTheCDKAppsSources: the paths whose change needs a restart
// of make local are the CDK app's own build inputs and its context files,
// and no handler's alone.
func TestRestartOnIsTheCDKAppsSources(t *testing.T) {
	paths, dirs, err := restartOn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	root, err := bundle.FindModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"stacks/app.go", true},
		{"functions/declared.go", true},
		{"internal/config/config.go", true},
		{"bin/app/main.go", true},
		{"cdk.json", true},
		{"cdk.context.json", true},
		{"internal/api/api.go", false},
		{"lambda/api/main.go", false},
	} {
		if got := slices.Contains(paths, filepath.Join(root, tc.path)); got != tc.want {
			t.Errorf("%s in the restart set: %v, want %v", tc.path, got, tc.want)
		}
	}
	if !slices.Contains(dirs, "stacks") {
		t.Errorf("banner folders %v lack stacks", dirs)
	}
}
