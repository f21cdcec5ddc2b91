package hotswap

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/config"
)

func TestCheckStageRefusesProd(t *testing.T) {
	for _, tc := range []struct {
		stage string
		ok    bool
	}{{config.StageDev, true}, {config.StageProd, false}} {
		t.Run(tc.stage, func(t *testing.T) {
			err := CheckStage(tc.stage)
			if tc.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "make deploy STAGE=prod")) {
				t.Errorf("CheckStage(%q) = %v", tc.stage, err)
			}
		})
	}
}

// TestSwap: what Swap calls and refuses, for each state the deployed
// function can be in.
func TestSwap(t *testing.T) {
	dir := t.TempDir()
	zip, zipHex, zipB64 := writeZip(t, dir, "new", "new code")
	target := Target{Name: "thumbnail", FunctionName: "Stack-ThumbnailFunction-XYZ", Alias: LiveAlias}
	for _, tc := range []struct {
		name        string
		fn          fakeFunction
		wantCalls   []string
		wantVersion string
		wantChanged bool
		wantErr     string
	}{
		{
			name:        "the live version runs the zip already",
			fn:          fakeFunction{latest: zipB64, versions: []string{"old", zipB64}, alias: "2"},
			wantVersion: "2",
		},
		{
			name: "new code",
			fn:   fakeFunction{latest: "old", versions: []string{"old"}, alias: "1"},
			wantCalls: []string{"UpdateFunctionCode " + target.FunctionName, "PublishVersion " + target.FunctionName + " -> 2",
				"UpdateAlias " + target.FunctionName + " live -> 2"},
			wantVersion: "2", wantChanged: true,
		},
		{
			name:        "$LATEST has the code, the alias does not (an earlier swap stopped)",
			fn:          fakeFunction{latest: zipB64, versions: []string{"old"}, alias: "1"},
			wantCalls:   []string{"PublishVersion " + target.FunctionName + " -> 2", "UpdateAlias " + target.FunctionName + " live -> 2"},
			wantVersion: "2", wantChanged: true,
		},
		{
			name: "the update takes a while",
			fn: fakeFunction{latest: "old", versions: []string{"old"}, alias: "1",
				pending: []types.LastUpdateStatus{types.LastUpdateStatusInProgress, types.LastUpdateStatusInProgress}},
			wantCalls: []string{"UpdateFunctionCode " + target.FunctionName, "PublishVersion " + target.FunctionName + " -> 2",
				"UpdateAlias " + target.FunctionName + " live -> 2"},
			wantVersion: "2", wantChanged: true,
		},
		{
			name: "the update fails",
			fn: fakeFunction{latest: "old", versions: []string{"old"}, alias: "1",
				pending: []types.LastUpdateStatus{types.LastUpdateStatusInProgress, types.LastUpdateStatusFailed}, reason: "bootstrap is not executable"},
			wantCalls: []string{"UpdateFunctionCode " + target.FunctionName},
			wantErr:   "thumbnail: code update: bootstrap is not executable",
		},
		{
			name:    "CodeDeploy is shifting the alias",
			fn:      fakeFunction{latest: "old", versions: []string{"old", "older"}, alias: "1", routing: map[string]float64{"2": 0.1}},
			wantErr: "alias live sends 10% to version 2 besides version 1: a CodeDeploy deployment is shifting it",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fn := tc.fn
			api := &fakeLambda{fns: map[string]*fakeFunction{target.FunctionName: &fn}}
			s := Swapper{Lambda: api, Poll: time.Millisecond}
			got, err := s.Swap(context.Background(), target, zip, zipHex)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Swap = %v, want an error containing %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(api.calls, tc.wantCalls) {
				t.Errorf("calls %q\nwant %q", api.calls, tc.wantCalls)
			}
			if tc.wantErr != "" {
				return
			}
			if got.Changed != tc.wantChanged || got.Version != tc.wantVersion || got.CodeSha256 != zipB64 || fn.alias != tc.wantVersion {
				t.Errorf("Swap = %+v (alias on %s), want changed=%t version %s code %s", got, fn.alias, tc.wantChanged, tc.wantVersion, zipB64)
			}
			if fn.versions[len(fn.versions)-1] != zipB64 {
				t.Errorf("the newest version runs %s, want %s", fn.versions[len(fn.versions)-1], zipB64)
			}
		})
	}
}

// TestSwapRefusesAZipOverTheDirectUploadLimit: a zip over 50 MB is never
// sent (Lambda would refuse it); the message says what to do instead.
func TestSwapRefusesAZipOverTheDirectUploadLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.zip")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, bundle.MaxZippedBytes+1); err != nil { // sparse: nothing is written
		t.Fatal(err)
	}
	fn := fakeFunction{latest: "old", versions: []string{"old"}, alias: "1"}
	api := &fakeLambda{fns: map[string]*fakeFunction{"F": &fn}}
	_, err := Swapper{Lambda: api}.Swap(context.Background(), Target{Name: "big", FunctionName: "F", Alias: LiveAlias}, path, strings.Repeat("ab", 32))
	if err == nil || !strings.Contains(err.Error(), "52,428,801 bytes, over the 52,428,800 bytes Lambda accepts by direct upload") || !strings.Contains(err.Error(), "make deploy") {
		t.Errorf("Swap = %v, want the direct upload limit named", err)
	}
	if len(api.calls) != 0 {
		t.Errorf("calls %q, want none", api.calls)
	}
}

// TestRun: every function is built in one call; each built one is swapped
// when changed; a build failure or a function missing from the stack is
// that function's error and does not stop the others.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	src := func(name, content string) string {
		p := filepath.Join(dir, name+".go")
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	_, _, sameB64 := writeZip(t, dir, "same", "unchanged code")
	b := &fakeBuilder{dir: t.TempDir(), sources: map[string][]string{
		"edited": {src("edited", "new code")}, "same": {src("same", "unchanged code")}, "undeployed": {src("undeployed", "x")},
	}, fail: map[string]bool{"broken": true}}
	api := &fakeLambda{fns: map[string]*fakeFunction{
		"P-edited": {latest: "old", versions: []string{"old"}, alias: "1"},
		"P-same":   {latest: sameB64, versions: []string{sameB64}, alias: "1"},
		"P-broken": {latest: "old", versions: []string{"old"}, alias: "1"},
	}}
	targets := map[string]Target{}
	var fns []Declared
	for _, name := range []string{"edited", "same", "broken", "undeployed"} {
		fns = append(fns, Declared{ConstructID: name, Build: bundle.Target{Name: name, Dir: "lambda/" + name}})
		if name != "undeployed" {
			targets[name] = Target{Name: name, FunctionName: "P-" + name, Alias: LiveAlias}
		}
	}
	h := Hotswap{Swapper: Swapper{Lambda: api}, Builder: b, Targets: targets}
	out, err := h.Run(context.Background(), fns)
	if len(b.built) != 1 || len(b.built[0]) != 4 {
		t.Errorf("builds %v, want one of all 4 functions", b.built)
	}
	if err == nil || !strings.Contains(err.Error(), "build broken") || !strings.Contains(err.Error(), "undeployed: not in the deployed stack") {
		t.Errorf("Run error = %v, want the build failure and the undeployed function", err)
	}
	since := time.Now()
	want := []string{"edited: live as version 2 (was 1)", "same: unchanged, version 1 of P-same", "broken: FAILED: build broken", "undeployed: FAILED: undeployed: not in the deployed stack"}
	for i, o := range out {
		if line := o.Line("", since); !strings.HasPrefix(line, want[i]) {
			t.Errorf("outcome %d: %q, want it to start with %q", i, line, want[i])
		}
	}
	if api.fns["P-broken"].alias != "1" || len(api.fns["P-broken"].versions) != 1 {
		t.Errorf("the function that failed to build was changed: %+v", api.fns["P-broken"])
	}
}

// TestOutcomeLine shows the cause and the time from save to live.
func TestOutcomeLine(t *testing.T) {
	saved := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := Outcome{Name: "api", Swapped: Swapped{Changed: true, Version: "7", Previous: "6", Live: saved.Add(2340 * time.Millisecond)}}
	if got, want := o.Line("changed lambda/api/main.go", saved), "api: changed lambda/api/main.go → live as version 7 (was 6) in 2.3s"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}
