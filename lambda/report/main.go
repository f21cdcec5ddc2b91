// Command report is the nightly report Lambda function (EventBridge
// scheduled events); the logic is in package go-lambda-cdk/internal/report.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"go-lambda-cdk/internal/lambdaenv"
	"go-lambda-cdk/internal/report"
)

func main() {
	lambdaenv.Main("report", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (any, error) {
	bucket, client, err := lambdaenv.BucketClient(ctx, lookup, lambdaenv.MaxConnsPerHost(report.DefaultConcurrency))
	if err != nil {
		return nil, err
	}
	return report.New(client, bucket, lambdacontext.NewLogger()).Handle, nil
}
