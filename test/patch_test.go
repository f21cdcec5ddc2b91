package test

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/synthcache"
	"go-lambda-cdk/stacks"
)

// TestPatchedAssemblyEqualsFreshSynth synthesizes the app with zips A into
// one folder and, with one function's zip changed (B), into another; then
// patches the first for B (synthcache.Patch, no construct created): every
// file must equal the second folder's byte for byte, for the default
// layout and with every function in a nested stack (whose template hash
// reaches the parent template). The context carries what the CDK CLI adds
// to every synth (cliContext), so the assembly has the path metadata and
// the version reporting resource of `cdk synth`'s. Nothing is normalised:
// the assembly holds no absolute path. A patch whose writing fails halfway
// leaves no stamp.
func TestPatchedAssemblyEqualsFreshSynth(t *testing.T) {
	tests := []struct {
		name    string
		context map[string]any
		// templates is how many template hashes the patch rewrites: the
		// changed function's template and each one above it.
		templates int
	}{
		{name: "default layout", context: cliContext(map[string]any{"stage": config.StageDev}), templates: 1},
		{name: "nested stacks", context: cliContext(map[string]any{"stage": config.StageDev, "nestedStacks": config.NestedAlways}), templates: 2},
	}
	names := functions.Names()
	changed := names[len(names)-1]
	zips := t.TempDir()
	a, b := stacks.Assets{}, stacks.Assets{}
	for _, fn := range names {
		a[fn] = filepath.Join(zips, fn+".a.zip")
		writePlaceholderZip(t, a[fn], "A "+fn)
		b[fn] = a[fn]
	}
	b[changed] = filepath.Join(zips, changed+".b.zip")
	writePlaceholderZip(t, b[changed], "B "+changed)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patched, fresh := t.TempDir(), t.TempDir()
			synthInto(t, tt.context, a, patched)
			synthInto(t, tt.context, b, fresh)
			in := synthcache.Inputs{App: "test", Context: tt.context, Assets: zipDigests(t, a)}
			if err := synthcache.Record(patched, in); err != nil {
				t.Fatal(err)
			}
			// A copy, for a patch that fails halfway.
			halfway := t.TempDir()
			if err := os.CopyFS(halfway, os.DirFS(patched)); err != nil {
				t.Fatal(err)
			}
			old := assemblyFiles(t, patched)
			in.Assets = zipDigests(t, b)
			done, err := synthcache.Patch(patched, in, b)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(done.Functions, []string{changed}) || done.Assets != 1 || done.Versions != 1 || done.Templates != tt.templates {
				t.Errorf("patched %+v, want the zip of %s: 1 asset hash, 1 version ID, %d template hashes", done, changed, tt.templates)
			}
			// Patched against synthesized: each file named is one that
			// differs from the synth's, or that only one of them has.
			fixture.SameTree(t, assemblyFiles(t, patched), assemblyFiles(t, fresh))
			if ok, reason := synthcache.Reusable(patched, mustKey(t, in)); !ok {
				t.Errorf("the patched folder is not reusable with the new key: %s", reason)
			}

			// The new staged zip cannot be written (a folder holds its
			// name): the patch fails after its checks, and leaves no stamp.
			for name := range assemblyFiles(t, patched) {
				if _, ok := old[name]; !ok && strings.HasPrefix(name, "asset.") {
					fixture.WriteFile(t, filepath.Join(halfway, name, "blocker"), "")
				}
			}
			if _, err := synthcache.Patch(halfway, in, b); err == nil {
				t.Fatal("patch into a folder whose new staged zip cannot be written succeeded")
			}
			if _, err := os.Stat(filepath.Join(halfway, synthcache.StampName)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a patch that failed halfway left the stamp (%v)", err)
			}
		})
	}
}

// cliContext returns context with the keys `cdk synth` adds to every
// app's context (unless told otherwise): path metadata on each resource,
// the version reporting resource (CDKMetadata) and every stack's assets
// bundled. synthInto adds the asset metadata.
func cliContext(context map[string]any) map[string]any {
	out := map[string]any{"aws:cdk:enable-path-metadata": true, "aws:cdk:version-reporting": true, "aws:cdk:bundling-stacks": []any{"**"}}
	maps.Copy(out, context)
	return out
}

// zipDigests maps each function to its zip's SHA-256.
func zipDigests(t *testing.T, assets stacks.Assets) map[string]string {
	t.Helper()
	out := map[string]string{}
	for fn, path := range assets {
		sum, err := bundle.HashFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[fn] = sum
	}
	return out
}

func mustKey(t *testing.T, in synthcache.Inputs) string {
	t.Helper()
	key, err := in.Key()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// assemblyFiles returns the content of every file of a cloud assembly
// folder but the synth cache's stamp, by slash-separated relative path.
func assemblyFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := fixture.ReadTree(t, dir)
	delete(files, synthcache.StampName)
	return files
}
