// Command bench-make compares the README's commands — `make synth` in four
// situations and `make test` — between this checkout's commit and a
// baseline commit, and writes the "## Synth and test" section of
// docs/benchmarks.md; `make bench` runs it.
//
// Usage:
//
//	go run ./bin/bench-make [-o docs/benchmarks.md] [-base 461e2c7] [-runs 5] [-test-runs 5]
//	    [-heading "## Synth and test"] [-rows nochange,handler,stacks,fresh]
//
// -heading picks the section to write (make bench also compares the
// commit before the operations resources of issue 10, and 28cc21a for
// issue 19, each in its own section); -rows picks the synth rows. The
// section also gives both commits' dev template resource counts.
//
// The edit rows change the file for real: each run appends an init
// function that stores a new string in a package-level variable
// (benchdoc.EditGo), which the linked binary keeps, so the handler's zip
// (and the dev template's asset hash) or the CDK app's executable changes;
// a run whose synth reused cdk.out, or whose handler edit left the
// template as it was, is an error, not a number.
//
// Both commits are checked out with `git worktree add` into a temporary
// folder (node_modules hard-linked from this checkout when package-lock.json
// is the same, else `make setup`), so neither runs in the developer's own
// tree. The runs of the two are interleaved (base, head, head, base, ...)
// so that load from other work on the machine hits both alike; the section
// gives medians, ranges, their ratio and the load average.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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

	"go-lambda-cdk/internal/benchdoc"
	"go-lambda-cdk/internal/cli"
)

const defaultHeading = "## Synth and test"

// DefaultBase is the commit before the synth-speed work (issue 12).
const DefaultBase = "461e2c7"

func main() { cli.Main("bench-make", run) }

// tree is one checkout under comparison.
type tree struct {
	label, commit, dir string
}

// scenario is one row: what to change before a timed make, and the make.
type scenario struct {
	key, label string
	// prepare changes the tree before run number n and returns the
	// folder to run make in and how to undo the change.
	prepare func(t tree, n int) (dir string, undo func() error, err error)
	args    []string
	// check, when set, refuses a run whose effect shows the edit was not
	// one: the dev template's SHA-256 before and after, make's output.
	check func(before, after, output string) error
}

// reusedLine is what the app prints when its synth cache reuses cdk.out.
const reusedLine = "synth: reused "

// synthesized fails when make's output shows the synth cache reused
// cdk.out: the edit did not change the app or a zip.
func synthesized(before, after, output string) error {
	if strings.Contains(output, reusedLine) {
		return fmt.Errorf("the edit was not a change: make synth reused cdk.out:\n%s", output)
	}
	return nil
}

// newAsset fails unless the dev template changed (a handler edit gives
// its function a new asset hash) and the synth ran.
func newAsset(before, after, output string) error {
	if before == after {
		return fmt.Errorf("the handler edit left the dev template as it was (the zip did not change):\n%s", output)
	}
	return synthesized(before, after, output)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bench-make", flag.ContinueOnError)
	out := flags.String("o", benchdoc.DefaultPath, "markdown `file` whose section to replace")
	base := flags.String("base", DefaultBase, "baseline `commit`")
	runs := flags.Int("runs", 5, "timed runs of each synth row per commit")
	testRuns := flags.Int("test-runs", 5, "timed runs of `make test` per commit; 0 skips the row")
	heading := flags.String("heading", defaultHeading, "`heading` of the section to replace")
	rowKeys := flags.String("rows", "nochange,handler,stacks,fresh", "comma-separated synth `rows` to run: nochange, handler, stacks, fresh")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if *runs < 1 || *testRuns < 0 || flags.NArg() > 0 {
		return cli.UsageError{Err: errors.New("usage: bench-make [-o file] [-base commit] [-runs n>=1] [-test-runs n>=0]")}
	}
	root, err := gitOut(ctx, ".", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	head, err := gitOut(ctx, root, "rev-parse", "--short", "HEAD")
	if err != nil {
		return err
	}
	baseShort, err := gitOut(ctx, root, "rev-parse", "--short", *base)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-make-")
	if err != nil {
		return err
	}
	var worktrees []string
	defer func() {
		for _, w := range worktrees {
			git(context.Background(), root, "worktree", "remove", "--force", w)
		}
		os.RemoveAll(tmp)
	}()
	checkout := func(commit, name string) (string, error) {
		dir := filepath.Join(tmp, name)
		if err := git(ctx, root, "worktree", "add", "--detach", dir, commit); err != nil {
			return "", err
		}
		worktrees = append(worktrees, dir)
		return dir, setup(ctx, root, dir)
	}
	trees := []tree{{label: "baseline " + baseShort, commit: baseShort}, {label: "this commit " + head, commit: head}}
	for i := range trees {
		fmt.Fprintf(stderr, "bench: checkout %s\n", trees[i].label)
		if trees[i].dir, err = checkout(trees[i].commit, fmt.Sprintf("tree%d", i)); err != nil {
			return err
		}
	}
	inPlace := func(t tree, n int) (string, func() error, error) { return t.dir, func() error { return nil }, nil }
	edit := func(file string) func(t tree, n int) (string, func() error, error) {
		return func(t tree, n int) (string, func() error, error) {
			path := filepath.Join(t.dir, file)
			orig, err := os.ReadFile(path)
			if err != nil {
				return "", nil, fmt.Errorf("edit %s at %s: %w", file, t.label, err)
			}
			if err := os.WriteFile(path, benchdoc.EditGo(orig, fmt.Sprint(time.Now().UnixNano())), 0o644); err != nil {
				return "", nil, err
			}
			return t.dir, func() error { return os.WriteFile(path, orig, 0o644) }, nil
		}
	}
	fresh := func(t tree, n int) (string, func() error, error) {
		dir, err := checkout(t.commit, fmt.Sprintf("fresh-%s-%d", t.commit, n))
		return dir, func() error { return git(context.Background(), root, "worktree", "remove", "--force", dir) }, err
	}
	var scenarios []scenario
	wanted := strings.Split(*rowKeys, ",")
	for _, s := range []scenario{
		{"nochange", "warm `make synth`, nothing changed", inPlace, []string{"synth"}, nil},
		{"handler", "`make synth` after editing one handler (`lambda/report/main.go`: a new `init` the binary keeps)", edit("lambda/report/main.go"), []string{"synth"}, newAsset},
		{"stacks", "`make synth` after editing `stacks/app.go` (a new `init` the app binary keeps)", edit("stacks/app.go"), []string{"synth"}, synthesized},
		{"fresh", "first `make synth` in a fresh checkout, Go caches warm (node_modules linked in, not timed)", fresh, []string{"synth"}, nil},
	} {
		if slices.Contains(wanted, s.key) {
			scenarios = append(scenarios, s)
		}
	}
	slices.Sort(wanted)
	if len(scenarios) != len(slices.Compact(wanted)) {
		return cli.UsageError{Err: fmt.Errorf("-rows %q: allowed rows are nochange, handler, stacks, fresh", *rowKeys)}
	}
	if *testRuns > 0 {
		scenarios = append(scenarios, scenario{"test", "warm `make test` (`TESTFLAGS=-count=1`: test cache off)", inPlace, []string{"test", "TESTFLAGS=-count=1"}, nil})
	}
	loadBefore := benchdoc.LoadAverage()
	var rows []string
	for _, s := range scenarios {
		n := *runs
		if s.args[0] == "test" {
			n = *testRuns
		}
		// Warm-up: Go build cache, bundle cache, .venv for the tests.
		warm := []string{"synth"}
		if s.args[0] == "test" {
			warm = s.args
		}
		for _, t := range trees {
			fmt.Fprintf(stderr, "bench: %s: %s (warm-up)\n", t.label, s.label)
			if _, _, err := timeMake(ctx, t.dir, warm); err != nil {
				return err
			}
		}
		times := make([][]time.Duration, len(trees))
		var loads []string
		for i := range n {
			order := []int{0, 1}
			if i%2 == 1 {
				order = []int{1, 0}
			}
			for _, ti := range order {
				t := trees[ti]
				dir, undo, err := s.prepare(t, i)
				if err != nil {
					return err
				}
				fmt.Fprintf(stderr, "bench: %s: %s (run %d of %d)\n", t.label, s.label, i+1, n)
				before := templateSum(dir)
				d, output, err := timeMake(ctx, dir, s.args)
				if err == nil && s.check != nil {
					err = s.check(before, templateSum(dir), output)
				}
				if uerr := undo(); err == nil {
					err = uerr
				}
				if err != nil {
					return err
				}
				times[ti] = append(times[ti], d)
			}
			loads = append(loads, benchdoc.LoadAverage())
		}
		med := benchdoc.Median
		rows = append(rows, fmt.Sprintf("| %s | %s (%s) | %s (%s) | %.2f× | %s |", s.label,
			benchdoc.Secs(med(times[0])), benchdoc.Spread(times[0]), benchdoc.Secs(med(times[1])), benchdoc.Spread(times[1]),
			med(times[1]).Seconds()/med(times[0]).Seconds(), strings.Join(loads, ", ")))
	}
	section := fmt.Sprintf(`%s

Measured by `+"`go run ./bin/bench-make`"+` (part of `+"`make bench`"+`) on %s with %s, %d CPUs (%s/%s host); 1-minute load average %s before and %s after (the machine is shared with other work, so the load column matters: compare the two commits within a row, not across days). Each commit is a `+"`git worktree`"+` in a temporary folder; each row first runs `+"`make synth`"+` (the test row: `+"`make test`"+`) once per commit (warm-up), then %d timed runs per commit (%d for `+"`make test`"+`), interleaved (baseline, this, this, baseline, ...). Cells: median (min–max). Ratio: this commit's median / the baseline's.

| command | baseline %s | this commit %s | ratio | load after each pair |
|---|---:|---:|---:|---|
%s
`, *heading, time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		loadBefore, benchdoc.LoadAverage(), *runs, *testRuns, baseShort, head, strings.Join(rows, "\n"))
	if *testRuns == 0 {
		section += "\n`make test` was not measured in this run (`-test-runs 0`).\n"
	}
	counts := make([]string, len(trees))
	for i, t := range trees {
		n, err := resourceCount(filepath.Join(t.dir, "cdk.out", "GoLambdaCdk-dev.template.json"))
		if err != nil {
			return err
		}
		counts[i] = fmt.Sprintf("%d at %s", n, t.label)
	}
	section += fmt.Sprintf("\nResources in the dev template (`cdk.out/GoLambdaCdk-dev.template.json`): %s.\n", strings.Join(counts, ", "))
	if err := benchdoc.ReplaceSection(*out, *heading, section); err != nil {
		return err
	}
	fmt.Fprint(stdout, section)
	return nil
}

// setup gives dir the node_modules of root when both have the same
// package-lock.json (hard links, nothing downloaded), else runs `make setup`.
func setup(ctx context.Context, root, dir string) error {
	a, errA := os.ReadFile(filepath.Join(root, "package-lock.json"))
	b, errB := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".ci-stamp")); errA == nil && errB == nil && err == nil && bytes.Equal(a, b) {
		cmd := exec.CommandContext(ctx, "cp", "-al", filepath.Join(root, "node_modules"), filepath.Join(dir, "node_modules"))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("link node_modules: %w\n%s", err, out)
		}
		now := time.Now()
		if err := os.Chtimes(filepath.Join(dir, "node_modules", ".ci-stamp"), now, now); err != nil {
			return err
		}
		return linkVenv(root, dir)
	}
	_, _, err := timeMake(ctx, dir, []string{"setup"})
	return err
}

// linkVenv gives dir root's Python tools (.venv, for `make test`) as a
// symbolic link when both pin the same requirements-dev.txt, and dates
// dir's requirements-dev.txt back to the venv's stamp so that make does not
// reinstall into the shared venv. Otherwise dir keeps none and `make test`
// makes its own.
func linkVenv(root, dir string) error {
	a, errA := os.ReadFile(filepath.Join(root, "requirements-dev.txt"))
	b, errB := os.ReadFile(filepath.Join(dir, "requirements-dev.txt"))
	venv, err := filepath.EvalSymlinks(filepath.Join(root, ".venv"))
	if errA != nil || errB != nil || err != nil || !bytes.Equal(a, b) {
		return nil
	}
	stamp, err := os.Stat(filepath.Join(venv, ".stamp"))
	if err != nil {
		return nil
	}
	if err := os.Symlink(venv, filepath.Join(dir, ".venv")); err != nil {
		return err
	}
	old := stamp.ModTime().Add(-time.Second)
	return os.Chtimes(filepath.Join(dir, "requirements-dev.txt"), old, old)
}

// templateSum is the SHA-256 of dir's synthesized dev template, "" when
// there is none.
func templateSum(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "cdk.out", "GoLambdaCdk-dev.template.json"))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// resourceCount is the number of resources of a synthesized template.
func resourceCount(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var tpl struct {
		Resources map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return len(tpl.Resources), nil
}

func timeMake(ctx context.Context, dir string, args []string) (time.Duration, string, error) {
	return benchdoc.Timed(ctx, dir, "make", append([]string{"--no-print-directory"}, args...)...)
}

func git(ctx context.Context, dir string, args ...string) error {
	_, err := gitOut(ctx, dir, args...)
	return err
}

func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}
