// Command bench-scale measures `make synth` with many declared functions
// against the project's own, in one run, and writes the "## Synth with 50
// functions" section of docs/benchmarks.md; `make bench` runs it.
//
// Usage:
//
//	go run ./bin/bench-scale [-o docs/benchmarks.md] [-functions 50] [-runs 3]
//
// It copies the module twice into a temporary folder (internal/modcopy),
// adds functions to one copy with the scaffold (internal/scaffold, the
// code `make new-function` runs; kinds in turn: api, s3, schedule, none)
// until it declares -functions, then times in each copy: the first `make
// synth` (the new functions compile), and, interleaved, -runs warm `make
// synth` and warm `go run ./bin/package` (the build step alone, to tell
// where the time goes).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/benchdoc"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/modcopy"
	"go-lambda-cdk/internal/scaffold"
)

const heading = "## Synth with 50 functions"

func main() { cli.Main("bench-scale", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bench-scale", flag.ContinueOnError)
	out := flags.String("o", benchdoc.DefaultPath, "markdown `file` whose section to replace")
	total := flags.Int("functions", 50, "functions the scaled copy declares")
	runs := flags.Int("runs", 3, "timed warm runs of each command in each copy")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	declared := functions.All()
	if *runs < 1 || *total <= len(declared) || flags.NArg() > 0 {
		return cli.Usagef("usage: bench-scale [-o file] [-functions n>%d] [-runs n>=1]", len(declared))
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
	copies := []*copyRun{{label: fmt.Sprintf("%d functions (the project's)", len(declared)), dir: filepath.Join(tmp, "base")},
		{label: fmt.Sprintf("%d functions (%d scaffolded)", *total, *total-len(declared)), dir: filepath.Join(tmp, "scaled")}}
	for _, c := range copies {
		if err := os.Mkdir(c.dir, 0o755); err != nil {
			return err
		}
		if err := modcopy.Copy(root, c.dir); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "bench: scaffolding %d functions\n", *total-len(declared))
	if err := addFunctions(copies[1].dir, declared, *total); err != nil {
		return err
	}

	for _, c := range copies {
		fmt.Fprintf(stderr, "bench: %s: first make synth\n", c.label)
		if c.first, err = timed(ctx, c.dir, "make", "--no-print-directory", "synth"); err != nil {
			return err
		}
		if c.resources, c.templateBytes, err = templateSize(filepath.Join(c.dir, "cdk.out", "GoLambdaCdk-dev.template.json")); err != nil {
			return err
		}
	}
	for i := range *runs {
		for _, c := range copies {
			fmt.Fprintf(stderr, "bench: %s: warm make synth and build step (run %d of %d)\n", c.label, i+1, *runs)
			d, err := timed(ctx, c.dir, "make", "--no-print-directory", "synth")
			if err != nil {
				return err
			}
			c.synth = append(c.synth, d)
			if d, err = timed(ctx, c.dir, "go", "run", "./bin/package", "-stage", "dev"); err != nil {
				return err
			}
			c.build = append(c.build, d)
		}
	}

	base, scaled := copies[0], copies[1]
	var rows []string
	for _, c := range copies {
		rows = append(rows, fmt.Sprintf("| %s | %d resources, %s KB | %s | %s (%s – %s) | %s | %s |", c.label, c.resources, fmt.Sprint(c.templateBytes/1024),
			secs(c.first), secs(median(c.synth)), secs(slices.Min(c.synth)), secs(slices.Max(c.synth)), secs(median(c.build)), secs(median(c.synth)-median(c.build))))
	}
	ratio := median(scaled.synth).Seconds() / median(base.synth).Seconds()
	verdict := "within"
	if ratio > 3 {
		verdict = "over"
	}
	perFnBuild := (median(scaled.build) - median(base.build)) / time.Duration(*total-len(declared))
	perFnRest := ((median(scaled.synth) - median(scaled.build)) - (median(base.synth) - median(base.build))) / time.Duration(*total-len(declared))
	section := fmt.Sprintf(`%s

Measured by `+"`go run ./bin/bench-scale`"+` (part of `+"`make bench`"+`) on %s with %s, %d CPUs (%s/%s host), 1-minute load average %s at the end. Two copies of the module in a temporary folder: the project as it is, and the same with functions added by the scaffold (`+"`make new-function`"+`'s code; kinds in turn api, s3, schedule, none) until it declares %d. Each copy's first `+"`make synth`"+` compiles what is new; then %d warm runs of `+"`make synth`"+` and of the build step alone (`+"`go run ./bin/package`"+`), interleaved between the copies; medians, with the range of `+"`make synth`"+`.

| stack | dev template | first `+"`make synth`"+` | warm `+"`make synth`"+` | of which build step | rest: CDK app, jsii, constructs, cdk-nag, CLI |
|---|---|---:|---:|---:|---:|
%s

Warm `+"`make synth`"+` with %d functions takes %.2f× the time of %d (target: at most 3×, %s). Each added function costs about %s of build step (compile or relink, zip, size check; `+"`go build -o`"+` relinks every time) and %s in the CDK app and CLI (its role, log group, function, async config and trigger constructs, their cdk-nag checks and their share of the template). Without the build step, the rest alone grows %.2f×: a build that reuses the zips of unchanged functions instead of relinking them would bring the warm ratio close to that.
`, heading, time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, benchdoc.LoadAverage(),
		*total, *runs, strings.Join(rows, "\n"), *total, ratio, len(declared), verdict, secs(perFnBuild), secs(perFnRest),
		(median(scaled.synth)-median(scaled.build)).Seconds()/(median(base.synth)-median(base.build)).Seconds())
	if err := benchdoc.ReplaceSection(*out, heading, section); err != nil {
		return err
	}
	fmt.Fprint(stdout, section)
	return nil
}

// copyRun is one copy of the module and its measurements.
type copyRun struct {
	label, dir    string
	first         time.Duration
	synth, build  []time.Duration
	resources     int
	templateBytes int
}

// addFunctions scaffolds functions into dir until it declares total.
func addFunctions(dir string, declared []functions.Declaration, total int) error {
	kinds := []func(name string, i int) string{
		func(name string, _ int) string { return "api:/" + name },
		func(name string, _ int) string { return "s3:" + name + "/" },
		func(_ string, i int) string { return fmt.Sprintf("schedule:%d %d * * ? *", i%60, i%24) },
		func(string, int) string { return "none" },
	}
	for i := len(declared) + 1; i <= total; i++ {
		name := fmt.Sprintf("fn%03d", i)
		opts := scaffold.Options{ModuleDir: dir, Name: name, Trigger: kinds[i%len(kinds)](name, i), Declared: declared}
		fn, files, err := scaffold.Plan(opts)
		if err != nil {
			return fmt.Errorf("scaffold %s: %w", name, err)
		}
		if err := scaffold.Write(dir, files); err != nil {
			return fmt.Errorf("scaffold %s: %w", name, err)
		}
		declared = append(declared, fn)
	}
	return nil
}

func timed(ctx context.Context, dir, name string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %s in %s: %w\n%s", name, strings.Join(args, " "), dir, err, output.String())
	}
	return time.Since(start), nil
}

func templateSize(path string) (resources, size int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var tpl struct {
		Resources map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return len(tpl.Resources), len(data), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
