package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/cli/clitest"
)

func TestUsage(t *testing.T) {
	clitest.RefusesUsage(t, run, []clitest.UsageCase{
		{Name: "unknown stage", Args: []string{"-stage", "staging"}, Want: `"staging" is not a known stage`},
		{Name: "extra argument", Args: []string{"now"}, Want: "unexpected arguments"},
		{Name: "zero timeout", Args: []string{"-timeout", "0s"}, Want: "-timeout and -poll must be positive"},
		{Name: "bad flag", Args: []string{"-nope"}, Want: "flag provided but not defined"},
	})
}

// TestLocalNotRunning reads the local stack from a cloud assembly and fails
// at its first step, exit code 1, when nothing serves the API; it creates
// nothing, so there is nothing to clean up.
func TestLocalNotRunning(t *testing.T) {
	dir := t.TempDir()
	tpl, err := os.ReadFile(filepath.Join("..", "..", "internal", "local", "template", "testdata", "cdk-synth-cognito.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	manifest := `{"artifacts":{"GoLambdaCdk-dev":{"type":"aws:cloudformation:stack","properties":{"templateFile":"GoLambdaCdk-dev.template.json"}}}}`
	for name, body := range map[string][]byte{"manifest.json": []byte(manifest), "GoLambdaCdk-dev.template.json": tpl} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port nothing answers on once closed
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	err = run(context.Background(), []string{"-local", "-cdk-out", dir, "-state", t.TempDir(), "-api-addr", addr, "-s3-endpoint", "http://" + addr}, &out, io.Discard)
	if cli.ExitCode(err) != 1 || !strings.Contains(err.Error(), "GET /health") {
		t.Fatalf("run = %v (exit %d), want exit 1 at GET /health\n%s", err, cli.ExitCode(err), out.String())
	}
	if !strings.Contains(out.String(), "http://"+addr+"/dev") || strings.Contains(out.String(), "cleanup") {
		t.Errorf("output:\n%s\nwant the local API's URL and no cleanup step", out.String())
	}
}
