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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
	log  []byte
}

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

// Write collects the server's output for error messages.
func (s *Server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) < 1<<20 {
		s.log = append(s.log, p...)
	}
	return len(p), nil
}

// Output is what the server printed so far (at most 1 MiB).
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.log)
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
