package bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// keyVersion names the recipe of a zip: bump it whenever the way a zip is
// made changes (compile.go's flags are part of the key already; zip.go's
// layout and check.go's binary checks are not), so that no older cache
// entry is served.
const keyVersion = "go-lambda-cdk bundle v1"

// toolchain is what `go env` reports about the go command that builds: a
// different toolchain or global setting gives different binaries.
type toolchain struct {
	GOVERSION    string
	GOROOT       string
	GOFLAGS      string
	GOEXPERIMENT string
	GOFIPS140    string
	GOWORK       string
}

// listedPackage is one package as `go list -deps -json` reports it.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path    string
		Version string
		GoMod   string
		Replace *struct {
			Path    string
			Version string
			Dir     string
		}
	}
	// Every kind of file the go command compiles, assembles, links or
	// embeds, relative to Dir.
	GoFiles, CgoFiles, CFiles, CXXFiles, MFiles, HFiles, FFiles, SFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles, EmbedFiles                      []string
	Deps                                                                []string
	Error                                                               *struct{ Err string }
	DepsErrors                                                          []*struct{ Err string }
}

// listFields are the fields asked of `go list -json`.
const listFields = "ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles," +
	"SwigFiles,SwigCXXFiles,SysoFiles,EmbedFiles,Deps,Error,DepsErrors"

// files lists the package's files by kind, in a fixed order.
func (p *listedPackage) files() [][2]string {
	var out [][2]string
	for _, group := range []struct {
		kind  string
		names []string
	}{
		{"go", p.GoFiles}, {"cgo", p.CgoFiles}, {"c", p.CFiles}, {"cxx", p.CXXFiles}, {"m", p.MFiles},
		{"h", p.HFiles}, {"f", p.FFiles}, {"s", p.SFiles}, {"swig", p.SwigFiles}, {"swigcxx", p.SwigCXXFiles},
		{"syso", p.SysoFiles}, {"embed", p.EmbedFiles},
	} {
		for _, name := range group.names {
			out = append(out, [2]string{group.kind, name})
		}
	}
	return out
}

// keyer computes cache keys: one `go env` for the whole build, one `go
// list` per architecture, and each file hashed once.
type keyer struct {
	b *builder

	envOnce sync.Once
	env     toolchain
	envErr  error

	mu    sync.Mutex
	lists map[string]*archList // by GOARCH
	files map[string]*fileHash // by absolute path
}

type archList struct {
	once sync.Once
	pkgs map[string]*listedPackage // by import path
	main map[string]*listedPackage // by absolute Dir
	err  error
	dirs []string
}

type fileHash struct {
	once sync.Once
	sum  string
	err  error
}

// newKeyer prepares keys for fns: each architecture's `go list` covers
// every function of that architecture at once.
func newKeyer(b *builder, fns []Target) *keyer {
	k := &keyer{b: b, lists: map[string]*archList{}, files: map[string]*fileHash{}}
	for _, fn := range fns {
		l := k.lists[fn.GOARCH]
		if l == nil {
			l = &archList{}
			k.lists[fn.GOARCH] = l
		}
		l.dirs = append(l.dirs, b.absDir(fn.Dir))
	}
	return k
}

// key returns the hex SHA-256 of everything that determines fn's zip: the
// recipe (keyVersion, zip time), the toolchain and its global settings, the
// target environment and build flags, and for the main package and every
// package it depends on (standard library included) its import path, its
// module's path, version, replacement and go.mod, and the name and SHA-256
// of every file the build reads (Go, assembly, cgo, syso and embedded
// files), plus the extra files zipped with their mode.
func (k *keyer) key(ctx context.Context, fn Target) (string, error) {
	pkgs, err := k.packages(ctx, fn)
	if err != nil {
		return "", err
	}
	dir := k.b.absDir(fn.Dir)
	h := sha256.New()
	line := func(format string, args ...any) { fmt.Fprintf(h, format+"\n", args...) }
	line("%s", keyVersion)
	line("zip time %s", ZipModTime.UTC().Format("2006-01-02T15:04:05Z"))
	line("toolchain %+v", k.env)
	line("env %q", buildEnv(fn.GOARCH)[len(os.Environ()):])
	line("flags %q", buildFlags)
	goMods := map[string]bool{}
	for _, p := range pkgs {
		line("package %s standard=%t", p.ImportPath, p.Standard)
		if m := p.Module; m != nil {
			line("module %s %s", m.Path, m.Version)
			if r := m.Replace; r != nil {
				line("replaced by %s %s", r.Path, r.Version)
			}
			if m.GoMod != "" && !goMods[m.GoMod] {
				goMods[m.GoMod] = true
				sum, err := k.hashFile(m.GoMod)
				if err != nil {
					return "", err
				}
				line("go.mod %s", sum)
			}
		}
		for _, f := range p.files() {
			sum, err := k.hashFile(filepath.Join(p.Dir, f[1]))
			if err != nil {
				return "", err
			}
			line("%s %s %s", f[0], f[1], sum)
		}
	}
	if k.env.GOWORK != "" && k.env.GOWORK != "off" {
		sum, err := k.hashFile(k.env.GOWORK)
		if err != nil {
			return "", err
		}
		line("go.work %s", sum)
	}
	for _, f := range fn.Files {
		path := filepath.Join(dir, f)
		info, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		sum, err := k.hashFile(path)
		if err != nil {
			return "", err
		}
		line("file %q executable=%t %s", f, info.Mode()&0o100 != 0, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// packages returns fn's main package followed by every package it depends
// on, standard library included, as `go list` reports them for fn's
// architecture; it also makes sure k.env is known.
func (k *keyer) packages(ctx context.Context, fn Target) ([]*listedPackage, error) {
	k.envOnce.Do(func() { k.env, k.envErr = k.goEnv(ctx, fn.GOARCH) })
	if k.envErr != nil {
		return nil, k.envErr
	}
	l := k.lists[fn.GOARCH]
	l.once.Do(func() { l.pkgs, l.main, l.err = k.goList(ctx, fn.GOARCH, l.dirs) })
	if l.err != nil {
		return nil, l.err
	}
	dir := k.b.absDir(fn.Dir)
	main := l.main[dir]
	if main == nil {
		return nil, fmt.Errorf("go list did not report the package in %s", dir)
	}
	pkgs := []*listedPackage{main}
	for _, path := range main.Deps {
		p := l.pkgs[path]
		if p == nil {
			return nil, fmt.Errorf("go list did not report package %s", path)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// goEnv asks the go command that builds which toolchain it is (GOTOOLCHAIN
// may switch it) and for the settings that change its output.
func (k *keyer) goEnv(ctx context.Context, goarch string) (toolchain, error) {
	out, err := k.run(ctx, goarch, "env", "-json", "GOVERSION", "GOROOT", "GOFLAGS", "GOEXPERIMENT", "GOFIPS140", "GOWORK")
	if err != nil {
		return toolchain{}, err
	}
	var t toolchain
	if err := json.Unmarshal(out, &t); err != nil {
		return toolchain{}, fmt.Errorf("go env: %w", err)
	}
	return t, nil
}

// goList reports every package the main packages in dirs depend on, for
// linux/goarch with the build's tags.
func (k *keyer) goList(ctx context.Context, goarch string, dirs []string) (map[string]*listedPackage, map[string]*listedPackage, error) {
	args := []string{"list", "-deps", "-json=" + listFields, "-tags=" + BuildTags, "--"}
	out, err := k.run(ctx, goarch, append(args, dirs...)...)
	if err != nil {
		return nil, nil, err
	}
	pkgs := map[string]*listedPackage{}
	mains := map[string]*listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(listedPackage)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("go list: %w", err)
		}
		if p.Error != nil {
			return nil, nil, fmt.Errorf("go list: %s", p.Error.Err)
		}
		if len(p.DepsErrors) > 0 {
			return nil, nil, fmt.Errorf("go list: %s", p.DepsErrors[0].Err)
		}
		pkgs[p.ImportPath] = p
		if slices.Contains(dirs, p.Dir) {
			mains[p.Dir] = p
		}
	}
	return pkgs, mains, nil
}

// run runs the go command in the module folder with the build's
// environment and returns its standard output.
func (k *keyer) run(ctx context.Context, goarch string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, k.b.goBin, args...)
	cmd.Dir = k.b.moduleDir
	cmd.Env = buildEnv(goarch)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// hashFile returns the hex SHA-256 of the file's content, reading each file
// once however many functions depend on it.
func (k *keyer) hashFile(path string) (string, error) {
	k.mu.Lock()
	fh := k.files[path]
	if fh == nil {
		fh = &fileHash{}
		k.files[path] = fh
	}
	k.mu.Unlock()
	fh.once.Do(func() { fh.sum, fh.err = hashFileContent(path) })
	return fh.sum, fh.err
}

func hashFileContent(path string) (string, error) {
	sum, err := HashFile(path)
	if err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	return sum, nil
}

// HashFile returns the lower-case hex SHA-256 of the file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
