// Command api is the upload API Lambda function (API Gateway REST proxy
// events); the logic is in package go-lambda-cdk/internal/api.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/lambdaenv"
	"go-lambda-cdk/internal/metrics"
)

func main() {
	lambdaenv.Main("api", build)
}

func build(ctx context.Context, lookup lambdaenv.Lookup) (lambdaenv.Handler[events.APIGatewayProxyRequest, events.APIGatewayProxyResponse], error) {
	cfg, err := api.ConfigFromEnv(lookup)
	if err != nil {
		return nil, err
	}
	client, err := lambdaenv.S3Client(ctx, lookup)
	if err != nil {
		return nil, err
	}
	h, err := api.New(cfg, s3.NewPresignClient(client), client, lambdacontext.NewLogger())
	if err != nil {
		return nil, err
	}
	h.Metrics = metrics.FromEnv(lookup, os.Stdout)
	return h.Handle, nil
}
