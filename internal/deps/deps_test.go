package deps

import (
	"os/exec"
	"strings"
	"testing"
)

// cdkModules are the import path prefixes of the CDK and jsii.
var cdkModules = []string{"github.com/aws/aws-cdk-go/", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/"}

func isCDK(path string) bool {
	for _, m := range cdkModules {
		if strings.HasPrefix(path, m) {
			return true
		}
	}
	return false
}

// goList runs `go list` in the module with args and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

// TestCommandsWithoutCDKDoNotLinkIt: none of these commands, nor the
// packages holding the configuration and the declarations, has aws-cdk-go,
// constructs or jsii among its dependencies.
func TestCommandsWithoutCDKDoNotLinkIt(t *testing.T) {
	for _, pkg := range []string{
		"./bin/package", "./bin/local", "./bin/redrive", "./bin/preflight", "./bin/new-function", "./bin/smoke", "./bin/hotswap", "./bin/names",
		"./functions", "./internal/config", "./internal/declare", "./internal/cron", "./internal/quota",
	} {
		t.Run(pkg, func(t *testing.T) {
			for _, dep := range goList(t, "-deps", pkg) {
				if isCDK(dep) {
					t.Errorf("%s links %s; it must build and run without the CDK", pkg, dep)
				}
			}
		})
	}
}

// TestStacksHoldOnlyConstructs: every package under stacks/ imports the
// CDK (it defines constructs), and only the CDK app and the stack tests
// import from under stacks/.
func TestStacksHoldOnlyConstructs(t *testing.T) {
	const module = "go-lambda-cdk/"
	for _, line := range goList(t, "-f", `{{.ImportPath}}|{{join .Imports ","}}`, "./...") {
		path, imports, _ := strings.Cut(line, "|")
		deps := strings.Split(imports, ",")
		underStacks := path == module+"stacks" || strings.HasPrefix(path, module+"stacks/")
		if underStacks {
			cdk := false
			for _, d := range deps {
				cdk = cdk || isCDK(d)
			}
			if !cdk {
				t.Errorf("%s is under stacks/ but defines no construct (imports no CDK package); move it out of stacks/", path)
			}
			continue
		}
		if path == module+"bin/app" {
			continue
		}
		for _, d := range deps {
			if d == module+"stacks" || strings.HasPrefix(d, module+"stacks/") {
				t.Errorf("%s imports %s; only the CDK app (bin/app) and the stack tests may", path, d)
			}
		}
	}
}
