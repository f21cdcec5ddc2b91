// Package destination holds the record Lambda sends to an asynchronous
// invocation's on-failure destination (an SQS queue here) once an event
// failed every attempt or grew too old, and reads the function it names.
//
// The shape is Lambda's, field for field: see "Capturing records of Lambda
// asynchronous invocations" in the AWS Lambda developer guide
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
// The local run writes the same records to .local/failed/, and the redrive
// command reads both.
package destination

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Conditions Lambda names in RequestContext.Condition.
const (
	ConditionRetriesExhausted = "RetriesExhausted"
	ConditionEventAgeExceeded = "EventAgeExceeded"
)

// Record is what Lambda sends to an on-failure destination.
type Record struct {
	Version         string          `json:"version"`
	Timestamp       string          `json:"timestamp"`
	RequestContext  RequestContext  `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext ResponseContext `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

// RequestContext says which invocation failed and why.
type RequestContext struct {
	RequestID string `json:"requestId"`
	// FunctionARN is the invoked function with its qualifier, e.g.
	// arn:aws:lambda:us-east-1:123456789012:function:name:$LATEST.
	FunctionARN string `json:"functionArn"`
	// Condition is ConditionRetriesExhausted or ConditionEventAgeExceeded.
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// ResponseContext describes the last attempt's result.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError"`
}

// Parse reads a record and checks that it names a function and carries the
// original event.
func Parse(b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("not a Lambda destination record: %w", err)
	}
	if r.RequestContext.FunctionARN == "" {
		return Record{}, errors.New("not a Lambda destination record: requestContext.functionArn is missing")
	}
	if _, _, err := FunctionName(r.RequestContext.FunctionARN); err != nil {
		return Record{}, err
	}
	if len(r.RequestPayload) == 0 || string(r.RequestPayload) == "null" {
		return Record{}, errors.New("not a Lambda destination record: requestPayload is missing")
	}
	return r, nil
}

// Function is the name of the function the record is about.
func (r Record) Function() string {
	name, _, _ := FunctionName(r.RequestContext.FunctionARN)
	return name
}

// ErrorMessage is the last attempt's errorMessage, or "" when the response
// payload has none.
func (r Record) ErrorMessage() string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(r.ResponsePayload, &e)
	return e.ErrorMessage
}

// FunctionName splits a function ARN, arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER],
// into the name and the qualifier ("" when there is none).
func FunctionName(arn string) (name, qualifier string, err error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return "", "", fmt.Errorf("%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])", arn)
	}
	if len(parts) == 8 {
		qualifier = parts[7]
	}
	return parts[6], qualifier, nil
}
