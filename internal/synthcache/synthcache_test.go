package synthcache

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

// inputs is a complete set of inputs for the tests to vary.
func inputs() Inputs {
	return Inputs{
		App:     "app-sha",
		Node:    "/usr/bin/node 100 1",
		Dir:     "/src/project",
		CDKJSON: "cdkjson-sha",
		Context: map[string]any{"stage": "dev", "functions.fn1.memoryMB": 256.0, "@aws-cdk/core:flag": true},
		Env:     []string{"CDK_DEFAULT_REGION=eu-west-1", "CDK_OUTDIR=cdk.out"},
		Assets:  map[string]string{"fn1": "zip1-sha", "fn2": "zip2-sha"},
	}
}

// writeAssembly fills dir with the files of a small cloud assembly.
func writeAssembly(t *testing.T, dir string) {
	t.Helper()
	fixture.WriteFiles(t, dir, map[string]string{
		"manifest.json":              `{"version":"1"}`,
		"App.template.json":          `{"Resources":{}}`,
		"asset.abc.zip":              "zip bytes",
		"asset.dir/bootstrap":        "binary",
		"synth.lock":                 "lock",
		"read.1.1.lock":              "lock",
		"performance-counters.json":  "{}",
		"nested.assembly/inner.json": "{}",
	})
}

// TestEveryInputChangesTheKey changes each input in turn, by a value and by
// presence: each change must give another key, so that the assembly is
// synthesized again, and equal inputs must give the same key.
func TestEveryInputChangesTheKey(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*Inputs)
		sameBase bool // only the zips changed
	}{
		{name: "app code", change: func(in *Inputs) { in.App = "other" }},
		{name: "node", change: func(in *Inputs) { in.Node = "/usr/bin/node 100 2" }},
		{name: "working folder", change: func(in *Inputs) { in.Dir = "/src/other" }},
		{name: "cdk.json", change: func(in *Inputs) { in.CDKJSON = "other" }},
		{name: "cdk.json removed", change: func(in *Inputs) { in.CDKJSON = "" }},
		{name: "context value", change: func(in *Inputs) { in.Context["functions.fn1.memoryMB"] = 512.0 }},
		{name: "context value type", change: func(in *Inputs) { in.Context["functions.fn1.memoryMB"] = "256" }},
		{name: "context key added", change: func(in *Inputs) { in.Context["functions.fn2.memoryMB"] = 256.0 }},
		{name: "context key removed", change: func(in *Inputs) { delete(in.Context, "@aws-cdk/core:flag") }},
		{name: "environment value", change: func(in *Inputs) { in.Env[0] = "CDK_DEFAULT_REGION=us-east-1" }},
		{name: "environment variable added", change: func(in *Inputs) { in.Env = append(in.Env, "CDK_DEBUG=true") }},
		{name: "asset changed", change: func(in *Inputs) { in.Assets["fn2"] = "other" }, sameBase: true},
		{name: "asset added", change: func(in *Inputs) { in.Assets["fn3"] = "zip3-sha" }, sameBase: true},
		{name: "asset removed", change: func(in *Inputs) { delete(in.Assets, "fn1") }, sameBase: true},
		{name: "asset renamed", change: func(in *Inputs) { in.Assets["fn9"] = in.Assets["fn1"]; delete(in.Assets, "fn1") }, sameBase: true},
	}
	base, err := inputs().BaseKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := inputs().Key()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := inputs().Key(); again != key {
		t.Fatalf("equal inputs gave keys %s and %s", key, again)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inputs()
			tt.change(&in)
			gotBase, err := in.BaseKey()
			if err != nil {
				t.Fatal(err)
			}
			got, err := in.Key()
			if err != nil {
				t.Fatal(err)
			}
			if got == key {
				t.Errorf("key unchanged: %s", got)
			}
			if (gotBase == base) != tt.sameBase {
				t.Errorf("base key unchanged = %t, want %t", gotBase == base, tt.sameBase)
			}
		})
	}
}

// TestAlternativesServeFewerBundledAssetsOnly checks which recorded
// synths a run may reuse, by the stacks the CDK CLI asks to bundle: a run
// that bundles fewer than every stack (cdk bootstrap, list, destroy) may
// reuse the assembly of one that bundles all (cdk synth, diff, deploy), and
// never the other way round.
func TestAlternativesServeFewerBundledAssetsOnly(t *testing.T) {
	withBundling := func(v any) Inputs {
		in := inputs()
		if v != nil {
			in.Context[bundlingStacksKey] = v
		}
		return in
	}
	key := func(in Inputs) string {
		t.Helper()
		k, err := in.Key()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	all, none := key(withBundling([]any{"**"})), key(withBundling([]any{}))
	if all == none {
		t.Fatal("bundling every stack and bundling none give the same key")
	}
	tests := []struct {
		name     string
		bundling any // the value of aws:cdk:bundling-stacks; nil: absent
		want     []string
	}{
		{name: "every stack (synth, diff, deploy)", bundling: []any{"**"}, want: []string{all}},
		{name: "absent (every stack)", want: []string{key(withBundling(nil))}},
		{name: "none (bootstrap, list, destroy)", bundling: []any{}, want: []string{all, none}},
		{name: "one stack", bundling: []any{"GoLambdaCdk-dev"}, want: []string{all, key(withBundling([]any{"GoLambdaCdk-dev"}))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := withBundling(tt.bundling)
			var got []string
			for _, alt := range in.Alternatives() {
				got = append(got, key(alt))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("alternatives' keys %.12s, want %.12s", got, tt.want)
			}
			if !reflect.DeepEqual(in.Context[bundlingStacksKey], tt.bundling) && tt.bundling != nil {
				t.Errorf("Alternatives changed the caller's context: %v", in.Context[bundlingStacksKey])
			}
		})
	}
}

// TestEnvironment keeps the variables of the CDK CLI, aws-cdk-lib and the
// jsii runtime, sorted, and leaves out the context variables (the context
// is keyed whole) and everything else.
func TestEnvironment(t *testing.T) {
	got := Environment([]string{
		"PATH=/bin", "CDK_OUTDIR=cdk.out", "JSII_RUNTIME=node x", "CDK_CONTEXT_JSON={}",
		"CONTEXT_OVERFLOW_LOCATION_ENV=/tmp/cdk-context123/context-overflow.json",
		"CDK_DEFAULT_ACCOUNT=111111111111", "HOME=/root", "XCDK_OTHER=1", "NODE_ENV=test", "NODE_PATH=/x",
	})
	want := []string{"CDK_DEFAULT_ACCOUNT=111111111111", "CDK_OUTDIR=cdk.out", "JSII_RUNTIME=node x", "NODE_ENV=test"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Environment = %q, want %q", got, want)
	}
}

// TestReusable records a synth, then checks that the same key reuses the
// folder and that a different key or any change to the recorded assembly
// does not.
func TestReusable(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, dir string, in *Inputs)
		reused  bool
		maybe   bool // MayReuse, before the zips are known
		forgets bool // Forget was called: no stamp left
	}{
		{name: "unchanged", change: func(*testing.T, string, *Inputs) {}, reused: true, maybe: true},
		{name: "lock and CLI files change", reused: true, maybe: true, change: func(t *testing.T, dir string, _ *Inputs) {
			write(t, filepath.Join(dir, "synth.lock"), "other")
			write(t, filepath.Join(dir, "error.txt"), "x")
			remove(t, filepath.Join(dir, "performance-counters.json"))
		}},
		{name: "extra file", reused: true, maybe: true, change: func(t *testing.T, dir string, _ *Inputs) {
			write(t, filepath.Join(dir, "asset.new.zip"), "x")
		}},
		{name: "inputs changed", maybe: false, change: func(_ *testing.T, _ string, in *Inputs) { in.Context["stage"] = "prod" }},
		{name: "zip changed", maybe: true, change: func(_ *testing.T, _ string, in *Inputs) { in.Assets["fn1"] = "other" }},
		{name: "template edited", maybe: true, change: func(t *testing.T, dir string, _ *Inputs) {
			write(t, filepath.Join(dir, "App.template.json"), `{"Resources":{"X":{}}}`)
		}},
		{name: "manifest deleted", maybe: true, change: func(t *testing.T, dir string, _ *Inputs) {
			remove(t, filepath.Join(dir, "manifest.json"))
		}},
		{name: "asset in a folder deleted", maybe: true, change: func(t *testing.T, dir string, _ *Inputs) {
			remove(t, filepath.Join(dir, "asset.dir", "bootstrap"))
		}},
		{name: "nested assembly edited", maybe: true, change: func(t *testing.T, dir string, _ *Inputs) {
			write(t, filepath.Join(dir, "nested.assembly", "inner.json"), "[]")
		}},
		{name: "folder emptied", maybe: false, change: func(t *testing.T, dir string, _ *Inputs) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "stamp corrupt", maybe: false, change: func(t *testing.T, dir string, _ *Inputs) {
			write(t, filepath.Join(dir, StampName), "{")
		}},
		{name: "synth started", maybe: false, forgets: true, change: func(t *testing.T, dir string, _ *Inputs) {
			if err := Forget(dir); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeAssembly(t, dir)
			if err := Record(dir, inputs()); err != nil {
				t.Fatal(err)
			}
			in := inputs()
			tt.change(t, dir, &in)
			base, _ := in.BaseKey()
			if got := MayReuse(dir, base); got != tt.maybe {
				t.Errorf("MayReuse = %t, want %t", got, tt.maybe)
			}
			key, _ := in.Key()
			ok, reason := Reusable(dir, key)
			if ok != tt.reused {
				t.Errorf("Reusable = %t (%s), want %t", ok, reason, tt.reused)
			}
			if !ok && reason == "" {
				t.Error("no reason given for a fresh synth")
			}
			if _, err := os.Stat(filepath.Join(dir, StampName)); tt.forgets && err == nil {
				t.Error("stamp left after Forget")
			}
		})
	}
}

// TestRecordListsTheAssemblyFilesOnly checks that the stamp lists the assembly's files
// and none of the CLI's locks or per-run files.
func TestRecordListsTheAssemblyFilesOnly(t *testing.T) {
	dir := t.TempDir()
	writeAssembly(t, dir)
	if err := Record(dir, inputs()); err != nil {
		t.Fatal(err)
	}
	s, err := readStamp(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(s.Files))
	want := []string{"App.template.json", "asset.abc.zip", "asset.dir/bootstrap", "manifest.json", "nested.assembly/inner.json"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("recorded %q, want %q", names, want)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
