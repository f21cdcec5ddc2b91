package test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go-lambda-cdk/internal/fixture"
)

// TestBadConfigThroughCLI runs the real CDK CLI on the app with bad context
// values: it must fail with the config messages only (no Go panic, no jsii
// stack trace) and write no template. One case goes through the CLI; the
// app's messages for every other configuration mistake are tested below
// it, on the app's run without the CLI (bin/app TestBadConfigMessages).
//
// It selects functions by their trigger and derives the lists of function
// names from the declarations, so it holds for any set of declared
// functions with an API and a schedule trigger among them.
func TestBadConfigThroughCLI(t *testing.T) {
	t.Parallel() // waits on other processes, alongside the other such tests
	root, cdk := cdkCLI(t)
	outOfRange, outOfRangeWant := fixture.OutOfRange(t)
	tests := []struct {
		name    string
		context []string
		want    []string
	}{
		{name: "values out of range", context: outOfRange, want: outOfRangeWant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"synth", "--quiet", "--no-notices", "-o", out}
			for _, c := range tt.context {
				args = append(args, "-c", c)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, cdk, args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "PATH="+filepath.Join(root, "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
			var output bytes.Buffer
			cmd.Stdout, cmd.Stderr = &output, &output
			err := cmd.Run()
			text := output.String()
			if err == nil {
				t.Fatalf("cdk synth succeeded with bad config:\n%s", text)
			}
			fixture.Contains(t, "output", text, tt.want, fixture.StackTrace)
			templates, _ := filepath.Glob(filepath.Join(out, "*.template.json"))
			if len(templates) > 0 {
				t.Errorf("templates written despite the error: %v", templates)
			}
		})
	}
}

// cdkCLI returns the module's root and the CDK CLI that `make test`
// installs into node_modules; without it the test is skipped, or fails in
// CI.
func cdkCLI(t *testing.T) (root, cdk string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cdk = filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the CDK CLI is not installed (%v); `make test` installs it", err)
		}
		t.Skipf("the CDK CLI is not installed (%v); run `make test`, which installs it", err)
	}
	return root, cdk
}
