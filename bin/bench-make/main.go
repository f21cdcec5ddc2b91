// Command bench-make measures the README's two commands warm — `make synth`
// and `make test` (with -count=1, so no test result comes from the cache) —
// and writes the "## Synth and test" section of docs/benchmarks.md; `make
// bench` runs it.
//
// Usage:
//
//	go run ./bin/bench-make [-o docs/benchmarks.md] [-runs 3]
//
// Each command runs once to warm the Go build cache and node_modules, then
// -runs times; the section gives the median and the range.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"go-lambda-cdk/internal/cli"

	"go-lambda-cdk/internal/benchdoc"
)

const heading = "## Synth and test"

func main() { cli.Main("bench-make", run) }

// command is one measured make invocation.
type command struct {
	label string
	args  []string
}

var commands = []command{
	{"`make synth` (build 3 zips, cdk synth of the dev stage, cdk-nag)", []string{"synth"}},
	{"`make test` (every package, `-count=1`)", []string{"test", "TESTFLAGS=-count=1"}},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bench-make", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("o", benchdoc.DefaultPath, "markdown `file` whose section to replace")
	runs := flags.Int("runs", 3, "timed runs of each command after one warm-up")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.UsageError{Err: err}
	}
	if *runs < 1 || flags.NArg() > 0 {
		return cli.UsageError{Err: errors.New("usage: bench-make [-o file] [-runs n>=1]")}
	}
	var rows []string
	for _, c := range commands {
		fmt.Fprintf(stderr, "bench: make %s (warm-up)\n", strings.Join(c.args, " "))
		if _, err := timeMake(ctx, c.args); err != nil {
			return err
		}
		var times []time.Duration
		for i := range *runs {
			fmt.Fprintf(stderr, "bench: make %s (run %d of %d)\n", strings.Join(c.args, " "), i+1, *runs)
			d, err := timeMake(ctx, c.args)
			if err != nil {
				return err
			}
			times = append(times, d)
		}
		slices.Sort(times)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s – %s |", c.label, secs(times[len(times)/2]), secs(times[0]), secs(times[len(times)-1])))
	}
	section := fmt.Sprintf(`%s

Measured by `+"`go run ./bin/bench-make`"+` (part of `+"`make bench`"+`) on %s with %s, %d CPUs (%s/%s host), 1-minute load average %s at the end. Warm: node_modules installed and the Go build cache filled by one run before the %d timed runs; the median and the range are given.

| command | median | range |
|---|---:|---:|
%s
`, heading, time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, benchdoc.LoadAverage(), *runs, strings.Join(rows, "\n"))
	if err := benchdoc.ReplaceSection(*out, heading, section); err != nil {
		return err
	}
	fmt.Fprint(stdout, section)
	return nil
}

func timeMake(ctx context.Context, args []string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory"}, args...)...)
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("make %s: %w\n%s", strings.Join(args, " "), err, output.String())
	}
	return time.Since(start), nil
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
