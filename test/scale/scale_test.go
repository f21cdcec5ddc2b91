// Package scale synthesizes the app with many declared functions, as a
// growing team would declare them: make test-scale (SCALE_FUNCTIONS=200).
// It takes minutes (every new function compiles once), so make test skips
// it; the placement's limits at 200 functions are checked in make test by
// internal/nesting's tests, on the plan.
package scale

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/modcopy"
	"go-lambda-cdk/internal/scaffold"
)

// TestSynthAtScale scaffolds functions of every kind into a copy of the
// module until it declares SCALE_FUNCTIONS, runs make synth there, and
// checks that every template, root and nested, is within 80 % of each
// CloudFormation limit, and that the local run finds every function.
func TestSynthAtScale(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("SCALE_FUNCTIONS"))
	if err != nil {
		t.Skip("make test-scale runs this with SCALE_FUNCTIONS=200 (minutes)")
	}
	source, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := modcopy.Copy(source, root); err != nil {
		t.Fatal(err)
	}
	// Copies share the zips of functions no copy changed, and build with
	// -trimpath (modcopy.Env), so the module is not compiled again.
	if err := modcopy.ShareZipCache(source, root); err != nil {
		t.Fatal(err)
	}
	declared, err := scaffold.Fill(root, functions.All(), n)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command("make", "--no-print-directory", "synth")
	cmd.Dir = root
	cmd.Env = modcopy.Env(os.Environ())
	out, err := cmd.CombinedOutput()
	t.Logf("make synth with %d functions: %s", n, time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		t.Fatalf("make synth: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "panic:") {
		t.Errorf("make synth printed a panic:\n%s", out)
	}
	dir := filepath.Join(root, "cdk.out")
	stacks, err := cfnlimits.ReadAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	nested := 0
	for _, s := range stacks {
		if s.Nested {
			nested++
		}
		t.Logf("%s: %v", s.Name, s.Cost())
	}
	if nested < 3 {
		t.Errorf("%d nested stacks for %d functions, want at least 3", nested, n)
	}
	violations, err := cfnlimits.CheckAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	tpl, err := template.Load(dir, "GoLambdaCdk-dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range declared {
		if _, ok := tpl.Function(d.Name); !ok {
			t.Errorf("function %s is in no template", d.Name)
		}
	}
}
