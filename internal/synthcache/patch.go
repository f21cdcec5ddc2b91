package synthcache

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"go-lambda-cdk/internal/assetpatch"
)

// ErrNotOnlyZips is Patch's error when the change is not one it handles:
// more than the zips changed, or nothing did.
var ErrNotOnlyZips = errors.New("not only zips changed")

// Patched is what Patch rewrote.
type Patched struct {
	// Functions are the functions whose zip changed, sorted.
	Functions []string
	// Assets, Versions and Templates count the asset hashes, version
	// logical IDs and template hashes rewritten.
	Assets, Versions, Templates int
}

// Patch brings the assembly in outdir up to date when only zips changed
// since the synth that wrote it: the stamp has in's base key, every file it
// records is intact, and the functions are the same. It rewrites the
// assembly for the new zips (see internal/assetpatch, which checks each
// hash it recomputes against the old assembly) and records in's stamp.
// zips maps each function to its zip, in.Assets to its SHA-256.
//
// An error before anything is written leaves outdir as it was; once the
// rewrite starts, the stamp is gone (Forget), so that a failure halfway
// leaves nothing to reuse. Either way the caller synthesizes.
func Patch(outdir string, in Inputs, zips map[string]string) (Patched, error) {
	var done Patched
	base, err := in.BaseKey()
	if err != nil {
		return done, err
	}
	s, err := readStamp(outdir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return done, fmt.Errorf("%w: no previous synth recorded in %s", ErrNotOnlyZips, outdir)
	case err != nil:
		return done, err
	case s.BaseKey != base:
		return done, fmt.Errorf("%w: inputs changed", ErrNotOnlyZips)
	case s.Assets == nil:
		return done, errors.New("the previous synth recorded no zip digests")
	}
	if !slices.Equal(slices.Sorted(maps.Keys(s.Assets)), slices.Sorted(maps.Keys(in.Assets))) {
		return done, fmt.Errorf("%w: the functions changed", ErrNotOnlyZips)
	}
	for _, fn := range slices.Sorted(maps.Keys(in.Assets)) {
		if in.Assets[fn] != s.Assets[fn] {
			done.Functions = append(done.Functions, fn)
		}
	}
	if len(done.Functions) == 0 {
		return done, fmt.Errorf("%w: no zip changed", ErrNotOnlyZips)
	}
	if err := s.intact(outdir); err != nil {
		return done, err
	}
	// The staged file of each old zip: the recorded file with its digest.
	staged := map[string][]string{} // digest → names
	for name, sum := range s.Files {
		if strings.HasPrefix(name, "asset.") && !strings.Contains(name, "/") {
			staged[sum] = append(staged[sum], name)
		}
	}
	var changes []assetpatch.Change
	for _, fn := range done.Functions {
		old := s.Assets[fn]
		for _, other := range slices.Sorted(maps.Keys(s.Assets)) {
			if s.Assets[other] == old && in.Assets[other] == old {
				return done, fmt.Errorf("function %s shared its zip with %s, whose zip did not change", fn, other)
			}
		}
		if len(staged[old]) != 1 {
			return done, fmt.Errorf("function %s: %d staged copies of its old zip recorded, want 1", fn, len(staged[old]))
		}
		changes = append(changes, assetpatch.Change{Staged: staged[old][0], Zip: zips[fn]})
	}
	p, err := assetpatch.Prepare(outdir, slices.Sorted(maps.Keys(s.Files)), changes)
	if err != nil {
		return done, err
	}
	if err := Forget(outdir); err != nil {
		return done, err
	}
	if err := p.Apply(); err != nil {
		return done, err
	}
	if err := Record(outdir, in); err != nil {
		return done, err
	}
	done.Assets, done.Versions, done.Templates = p.Assets, p.Versions, p.Templates
	return done, nil
}
