// Command bench-scale measures `make synth` with many declared functions
// against the project's own, in one run, and writes the "## Synth at
// scale" section of docs/benchmarks.md; `make bench` runs it.
//
// Usage:
//
//	go run ./bin/bench-scale [-o docs/benchmarks.md] [-functions 50,200] [-runs 3]
//
// It copies the module into a temporary folder once for the project and
// once per count in -functions (internal/modcopy), adds functions to each
// scaled copy with the scaffold (internal/scaffold, the code `make
// new-function` runs; kinds in turn: api, s3, schedule, none) until it
// declares that many, then times in each copy: the first `make synth` (the
// new functions compile), and, interleaved, -runs warm `make synth` (with
// SYNTH_CACHE=off: the zips from the build cache, the constructs made
// again) and
// warm `go run ./bin/package` (the build step alone, to tell where the
// time goes). It reports each synthesized template (root and nested
// stacks: resources, parameters, outputs, size) and any quota it is over
// (internal/cfnlimits). A copy whose synth fails is reported by the
// failure's first line, and the others are still measured.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/benchdoc"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cfnlimits"
	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/modcopy"
	"go-lambda-cdk/internal/scaffold"
)

const heading = "## Synth at scale"

func main() { cli.Main("bench-scale", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bench-scale", flag.ContinueOnError)
	out := flags.String("o", benchdoc.DefaultPath, "markdown `file` whose section to replace")
	counts := flags.String("functions", "50,200", "comma-separated `counts` of functions the scaled copies declare")
	runs := flags.Int("runs", 3, "timed warm runs of each command in each copy")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	declared := functions.All()
	totals, err := parseCounts(*counts, len(declared))
	if err != nil || *runs < 1 || flags.NArg() > 0 {
		if err == nil {
			err = errors.New("bad arguments")
		}
		return cli.Usagef("%v\nusage: bench-scale [-o file] [-functions n,...] (each n>%d) [-runs n>=1]", err, len(declared))
	}
	root, err := bundle.FindModuleDir()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	copies := []*copyRun{{label: fmt.Sprintf("%d functions (the project's)", len(declared)), functions: len(declared), dir: filepath.Join(tmp, "base")}}
	for _, n := range totals {
		copies = append(copies, &copyRun{label: fmt.Sprintf("%d functions (%d scaffolded)", n, n-len(declared)), functions: n, dir: filepath.Join(tmp, fmt.Sprint(n))})
	}
	for _, c := range copies {
		if err := os.Mkdir(c.dir, 0o755); err != nil {
			return err
		}
		if err := modcopy.Copy(root, c.dir); err != nil {
			return err
		}
		if c.functions > len(declared) {
			fmt.Fprintf(stderr, "bench: scaffolding %d functions\n", c.functions-len(declared))
			if _, err := scaffold.Fill(c.dir, declared, c.functions); err != nil {
				return err
			}
		}
	}

	for _, c := range copies {
		fmt.Fprintf(stderr, "bench: %s: first make synth\n", c.label)
		if c.first, c.failed = synth(ctx, c.dir, false); c.failed != "" {
			fmt.Fprintf(stderr, "bench: %s: make synth failed: %s\n", c.label, c.failed)
			continue
		}
		if c.stacks, err = cfnlimits.ReadAssembly(filepath.Join(c.dir, "cdk.out")); err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		for _, s := range c.stacks {
			c.over = append(c.over, cfnlimits.Check(s.Name, s.Template)...)
		}
	}
	if copies[0].failed != "" {
		return fmt.Errorf("make synth of the project itself failed: %s", copies[0].failed)
	}
	for i := range *runs {
		for _, c := range copies {
			if c.failed != "" {
				continue
			}
			fmt.Fprintf(stderr, "bench: %s: warm make synth and build step (run %d of %d)\n", c.label, i+1, *runs)
			d, failed := synth(ctx, c.dir, true)
			if failed != "" {
				return fmt.Errorf("%s: warm make synth failed: %s", c.label, failed)
			}
			c.synth = append(c.synth, d)
			if d, _, err = benchdoc.Timed(ctx, c.dir, "go", "run", "./bin/package", "-stage", "dev"); err != nil {
				return err
			}
			c.build = append(c.build, d)
		}
	}

	section := report(copies, len(declared), *runs)
	if err := benchdoc.ReplaceSection(*out, heading, section); err != nil {
		return err
	}
	fmt.Fprint(stdout, section)
	return nil
}

// parseCounts reads -functions: counts above declared, ascending, no
// duplicates.
func parseCounts(s string, declared int) ([]int, error) {
	var counts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= declared {
			return nil, fmt.Errorf("-functions %q: %q is not a count above the %d functions the project declares", s, f, declared)
		}
		counts = append(counts, n)
	}
	slices.Sort(counts)
	return slices.Compact(counts), nil
}

// report is the benchmarks.md section for the measured copies; copies[0]
// is the project's.
func report(copies []*copyRun, declared, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `%s

Measured by `+"`go run ./bin/bench-scale`"+` (part of `+"`make bench`"+`) on %s with %s, %d CPUs (%s/%s host), 1-minute load average %s at the end. One copy of the module in a temporary folder for the project as it is, and one for each count with functions added by the scaffold (`+"`make new-function`"+`'s code; kinds in turn api, s3, schedule, none) until it declares that many. Each copy's first `+"`make synth`"+` compiles what is new; then %s of `+"`make synth`"+` with `+"`SYNTH_CACHE=off`"+` (the zips come from the build cache; every construct is made again) and of the build step alone (`+"`go run ./bin/package`"+`), interleaved between the copies; medians, with the range of `+"`make synth`"+`. Templates: every stack template in `+"`cdk.out`"+`, root and nested.

| functions | templates | first `+"`make synth`"+` | warm `+"`make synth`"+` | of which build step | rest: CDK app, jsii, constructs, cdk-nag, CLI |
|---|---|---:|---:|---:|---:|
`, heading, time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, benchdoc.LoadAverage(), plural(runs, "warm run"))
	for _, c := range copies {
		if c.failed != "" {
			fmt.Fprintf(&b, "| %s | `make synth` failed: %s | %s | | | |\n", c.label, mdCell(c.failed), benchdoc.Secs(c.first))
			continue
		}
		var total cfnlimits.Cost
		for _, s := range c.stacks {
			total = total.Plus(s.Cost())
		}
		fmt.Fprintf(&b, "| %s | %d: %d resources, %d KB | %s | %s (%s – %s) | %s | %s |\n", c.label, len(c.stacks), total.Resources, total.Bytes/1024,
			benchdoc.Secs(c.first), benchdoc.Secs(benchdoc.Median(c.synth)), benchdoc.Secs(slices.Min(c.synth)), benchdoc.Secs(slices.Max(c.synth)), benchdoc.Secs(benchdoc.Median(c.build)), benchdoc.Secs(benchdoc.Median(c.synth)-benchdoc.Median(c.build)))
	}
	b.WriteString("\n| functions | template | resources | parameters | outputs | size |\n|---|---|---:|---:|---:|---:|\n")
	for _, c := range copies {
		for _, s := range c.stacks {
			cost := s.Cost()
			fmt.Fprintf(&b, "| %d | %s%s | %d | %d | %d | %d KB |\n", c.functions, mdCell(s.Name), map[bool]string{true: " (nested)"}[s.Nested],
				cost.Resources, cost.Parameters, cost.Outputs, cost.Bytes/1024)
		}
	}
	base := copies[0]
	for _, c := range copies[1:] {
		b.WriteString("\n")
		if c.failed != "" {
			fmt.Fprintf(&b, "With %d functions `make synth` fails: %s\n", c.functions, c.failed)
			continue
		}
		ratio := benchdoc.Median(c.synth).Seconds() / benchdoc.Median(base.synth).Seconds()
		perFnBuild := (benchdoc.Median(c.build) - benchdoc.Median(base.build)) / time.Duration(c.functions-declared)
		perFnRest := ((benchdoc.Median(c.synth) - benchdoc.Median(c.build)) - (benchdoc.Median(base.synth) - benchdoc.Median(base.build))) / time.Duration(c.functions-declared)
		fmt.Fprintf(&b, "Warm `make synth` with %d functions takes %.2f× the time of %d. Each added function costs about %s of build step (compile or relink, zip, size check) and %s in the CDK app and CLI (its constructs, their cdk-nag checks and their share of the templates). Without the build step, the rest alone grows %.2f×.",
			c.functions, ratio, declared, benchdoc.Secs(perFnBuild), benchdoc.Secs(perFnRest),
			(benchdoc.Median(c.synth)-benchdoc.Median(c.build)).Seconds()/(benchdoc.Median(base.synth)-benchdoc.Median(base.build)).Seconds())
		if len(c.over) == 0 {
			fmt.Fprintf(&b, " Every template is within %s of CloudFormation's quotas.\n", "80 %")
		} else {
			fmt.Fprintf(&b, " Over a quota's margin:\n\n")
			for _, v := range c.over {
				fmt.Fprintf(&b, "- %s\n", v.Error())
			}
		}
	}
	return b.String()
}

// plural is "1 warm run" or "3 warm runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// mdCell keeps text inside one markdown table cell.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// copyRun is one copy of the module and its measurements.
type copyRun struct {
	label, dir   string
	functions    int
	first        time.Duration
	failed       string // the first line of a failed first synth
	synth, build []time.Duration
	stacks       []cfnlimits.Stack
	over         []cfnlimits.Violation
}

// synth runs `make synth` in dir and times it. failed is the first line
// that says what went wrong, when it fails (the CDK app's error, not the
// Go panic's or jsii's trace that follows it). Warm runs set SYNTH_CACHE=off:
// the zips still come from the build cache, but the app makes every
// construct again instead of reusing cdk.out, so the time grows with the
// constructs.
func synth(ctx context.Context, dir string, warm bool) (d time.Duration, failed string) {
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "synth")
	cmd.Dir = dir
	if warm {
		cmd.Env = append(os.Environ(), "SYNTH_CACHE=off")
	}
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	err := cmd.Run()
	d = time.Since(start)
	if err != nil {
		return d, firstError(output.String(), err)
	}
	return d, ""
}

// errorLine is a line that states an error: a Go panic, a thrown
// JavaScript Error (what jsii passes on from the CDK app), a Go or CLI
// error message.
var errorLine = regexp.MustCompile(`^(panic: |(\w+)?Error: |error: |Error |.*: error: |❌ )`)

// firstError is the first line of output that states an error, its
// "panic: " prefix dropped, else the last non-empty line, else err; at
// most 300 characters.
func firstError(output string, err error) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "make: ***") || strings.HasPrefix(line, "make[") {
			continue // make's own "Error 1" says nothing about the cause
		}
		if errorLine.MatchString(line) {
			line = strings.TrimPrefix(line, "panic: ")
			return clip(line)
		}
		last = line
	}
	if last == "" {
		return clip(err.Error())
	}
	return clip(last)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
