// Command empty-buckets empties every bucket of a dev stack (every object
// version and delete marker), so that `cdk destroy` can delete them: `make
// destroy STAGE=dev` runs it first. It asks before deleting anything unless
// -yes is given (APPROVE=1), and refuses any stage but dev.
//
// Usage:
//
//	go run ./bin/empty-buckets -stack GoLambdaCdk-dev [-stage dev] [-yes]
//
// The AWS clients use the standard AWS settings (AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/teardown"
)

func main() { cli.Main("empty-buckets", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("empty-buckets", flag.ContinueOnError)
	stack := flags.String("stack", "", "CloudFormation `stack` whose buckets are emptied (required)")
	stage := flags.String("stage", config.StageDev, "the stack's `stage`; only dev is emptied")
	yes := flags.Bool("yes", false, "do not ask")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if *stack == "" || flags.NArg() > 0 {
		return cli.Usagef("usage: empty-buckets -stack NAME [-stage dev] [-yes]")
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("AWS settings: %w", err)
	}
	// Path-style requests work with every endpoint, including emulators
	// that serve S3 on a plain host:port.
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = os.Getenv("AWS_ENDPOINT_URL") != "" })
	return teardown.EmptyStackBuckets(ctx, teardown.Options{Stack: *stack, Stage: *stage, Yes: *yes, In: os.Stdin, Out: stdout},
		cloudformation.NewFromConfig(awsCfg), s3c)
}
