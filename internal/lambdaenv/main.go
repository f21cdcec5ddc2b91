package lambdaenv

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// Handler answers an event of type E with a response of type R, e.g.
// Handler[events.APIGatewayProxyRequest, events.APIGatewayProxyResponse].
type Handler[E, R any] = func(ctx context.Context, event E) (R, error)

// EventHandler handles an event of type E that expects no response, as S3
// and EventBridge send them, e.g. EventHandler[events.S3Event].
type EventHandler[E any] = func(ctx context.Context, event E) error

// Main is the whole main of a function that answers its events: it builds
// the handler once with build from the process environment, then serves
// invocations with it (it never returns). The handler's type is checked at
// compile time. A build error is a start-up failure: it is printed to
// stderr, prefixed with name, and the process exits 1, which Lambda reports
// as an init error.
func Main[E, R any](name string, build func(ctx context.Context, lookup Lookup) (Handler[E, R], error)) {
	ctx, h := mustBuild(name, build)
	lambda.StartHandlerFunc(h, lambda.WithContext(ctx))
}

// MainEvent is Main for a handler that returns no response.
func MainEvent[E any](name string, build func(ctx context.Context, lookup Lookup) (EventHandler[E], error)) {
	ctx, h := mustBuild(name, build)
	lambda.StartWithOptions(h, lambda.WithContext(ctx))
}

func mustBuild[H any](name string, build func(ctx context.Context, lookup Lookup) (H, error)) (context.Context, H) {
	ctx := context.Background()
	h, err := build(ctx, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: start: %v\n", name, err)
		os.Exit(1)
	}
	return ctx, h
}
