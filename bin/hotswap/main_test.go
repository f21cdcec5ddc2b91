package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cli"
)

// TestRunRefusesBadInvocations: prod and bad flags are usage errors (exit
// 2), refused before any build or AWS call.
func TestRunRefusesBadInvocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"prod", []string{"-stage", "prod"}, "hotswap refuses prod"},
		{"prod with watch", []string{"-stage", "prod", "-watch"}, "hotswap refuses prod"},
		{"zero interval", []string{"-watch", "-interval", "0s"}, "-interval must be positive"},
		{"arguments", []string{"api"}, `unexpected arguments ["api"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q) = %v (exit %d), want exit 2 with %q", tc.args, err, cli.ExitCode(err), tc.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}
