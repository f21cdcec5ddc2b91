// Package awsemu starts moto's server, an AWS API emulator, on a free
// 127.0.0.1 port for tests and rehearsals that need real AWS protocols (S3
// with SigV4 checks, SQS, CloudFormation through the CDK CLI) without an AWS
// account.
//
// moto runs from the project's virtual environment, .venv, which `make
// pytools` (a prerequisite of `make test`) creates from requirements-dev.txt.
// Without it, Require fails the test when CI is set and skips it otherwise.
package awsemu

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"go-lambda-cdk/internal/bundle"
)

// serverPy runs moto's server with fixes to change sets, resources and
// nested stacks (each explained in the file).
//
//go:embed server.py
var serverPy string

// Account is the account ID moto answers for every caller.
const Account = "123456789012"

// Region is the region the tests use against the emulator.
const Region = "us-east-1"

// Server is a running moto server.
type Server struct {
	// Port is the TCP port on 127.0.0.1.
	Port int
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	// log is the last maxLog bytes of the server's output; written counts
	// every byte it ever printed.
	log     []byte
	written int
}

// maxLog is how much of the server's output Server keeps (the latest).
const maxLog = 1 << 20

// Endpoint is the URL to give AWS clients and the CDK CLI
// (AWS_ENDPOINT_URL). It names localhost, not 127.0.0.1: moto reads the
// bucket of a virtual-hosted S3 URL from the host name, and the CDK CLI's
// template URLs would otherwise be taken for a bucket called "127".
func (s *Server) Endpoint() string { return fmt.Sprintf("http://localhost:%d", s.Port) }

// Env is the environment for a process that talks to the emulator: the
// endpoint, fake credentials and the region. Pass it after os.Environ() so it
// wins over the caller's own AWS settings.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint(),
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=testing",
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Config is an AWS SDK configuration for the emulator: its endpoint, fake
// static credentials and Region. S3 clients made from it need
// UsePathStyle, as the host name 127.0.0.1 or localhost names no bucket.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", "testing"),
	}
}

// Python is the project's virtual environment interpreter under root, the
// module folder.
func Python(root string) string { return filepath.Join(root, ".venv", "bin", "python") }

// Require returns the venv's Python under root, or ends the test: Fatal when
// the CI environment variable is set (a missing tool is a failure there),
// Skip otherwise.
func Require(tb testing.TB, root string) string {
	tb.Helper()
	py := Python(root)
	if _, err := os.Stat(py); err != nil {
		msg := fmt.Sprintf("the project's Python tools are not installed (%s missing); `make test` installs them (make pytools)", py)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return py
}

// Start runs `python -m moto.server` from the venv under root on a free
// 127.0.0.1 port and waits until it answers. The server is stopped when the
// test ends.
func Start(tb testing.TB, root string) *Server {
	tb.Helper()
	py := Require(tb, root)
	s, err := Launch(context.Background(), py)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Logf("moto server: %v", err)
		}
	})
	return s
}

// StartInModule is Start with root the module folder: the first folder
// holding a go.mod above the working directory, which is the test's
// package folder.
func StartInModule(tb testing.TB) *Server {
	tb.Helper()
	root, err := bundle.FindModuleDir()
	if err != nil {
		tb.Fatal(err)
	}
	return Start(tb, root)
}

// shared is the test binary's server of Shared.
var shared struct {
	// main is set by RunTests: Shared refuses to start a server that
	// nothing would stop.
	main bool
	once sync.Once
	srv  *Server
	err  error
	// use is held by the test using the server, from Shared to its end.
	use sync.Mutex
}

// Shared is StartInModule for tests that need an emulator but not their
// own process: the test binary's one server, started on first use (a moto
// start costs about 1.5 s of CPU) and reset to an empty emulator for each
// test, as a fresh one. The calling test holds it until it ends, so tests
// using it run one after another even when parallel, and it must not call
// Shared again (subtests included) nor Close or Reset it. If the test
// fails, the emulator's output during the test is logged.
//
// The package's TestMain must run its tests with RunTests, which stops the
// server when they end; without it Shared fails the test.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	if !shared.main {
		tb.Fatal("awsemu.Shared: the package has no TestMain calling awsemu.RunTests, which stops the shared server")
	}
	root, err := bundle.FindModuleDir()
	if err != nil {
		tb.Fatal(err)
	}
	py := Require(tb, root)
	shared.use.Lock()
	shared.once.Do(func() { shared.srv, shared.err = Launch(context.Background(), py) })
	if shared.err != nil {
		shared.use.Unlock()
		tb.Fatal(shared.err)
	}
	s := shared.srv
	_, mark := s.outputSince(0)
	tb.Cleanup(func() {
		if tb.Failed() {
			out, _ := s.outputSince(mark)
			tb.Logf("moto server output during the test:\n%s", out)
		}
		shared.use.Unlock()
	})
	if err := s.Reset(); err != nil {
		tb.Fatal(err)
	}
	return s
}

// RunTests runs the package's tests (m.Run, for TestMain) and then stops
// the server of Shared if one was started; it returns m.Run's exit code:
//
//	func TestMain(m *testing.M) { os.Exit(awsemu.RunTests(m)) }
func RunTests(m *testing.M) int {
	shared.main = true
	code := m.Run()
	if shared.srv != nil {
		_ = shared.srv.Close()
	}
	return code
}

// SetEnv sets Env in the test's process environment (tb.Setenv: restored
// when the test ends; not allowed in parallel tests), so that code under
// test which loads the default AWS configuration talks to the emulator, and
// returns that configuration as such code loads it.
func (s *Server) SetEnv(tb testing.TB) aws.Config {
	tb.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// Launch starts moto's server with the given Python interpreter and waits
// up to 30 s for it to answer. Close stops it. It runs moto with the fixes
// in server.py that bring its change sets, resources and nested stacks
// closer to CloudFormation.
func Launch(ctx context.Context, python string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Port: port, done: make(chan struct{})}
	s.cmd = exec.Command(python, "-c", serverPy, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout = s
	s.cmd.Stderr = s
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto server: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/moto-api/", port))
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("moto server exited before answering: %s", s.Output())
		case <-ctx.Done():
			_ = s.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Close()
			return nil, fmt.Errorf("moto server did not answer on port %d within 30 s: %s", port, s.Output())
		}
	}
}

// Write collects the server's output for error messages, keeping the
// last 1 MiB.
func (s *Server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written += len(p)
	s.log = append(s.log, p...)
	if over := len(s.log) - maxLog; over > 0 {
		s.log = append(s.log[:0], s.log[over:]...)
	}
	return len(p), nil
}

// Output is what the server printed so far (the last 1 MiB).
func (s *Server) Output() string {
	out, _ := s.outputSince(0)
	return out
}

// outputSince is what the server printed after its first mark bytes (as
// much of it as is kept), and the mark for what it prints next.
func (s *Server) outputSince(mark int) (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.written - len(s.log)
	return string(s.log[max(mark-kept, 0):]), s.written
}

// Reset drops every resource the emulator holds, as a fresh account.
func (s *Server) Reset() error {
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/moto-api/reset", s.Port), "application/json", nil)
	if err != nil {
		return fmt.Errorf("reset moto server: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto server: %s", resp.Status)
	}
	return nil
}

// Close stops the server and its process group.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("find a free port: not a TCP address")
	}
	return addr.Port, nil
}
