package bundle

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

// goMod is the go.mod of every generated test module: no requirements, so
// nothing is downloaded.
const goMod = "module example\n\ngo 1.26\n"

// helloMain is a main package with no third-party import.
const helloMain = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"

// requireTool returns the path of a command the test needs. When it is
// missing the test is skipped, or fails in CI (CI set), where a skipped
// check would pass unnoticed.
func requireTool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (%v); CI must have it: %s", name, err, install)
	}
	t.Skipf("%s is not installed; %s to run this test", name, install)
	return ""
}

// newModule writes a module holding go.mod and files into a new temporary
// folder and returns the folder.
func newModule(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	fixture.WriteFiles(t, dir, map[string]string{"go.mod": goMod})
	fixture.WriteFiles(t, dir, files)
	return dir
}

// writeRandomFile writes n incompressible bytes to path. The seed is fixed,
// so a test generates the same bytes every run and the Go build cache keeps
// one copy of the package embedding them, not one per run.
func writeRandomFile(t testing.TB, path string, n int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := rand.NewChaCha8([32]byte{'b', 'u', 'n', 'd', 'l', 'e'})
	if _, err := io.CopyN(f, src, n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeZerosFile writes a sparse file of n zero bytes to path: that large
// on every check of its size, yet cheap to write.
func writeZerosFile(t testing.TB, path string, n int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// helloBootstraps holds one small bootstrap per architecture, built once and
// shared by the tests that only need a valid binary.
var helloBootstraps = struct {
	once  sync.Once
	dir   string
	paths map[string]string
	err   error
}{}

// helloBootstrap returns the path of a bootstrap built by Build for goarch
// from helloMain. The files live until the test binary exits.
func helloBootstrap(t *testing.T, goarch string) string {
	t.Helper()
	h := &helloBootstraps
	h.once.Do(func() {
		h.dir, h.err = os.MkdirTemp("", "bundle-test-")
		if h.err != nil {
			return
		}
		fixture.WriteFiles(t, h.dir, map[string]string{"go.mod": goMod, "lambda/hello/main.go": helloMain})
		h.paths = make(map[string]string)
		for _, arch := range Architectures {
			var results []Result
			results, h.err = Build(context.Background(), Options{
				ModuleDir: h.dir, OutDir: filepath.Join(h.dir, "dist-"+arch), KeepBootstrap: true, NoCache: true,
			}, Target{Name: "hello", Dir: "lambda/hello", GOARCH: arch})
			if h.err != nil {
				return
			}
			h.paths[arch] = results[0].BootstrapPath
		}
	})
	if h.err != nil {
		t.Fatalf("build hello bootstraps: %v", h.err)
	}
	return h.paths[goarch]
}

func TestMain(m *testing.M) {
	code := m.Run()
	if helloBootstraps.dir != "" {
		os.RemoveAll(helloBootstraps.dir)
	}
	os.Exit(code)
}
