package lambdaenv

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// Main is the whole main of a function: it builds the handler once with
// build from the process environment, then serves invocations with it
// (lambda.Start never returns). A build error is a start-up failure: it is
// printed to stderr, prefixed with name, and the process exits 1, which
// Lambda reports as an init error.
func Main(name string, build func(ctx context.Context, lookup Lookup) (handler any, err error)) {
	ctx := context.Background()
	h, err := build(ctx, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: start: %v\n", name, err)
		os.Exit(1)
	}
	lambda.StartWithOptions(h, lambda.WithContext(ctx))
}
