// Package rie runs a Lambda bootstrap under the AWS Lambda Runtime Interface
// Emulator (the aws-lambda-rie pinned in go.mod as a Go tool dependency), so
// tests and local runs invoke a function over HTTP the way Lambda does.
//
// The emulator serves one invocation at a time and starts the function
// process on the first invocation, like a cold start.
package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Module is the Go module that holds the emulator; cmd/aws-lambda-rie in it
// is the command Binary builds.
const Module = "github.com/aws/aws-lambda-runtime-interface-emulator"

const invokePath = "/2015-03-31/functions/function/invocations"

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary builds the aws-lambda-rie pinned in go.mod once per process into
// <user cache dir>/go-lambda-cdk/aws-lambda-rie/<version>-<GOOS>-<GOARCH>/
// and returns its path. A binary already there from an earlier run is
// reused. It runs the go command in the module that holds the working
// directory.
func Binary(ctx context.Context) (string, error) {
	binary.once.Do(func() { binary.path, binary.err = build(ctx) })
	return binary.path, binary.err
}

func build(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", Module).Output()
	if err != nil {
		return "", fmt.Errorf("rie: find the pinned emulator version: %w%s", err, stderrOf(err))
	}
	version := strings.TrimSpace(string(out))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "go-lambda-cdk", "aws-lambda-rie", version+"-"+runtime.GOOS+"-"+runtime.GOARCH)
	path := filepath.Join(dir, "aws-lambda-rie")
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("rie: %w", err)
	}
	// Build to a unique name and rename, so concurrent test processes never
	// run a half-written binary.
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp, Module+"/cmd/aws-lambda-rie")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("rie: build aws-lambda-rie %s: %w\n%s", version, err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("rie: %w", err)
	}
	return path, nil
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// Options configure Start.
type Options struct {
	// Bootstrap is the path of a bootstrap built for the host GOOS/GOARCH.
	Bootstrap string
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME. Default "function".
	FunctionName string
	// Env holds KEY=VALUE pairs added to the function's environment. The
	// function does not inherit the caller's environment: it sees only
	// these, PATH, and the variables Lambda itself sets.
	Env []string
	// Timeout is the function timeout, rounded up to whole seconds.
	// Default 3s, like Lambda.
	Timeout time.Duration
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE. Default 128. The emulator
	// does not enforce it.
	MemoryMB int
	// Stdout and Stderr receive the function's and the emulator's output;
	// nil discards it.
	Stdout, Stderr io.Writer
}

// Response is the emulator's answer to one invocation.
type Response struct {
	// StatusCode is the emulator's HTTP status: 200, also when the function
	// returned an error; 502 when the function process crashed or panicked.
	StatusCode int
	// Body is the function's JSON response, or the error document
	// {"errorMessage": ..., "errorType": ...}.
	Body []byte
	// ErrorType and ErrorMessage are set when the function returned an
	// error or crashed.
	ErrorType    string
	ErrorMessage string
}

// Emulator is a running emulator with its function.
type Emulator struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client
	exited chan struct{}

	mu        sync.Mutex // serializes invocations: the emulator handles one at a time
	closeOnce sync.Once
	closeErr  error
}

// Start starts the emulator for opts.Bootstrap on free 127.0.0.1 ports and
// waits until it accepts connections. The function process itself starts on
// the first Invoke. Close must be called to stop both.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	if opts.Bootstrap == "" {
		return nil, errors.New("rie: no bootstrap")
	}
	bootstrap, err := filepath.Abs(opts.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("rie: %w", err)
	}
	if _, err := os.Stat(bootstrap); err != nil {
		return nil, fmt.Errorf("rie: bootstrap: %w", err)
	}
	bin, err := Binary(ctx)
	if err != nil {
		return nil, err
	}
	// A free port can be taken between finding it and the emulator binding
	// it; try a few times.
	var errs []error
	for range 3 {
		e, err := start(ctx, bin, bootstrap, opts)
		if err == nil {
			return e, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("rie: start %s: %w", opts.Bootstrap, errors.Join(errs...))
}

func start(ctx context.Context, bin, bootstrap string, opts Options) (*Emulator, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	rieAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	apiAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	cmd := exec.Command(bin,
		"--log-level", "error",
		"--runtime-interface-emulator-address", rieAddr,
		"--runtime-api-address", apiAddr,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = environment(opts)
	cmd.Stdout = orDiscard(opts.Stdout)
	cmd.Stderr = orDiscard(opts.Stderr)
	// Kill the emulator if this process dies; the function process exits
	// by itself once its runtime API is gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run aws-lambda-rie: %w", err)
	}
	e := &Emulator{
		cmd:    cmd,
		url:    "http://" + rieAddr,
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: 1, IdleConnTimeout: time.Minute}},
		exited: make(chan struct{}),
	}
	go func() {
		cmd.Wait()
		close(e.exited)
	}()
	if err := e.awaitListening(ctx, rieAddr); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func environment(opts Options) []string {
	name := opts.FunctionName
	if name == "" {
		name = "function"
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	memory := opts.MemoryMB
	if memory <= 0 {
		memory = 128
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(math.Ceil(timeout.Seconds()))),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(memory),
	}
	return append(env, opts.Env...)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (e *Emulator) awaitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-e.exited:
			return fmt.Errorf("aws-lambda-rie exited before listening on %s: %v", addr, e.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("aws-lambda-rie not listening on %s: %w", addr, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// URL returns the emulator's invoke endpoint
// (http://127.0.0.1:<port>/2015-03-31/functions/function/invocations).
func (e *Emulator) URL() string { return e.url + invokePath }

// Invoke sends one synchronous invocation with payload and returns the
// emulator's answer. Calls are serialized: the emulator crashes on
// concurrent invocations. An error means the emulator gave no answer.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (Response, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+invokePath, bytes.NewReader(payload))
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: read response: %w", err)
	}
	r := Response{StatusCode: resp.StatusCode, Body: body}
	var doc struct {
		ErrorType    *string `json:"errorType"`
		ErrorMessage string  `json:"errorMessage"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.ErrorType != nil {
		r.ErrorType, r.ErrorMessage = *doc.ErrorType, doc.ErrorMessage
	}
	return r, nil
}

// FunctionPIDs returns the process ids of the emulator's child processes:
// the function's bootstrap once the first invocation started it.
func (e *Emulator) FunctionPIDs() []int {
	return children(e.cmd.Process.Pid)
}

// Close stops the emulator and the function process and waits until both
// are gone. It is safe to call more than once.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		// The emulator starts the function in its own process group, so
		// killing the emulator alone would leave it running.
		for _, pid := range children(e.cmd.Process.Pid) {
			syscall.Kill(-pid, syscall.SIGKILL)
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if err := e.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			e.closeErr = fmt.Errorf("rie: close: %w", err)
		}
		<-e.exited
		e.client.CloseIdleConnections()
	})
	return e.closeErr
}

// children lists the direct children of pid from /proc (Linux only; empty
// elsewhere).
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, ent := range entries {
		child, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesized command name: state ppid ...
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			pids = append(pids, child)
		}
	}
	return pids
}
