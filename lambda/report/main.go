// Command report is the nightly report Lambda function (EventBridge
// scheduled events); the logic is in package go-lambda-cdk/internal/report.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"go-lambda-cdk/internal/lambdaenv"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/report"
)

func main() {
	lambdaenv.MainEvent("report", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.EventHandler[events.EventBridgeEvent], error) {
	bucket, client, err := lambdaenv.BucketClient(ctx, lookup, lambdaenv.MaxConnsPerHost(report.DefaultConcurrency))
	if err != nil {
		return nil, err
	}
	h := report.New(client, bucket, lambdacontext.NewLogger())
	h.Metrics = metrics.FromEnv(lookup, os.Stdout)
	return h.Handle, nil
}
