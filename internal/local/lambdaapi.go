package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go-lambda-cdk/internal/local/lambdaapi"
)

// DefaultLambdaAddr is where `make local` serves Lambda's Invoke API.
const DefaultLambdaAddr = "127.0.0.1:3002"

// lambdaFunctions adapts the App to lambdaapi.Functions.
type lambdaFunctions struct{ a *App }

func (f lambdaFunctions) Has(function string) bool { return f.a.pools[function] != nil }

func (f lambdaFunctions) Invoke(ctx context.Context, function string, payload []byte) ([]byte, bool, error) {
	out, err := f.a.Invoke(ctx, function, payload)
	var fe *FunctionError
	if errors.As(err, &fe) {
		return out, true, nil
	}
	return out, false, err
}

func (f lambdaFunctions) InvokeEvent(function string, payload []byte) {
	f.a.async.Invoke(f.a.targets[function], payload)
}

// lambdaServer serves the Invoke API.
type lambdaServer struct {
	srv *http.Server
	url string
}

// startLambdaAPI serves the Invoke API on addr.
func (a *App) startLambdaAPI(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("local: lambda invoke api: %w", err)
	}
	a.lambda = &lambdaServer{
		srv: &http.Server{Handler: lambdaapi.New(lambdaFunctions{a}, a.logger), ReadHeaderTimeout: 10 * time.Second},
		url: "http://" + ln.Addr().String(),
	}
	go func() { _ = a.lambda.srv.Serve(ln) }()
	return nil
}

// LambdaURL is the base URL of Lambda's Invoke API for the local functions
// (give it to an AWS SDK or CLI as the Lambda endpoint); "" when not served.
func (a *App) LambdaURL() string {
	if a.lambda == nil {
		return ""
	}
	return a.lambda.url
}

// close stops the server; a nil server is not running.
func (s *lambdaServer) close() error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
