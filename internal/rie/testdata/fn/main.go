// Command fn is a tiny Lambda function for the rie tests: it echoes its
// input with the value of an environment variable, fails on request and
// panics on request.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	Echo  string `json:"echo"`
	Fail  bool   `json:"fail"`
	Panic bool   `json:"panic"`
}

type response struct {
	Echo string `json:"echo"`
	Env  string `json:"env"`
	PID  int    `json:"pid"`
}

func handle(ctx context.Context, req request) (response, error) {
	switch {
	case req.Fail:
		return response{}, errors.New("failed on request")
	case req.Panic:
		panic("panicked on request")
	}
	return response{Echo: req.Echo, Env: os.Getenv("RIE_TEST_VALUE"), PID: os.Getpid()}, nil
}

func main() {
	lambda.Start(handle)
}
