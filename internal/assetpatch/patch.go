// Package assetpatch rewrites a cloud assembly that aws-cdk-lib 2.275.0
// wrote for new function zips, exactly as a synth of the same app with
// those zips would write it, without the jsii kernel.
//
// A zip reaches the assembly in three ways: its asset hash (the staged
// copy asset.<hash>.zip, the asset manifests, the templates' S3Key and
// aws:asset:path, tree.json), the logical ID of its function's current
// version (the CurrentVersion prefix followed by the MD5 of the function's
// properties, S3Key included: templates, manifests, cdk-nag reports), and
// the asset hash of every template that holds either (a nested template's
// in its parent's TemplateURL, innermost first; a stack template's in
// manifest.json), with the destination keys of the changed assets in the
// asset manifests. Prepare recomputes each of these hashes in Go, and first
// checks each algorithm against the old assembly: the old staged zip's
// fingerprint must be its name, each old version ID must end in the hash
// of its function's old properties, each template's hash must be the one
// its asset manifest records, each destination key must end in its
// destination's hash. Any mismatch, a hash that is not where it should be,
// a new one already present, or a layout it does not know (nested cloud
// assemblies, functions with layers, a zip shared by two functions ...) is
// an error, and nothing is written: the caller synthesizes instead.
package assetpatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/internal/bundle"
)

// Change replaces one staged zip of the assembly.
type Change struct {
	// Staged is the old zip's file in the assembly folder,
	// "asset.<hash>.zip".
	Staged string
	// Zip is the path of the new zip.
	Zip string
}

// Patch is the rewrite Prepare computed: nothing is written until Apply.
type Patch struct {
	dir    string
	write  map[string][]byte // rewritten assembly files and new staged zips, by name
	remove []string          // the old staged zips
	// Assets, Versions and Templates count the asset hashes, version
	// logical IDs and template hashes rewritten.
	Assets, Versions, Templates int
}

var stagedZip = regexp.MustCompile(`^asset\.([0-9a-f]{64})\.zip$`)

// assembly holds the text files of a cloud assembly, as they were and as
// rewritten so far.
type assembly struct {
	names []string // sorted
	old   map[string][]byte
	cur   map[string][]byte
}

// Prepare computes the rewrite of the cloud assembly in dir, whose files
// (slash-separated, relative to dir) are listed, for changes. Staged assets
// (asset.*) are not read except for the changed zips; every other file is
// rewritten as text. It writes nothing.
func Prepare(dir string, files []string, changes []Change) (*Patch, error) {
	if len(changes) == 0 {
		return nil, errors.New("no zip changed")
	}
	a := &assembly{old: map[string][]byte{}, cur: map[string][]byte{}}
	for _, name := range files {
		if strings.HasPrefix(name, "asset.") {
			continue
		}
		if strings.Contains(name, "/") {
			return nil, fmt.Errorf("%s: a nested cloud assembly, which the patch does not handle", name)
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		a.names = append(a.names, name)
		a.old[name], a.cur[name] = raw, raw
	}
	slices.Sort(a.names)
	p := &Patch{dir: dir, write: map[string][]byte{}}

	// 1. The zips' asset hashes, each algorithm checked on the old zip.
	assetHashes := map[string]string{} // old → new
	for _, c := range changes {
		m := stagedZip.FindStringSubmatch(c.Staged)
		if m == nil {
			return nil, fmt.Errorf("%s: not a staged zip (asset.<64 hex digits>.zip)", c.Staged)
		}
		oldHash := m[1]
		staged, err := os.ReadFile(filepath.Join(dir, c.Staged))
		if err != nil {
			return nil, err
		}
		if got, err := fingerprint(staged); err != nil || got != oldHash {
			return nil, fmt.Errorf("self-check: the fingerprint of %s is %s (%v), not its hash", c.Staged, got, err)
		}
		content, err := os.ReadFile(c.Zip)
		if err != nil {
			return nil, err
		}
		newHash, err := fingerprint(content)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Zip, err)
		}
		if prev, ok := assetHashes[oldHash]; ok && prev != newHash {
			return nil, fmt.Errorf("%s: two functions shared this zip and now differ", c.Staged)
		}
		if newHash == oldHash {
			continue // same content
		}
		assetHashes[oldHash] = newHash
		p.write["asset."+newHash+".zip"] = content
		p.remove = append(p.remove, c.Staged)
	}
	if len(assetHashes) == 0 {
		return nil, errors.New("no asset hash changed")
	}
	manifests, err := a.assetManifests()
	if err != nil {
		return nil, err
	}
	for _, oldHash := range slices.Sorted(maps.Keys(assetHashes)) {
		if err := manifests.checkZip(oldHash); err != nil {
			return nil, err
		}
	}

	// 2. The current versions' logical IDs, from the old templates.
	versionIDs := map[string]string{}
	for _, oldHash := range slices.Sorted(maps.Keys(assetHashes)) {
		ids, err := a.versions(oldHash, assetHashes[oldHash])
		if err != nil {
			return nil, err
		}
		maps.Copy(versionIDs, ids)
	}
	for _, oldHash := range slices.Sorted(maps.Keys(assetHashes)) {
		if err := a.substitute(oldHash, assetHashes[oldHash], "asset hash"); err != nil {
			return nil, err
		}
		p.Assets++
	}
	for _, oldID := range slices.Sorted(maps.Keys(versionIDs)) {
		if err := a.substitute(oldID, versionIDs[oldID], "version logical ID"); err != nil {
			return nil, err
		}
		p.Versions++
	}

	// 3. The templates' hashes, innermost first.
	changedAssets := slices.Collect(maps.Values(assetHashes))
	order, oldHashes, err := a.templateOrder()
	if err != nil {
		return nil, err
	}
	for _, name := range order {
		if bytes.Equal(a.cur[name], a.old[name]) {
			continue
		}
		if err := manifests.checkTemplate(name, oldHashes[name]); err != nil {
			return nil, err
		}
		newHash, err := templateHash(name, a.cur[name])
		if err != nil {
			return nil, err
		}
		if err := a.substitute(oldHashes[name], newHash, "template hash of "+name); err != nil {
			return nil, err
		}
		changedAssets = append(changedAssets, newHash)
		p.Templates++
	}

	// 4. The destination keys of the changed assets.
	if err := a.destinationKeys(manifests, changedAssets); err != nil {
		return nil, err
	}

	for _, name := range a.names {
		if bytes.Equal(a.cur[name], a.old[name]) {
			continue
		}
		// Every hash and ID has the length of the one it replaces: the
		// templates keep their size, and their CloudFormation limits.
		if len(a.cur[name]) != len(a.old[name]) {
			return nil, fmt.Errorf("%s: %d bytes rewritten to %d", name, len(a.old[name]), len(a.cur[name]))
		}
		p.write[name] = a.cur[name]
	}
	return p, nil
}

// Apply writes the rewrite: the new staged zips (one left in the folder by
// an earlier synth has the same name, so the same content, and is
// overwritten), the rewritten files (each atomically), then removes the old
// staged zips, which nothing references any more. An error leaves the folder
// partly rewritten: the caller must synthesize again.
func (p *Patch) Apply() error {
	for _, name := range slices.Sorted(maps.Keys(p.write)) {
		if err := bundle.WriteFileAtomic(filepath.Join(p.dir, name), p.write[name]); err != nil {
			return fmt.Errorf("patch %s: %w", p.dir, err)
		}
	}
	for _, name := range p.remove {
		if err := os.Remove(filepath.Join(p.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("patch %s: %w", p.dir, err)
		}
	}
	return nil
}

// substitute replaces old by new in every file: old must be found, as a
// whole token (no letter or digit either side), and new must be in no file
// yet, so that the rewrite replaces exactly the occurrences of old.
func (a *assembly) substitute(old, new, what string) error {
	total := 0
	for _, name := range a.names {
		if bytes.Contains(a.cur[name], []byte(new)) {
			return fmt.Errorf("new %s %s is already in %s", what, new, name)
		}
		out, n, err := replaceToken(a.cur[name], old, new)
		if err != nil {
			return fmt.Errorf("%s: %s %s: %w", name, what, old, err)
		}
		a.cur[name] = out
		total += n
	}
	if total == 0 {
		return fmt.Errorf("%s %s is in no file", what, old)
	}
	return nil
}

// replaceToken replaces every occurrence of old in b by new, and fails
// when one is part of a longer word.
func replaceToken(b []byte, old, new string) ([]byte, int, error) {
	n := bytes.Count(b, []byte(old))
	if n == 0 {
		return b, 0, nil
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(old))
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(old)
		if start > 0 && isWordByte(b[start-1]) || end < len(b) && isWordByte(b[end]) {
			return nil, 0, fmt.Errorf("found within a longer word at byte %d", start)
		}
		i = end
	}
	return bytes.ReplaceAll(b, []byte(old), []byte(new)), n, nil
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// resources are a template's resources, their properties as written.
type resources map[string]struct {
	Type       string
	Properties json.RawMessage
}

func (a *assembly) templates() []string {
	var out []string
	for _, name := range a.names {
		if strings.HasSuffix(name, ".template.json") {
			out = append(out, name)
		}
	}
	return out
}

var hashedVersionID = regexp.MustCompile(`^([A-Za-z0-9]*)([0-9a-f]{32})$`)

// versions maps the logical ID of the current version of each function
// whose code is the asset oldHash to its ID with newHash: the ID's MD5 is
// recomputed from the function's properties with the new S3Key, once the
// old properties are checked to give the old ID. A version whose ID ends
// in no MD5 does not depend on the code and is left alone.
func (a *assembly) versions(oldHash, newHash string) (map[string]string, error) {
	out := map[string]string{}
	functions := 0
	for _, name := range a.templates() {
		var tpl struct{ Resources resources }
		if err := json.Unmarshal(a.old[name], &tpl); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, fnID := range slices.Sorted(maps.Keys(tpl.Resources)) {
			fn := tpl.Resources[fnID]
			var props struct{ Code struct{ S3Key string } }
			if fn.Type != "AWS::Lambda::Function" || json.Unmarshal(fn.Properties, &props) != nil || props.Code.S3Key != oldHash+".zip" {
				continue
			}
			functions++
			newProps, n, err := replaceToken(fn.Properties, oldHash, newHash)
			if err != nil || n != 1 {
				return nil, fmt.Errorf("%s: function %s holds its asset hash %d times, want once in S3Key (%v)", name, fnID, n, err)
			}
			for _, vID := range slices.Sorted(maps.Keys(tpl.Resources)) {
				v := tpl.Resources[vID]
				var vProps struct{ FunctionName struct{ Ref string } }
				if v.Type != "AWS::Lambda::Version" || json.Unmarshal(v.Properties, &vProps) != nil || vProps.FunctionName.Ref != fnID {
					continue
				}
				m := hashedVersionID.FindStringSubmatch(vID)
				if m == nil {
					continue
				}
				oldSum, err := versionHash(fn.Properties)
				if err != nil {
					return nil, fmt.Errorf("%s: function %s: %w", name, fnID, err)
				}
				if oldSum != m[2] {
					return nil, fmt.Errorf("self-check: %s: version %s does not end in the hash of function %s's properties (%s)", name, vID, fnID, oldSum)
				}
				newSum, err := versionHash(newProps)
				if err != nil {
					return nil, fmt.Errorf("%s: function %s: %w", name, fnID, err)
				}
				out[vID] = m[1] + newSum
			}
		}
	}
	if functions == 0 {
		return nil, fmt.Errorf("no function's S3Key is the asset %s.zip", oldHash)
	}
	return out, nil
}

// templateOrder returns the templates, each after every template whose
// hash it holds (a nested stack's template before its parent's), with each
// template's old hash.
func (a *assembly) templateOrder() ([]string, map[string]string, error) {
	names := a.templates()
	hashes := map[string]string{}
	for _, name := range names {
		h, err := templateHash(name, a.old[name])
		if err != nil {
			return nil, nil, err
		}
		hashes[name] = h
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(names) {
		progress := false
		for _, name := range names {
			if done[name] {
				continue
			}
			ready := true
			for _, child := range names {
				if child != name && !done[child] && bytes.Contains(a.old[name], []byte(hashes[child])) {
					ready = false
				}
			}
			if ready {
				order = append(order, name)
				done[name] = true
				progress = true
			}
		}
		if !progress {
			return nil, nil, errors.New("the templates hold each other's hashes in a cycle")
		}
	}
	return order, hashes, nil
}

// manifests are the assembly's asset manifests (*.assets.json), parsed
// from their old content.
type manifests map[string]assetManifest

type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]json.RawMessage `json:"destinations"`
	} `json:"files"`
}

func (a *assembly) assetManifests() (manifests, error) {
	out := manifests{}
	for _, name := range a.names {
		if !strings.HasSuffix(name, ".assets.json") {
			continue
		}
		var m assetManifest
		if err := json.Unmarshal(a.old[name], &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = m
	}
	return out, nil
}

// checkAsset checks that some manifest lists the asset hash with source
// path path, and that each of its destinations' object keys is the hash
// with extension ext.
func (ms manifests) checkAsset(hash, path, ext string) error {
	found := false
	for _, name := range slices.Sorted(maps.Keys(ms)) {
		f, ok := ms[name].Files[hash]
		if !ok {
			continue
		}
		found = true
		if f.Source.Path != path {
			return fmt.Errorf("%s: asset %s has source %s, want %s", name, hash, f.Source.Path, path)
		}
		for key, raw := range f.Destinations {
			var d struct {
				ObjectKey string `json:"objectKey"`
			}
			if err := json.Unmarshal(raw, &d); err != nil || !strings.HasSuffix(d.ObjectKey, hash+ext) {
				return fmt.Errorf("%s: asset %s: destination %s has object key %q (%v)", name, hash, key, d.ObjectKey, err)
			}
		}
	}
	if !found {
		return fmt.Errorf("self-check: no asset manifest lists the asset %s of %s", hash, path)
	}
	return nil
}

func (ms manifests) checkZip(hash string) error {
	return ms.checkAsset(hash, "asset."+hash+".zip", ".zip")
}

// checkTemplate checks that the hash computed from the template's old
// content is the one its asset manifest records.
func (ms manifests) checkTemplate(name, hash string) error {
	return ms.checkAsset(hash, name, ".json")
}

// destinationKeys rewrites, in every asset manifest, the key of each
// destination of the assets newHashes: "<environment>-<destination hash>".
// Each old key is first checked to end in its old destination's hash.
func (a *assembly) destinationKeys(old manifests, newHashes []string) error {
	for _, name := range slices.Sorted(maps.Keys(old)) {
		var m assetManifest
		if err := json.Unmarshal(a.cur[name], &m); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, h := range newHashes {
			f, ok := m.Files[h]
			if !ok {
				continue
			}
			for _, key := range slices.Sorted(maps.Keys(f.Destinations)) {
				base, oldSuffix, ok := cutLast(key, "-")
				if !ok {
					return fmt.Errorf("%s: destination key %s has no hash", name, key)
				}
				if err := checkDestination(name, key, oldSuffix, old[name]); err != nil {
					return err
				}
				suffix, err := destinationSuffix(f.Destinations[key])
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				newKey := base + "-" + suffix
				if newKey == key {
					continue
				}
				quoted, newQuoted := []byte(`"`+key+`"`), []byte(`"`+newKey+`"`)
				if n := bytes.Count(a.cur[name], quoted); n != 1 || bytes.Contains(a.cur[name], newQuoted) {
					return fmt.Errorf("%s: destination key %s found %d times, want once, to become %s", name, key, n, newKey)
				}
				a.cur[name] = bytes.Replace(a.cur[name], quoted, newQuoted, 1)
			}
		}
	}
	return nil
}

// checkDestination checks that key, a destination key of the old
// manifest, ends in the hash of its destination.
func checkDestination(name, key, suffix string, old assetManifest) error {
	for _, f := range old.Files {
		if raw, ok := f.Destinations[key]; ok {
			got, err := destinationSuffix(raw)
			if err != nil || got != suffix {
				return fmt.Errorf("self-check: %s: destination %s hashes to %s (%v)", name, key, got, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%s: destination key %s is not in the old manifest", name, key)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
