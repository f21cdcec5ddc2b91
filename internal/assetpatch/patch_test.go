package assetpatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

// assemblyFixture describes a one-stack cloud assembly with one function,
// laid out as aws-cdk-lib writes it, its hashes computed by this package:
// these tests are about the checks and the fallbacks; that the hashes are
// aws-cdk-lib's is proven against real synths (test/patch_test.go).
type assemblyFixture struct {
	zip []byte
	// Each spoils one hash or entry, to be caught by a self-check.
	wrongVersionSuffix, noZipEntry, wrongTemplateKey, wrongDestinationKey, layers bool
}

const versionPrefix = "FnCurrentVersionABCD1234"

// zipBytes is a zip's worth of binary content (NUL in its first bytes).
func zipBytes(code string) []byte { return []byte("PK\x03\x04\x14\x00\x00\x00" + code) }

// write writes the assembly into dir and returns its files and the staged
// zip's name.
func (f assemblyFixture) write(t *testing.T, dir string) (files []string, staged string) {
	t.Helper()
	hash, err := fingerprint(f.zip)
	if err != nil {
		t.Fatal(err)
	}
	staged = "asset." + hash + ".zip"
	layers := ""
	if f.layers {
		layers = `,"Layers":["arn:aws:lambda:eu-west-1:111111111111:layer:x:1"]`
	}
	props := fmt.Sprintf(`{"Code":{"S3Bucket":{"Fn::Sub":"cdk-assets-${AWS::AccountId}"},"S3Key":"%s.zip"},"Role":{"Fn::GetAtt":["Role","Arn"]},"Handler":"bootstrap","Runtime":"provided.al2023","Environment":{"Variables":{"B":"2","A":"<1>"}},"Tags":[{"Key":"stage","Value":"dev"}]%s}`, hash, layers)
	suffix := strings.Repeat("0", 32)
	if !f.wrongVersionSuffix && !f.layers {
		if suffix, err = versionHash(json.RawMessage(props)); err != nil {
			t.Fatal(err)
		}
	}
	versionID := versionPrefix + suffix
	compact := fmt.Sprintf(`{"Resources":{"Fn":{"Type":"AWS::Lambda::Function","Properties":%s,"Metadata":{"aws:asset:path":"%s"}},"%s":{"Type":"AWS::Lambda::Version","Properties":{"FunctionName":{"Ref":"Fn"}}},"Live":{"Type":"AWS::Lambda::Alias","Properties":{"FunctionVersion":{"Fn::GetAtt":["%s","Version"]}}}}}`, props, staged, versionID, versionID)
	var template bytes.Buffer
	if err := json.Indent(&template, []byte(compact), "", " "); err != nil {
		t.Fatal(err)
	}
	templateKey := sha256Hex(template.Bytes())
	manifestURL := "s3://cdk-assets/" + templateKey + ".json"
	if f.wrongTemplateKey {
		templateKey = strings.Repeat("1", 64)
	}
	files0 := map[string]any{}
	entry := func(key, path, objectKey string) {
		dest := fmt.Sprintf(`{"bucketName":"cdk-assets-${AWS::AccountId}","objectKey":"%s"}`, objectKey)
		destSuffix, err := destinationSuffix(json.RawMessage(dest))
		if err != nil {
			t.Fatal(err)
		}
		if f.wrongDestinationKey {
			destSuffix = "00000000"
		}
		files0[key] = map[string]any{
			"source":       map[string]string{"path": path, "packaging": "file"},
			"destinations": map[string]json.RawMessage{"current_account-current_region-" + destSuffix: json.RawMessage(dest)},
		}
	}
	if !f.noZipEntry {
		entry(hash, staged, hash+".zip")
	}
	entry(templateKey, "App.template.json", templateKey+".json")
	assets, err := json.MarshalIndent(map[string]any{"version": "48.0.0", "files": files0}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	content := map[string]string{
		"App.template.json": template.String(),
		"App.assets.json":   string(assets),
		"manifest.json":     fmt.Sprintf(`{"artifacts":{"App":{"properties":{"stackTemplateAssetObjectUrl":"%s"},"metadata":{"/App/Fn/CurrentVersion/Resource":[{"type":"aws:cdk:logicalId","data":"%s"}]}}}}`, manifestURL, versionID),
		"tree.json":         fmt.Sprintf(`{"S3Key":"%s.zip","logicalId":"%s"}`, hash, versionID),
		staged:              string(f.zip),
	}
	fixture.WriteFiles(t, dir, content)
	for name := range content {
		files = append(files, name)
	}
	return files, staged
}

// TestPatchRewritesEveryHashOfTheZip patches the fixture for a new zip: the
// staged copy is replaced, and the asset hash, the version ID, the
// template's hash and the destination keys are rewritten wherever they
// appear, each file keeping its size.
func TestPatchRewritesEveryHashOfTheZip(t *testing.T) {
	dir := t.TempDir()
	files, staged := assemblyFixture{zip: zipBytes("old code")}.write(t, dir)
	before := fixture.ReadTree(t, dir)
	newZip := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(newZip, zipBytes("new code"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(dir, files, []Change{{Staged: staged, Zip: newZip}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Assets != 1 || p.Versions != 1 || p.Templates != 1 {
		t.Errorf("rewrote %d asset hashes, %d version IDs, %d template hashes; want 1 each", p.Assets, p.Versions, p.Templates)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	after := fixture.ReadTree(t, dir)
	newHash, _ := fingerprint(zipBytes("new code"))
	oldHash := strings.TrimSuffix(strings.TrimPrefix(staged, "asset."), ".zip")
	if _, ok := after[staged]; ok {
		t.Errorf("the old staged zip %s is still there", staged)
	}
	if after["asset."+newHash+".zip"] != string(zipBytes("new code")) {
		t.Errorf("the new zip is not staged as asset.%s.zip", newHash)
	}
	newTemplateHash := sha256Hex([]byte(after["App.template.json"]))
	i := strings.Index(before["App.template.json"], versionPrefix)
	oldVersionID := before["App.template.json"][i : i+len(versionPrefix)+32]
	for name, content := range after {
		if strings.HasPrefix(name, "asset.") {
			continue
		}
		if len(content) != len(before[name]) {
			t.Errorf("%s: %d bytes, was %d", name, len(content), len(before[name]))
		}
		if strings.Contains(content, oldHash) || strings.Contains(content, oldVersionID) {
			t.Errorf("%s still holds the old asset hash or version ID", name)
		}
		var assets assetManifest
		if strings.HasSuffix(name, ".assets.json") {
			if err := json.Unmarshal([]byte(content), &assets); err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{newHash, newTemplateHash} {
				for destKey, dest := range assets.Files[key].Destinations {
					if suffix, _ := destinationSuffix(dest); !strings.HasSuffix(destKey, "-"+suffix) {
						t.Errorf("%s: asset %s: destination key %s does not end in %s", name, key, destKey, suffix)
					}
				}
				if len(assets.Files[key].Destinations) != 1 {
					t.Errorf("%s: asset %s not listed with its destination", name, key)
				}
			}
		}
	}
	if strings.Count(after["tree.json"], versionPrefix) != 1 || strings.Count(after["manifest.json"], versionPrefix) != 1 {
		t.Errorf("the version ID is missing from tree.json or manifest.json")
	}
	if !strings.Contains(after["manifest.json"], newTemplateHash+".json") {
		t.Errorf("manifest.json lacks the new template hash %s", newTemplateHash)
	}
}

// TestPatchRefusesWhatItCannotCheck: each spoilt hash or entry fails a
// self-check, with the reason, before anything is written.
func TestPatchRefusesWhatItCannotCheck(t *testing.T) {
	tests := []struct {
		name    string
		fixture assemblyFixture
		tamper  func(t *testing.T, dir, staged string)
		newZip  []byte
		want    string
	}{
		{
			name:    "old staged zip edited",
			fixture: assemblyFixture{zip: zipBytes("old code")},
			tamper: func(t *testing.T, dir, staged string) {
				os.WriteFile(filepath.Join(dir, staged), zipBytes("edited"), 0o644)
			},
			want: "self-check: the fingerprint of asset.",
		},
		{name: "version ID without the function's hash", fixture: assemblyFixture{zip: zipBytes("old code"), wrongVersionSuffix: true}, want: "self-check: App.template.json: version " + versionPrefix},
		{name: "zip hash missing from the asset manifest", fixture: assemblyFixture{zip: zipBytes("old code"), noZipEntry: true}, want: "no asset manifest lists the asset"},
		{name: "template hash not the manifest's", fixture: assemblyFixture{zip: zipBytes("old code"), wrongTemplateKey: true}, want: "no asset manifest lists the asset"},
		{name: "destination key not its hash", fixture: assemblyFixture{zip: zipBytes("old code"), wrongDestinationKey: true}, want: "self-check: App.assets.json: destination current_account-current_region-00000000"},
		{name: "function with layers", fixture: assemblyFixture{zip: zipBytes("old code"), layers: true}, want: "layers"},
		{name: "new zip is text", fixture: assemblyFixture{zip: zipBytes("old code")}, newZip: []byte("not a zip"), want: "not a binary file"},
		{name: "zip unchanged", fixture: assemblyFixture{zip: zipBytes("old code")}, newZip: zipBytes("old code"), want: "no asset hash changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files, staged := tt.fixture.write(t, dir)
			if tt.tamper != nil {
				tt.tamper(t, dir, staged)
			}
			before := fixture.ReadTree(t, dir)
			newZip := filepath.Join(t.TempDir(), "fn.zip")
			content := tt.newZip
			if content == nil {
				content = zipBytes("new code")
			}
			if err := os.WriteFile(newZip, content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Prepare(dir, files, []Change{{Staged: staged, Zip: newZip}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Prepare = %v, want an error with %q", err, tt.want)
			}
			fixture.SameTree(t, fixture.ReadTree(t, dir), before)
		})
	}
}

// TestReplaceToken replaces whole tokens only: an occurrence glued to a
// letter or digit is an error, not a silent rewrite.
func TestReplaceToken(t *testing.T) {
	tests := []struct {
		in, want string
		n        int
		err      bool
	}{
		{in: `{"a":"OLD","b":["OLD",1]}`, want: `{"a":"NEW","b":["NEW",1]}`, n: 2},
		{in: `asset.OLD.zip`, want: `asset.NEW.zip`, n: 1},
		{in: `nothing here`, want: `nothing here`},
		{in: `"OLDx"`, err: true},
		{in: `"xOLD"`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, n, err := replaceToken([]byte(tt.in), "OLD", "NEW")
			if (err != nil) != tt.err || err == nil && (string(got) != tt.want || n != tt.n) {
				t.Errorf("replaceToken = %q, %d, %v; want %q, %d, error %t", got, n, err, tt.want, tt.n, tt.err)
			}
		})
	}
}
