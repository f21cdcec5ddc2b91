package lambdaapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"go-lambda-cdk/internal/local/lambdaapi"
)

// fakeFunctions runs "echo", which answers its payload, and "broken",
// which fails.
type fakeFunctions struct {
	mu     sync.Mutex
	events []string
}

var _ lambdaapi.Functions = (*fakeFunctions)(nil)

func (f *fakeFunctions) Has(fn string) bool { return fn == "echo" || fn == "broken" }

func (f *fakeFunctions) Invoke(_ context.Context, fn string, payload []byte) ([]byte, bool, error) {
	if fn == "broken" {
		return []byte(`{"errorMessage":"boom","errorType":"errorString"}`), true, nil
	}
	return payload, false, nil
}

func (f *fakeFunctions) InvokeEvent(fn string, payload []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, fn+" "+string(payload))
}

// TestThroughTheSDK calls the local endpoint with the AWS SDK's Lambda
// client, as `make redrive LOCAL=1` and any SDK user do.
func TestThroughTheSDK(t *testing.T) {
	fns := &fakeFunctions{}
	srv := httptest.NewServer(lambdaapi.New(fns, nil))
	defer srv.Close()
	client := lambda.New(lambda.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	ctx := context.Background()
	invoke := func(name string, typ types.InvocationType, payload string) (*lambda.InvokeOutput, error) {
		return client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), InvocationType: typ, Payload: []byte(payload)})
	}

	t.Run("event is accepted and queued", func(t *testing.T) {
		out, err := invoke("arn:aws:lambda:us-east-1:123456789012:function:echo:live", types.InvocationTypeEvent, `{"a":1}`)
		if err != nil || out.StatusCode != http.StatusAccepted {
			t.Fatalf("Invoke = %+v, %v; want 202", out, err)
		}
		if len(fns.events) != 1 || fns.events[0] != `echo {"a":1}` {
			t.Errorf("queued %q", fns.events)
		}
	})
	t.Run("request-response answers the response", func(t *testing.T) {
		out, err := invoke("echo", types.InvocationTypeRequestResponse, `{"b":2}`)
		if err != nil || out.StatusCode != http.StatusOK || string(out.Payload) != `{"b":2}` || out.FunctionError != nil {
			t.Fatalf("Invoke = %+v, %v", out, err)
		}
	})
	t.Run("function error", func(t *testing.T) {
		out, err := invoke("broken:$LATEST", types.InvocationTypeRequestResponse, `{}`)
		if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "boom") {
			t.Fatalf("Invoke = %+v, %v; want 200 with function error Unhandled", out, err)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		_, err := invoke("nope", types.InvocationTypeEvent, `{}`)
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want ResourceNotFoundException", err)
		}
	})
	t.Run("async payload over 1 MB", func(t *testing.T) {
		big := `{"x":"` + strings.Repeat("a", lambdaapi.MaxAsyncPayload) + `"}`
		_, err := invoke("echo", types.InvocationTypeEvent, big)
		var tooLarge *types.RequestTooLargeException
		if !errors.As(err, &tooLarge) {
			t.Fatalf("err = %v, want RequestTooLargeException", err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		_, err := invoke("echo", types.InvocationTypeEvent, `nope`)
		var bad *types.InvalidRequestContentException
		if !errors.As(err, &bad) {
			t.Fatalf("err = %v, want InvalidRequestContentException", err)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		out, err := invoke("echo", types.InvocationTypeDryRun, `{}`)
		if err != nil || out.StatusCode != http.StatusNoContent {
			t.Fatalf("Invoke = %+v, %v; want 204", out, err)
		}
	})
}
