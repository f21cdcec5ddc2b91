// Command local runs the synthesized stack on this machine, without Docker
// or an AWS account.
//
//	local serve [-port 3000] [-s3-port 3001]          the whole app (make local)
//	local invoke -fn NAME -event FILE [-async]        one invocation (make invoke)
//	local invoke-schedule [-rule LOGICAL_ID]          fire a schedule now
//	local event s3-put|api|schedule [flags]           print a sample event
//	local token -sub NAME [-ttl 1h]                    print a bearer token of the local user pool
//
// serve, invoke and invoke-schedule read cdk.out (run `make synth` first).
// Usage errors exit 2, failures exit 1.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"go-lambda-cdk/internal/cli"
)

func main() {
	cli.Main("local", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return run(ctx, args, os.Stdin, stdout, stderr)
	})
}

const usage = `usage:
  local serve [flags]             serve the API, S3 and notifications from cdk.out (Ctrl-C stops)
  local invoke -fn NAME -event FILE [flags]
                                  run one invocation and print the response
  local invoke-schedule [flags]   fire the scheduled rule's target now
  local event s3-put|api|schedule [flags]
                                  print a sample event in AWS's shape
  local token -sub NAME [flags]   print an ID token of the local user pool for
                                  methods with a Cognito authorizer
Run "local COMMAND -h" for a command's flags.`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.Usagef("%s", usage)
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
	case "token":
		return token(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return cli.Usagef("unknown command %q\n%s", cmd, usage)
}
