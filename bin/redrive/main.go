// Command redrive replays the events a function failed on after its
// asynchronous retries (make redrive).
//
//	redrive -fn NAME [-stage dev|prod | -stack NAME] [-dry-run] [-limit N]
//	redrive -local -fn NAME [-failed-dir .local/failed] [-endpoint http://127.0.0.1:3002] [-dry-run]
//
// Against AWS it finds the failure queue (stack output FailureQueueUrl) and
// the function in the deployed stack with CloudFormation, reads the queue's
// on-failure records, invokes the function (its "live" alias when the stack
// has one) asynchronously with each record's original event, and deletes a
// record once Lambda accepted the invocation. With -local it reads the local
// run's failure records and invokes through `make local`'s Lambda endpoint.
// Usage errors exit 2, failures (including records that could not be
// replayed) exit 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/redrive"
)

func main() { cli.Main("redrive", run) }

type flags struct {
	fn, stage, stack    string
	dryRun, local       bool
	limit               int
	failedDir, endpoint string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	var f flags
	fs.StringVar(&f.fn, "fn", "", "function whose failed events to replay: api, processor, report (required)")
	fs.StringVar(&f.stage, "stage", config.DefaultStage, "stage whose stack to read (dev, prod)")
	fs.StringVar(&f.stack, "stack", "", "stack name (default: the stage's, e.g. GoLambdaCdk-dev)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "list the records that would be replayed; change nothing")
	fs.IntVar(&f.limit, "limit", 0, "replay at most this many records (0: all)")
	fs.BoolVar(&f.local, "local", false, "replay the local run's records against `make local` instead of AWS")
	fs.StringVar(&f.failedDir, "failed-dir", filepath.Join(local.DefaultStateDir, "failed"), "with -local: folder of the local failure records")
	fs.StringVar(&f.endpoint, "endpoint", "http://"+local.DefaultLambdaAddr, "with -local: Lambda endpoint of `make local`")
	if err := cli.Parse(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected arguments %q", fs.Args())
	case f.fn == "":
		return cli.Usagef("-fn is required (usage: make redrive FN=processor [STAGE=prod] [DRY_RUN=1] [LOCAL=1])")
	case f.limit < 0:
		return cli.Usagef("-limit must not be negative, got %d", f.limit)
	}
	src, inv, opts, err := setup(ctx, f)
	if err != nil {
		return err
	}
	opts.Out = stdout
	mode := ""
	if f.dryRun {
		mode = " (dry run: nothing is invoked or deleted)"
	}
	via := "Lambda"
	if f.local {
		via = "the local run at " + f.endpoint
	}
	fmt.Fprintf(stdout, "redrive: records of %s in %s, replayed to %s through %s%s\n", opts.Function, src, opts.Target, via, mode)
	counts, err := redrive.Run(ctx, src, inv, opts)
	fmt.Fprintf(stdout, "redrive: %s\n", counts)
	if err != nil {
		return err
	}
	if counts.Failed > 0 {
		return fmt.Errorf("%d records could not be replayed and stay in %s", counts.Failed, src)
	}
	return nil
}

// setup builds the source, the invoker and the options, from the local
// run's folder and endpoint or from the deployed stack.
func setup(ctx context.Context, f flags) (redrive.Source, redrive.Invoker, redrive.Options, error) {
	opts := redrive.Options{Function: f.fn, DryRun: f.dryRun, Limit: f.limit}
	if f.local {
		client := lambda.New(lambda.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(f.endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		})
		opts.Target = f.fn
		if !f.dryRun {
			if err := localRunAnswers(ctx, f.endpoint); err != nil {
				return nil, nil, opts, err
			}
		}
		return redrive.NewDir(f.failedDir), redrive.LambdaInvoker{API: client}, opts, nil
	}
	stack := f.stack
	if stack == "" {
		c, err := config.StageNames(f.stage)
		if err != nil {
			return nil, nil, opts, cli.UsageError{Err: err}
		}
		stack = c.StackName()
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, opts, fmt.Errorf("load AWS configuration: %w", err)
	}
	d, err := redrive.Resolve(ctx, cloudformation.NewFromConfig(cfg), stack, f.fn)
	if err != nil {
		return nil, nil, opts, err
	}
	q, err := redrive.NewQueue(sqs.NewFromConfig(cfg), d.QueueURL, redrive.QueueOptions{})
	if err != nil {
		return nil, nil, opts, err
	}
	opts.Function, opts.Target = d.FunctionName, d.Target
	return q, redrive.LambdaInvoker{API: lambda.NewFromConfig(cfg)}, opts, nil
}

// localRunAnswers checks that something answers HTTP at the local run's
// Lambda endpoint before any record is touched.
func localRunAnswers(ctx context.Context, endpoint string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return cli.Usagef("-endpoint %q: %v", endpoint, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no local run answers at %s: start `make local` in another terminal first (%v)", endpoint, err)
	}
	resp.Body.Close()
	return nil
}
