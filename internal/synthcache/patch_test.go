package synthcache

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

// TestPatchFallsBack: when more than the zips changed, or the folder or
// its stamp cannot be trusted, Patch refuses with the reason and leaves
// the folder, stamp included, as it was; the caller synthesizes. (That a
// patch equals a synth is proven against real synths in test/.)
func TestPatchFallsBack(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string, in *Inputs)
		// notOnlyZips: the change is not Patch's to handle (ErrNotOnlyZips).
		notOnlyZips bool
		want        string
	}{
		{name: "nothing changed", notOnlyZips: true, want: "no zip changed", change: func(*testing.T, string, *Inputs) {}},
		{name: "more than the zips changed", notOnlyZips: true, want: "inputs changed", change: func(_ *testing.T, _ string, in *Inputs) {
			in.Context["stage"] = "prod"
			in.Assets["fn1"] = "other"
		}},
		{name: "function added", notOnlyZips: true, want: "the functions changed", change: func(_ *testing.T, _ string, in *Inputs) {
			in.Assets["fn3"] = "zip3-sha"
		}},
		{name: "no previous synth", notOnlyZips: true, want: "no previous synth", change: func(t *testing.T, dir string, in *Inputs) {
			remove(t, filepath.Join(dir, StampName))
			in.Assets["fn1"] = "other"
		}},
		{name: "stamp of an older version without zip digests", want: "recorded no zip digests", change: func(t *testing.T, dir string, in *Inputs) {
			s, err := readStamp(dir)
			if err != nil {
				t.Fatal(err)
			}
			s.Assets = nil
			raw, _ := json.Marshal(s)
			write(t, filepath.Join(dir, StampName), string(raw))
			in.Assets["fn1"] = "other"
		}},
		{name: "template edited since the synth", want: "App.template.json changed since the synth", change: func(t *testing.T, dir string, in *Inputs) {
			write(t, filepath.Join(dir, "App.template.json"), `{"Resources":{"X":{}}}`)
			in.Assets["fn1"] = "other"
		}},
		{name: "old zip not staged", want: "function fn1: 0 staged copies of its old zip recorded", change: func(_ *testing.T, _ string, in *Inputs) {
			in.Assets["fn1"] = "other"
		}},
		{name: "zip shared with an unchanged function", want: "function fn2 shared its zip with fn1", change: func(t *testing.T, dir string, in *Inputs) {
			in.Assets["fn2"] = in.Assets["fn1"]
			if err := Record(dir, *in); err != nil {
				t.Fatal(err)
			}
			in.Assets["fn2"] = "other"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeAssembly(t, dir)
			in := inputs()
			if err := Record(dir, in); err != nil {
				t.Fatal(err)
			}
			in = inputs()
			tt.change(t, dir, &in)
			before := fixture.ReadTree(t, dir)
			_, err := Patch(dir, in, map[string]string{"fn1": "/no/such/fn1.zip", "fn2": "/no/such/fn2.zip"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Patch = %v, want an error with %q", err, tt.want)
			}
			if errors.Is(err, ErrNotOnlyZips) != tt.notOnlyZips {
				t.Errorf("errors.Is(%v, ErrNotOnlyZips) = %t, want %t", err, !tt.notOnlyZips, tt.notOnlyZips)
			}
			fixture.SameTree(t, fixture.ReadTree(t, dir), before)
		})
	}
}
