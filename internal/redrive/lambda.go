package redrive

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// LambdaAPI is the part of the Lambda client LambdaInvoker uses;
// *lambda.Client satisfies it.
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ LambdaAPI = (*lambda.Client)(nil)

// LambdaInvoker invokes through Lambda's Invoke API: AWS, or the local
// run's endpoint (`make local` serves it).
type LambdaInvoker struct{ API LambdaAPI }

var _ Invoker = LambdaInvoker{}

// InvokeEvent invokes function (a name, or an ARN with a qualifier)
// asynchronously and returns nil when Lambda answered 202 Accepted.
func (l LambdaInvoker) InvokeEvent(ctx context.Context, function string, payload []byte) error {
	out, err := l.API.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(function),
		InvocationType: types.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return err
	}
	if out.StatusCode != http.StatusAccepted {
		return fmt.Errorf("status %d, want %d (accepted)", out.StatusCode, http.StatusAccepted)
	}
	return nil
}
