package cli

import (
	"errors"
	"flag"
	"fmt"
	"testing"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"failure", errors.New("build failed"), 1},
		{"usage", Usagef("-arch %q: allowed: arm64, amd64", "x"), 2},
		{"help requested", UsageError{flag.ErrHelp}, 0},
		{"wrapped usage", fmt.Errorf("package: %w", Usagef("unknown function")), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
	if got := Usagef("-runs %d", 0).Error(); got != "-runs 0" {
		t.Errorf("message %q", got)
	}
}
