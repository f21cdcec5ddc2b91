// Command local runs the synthesized stack on this machine, without Docker
// or an AWS account.
//
//	local serve [-port 3000] [-s3-port 3001]          the whole app (make local)
//	local invoke -fn NAME -event FILE [-async]        one invocation (make invoke)
//	local invoke-schedule [-rule LOGICAL_ID]          fire a schedule now
//	local event s3-put|api|schedule [flags]           print a sample event
//
// serve, invoke and invoke-schedule read cdk.out (run `make synth` first).
// Usage errors exit 2, failures exit 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage:
  local serve [flags]             serve the API, S3 and notifications from cdk.out (Ctrl-C stops)
  local invoke -fn NAME -event FILE [flags]
                                  run one invocation and print the response
  local invoke-schedule [flags]   fire the scheduled rule's target now
  local event s3-put|api|schedule [flags]
                                  print a sample event in AWS's shape
Run "local COMMAND -h" for a command's flags.`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "invoke":
		return invoke(ctx, rest, stdin, stdout, stderr)
	case "invoke-schedule":
		return invokeSchedule(ctx, rest, stdout, stderr)
	case "event":
		return event(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
}
