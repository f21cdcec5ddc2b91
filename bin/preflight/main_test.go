package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cli"
)

// TestRunRefusesBeforeCallingAWS: usage and configuration mistakes end the
// command before any AWS call, with exit codes 2 and 1.
func TestRunRefusesBeforeCallingAWS(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: a call would fail differently
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"stray argument", []string{"prod"}, 2, `unexpected arguments ["prod"]`},
		{"bad -c", []string{"-c", "memory"}, 2, `"memory" is not key=value`},
		{"prod without account", []string{"-stage", "prod"}, 1, `prod.account: "" is not a 12-digit AWS account ID`},
		{"bad override", []string{"-c", "functions.api.memoryMB=64"}, 1, "functions.api.memoryMB: 64 is out of range"},
		{"no synthesized app", []string{"-cdk-out", t.TempDir()}, 1, "run cdk synth first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if got := cli.ExitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d (%v)", got, tt.code, err)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("printed results despite the mistake:\n%s", &out)
			}
		})
	}
}
