package destination_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go-lambda-cdk/internal/destination"
)

// TestParseAWSExample reads the on-failure record of the AWS Lambda
// developer guide's example, as Lambda sends it to an SQS destination.
func TestParseAWSExample(t *testing.T) {
	b, err := os.ReadFile("testdata/sqs-on-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := destination.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Function() != "my-function" || r.RequestContext.Condition != destination.ConditionRetriesExhausted || r.RequestContext.ApproximateInvokeCount != 3 {
		t.Errorf("record %+v", r.RequestContext)
	}
	var payload struct {
		OrderIDs []string `json:"ORDER_IDS"`
	}
	if err := json.Unmarshal(r.RequestPayload, &payload); err != nil || len(payload.OrderIDs) != 3 {
		t.Errorf("requestPayload %s: %v", r.RequestPayload, err)
	}
	if !strings.Contains(r.ErrorMessage(), "Process exited before completing request") {
		t.Errorf("error message %q", r.ErrorMessage())
	}
	if r.ResponseContext.FunctionError != "Unhandled" || r.ResponseContext.ExecutedVersion != "$LATEST" {
		t.Errorf("response context %+v", r.ResponseContext)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"not JSON", "hello", "not a Lambda destination record"},
		{"no function ARN", `{"requestPayload":{}}`, "functionArn is missing"},
		{"not a function ARN", `{"requestContext":{"functionArn":"arn:aws:sqs:us-east-1:1:q"},"requestPayload":{}}`, "is not a Lambda function ARN"},
		{"no payload", `{"requestContext":{"functionArn":"arn:aws:lambda:us-east-1:1:function:f"}}`, "requestPayload is missing"},
		{"null payload", `{"requestContext":{"functionArn":"arn:aws:lambda:us-east-1:1:function:f"},"requestPayload":null}`, "requestPayload is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := destination.Parse([]byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFunctionName(t *testing.T) {
	tests := []struct{ arn, name, qualifier string }{
		{"arn:aws:lambda:us-east-1:123456789012:function:my-function", "my-function", ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST", "my-function", "$LATEST"},
		{"arn:aws:lambda:eu-west-1:123456789012:function:GoLambdaCdk-prod-Processor-AbC:live", "GoLambdaCdk-prod-Processor-AbC", "live"},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:f:7", "f", "7"},
		{"arn:aws:lambda:us-east-1:123456789012:layer:l:1", "", ""},
		{"my-function", "", ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:", "", ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:1:extra", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			name, q, err := destination.FunctionName(tt.arn)
			if (err != nil) != (tt.name == "") || name != tt.name || q != tt.qualifier {
				t.Errorf("FunctionName = %q, %q, %v; want %q, %q", name, q, err, tt.name, tt.qualifier)
			}
		})
	}
}
