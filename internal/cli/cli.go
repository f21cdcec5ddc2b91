// Package cli is the entry point shared by the project's commands: main
// stays one line, the work is in run(ctx, args, stdout, stderr), which tests
// call directly.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// UsageError is a mistake in the command line: Main exits 2 for it, 1 for
// any other error.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is, or wraps, a UsageError.
func IsUsage(err error) bool { return errors.As(err, new(UsageError)) }

// Parse parses a command's args with flags, which print their usage and
// errors to stderr. A bad flag is a UsageError; so is -h, wrapping
// flag.ErrHelp, for which Main exits 0 without a message (the usage is
// printed already).
func Parse(flags *flag.FlagSet, args []string, stderr io.Writer) error {
	flags.SetOutput(stderr)
	if err := flags.Parse(args); err != nil {
		return UsageError{Err: err}
	}
	return nil
}

// Run is the body of a command.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs run with the process's arguments and streams; its context is
// cancelled on an interrupt or SIGTERM. A failure is printed to stderr as
// "name: error", and the process exits with ExitCode.
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	}
	os.Exit(ExitCode(err))
}

// ExitCode is 0 for nil and for -h (flag.ErrHelp, the usage was printed),
// 2 for a usage error, 1 for any other error.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case IsUsage(err):
		return 2
	}
	return 1
}
