package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
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

// TestParse: a bad flag exits 2 and -h exits 0, both with the usage on the
// command's stderr; good flags are set.
func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantExit int
		wantOut  string
	}{
		{"flags set", []string{"-n", "3"}, 0, ""},
		{"unknown flag", []string{"-x"}, 2, "flag provided but not defined: -x"},
		{"bad value", []string{"-n", "many"}, 2, `invalid value "many" for flag -n`},
		{"help", []string{"-h"}, 0, "Usage of cmd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := flag.NewFlagSet("cmd", flag.ContinueOnError)
			n := flags.Int("n", 1, "count")
			var stderr strings.Builder
			err := Parse(flags, tt.args, &stderr)
			if got := ExitCode(err); got != tt.wantExit {
				t.Errorf("exit %d (%v), want %d", got, err, tt.wantExit)
			}
			if !strings.Contains(stderr.String(), tt.wantOut) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantOut)
			}
			if tt.name == "flags set" && (err != nil || *n != 3 || stderr.Len() != 0) {
				t.Errorf("n = %d, err %v, stderr %q", *n, err, stderr.String())
			}
		})
	}
}
