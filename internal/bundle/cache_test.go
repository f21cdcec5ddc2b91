package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

// cachedModule is a function whose package imports a local package that
// embeds a file.
var cachedModule = map[string]string{
	"lambda/fn/main.go": "package main\n\nimport \"example/lib\"\n\nfunc main() { println(lib.Greeting) }\n",
	"lib/lib.go":        "package lib\n\nimport _ \"embed\"\n\n//go:embed greeting.txt\nvar Greeting string\n",
	"lib/greeting.txt":  "hello\n",
}

func buildOne(t *testing.T, dir, goarch string, opts Options) Result {
	t.Helper()
	opts.ModuleDir = dir
	results, err := Build(context.Background(), opts, Target{Name: "fn", Dir: "lambda/fn", GOARCH: goarch})
	if err != nil {
		t.Fatal(err)
	}
	return results[0]
}

// TestCacheRebuildsWhenAnInputChanges changes each kind of input of a zip in
// turn: each change must miss the cache (a real build), and the rebuilt
// zip must then be served by the next build (a hit, the same zip); with
// nothing changed the build must hit it, with the zip a fresh build (no
// cache) writes. A miss is not compared with a fresh build: it is one, and
// TestBuildReproducible checks that builds repeat.
func TestCacheRebuildsWhenAnInputChanges(t *testing.T) {
	dir := newModule(t, cachedModule)
	first := buildOne(t, dir, "arm64", Options{})
	if first.Cached || first.Key == "" {
		t.Fatalf("first build: cached %v, key %q; want a build with a key", first.Cached, first.Key)
	}
	tests := []struct {
		name   string
		change func(t *testing.T)
		goarch string
		want   bool // cached
	}{
		{name: "nothing changed", want: true},
		{name: "function source", change: func(t *testing.T) {
			fixture.WriteFiles(t, dir, map[string]string{"lambda/fn/main.go": "package main\n\nimport \"example/lib\"\n\nfunc main() { println(lib.Greeting, 1) }\n"})
		}},
		{name: "nothing changed after a rebuild", want: true},
		{name: "dependency source", change: func(t *testing.T) {
			fixture.WriteFiles(t, dir, map[string]string{"lib/lib.go": cachedModule["lib/lib.go"] + "\nvar Other = 1\n"})
		}},
		{name: "embedded file", change: func(t *testing.T) {
			fixture.WriteFiles(t, dir, map[string]string{"lib/greeting.txt": "hello again\n"})
		}},
		{name: "new file in a package", change: func(t *testing.T) {
			fixture.WriteFiles(t, dir, map[string]string{"lib/more.go": "package lib\n\nvar More = 2\n"})
		}},
		{name: "go.mod", change: func(t *testing.T) {
			fixture.WriteFiles(t, dir, map[string]string{"go.mod": goMod + "\ngodebug default=go1.25\n"})
		}},
		{name: "architecture", goarch: "amd64"},
		{name: "build flag", change: func(t *testing.T) {
			saved := slices.Clone(buildFlags)
			buildFlags = append(buildFlags, "-tags="+BuildTags+",extra")
			t.Cleanup(func() { buildFlags = saved })
		}},
		{name: "toolchain setting (GOFLAGS)", change: func(t *testing.T) {
			t.Setenv("GOFLAGS", "-gcflags=-N")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.change != nil {
				tt.change(t)
			}
			goarch := tt.goarch
			if goarch == "" {
				goarch = "arm64"
			}
			r := buildOne(t, dir, goarch, Options{})
			if r.Cached != tt.want {
				t.Errorf("cached = %v, want %v (key %s)", r.Cached, tt.want, r.Key)
			}
			var want Result
			if r.Cached {
				// The served zip must be the one a fresh build writes.
				want = buildOne(t, dir, goarch, Options{NoCache: true, OutDir: filepath.Join(t.TempDir(), "fresh")})
			} else {
				// The rebuilt zip must be cached and served next.
				want = buildOne(t, dir, goarch, Options{OutDir: filepath.Join(t.TempDir(), "again")})
				if !want.Cached {
					t.Errorf("building again after the rebuild missed the cache (key %s)", want.Key)
				}
			}
			if r.SHA256 != want.SHA256 {
				t.Errorf("zip SHA-256 %s, the next build's (cached %v) is %s", r.SHA256, want.Cached, want.SHA256)
			}
			got, err := os.ReadFile(r.ZipPath)
			if err != nil || sha256Hex(got) != want.SHA256 {
				t.Errorf("zip on disk differs from the next build's (%v)", err)
			}
		})
	}
}

// TestCacheNeverServesADamagedZip truncates and alters the cached zip: the
// next build must not use it and must write the right zip.
func TestCacheNeverServesADamagedZip(t *testing.T) {
	for _, damage := range []struct {
		name string
		do   func(path string) error
	}{
		{"truncated", func(path string) error { return os.Truncate(path, 100) }},
		{"one byte changed", func(path string) error {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 1
			return os.WriteFile(path, data, 0o644)
		}},
	} {
		t.Run(damage.name, func(t *testing.T) {
			dir := newModule(t, cachedModule)
			first := buildOne(t, dir, "arm64", Options{})
			zips, _ := filepath.Glob(filepath.Join(dir, DefaultCacheDir, "fn-arm64-*.zip"))
			if len(zips) != 1 {
				t.Fatalf("cached zips %v, want 1", zips)
			}
			if err := damage.do(zips[0]); err != nil {
				t.Fatal(err)
			}
			r := buildOne(t, dir, "arm64", Options{})
			if r.Cached {
				t.Errorf("the damaged zip was served")
			}
			if r.SHA256 != first.SHA256 {
				t.Errorf("zip SHA-256 %s, want %s", r.SHA256, first.SHA256)
			}
			if again := buildOne(t, dir, "arm64", Options{}); !again.Cached || again.SHA256 != first.SHA256 {
				t.Errorf("after the rebuild: cached %v, SHA-256 %s; want the repaired entry", again.Cached, again.SHA256)
			}
		})
	}
}

// TestCacheKeepsBootstrap checks that a hit still gives the binary when
// asked to keep it.
func TestCacheKeepsBootstrap(t *testing.T) {
	dir := newModule(t, cachedModule)
	buildOne(t, dir, "arm64", Options{})
	r := buildOne(t, dir, "arm64", Options{KeepBootstrap: true})
	if !r.Cached {
		t.Fatal("not cached")
	}
	info, err := os.Stat(r.BootstrapPath)
	if err != nil || info.Size() != r.BootstrapBytes || info.Mode()&0o100 == 0 {
		t.Errorf("kept bootstrap %v (%v), want %d executable bytes", info, err, r.BootstrapBytes)
	}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
