package main

import (
	"testing"

	"go-lambda-cdk/internal/cli/clitest"
)

// TestRunRefusesBadInvocations: prod and bad flags are usage errors (exit
// 2), refused before any build or AWS call.
func TestRunRefusesBadInvocations(t *testing.T) {
	clitest.RefusesUsage(t, run, []clitest.UsageCase{
		{Name: "prod", Args: []string{"-stage", "prod"}, Want: "hotswap refuses prod"},
		{Name: "prod with watch", Args: []string{"-stage", "prod", "-watch"}, Want: "hotswap refuses prod"},
		{Name: "zero interval", Args: []string{"-watch", "-interval", "0s"}, Want: "-interval must be positive"},
		{Name: "arguments", Args: []string{"api"}, Want: `unexpected arguments ["api"]`},
	})
}
