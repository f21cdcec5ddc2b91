package rie_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/internal/rie"
)

var bootstrap string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rie-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bootstrap = filepath.Join(dir, "bootstrap")
	out, err := exec.Command("go", "build", "-o", bootstrap, "./testdata/fn").CombinedOutput()
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "build test function: %v\n%s", err, out)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func startFn(t *testing.T) *rie.Emulator {
	t.Helper()
	e, err := rie.Start(context.Background(), rie.Options{
		Bootstrap:    bootstrap,
		FunctionName: "fn",
		Env:          []string{"RIE_TEST_VALUE=from-env"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if !strings.HasPrefix(e.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q, want a 127.0.0.1 address", e.URL())
	}
	return e
}

type echo struct {
	Echo string `json:"echo"`
	Env  string `json:"env"`
	PID  int    `json:"pid"`
}

func invokeEcho(t *testing.T, e *rie.Emulator, s string) echo {
	t.Helper()
	resp, err := e.Invoke(context.Background(), []byte(fmt.Sprintf(`{"echo":%q}`, s)))
	if err != nil {
		t.Fatal(err)
	}
	var got echo
	if resp.StatusCode != http.StatusOK || resp.ErrorType != "" {
		t.Fatalf("invoke: status %d, errorType %q, body %s", resp.StatusCode, resp.ErrorType, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, &got); err != nil {
		t.Fatalf("invoke: %v in %s", err, resp.Body)
	}
	return got
}

func TestInvoke(t *testing.T) {
	e := startFn(t)
	first := invokeEcho(t, e, "hello")
	if first.Echo != "hello" || first.Env != "from-env" {
		t.Errorf("first invoke = %+v, want echo hello, env from-env", first)
	}
	second := invokeEcho(t, e, "again")
	if second.Echo != "again" || second.PID != first.PID {
		t.Errorf("second invoke = %+v, want echo again from the same process %d", second, first.PID)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, payload string
		status        int
		errorType     string
		message       string
	}{
		{"returned error", `{"fail":true}`, http.StatusOK, "errorString", "failed on request"},
		{"panic", `{"panic":true}`, http.StatusBadGateway, "", "panicked on request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startFn(t)
			resp, err := e.Invoke(context.Background(), []byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || resp.ErrorType == "" || (tc.errorType != "" && resp.ErrorType != tc.errorType) {
				t.Errorf("status %d errorType %q, want %d and errorType %q (body %s)", resp.StatusCode, resp.ErrorType, tc.status, tc.errorType, resp.Body)
			}
			if !strings.Contains(resp.ErrorMessage, tc.message) {
				t.Errorf("errorMessage %q, want it to contain %q", resp.ErrorMessage, tc.message)
			}
		})
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	e := startFn(t)
	fn := invokeEcho(t, e, "x").PID
	pids := e.FunctionPIDs()
	if len(pids) != 1 || pids[0] != fn {
		t.Fatalf("FunctionPIDs() = %v, want [%d]", pids, fn)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(fn) {
		if time.Now().After(deadline) {
			t.Fatalf("function process %d still running after Close", fn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i >= 0 && !strings.HasPrefix(strings.TrimSpace(string(stat[i+1:])), "Z")
}
