package rehearsal

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/hotswap"
)

// hotswap proves `make deploy STAGE=dev HOTSWAP=1` on the deployed dev
// stack: a hotswap with no edit changes nothing; after an edit of the first
// declared function's main package, the hotswap gives that function new
// code (its CodeSha256 is the rebuilt zip's) and a new version under its
// live alias while every other function stays as it was; a full `make
// deploy` of the same edit then brings the stack back to its template: an
// update that succeeds and leaves the live alias, and $LATEST, on that code.
// It reports the time from save to live of both (the target: a hotswap at
// most 8 s warm and at most half a full deploy), and returns the edited
// function.
func (r *rehearsal) hotswap(dir string) functions.Declaration {
	t := r.t
	t.Helper()
	all := functions.All()
	edited := all[0]
	before := r.liveCode(all)
	// Nothing edited: nothing changes (and bin/hotswap is compiled).
	out := r.make("deploy", "HOTSWAP=1")
	for _, d := range all {
		if !strings.Contains(out, d.Name+": unchanged, version "+before[d.Name].version) {
			t.Errorf("hotswap without an edit: output lacks %q:\n%s", d.Name+": unchanged", out)
		}
	}
	if after := r.liveCode(all); !maps.Equal(after, before) {
		t.Errorf("hotswap without an edit changed the live code: %v, was %v", after, before)
	}

	main := filepath.Join(dir, "lambda", edited.Name, "main.go")
	appendInit(t, main, "rehearsal edit")
	saved := time.Now()
	out = r.make("deploy", "HOTSWAP=1")
	hot := time.Since(saved)
	if !strings.Contains(out, edited.Name+": live as version ") {
		t.Errorf("hotswap output lacks %q:\n%s", edited.Name+": live as version", out)
	}
	after := r.liveCode(all)
	zip, err := os.ReadFile(filepath.Join(dir, "dist", edited.Name+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zip)
	want := base64.StdEncoding.EncodeToString(sum[:])
	for _, d := range all {
		b, a := before[d.Name], after[d.Name]
		switch {
		case d.Name != edited.Name && a != b:
			t.Errorf("%s was not edited but changed: %+v, was %+v", d.Name, a, b)
		case d.Name == edited.Name && (a.version == b.version || a.sha == b.sha || a.sha != want || a.latest != want):
			t.Errorf("%s after the hotswap: live alias on version %s with code %s ($LATEST %s), was version %s with %s; want a new version with the rebuilt zip's %s",
				d.Name, a.version, a.sha, a.latest, b.version, b.sha, want)
		}
	}

	// The same edit through CloudFormation (preflight's synth writes the
	// assembly of the new zip, by a patch of the one in CDK_OUT or a full
	// synth): the stack comes back to what its template says, without
	// error.
	began := time.Now()
	r.make("deploy", "APPROVE=1")
	full := time.Since(began)
	r.stackStatus(devStack, cfntypes.StackStatusUpdateComplete)
	if got := r.liveCode(all)[edited.Name]; got.sha != want || got.latest != want {
		t.Errorf("after the full deploy %s's live alias runs %s ($LATEST %s), want %s", edited.Name, got.sha, got.latest, want)
	}
	t.Logf("save to live on the emulator: hotswap %s, full make deploy %s; target: hotswap <= 8s and <= half the full deploy (the edit is the same in every run: its zip may come from the bundle cache)",
		hot.Round(100*time.Millisecond), full.Round(100*time.Millisecond))
	return edited
}

// liveCode is what one function's live alias runs.
type liveCode struct {
	version, sha string
	latest       string // $LATEST's CodeSha256
}

// liveCode reads, for each function, its live alias's version and code hash.
func (r *rehearsal) liveCode(fns []functions.Declaration) map[string]liveCode {
	r.t.Helper()
	out := map[string]liveCode{}
	for _, d := range fns {
		name := aws.String(r.physicalID(devStack, d.ConstructID()+"Function"))
		alias, err := r.aws.lambda.GetAlias(r.ctx(), &lambda.GetAliasInput{FunctionName: name, Name: aws.String(hotswap.LiveAlias)})
		if err != nil {
			r.t.Fatalf("%s: %v", d.Name, err)
		}
		live, err := r.aws.lambda.GetFunction(r.ctx(), &lambda.GetFunctionInput{FunctionName: name, Qualifier: alias.FunctionVersion})
		if err != nil {
			r.t.Fatalf("%s: %v", d.Name, err)
		}
		latest, err := r.aws.lambda.GetFunction(r.ctx(), &lambda.GetFunctionInput{FunctionName: name})
		if err != nil {
			r.t.Fatalf("%s: %v", d.Name, err)
		}
		out[d.Name] = liveCode{version: aws.ToString(alias.FunctionVersion), sha: aws.ToString(live.Configuration.CodeSha256), latest: aws.ToString(latest.Configuration.CodeSha256)}
	}
	return out
}

// watchOnce runs `make watch`, saves an edit of the function's main.go,
// waits until the watch reports it live, checks the alias moved, then
// stops the watch with Ctrl-C (SIGINT), which it reports.
func (r *rehearsal) watchOnce(dir, main string, d functions.Declaration) {
	t := r.t
	t.Helper()
	before := r.liveCode([]functions.Declaration{d})[d.Name]
	cmd := exec.CommandContext(r.ctx(), "make", "--no-print-directory", "watch", "CDK_OUT="+r.out)
	cmd.Dir = dir
	cmd.Env = append(environ(), r.emu.Env()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Ctrl-C reaches make and the command
	var out fixture.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
			_ = cmd.Wait()
		}
	}
	defer stop()
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("make watch did not print %q within 3 minutes:\n%s", what, out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("watch: watching")
	appendInit(t, main, "rehearsal watch edit")
	waitFor(d.Name + ": changed lambda/" + d.Name + "/main.go → live as version ")
	after := r.liveCode([]functions.Declaration{d})[d.Name]
	if after.version == before.version || after.sha == before.sha {
		t.Errorf("make watch reported %s live, but its alias is on version %s with %s, was %s with %s", d.Name, after.version, after.sha, before.version, before.sha)
	}
	stop()
	if !strings.Contains(out.String(), "watch: stopped") {
		t.Errorf("make watch after Ctrl-C:\n%s", out.String())
	}
	t.Logf("make watch: %s:\n%s", timing(began, cmd.ProcessState), out.String())
}

// appendInit appends to the Go file at path an init function that prints
// note: a change the built binary keeps (a comment would compile to the
// same zip).
func appendInit(t *testing.T, path, note string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\nfunc init() { println(%q) }\n", note)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
