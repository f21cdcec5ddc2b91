package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/internal/fixture"
)

func TestBuildReproducible(t *testing.T) {
	files := map[string]string{
		"lambda/fn/main.go":     helloMain,
		"lambda/fn/config.json": `{"greeting":"hello"}`,
	}
	fn := Target{Name: "fn", Dir: "lambda/fn", Files: []string{"config.json"}}
	// Two checkouts at paths of different lengths, with sources of
	// different modification times.
	first := newModule(t, files)
	second := filepath.Join(t.TempDir(), "a", "much", "longer", "checkout")
	fixture.WriteFiles(t, second, map[string]string{"go.mod": goMod})
	fixture.WriteFiles(t, second, files)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(second, "lambda/fn/config.json"), old, old); err != nil {
		t.Fatal(err)
	}

	build := func(moduleDir string) Result {
		t.Helper()
		results, err := Build(context.Background(), Options{ModuleDir: moduleDir}, fn)
		if err != nil {
			t.Fatal(err)
		}
		r := results[0]
		data, err := os.ReadFile(r.ZipPath)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != r.SHA256 {
			t.Errorf("Result.SHA256 = %s, want the zip's %x", r.SHA256, sum)
		}
		if int64(len(data)) != r.ZipBytes {
			t.Errorf("Result.ZipBytes = %d, want the zip's %d", r.ZipBytes, len(data))
		}
		return r
	}
	a := build(first)
	b := build(second)
	if a.ZipPath != filepath.Join(first, "dist", "fn.zip") {
		t.Errorf("ZipPath = %s, want <ModuleDir>/dist/fn.zip", a.ZipPath)
	}
	if a.SHA256 != b.SHA256 {
		t.Errorf("zips from %s and %s differ: sha256 %s and %s", first, second, a.SHA256, b.SHA256)
	}
	if again := build(first); again.SHA256 != a.SHA256 {
		t.Errorf("building twice in place: sha256 %s, then %s", a.SHA256, again.SHA256)
	}
}

func TestBuildLimits(t *testing.T) {
	// One real over-limit build per limit, made cheap: the bulk is a
	// declared file next to a small binary (no large compile or link), and
	// the unzipped limit fails before anything is zipped. The warnings'
	// thresholds are TestLimitBoundaries', and the layers case shows Build
	// reporting one.
	small := newModule(t, map[string]string{"lambda/fn/main.go": helloMain})
	results, err := Build(context.Background(), Options{ModuleDir: small}, Target{Name: "fn", Dir: "lambda/fn"})
	if err != nil {
		t.Fatal(err)
	}
	base := results[0]
	if len(base.Warnings) > 0 {
		t.Errorf("well under the limits: warnings %q, want none", base.Warnings)
	}

	tests := []struct {
		name       string
		file       func(t *testing.T, path string) // writes the declared file big.bin; nil: none
		layerBytes int64
		wantErr    []string // substrings of the error; nil: success
		wantWarn   string   // substring of the only warning; "": no warning
	}{
		{
			name:    "just over the zipped limit",
			file:    func(t *testing.T, path string) { writeRandomFile(t, path, MaxZippedBytes) },
			wantErr: []string{"build fn: zipped size ", "over Lambda's zipped limit of 52,428,800 bytes by "},
		},
		{
			// The same binary as base's: its bytes count to the byte.
			name:    "bootstrap and a file reach the unzipped limit",
			file:    func(t *testing.T, path string) { writeZerosFile(t, path, MaxUnzippedBytes-base.BootstrapBytes) },
			wantErr: []string{"build fn: unzipped size 262,144,000 bytes is over Lambda's unzipped limit (smaller than 262,144,000 bytes) by 1 bytes"},
		},
		{
			name:       "layers push the unzipped size over the limit",
			layerBytes: MaxUnzippedBytes - 1000,
			wantErr:    []string{"build fn: unzipped size ", "(smaller than 262,144,000 bytes)"},
		},
		{
			name:       "85 % of the unzipped limit with layers",
			layerBytes: MaxUnzippedBytes * 85 / 100,
			wantWarn:   "warning: fn: unzipped size ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outDir := t.TempDir()
			var progress bytes.Buffer
			opts := Options{ModuleDir: small, OutDir: outDir, Progress: &progress}
			fn := Target{Name: "fn", Dir: "lambda/fn", LayerBytes: tt.layerBytes}
			if tt.file != nil {
				// NoCache: the cache key would hash the big file, and a
				// miss is checked as any build (hits: the layers cases).
				opts.ModuleDir, opts.NoCache = newModule(t, map[string]string{"lambda/fn/main.go": helloMain}), true
				tt.file(t, filepath.Join(opts.ModuleDir, "lambda", "fn", "big.bin"))
				fn.Files = []string{"big.bin"}
			}
			results, err := Build(context.Background(), opts, fn)
			r := results[0]
			left, _ := os.ReadDir(outDir)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Build succeeded with bootstrap %d, unzipped %d, zip %d bytes; want an error", r.BootstrapBytes, r.UnzippedBytes, r.ZipBytes)
				}
				t.Log(err)
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				if len(left) > 0 {
					t.Errorf("output folder holds %s after a failed build, want nothing", left[0].Name())
				}
				if r.ZipPath != "" {
					t.Errorf("ZipPath = %q after a failed build", r.ZipPath)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 1 || left[0].Name() != "fn.zip" {
				t.Errorf("output folder holds %v, want only fn.zip", left)
			}
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], tt.wantWarn) || !strings.Contains(r.Warnings[0], "% of Lambda's") {
				t.Fatalf("warnings %q, want one containing %q", r.Warnings, tt.wantWarn)
			}
			if !strings.Contains(progress.String(), r.Warnings[0]+"\n") {
				t.Errorf("progress %q lacks the warning line %q", progress.String(), r.Warnings[0])
			}
		})
	}
}

func TestLimitBoundaries(t *testing.T) {
	tests := []struct {
		limit    Limit
		size     int64
		wantErr  string
		wantWarn bool
	}{
		{ZippedLimit, MaxZippedBytes, "", true},
		{ZippedLimit, MaxZippedBytes + 10, "zipped size 52,428,810 bytes is over Lambda's zipped limit of 52,428,800 bytes by 10 bytes", true},
		{ZippedLimit, MaxZippedBytes * 80 / 100, "", true},
		{ZippedLimit, MaxZippedBytes*80/100 - 1, "", false},
		{UnzippedLimit, MaxUnzippedBytes - 1, "", true},
		{UnzippedLimit, MaxUnzippedBytes, "unzipped size 262,144,000 bytes is over Lambda's unzipped limit (smaller than 262,144,000 bytes) by 1 bytes", true},
		{UnzippedLimit, MaxUnzippedBytes*80/100 - 1, "", false},
	}
	for _, tt := range tests {
		err := tt.limit.check(tt.size)
		if got := fmt.Sprint(err); (tt.wantErr == "") != (err == nil) || err != nil && got != tt.wantErr {
			t.Errorf("%s check(%d) = %v, want %q", tt.limit.Name, tt.size, err, tt.wantErr)
		}
		if got := tt.limit.warning(tt.size); (got != "") != tt.wantWarn {
			t.Errorf("%s warning(%d) = %q, want a warning: %v", tt.limit.Name, tt.size, got, tt.wantWarn)
		}
	}
}

func TestZipFormat(t *testing.T) {
	moduleDir := newModule(t, map[string]string{
		"lambda/fn/main.go":         helloMain,
		"lambda/fn/templates/b.txt": "b",
		"lambda/fn/a.txt":           "a",
	})
	results, err := Build(context.Background(), Options{ModuleDir: moduleDir, KeepBootstrap: true},
		Target{Name: "fn", Dir: "lambda/fn", Files: []string{"templates/b.txt", "a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	bootstrap, err := os.ReadFile(r.BootstrapPath)
	if err != nil {
		t.Fatalf("kept bootstrap: %v", err)
	}
	if r.BootstrapPath != filepath.Join(moduleDir, "dist", "fn", "bootstrap") {
		t.Errorf("BootstrapPath = %s, want <OutDir>/fn/bootstrap", r.BootstrapPath)
	}

	zr, err := zip.OpenReader(r.ZipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	want := []struct {
		name    string
		mode    os.FileMode
		content []byte
	}{
		{"bootstrap", 0o755, bootstrap},
		{"a.txt", 0o644, []byte("a")},
		{"templates/b.txt", 0o644, []byte("b")},
	}
	if len(zr.File) != len(want) {
		t.Fatalf("zip has %d entries, want %d", len(zr.File), len(want))
	}
	for i, f := range zr.File {
		w := want[i]
		if f.Name != w.name {
			t.Errorf("entry %d is %s, want %s", i, f.Name, w.name)
		}
		if f.Mode() != w.mode {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), w.mode)
		}
		if f.CreatorVersion>>8 != 3 {
			t.Errorf("%s: creator %d, want 3 (Unix)", f.Name, f.CreatorVersion>>8)
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want deflate", f.Name, f.Method)
		}
		if !f.Modified.Equal(ZipModTime) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, ZipModTime)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.Equal(got, w.content) {
			t.Errorf("%s: content differs from the source (%d bytes, want %d)", f.Name, len(got), len(w.content))
		}
	}

	// A second, independent reader (Python's zipfile; Python 3 is a
	// prerequisite of make test) checks every CRC and sees the bootstrap as
	// Lambda's unzip does: Unix, executable, deflated, at ZipModTime.
	python := requireTool(t, "python3", "install Python 3")
	const script = `import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad is not None:
    sys.exit("bad CRC in " + bad)
for i in z.infolist():
    print(i.filename, oct(i.external_attr >> 16), i.create_system, i.compress_type, "%04d-%02d-%02d %02d:%02d:%02d" % i.date_time)
`
	out, err := exec.Command(python, "-c", script, r.ZipPath).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 zipfile: %v\n%s", err, out)
	}
	wantLine := "bootstrap 0o100755 3 8 " + ZipModTime.Format(time.DateTime)
	if !slices.Contains(strings.Split(string(out), "\n"), wantLine) {
		t.Errorf("python3 zipfile lists no %q (name, mode, creator Unix, deflate, time):\n%s", wantLine, out)
	}
}

func TestCheckELF(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text")
	fixture.WriteFiles(t, dir, map[string]string{"text": "#!/bin/sh\necho hi\n"})
	tests := []struct {
		name    string
		path    func(t *testing.T) string
		goarch  string
		wantErr string // "": valid
	}{
		{"arm64 binary as arm64", func(t *testing.T) string { return helloBootstrap(t, "arm64") }, "arm64", ""},
		{"amd64 binary as amd64", func(t *testing.T) string { return helloBootstrap(t, "amd64") }, "amd64", ""},
		{"amd64 binary claimed as arm64", func(t *testing.T) string { return helloBootstrap(t, "amd64") }, "arm64", "machine is EM_X86_64, want EM_AARCH64 for GOARCH=arm64"},
		{"arm64 binary claimed as amd64", func(t *testing.T) string { return helloBootstrap(t, "arm64") }, "amd64", "machine is EM_AARCH64, want EM_X86_64 for GOARCH=amd64"},
		{"a shell script", func(*testing.T) string { return text }, "arm64", "not an ELF executable"},
		// The linkage checks do not depend on the machine: one link each,
		// one per architecture.
		{"arm64 dynamically linked executable", func(t *testing.T) string { return linkedBinary(t, "arm64", dynamicallyLinked) }, "arm64", "dynamically linked (has a PT_INTERP program header)"},
		{"amd64 position-independent executable", func(t *testing.T) string { return linkedBinary(t, "amd64", positionIndependent) }, "amd64", "ELF type is ET_DYN, want ET_EXEC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkELF(tt.path(t), tt.goarch)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("checkELF = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// Linkings of linkedBinary that Lambda's provided runtime cannot rely on.
const (
	// dynamicallyLinked is an ET_EXEC executable with a program
	// interpreter that needs libc.so.6, as a cgo build links it.
	dynamicallyLinked = "dynamic"
	// positionIndependent is a PIE (ET_DYN), as -buildmode=pie links it.
	positionIndependent = "pie"
)

// linkedBinary builds a hello world for linux/goarch linked as kind, with
// the Go toolchain alone (no C compiler): go:cgo_import_dynamic makes the
// internal linker write a program interpreter and a NEEDED libc.so.6.
func linkedBinary(t *testing.T, goarch, kind string) string {
	t.Helper()
	dir := t.TempDir()
	main, args := helloMain, []string{"build", "-o", "hello"}
	if kind == dynamicallyLinked {
		main = "package main\n\nimport _ \"unsafe\"\n\n//go:cgo_import_dynamic libc_puts puts \"libc.so.6\"\n//go:cgo_import_dynamic _ _ \"libc.so.6\"\n\nfunc main() { println(\"hello\") }\n"
	} else {
		args = append(args, "-buildmode=pie")
	}
	fixture.WriteFiles(t, dir, map[string]string{"go.mod": goMod, "main.go": main})
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build (%s, %s): %v\n%s", goarch, kind, err, out)
	}
	return filepath.Join(dir, "hello")
}

func TestBuildParallelOneBroken(t *testing.T) {
	moduleDir := newModule(t, map[string]string{
		"lambda/a/main.go":      helloMain,
		"lambda/b/main.go":      helloMain,
		"lambda/broken/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
	})
	outDir := filepath.Join(moduleDir, "dist")
	// A zip left by an earlier, successful build of broken.
	fixture.WriteFiles(t, outDir, map[string]string{"broken.zip": "stale"})
	fns, err := Discover(moduleDir)
	if err != nil {
		t.Fatal(err)
	}
	results, err := Build(context.Background(), Options{ModuleDir: moduleDir, Parallel: 2}, fns...)
	if err == nil {
		t.Fatal("Build succeeded with a broken function")
	}
	for _, want := range []string{"build broken: compile: exit status 1", "undefined: undefinedThing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	var names []string
	for _, r := range results {
		names = append(names, r.Function.Name)
		switch {
		case r.Function.Name == "broken" && r.Err == nil:
			t.Error("broken: no error")
		case r.Function.Name != "broken" && r.Err != nil:
			t.Errorf("%s: %v", r.Function.Name, r.Err)
		}
	}
	if got := strings.Join(names, ","); got != "a,b,broken" {
		t.Errorf("results for %s, want a,b,broken in input order", got)
	}
	left, err := filepath.Glob(filepath.Join(outDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(outDir, "a.zip"), filepath.Join(outDir, "b.zip")}
	if strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("output folder holds %v, want %v (no zip for broken, not even the stale one)", left, want)
	}
}

func TestBuildBadInput(t *testing.T) {
	moduleDir := newModule(t, map[string]string{
		"lambda/fn/main.go":      helloMain,
		"lambda/lib/lib.go":      "package lib\n",
		"lambda/empty/README.md": "nothing",
		"not-a-folder":           "file",
	})
	tests := []struct {
		name    string
		opts    Options
		fn      Target
		path    string // PATH for the build; "" keeps it
		wantErr string
	}{
		{
			name:    "not a main package",
			fn:      Target{Name: "lib", Dir: "lambda/lib"},
			wantErr: "build lib: " + filepath.Join(moduleDir, "lambda/lib") + " is package lib, not a main package",
		},
		{
			name:    "no Go files",
			fn:      Target{Name: "empty", Dir: "lambda/empty"},
			wantErr: "holds no Go files for linux/arm64; want a main package",
		},
		{
			name:    "unknown architecture",
			fn:      Target{Name: "fn", Dir: "lambda/fn", GOARCH: "x86_64"},
			wantErr: `build fn: unknown architecture GOARCH="x86_64"; allowed: arm64, amd64`,
		},
		{
			name:    "no Go toolchain",
			fn:      Target{Name: "fn", Dir: "lambda/fn"},
			path:    t.TempDir(),
			wantErr: "build fn: no Go toolchain: ",
		},
		{
			name:    "output folder cannot be written",
			opts:    Options{OutDir: filepath.Join(moduleDir, "not-a-folder", "dist")},
			fn:      Target{Name: "fn", Dir: "lambda/fn"},
			wantErr: "build fn: output folder cannot be created: ",
		},
		{
			name:    "declared file missing",
			fn:      Target{Name: "fn", Dir: "lambda/fn", Files: []string{"missing.json"}},
			wantErr: `build fn: file "missing.json": `,
		},
		{
			name:    "declared file outside the function folder",
			fn:      Target{Name: "fn", Dir: "lambda/fn", Files: []string{"../lib/lib.go"}},
			wantErr: `build fn: file "../lib/lib.go": want a path inside the function folder`,
		},
		{
			name:    "name with a slash",
			fn:      Target{Name: "a/b", Dir: "lambda/fn"},
			wantErr: `function name "a/b" has characters other than letters, digits, '-' and '_'`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path != "" {
				t.Setenv("PATH", tt.path)
			}
			tt.opts.ModuleDir = moduleDir
			if tt.opts.OutDir == "" {
				tt.opts.OutDir = t.TempDir()
			}
			results, err := Build(context.Background(), tt.opts, tt.fn)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Build = %v, want an error containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, results[0].Err) {
				t.Errorf("Build error %q is not the result's %q", err, results[0].Err)
			}
		})
	}
}

func TestBuildDuplicateName(t *testing.T) {
	moduleDir := newModule(t, map[string]string{"lambda/fn/main.go": helloMain})
	fn := Target{Name: "fn", Dir: "lambda/fn"}
	results, err := Build(context.Background(), Options{ModuleDir: moduleDir, OutDir: t.TempDir()}, fn, fn)
	if err == nil || !strings.Contains(err.Error(), "build fn: function name given twice") {
		t.Fatalf("Build = %v, want a duplicate name error", err)
	}
	if results[0].Err != nil || results[1].Err == nil {
		t.Errorf("errors %v, %v; want only the second to fail", results[0].Err, results[1].Err)
	}
}

func TestDiscover(t *testing.T) {
	moduleDir := newModule(t, map[string]string{
		"lambda/b/main.go":      helloMain,
		"lambda/a/main.go":      helloMain,
		"lambda/lib/lib.go":     "package lib\n",
		"lambda/docs/README.md": "x",
		"lambda/file.go":        "package lambda\n",
	})
	fns, err := Discover(moduleDir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{Name: "a", Dir: filepath.Join("lambda", "a")}, {Name: "b", Dir: filepath.Join("lambda", "b")}}
	if fmt.Sprint(fns) != fmt.Sprint(want) {
		t.Errorf("Discover = %v, want %v", fns, want)
	}
	if _, err := Discover(t.TempDir()); err == nil {
		t.Error("Discover of a folder without lambda/ succeeded")
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	WriteTable(&b, []Result{
		{Function: Target{Name: "api", GOARCH: "arm64"}, BootstrapBytes: 5_000_000, UnzippedBytes: 5_000_000, ZipBytes: MaxZippedBytes / 4, Duration: 1234 * time.Millisecond},
		{Function: Target{Name: "big", GOARCH: "amd64"}, BootstrapBytes: 1, UnzippedBytes: MaxUnzippedBytes, Err: errors.New("too big")},
	})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("table has %d lines, want a header and 2 rows:\n%s", len(lines), b.String())
	}
	for i, want := range [][]string{
		{"FUNCTION", "ARCH", "BOOTSTRAP BYTES", "ZIP BYTES", "OF ZIPPED LIMIT", "OF UNZIPPED LIMIT", "TIME", "STATUS"},
		{"api", "arm64", "5,000,000", "13,107,200", "25.0%", "1.9%", "1.23s", "ok"},
		{"big", "amd64", "1", " - ", "100.0%", "FAILED"},
	} {
		for _, cell := range want {
			if !strings.Contains(lines[i], cell) {
				t.Errorf("line %d %q lacks %q", i, lines[i], cell)
			}
		}
	}
}

func TestBuildCanceled(t *testing.T) {
	moduleDir := newModule(t, map[string]string{"lambda/fn/main.go": helloMain})
	outDir := t.TempDir()
	fixture.WriteFiles(t, outDir, map[string]string{"fn.zip": "stale"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Build(ctx, Options{ModuleDir: moduleDir, OutDir: outDir}, Target{Name: "fn", Dir: "lambda/fn"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Build = %v, want context.Canceled", err)
	}
	if left, _ := os.ReadDir(outDir); len(left) > 0 {
		t.Errorf("output folder holds %s after a canceled build, want nothing", left[0].Name())
	}
}
