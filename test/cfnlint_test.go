package test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/awsemu"
)

// cfnLintIgnored are the cfn-lint rules switched off, each with its reason.
var cfnLintIgnored = map[string]string{
	// CDK's aws-lambda Function adds DependsOn its role (and the role's
	// default policy, which has no GetAtt) next to the GetAtt of the role's
	// ARN; the first is redundant, not wrong, and comes from CDK itself.
	"W3005": "CDK's Function depends on its role explicitly and through GetAtt",
}

// TestCfnLint runs cfn-lint on both stages' templates, both stages' with
// the optional settings of devOptions and prodOptions, two
// functions hooking each other, provisioned concurrency windows, prod's
// weekdayPeak with alert emails, and the account stack's (with the GitHub
// deploy role): no error and no warning besides
// the rules in cfnLintIgnored. Its lint runs alongside the other tests
// that wait on another process.
func TestCfnLint(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	python := awsemu.Require(t, root)
	dir := t.TempDir()
	var files []string
	write := func(name string, tpl template) {
		raw, err := json.MarshalIndent(tpl, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".template.json")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for _, stage := range stages {
		s := synth(t, map[string]any{"stage": stage, "github.repository": "acme/shop"})
		write("GoLambdaCdk-"+stage, s.template)
		if stage == "dev" {
			write("go-lambda-cdk-account", s.accountTemplate)
		}
	}
	// Optional settings of the other tests, in one template per stage
	// (cfn-lint takes a second per template; a setting's resources and
	// properties are the same beside the others): devOptions and
	// prodOptions (variants_test.go), two functions hooking each other
	// (operations_test.go), provisioned concurrency windows (dev's on the
	// first function, prod's those of weekdayPeak, with its traffic hook,
	// alert emails, deployment strategy and reservations).
	for stage, options := range map[string]map[string]any{"dev": devOptions(), "prod": prodOptions()} {
		hooks, _ := mutualHooks(t, stage)
		context := maps.Clone(options)
		if stage == "dev" {
			name := functions.Names()[0]
			context["functions."+name+".reservedConcurrency"] = "100"
			context["functions."+name+".provisioned.baseline"] = "2"
			context["functions."+name+".provisioned.windows"] = `[{"start":"0 8 ? * MON-FRI *","end":"0 10 ? * MON-FRI *","value":50}]`
		} else {
			maps.Copy(context, weekdayPeak)
		}
		maps.Copy(context, hooks)
		write("GoLambdaCdk-"+stage+"-options", synth(t, context).template)
	}
	args := []string{"-c", "import sys; from cfnlint.runner import main; sys.exit(main())"}
	for rule := range cfnLintIgnored {
		args = append(args, "--ignore-checks", rule)
	}
	// A template with a misspelt property shows that the lint does fail.
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketNam": "x"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	lint := func(files ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, python, append(append(args, "--"), files...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	// One run (cfn-lint takes seconds to start): only the broken template
	// may have problems.
	out, err := lint(append(files, broken)...)
	if err == nil || !strings.Contains(out, "BucketNam") {
		t.Errorf("cfn-lint passed a template with a misspelt property (%v):\n%s", err, out)
	}
	for _, f := range files {
		if strings.Contains(out, f) {
			t.Errorf("cfn-lint found problems in %s:\n%s", filepath.Base(f), out)
		}
	}
}
