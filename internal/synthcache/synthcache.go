// Package synthcache decides whether the cloud assembly a previous synth
// left in the CDK output folder can be reused as it is, so that `cdk synth`
// with nothing changed starts no jsii kernel.
//
// The key is a SHA-256 over everything that determines the assembly (see
// Inputs). A synth that succeeds writes it, with the SHA-256 of every file it
// left in the folder, to StampName in that folder; a later run whose key
// matches reuses the folder only when each of those files is still there
// with the same content. The CDK CLI does not clean the output folder before
// it runs the app, and reads manifest.json from it when the app exits 0, so
// an app that exits without writing hands the CLI the reused assembly.
package synthcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"go-lambda-cdk/internal/bundle"
)

// StampName is the file in the output folder that records the key of the
// synth that wrote the folder and the SHA-256 of each of its files.
const StampName = "go-lambda-cdk.synth.json"

// DisableEnv turns the cache off when set to "off": every run synthesizes.
const DisableEnv = "SYNTH_CACHE"

// keyVersion names the recipe of the key: bump it whenever what the key
// covers changes, so that no older stamp is trusted.
const keyVersion = "go-lambda-cdk synth v1"

// bundlingStacksKey is the context key through which the CDK CLI names the
// stacks whose assets a synth bundles: ["**"], every stack, for synth, diff
// and deploy; [] for bootstrap, list and destroy, which need no asset.
const bundlingStacksKey = "aws:cdk:bundling-stacks"

// Inputs is everything that determines the cloud assembly. Two runs with
// equal Inputs write the same assembly.
type Inputs struct {
	// App is the SHA-256 of the app's executable: the Go code of its whole
	// dependency graph (modules, go.mod, go.sum, embedded files, the
	// aws-cdk-lib and cdk-nag packages the jsii runtime loads), compiled by
	// one toolchain with one set of flags.
	App string
	// Node identifies the Node.js that runs the jsii kernel (see NodeID).
	Node string
	// Dir is the app's working folder.
	Dir string
	// CDKJSON is the SHA-256 of cdk.json in Dir, empty when there is none.
	CDKJSON string
	// Context is the CDK context the CLI passed (cdk.json, cdk.context.json,
	// the user's ~/.cdk.json, -c values and the CLI's own settings, merged).
	Context map[string]any
	// Env holds, as KEY=VALUE, the variables that reach the synth (see
	// Environment).
	Env []string
	// Assets maps each function to the SHA-256 of its zip.
	Assets map[string]string
}

// BaseKey is the hex SHA-256 of every input but the assets: when it differs
// from the stamp's, the run synthesizes whatever the assets are.
func (in Inputs) BaseKey() (string, error) {
	raw, err := json.Marshal(struct {
		Version, App, Node, Dir, CDKJSON string
		Context                          map[string]any
		Env                              []string
	}{keyVersion, in.App, in.Node, in.Dir, in.CDKJSON, in.Context, in.Env})
	if err != nil {
		return "", fmt.Errorf("synth cache key: %w", err)
	}
	return hashOf(raw), nil
}

// Alternatives returns the inputs whose assembly serves this run, the best
// first. When in's context bundles every stack's assets (or does not say,
// which means the same), that is in alone. When it bundles fewer (cdk
// bootstrap, list and destroy pass none), it is first in as cdk synth, diff
// and deploy pass it, with every stack bundled, then in itself: an
// assembly whose assets are all bundled serves a command that needs fewer,
// but one written with bundling skipped (aws-cdk-lib then stages a
// placeholder for each asset with bundling options) must not be deployed,
// so the other way round is never offered.
func (in Inputs) Alternatives() []Inputs {
	if bundlesAll(in.Context[bundlingStacksKey]) {
		return []Inputs{in}
	}
	all := in
	all.Context = maps.Clone(in.Context)
	all.Context[bundlingStacksKey] = []any{"**"}
	return []Inputs{all, in}
}

// bundlesAll tells whether a value of aws:cdk:bundling-stacks, as decoded
// from CDK_CONTEXT_JSON (nil when absent), bundles every stack.
func bundlesAll(v any) bool {
	if v == nil {
		return true
	}
	list, ok := v.([]any)
	return ok && slices.Contains(list, any("**"))
}

// Key is the hex SHA-256 of every input (encoding/json writes map keys
// sorted, so equal inputs give equal keys).
func (in Inputs) Key() (string, error) {
	base, err := in.BaseKey()
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(struct {
		Base   string
		Assets map[string]string
	}{base, in.Assets})
	if err != nil {
		return "", fmt.Errorf("synth cache key: %w", err)
	}
	return hashOf(raw), nil
}

func hashOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// The variables that reach the synth: everything the CDK CLI sets for the
// app (CDK_OUTDIR, CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION, CDK_CLI_VERSION,
// CDK_CLI_ASM_VERSION, CDK_DEBUG, CDK_VALIDATION, ...) and that aws-cdk-lib
// reads, the jsii runtime's own (JSII_RUNTIME, JSII_NODE, JSII_DEBUG, ...),
// and the others aws-cdk-lib 2.275.0 reads while it synthesizes (NODE_ENV
// and PYTEST_* pick how validation is reported, NO_COLOR and FORCE_COLOR
// its messages). The app itself reads only the context variables. Those are
// left out: Inputs.Context holds the context they carry, whose split
// between them depends on the environment's size.
var (
	envPrefixes = []string{"CDK_", "JSII_"}
	envNames    = []string{"NODE_ENV", "PYTEST_VERSION", "PYTEST_CURRENT_TEST", "NO_COLOR", "FORCE_COLOR"}
	envIgnored  = []string{"CDK_CONTEXT_JSON", "CONTEXT_OVERFLOW_LOCATION_ENV"}
)

// Environment returns the entries of environ (as os.Environ gives them)
// that reach the synth, sorted.
func Environment(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(envIgnored, name) {
			continue
		}
		if slices.Contains(envNames, name) {
			out = append(out, kv)
			continue
		}
		for _, p := range envPrefixes {
			if strings.HasPrefix(name, p) {
				out = append(out, kv)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// Current returns the inputs of this process's synth but the assets: the
// running executable, the node on PATH (the jsii runtime starts "node"
// unless JSII_RUNTIME, part of Env, names another program), the working
// folder with its cdk.json, the environment, and context.
func Current(context map[string]any) (Inputs, error) {
	in := Inputs{Context: context, Env: Environment(os.Environ())}
	exe, err := os.Executable()
	if err != nil {
		return in, fmt.Errorf("synth cache: %w", err)
	}
	if in.App, err = bundle.HashFile(exe); err != nil {
		return in, fmt.Errorf("synth cache: %w", err)
	}
	node, _ := exec.LookPath("node")
	in.Node = NodeID(node)
	if in.Dir, err = os.Getwd(); err != nil {
		return in, fmt.Errorf("synth cache: %w", err)
	}
	in.CDKJSON, err = bundle.HashFile(filepath.Join(in.Dir, "cdk.json"))
	if errors.Is(err, fs.ErrNotExist) {
		in.CDKJSON, err = "", nil
	}
	if err != nil {
		return in, fmt.Errorf("synth cache: %w", err)
	}
	return in, nil
}

// NodeID identifies a Node.js executable by its path, size and
// modification time: an upgrade in place changes the latter two. It returns
// "" when path is empty (no node found: the synth would fail anyway).
func NodeID(path string) string {
	if path == "" {
		return ""
	}
	info, err := os.Stat(path)
	if err != nil {
		return path
	}
	return fmt.Sprintf("%s %d %d", path, info.Size(), info.ModTime().UnixNano())
}

// stamp is the content of StampName.
type stamp struct {
	Key     string `json:"key"`
	BaseKey string `json:"baseKey"`
	// Files maps each file in the folder, by slash-separated relative
	// path, to the SHA-256 of its content.
	Files map[string]string `json:"files"`
	// Assets maps each function to the SHA-256 of the zip the synth
	// staged (Inputs.Assets), for Patch; absent from older stamps.
	Assets map[string]string `json:"assets,omitempty"`
}

func readStamp(outdir string) (stamp, error) {
	var s stamp
	raw, err := os.ReadFile(filepath.Join(outdir, StampName))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("%s: %w", StampName, err)
	}
	return s, nil
}

// MayReuse tells whether the folder's stamp has this base key: only then
// can the assembly be reused, if the assets match too.
func MayReuse(outdir, baseKey string) bool {
	s, err := readStamp(outdir)
	return err == nil && s.BaseKey == baseKey
}

// Reusable tells whether outdir holds the assembly of a synth with this key,
// every file intact. When not, reason says why, for the log line.
func Reusable(outdir, key string) (ok bool, reason string) {
	s, err := readStamp(outdir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, "no previous synth recorded in " + outdir
	case err != nil:
		return false, err.Error()
	case s.Key != key:
		return false, "inputs changed"
	}
	if err := s.intact(outdir); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// intact checks that every file the stamp records is in outdir with its
// recorded content, manifest.json among them.
func (s stamp) intact(outdir string) error {
	if s.Files["manifest.json"] == "" {
		return errors.New("no manifest.json recorded")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Files)) {
		sum, err := bundle.HashFile(filepath.Join(outdir, filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if sum != s.Files[name] {
			return errors.New(name + " changed since the synth")
		}
	}
	return nil
}

// Forget removes the folder's stamp before a synth writes into it, so that
// a synth that fails halfway leaves nothing that could be reused.
func Forget(outdir string) error {
	err := os.Remove(filepath.Join(outdir, StampName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// notAssembly are files in the output folder that are not part of the
// assembly: the stamp, the CLI's locks (synth.lock, read.<pid>.<n>.lock)
// and the files the CLI deletes before each run of the app.
func notAssembly(name string) bool {
	return name == StampName || strings.HasSuffix(name, ".lock") ||
		name == "error.txt" || name == "performance-counters.json"
}

// Record writes the stamp of a synth that just succeeded into outdir, with
// the SHA-256 of every file the folder holds, atomically.
func Record(outdir string, in Inputs) error {
	key, err := in.Key()
	if err != nil {
		return err
	}
	base, err := in.BaseKey()
	if err != nil {
		return err
	}
	s := stamp{Key: key, BaseKey: base, Files: map[string]string{}, Assets: in.Assets}
	err = filepath.WalkDir(outdir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(outdir, path)
		if err != nil {
			return err
		}
		if notAssembly(filepath.Base(rel)) || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		sum, err := bundle.HashFile(path)
		if err != nil {
			return err
		}
		s.Files[filepath.ToSlash(rel)] = sum
		return nil
	})
	if err != nil {
		return fmt.Errorf("record synth in %s: %w", outdir, err)
	}
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := bundle.WriteFileAtomic(filepath.Join(outdir, StampName), append(raw, '\n')); err != nil {
		return fmt.Errorf("record synth in %s: %w", outdir, err)
	}
	return nil
}
