// Command processor is the Lambda function invoked by S3 for every upload;
// the logic is in package go-lambda-cdk/internal/processor.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"go-lambda-cdk/internal/lambdaenv"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/processor"
)

func main() {
	lambdaenv.MainEvent("processor", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.EventHandler[events.S3Event], error) {
	bucket, client, err := lambdaenv.BucketClient(ctx, lookup)
	if err != nil {
		return nil, err
	}
	h := processor.New(client, bucket, lambdacontext.NewLogger())
	h.Metrics = metrics.FromEnv(lookup, os.Stdout)
	return h.Handle, nil
}
