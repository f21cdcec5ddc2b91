// Package clitest holds the checks that the tests of the commands built on
// package cli share.
package clitest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cli"
)

// UsageCase is a command line that a command must refuse as a usage error.
type UsageCase struct {
	Name string
	Args []string
	// Want is a fragment of the error message: what was wrong, or what is
	// allowed.
	Want string
}

// RefusesUsage runs run with the args of each case, in a subtest named
// after it, and fails unless run returns a usage error (cli.ExitCode 2)
// containing Want, having written nothing to stdout.
func RefusesUsage(t *testing.T, run cli.Run, cases []UsageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.Args, &stdout, &stderr)
			if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.Want) {
				t.Errorf("run(%q) = %v (exit %d), want a usage error (exit 2) containing %q", tc.Args, err, cli.ExitCode(err), tc.Want)
			}
			if stdout.Len() > 0 {
				t.Errorf("run(%q) wrote %q to stdout, want nothing", tc.Args, stdout.String())
			}
		})
	}
}
