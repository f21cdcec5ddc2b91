package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/fixture"
)

func TestParseCounts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  string
	}{
		{in: "50,200", want: []int{50, 200}},
		{in: "200, 50,50", want: []int{50, 200}},
		{in: "4", want: []int{4}},
		{in: "3", err: `"3" is not a count above the 3 functions`},
		{in: "50,x", err: `"x" is not a count`},
		{in: "", err: "is not a count"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseCounts(tc.in, 3)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("parseCounts(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// jsiiPanic is how a CDK app in Go fails when the CDK throws: the
// JavaScript error as a panic, then the goroutine trace, then the CLI's
// and make's own lines.
const jsiiPanic = `bundle: built 200 functions in 6m1s
panic: Error: Number of resources in stack 'GoLambdaCdk-dev': 1412 is greater than allowed maximum of 500

goroutine 1 [running]:
github.com/aws/jsii-runtime-go/runtime.Invoke({0x1a2b3c0, 0xc0001a2000}, {0x1d3e6f5, 0x5}, {0x0, 0x0, 0x0}, {0x17f6c20, 0xc0001b4000})
	/root/go/pkg/mod/github.com/aws/jsii-runtime-go@v1.142.0/runtime/runtime.go:236 +0x1c5
main.main()
	/tmp/bench-scale-1/200/bin/app/main.go:40 +0x65
exit status 2
Subprocess exited with error 1
make: *** [Makefile:71: synth] Error 1
`

func TestFirstErrorIsTheCause(t *testing.T) {
	for _, tc := range []struct {
		name, output, want string
	}{
		{"jsii panic", jsiiPanic, "Error: Number of resources in stack 'GoLambdaCdk-dev': 1412 is greater than allowed maximum of 500"},
		{"validation error", "synth: checking\nValidationError: stack GoLambdaCdk-dev: 612 resources\n    at Stack.synth\n", "ValidationError: stack GoLambdaCdk-dev: 612 resources"},
		{"app error without a panic", "app: stack GoLambdaCdk-dev: 401 resources, over 400\nmake: *** [Makefile:71: synth] Error 1\n", "app: stack GoLambdaCdk-dev: 401 resources, over 400"},
		{"no output", "", "exit status 2"},
		{"a long line", "panic: " + strings.Repeat("x", 400), strings.Repeat("x", 300) + "..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := firstError(tc.output, errors.New("exit status 2")); got != tc.want {
				t.Errorf("firstError = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReportShowsAFailedSynthAndEachTemplate checks the section for a
// project copy, a scaled copy whose templates are listed (one over a
// margin) and one whose synth failed: a row and a sentence with the first
// error line, no trace.
func TestReportShowsAFailedSynthAndEachTemplate(t *testing.T) {
	runs := []time.Duration{30 * time.Second, 32 * time.Second}
	tmpl := func(resources int) cfnlimits.Template {
		r := map[string]any{}
		for i := range resources {
			r[fmt.Sprint("Q", i)] = map[string]any{"Type": "AWS::SQS::Queue"}
		}
		return cfnlimits.Template{"Resources": r}
	}
	nested := cfnlimits.Stack{Name: "GoLambdaCdk-dev/Functions1", Nested: true, Size: 300 * 1024, Template: tmpl(401)}
	copies := []*copyRun{
		{label: "3 functions (the project's)", functions: 3, first: time.Minute, synth: runs, build: runs[:1],
			stacks: []cfnlimits.Stack{{Name: "GoLambdaCdk-dev", Size: 67 * 1024, Template: tmpl(49)}}},
		{label: "50 functions (47 scaffolded)", functions: 50, first: 2 * time.Minute, synth: runs, build: runs[:1],
			stacks: []cfnlimits.Stack{{Name: "GoLambdaCdk-dev", Size: 100 * 1024, Template: tmpl(60)}, nested},
			over:   cfnlimits.Check(nested.Name, nested.Template)},
		{label: "200 functions (197 scaffolded)", functions: 200, first: 7 * time.Minute, failed: firstError(jsiiPanic, nil)},
	}
	fixture.Contains(t, "report", report(copies, 3, 2), []string{
		"| 200 functions (197 scaffolded) | `make synth` failed: Error: Number of resources in stack 'GoLambdaCdk-dev': 1412 is greater than allowed maximum of 500 | 420.0 s |",
		"With 200 functions `make synth` fails: Error: Number of resources",
		"| 50 functions (47 scaffolded) | 2: 461 resources, 400 KB |",
		"| 50 | GoLambdaCdk-dev/Functions1 (nested) | 401 | 0 | 0 | 300 KB |",
		"| 3 | GoLambdaCdk-dev | 49 | 0 | 0 | 67 KB |",
		"- stack GoLambdaCdk-dev/Functions1: 401 resources",
		"then 2 warm runs of",
	}, []string{"goroutine", "runtime.go", "make: ***"})
}
