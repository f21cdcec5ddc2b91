package events

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
)

var now = time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)

// roundTrip marshals v and decodes it into the aws-lambda-go type a handler uses.
func roundTrip[T any](t *testing.T, v any) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return out
}

func TestS3Put(t *testing.T) {
	ev := roundTrip[awsevents.S3Event](t, S3Put("bkt", "uploads/1/my file.mp3", 7, "0123456789abcdef0123456789abcdef", "eu-west-1", now))
	r := ev.Records[0]
	if r.S3.Object.Key != "uploads/1/my+file.mp3" || r.S3.Object.URLDecodedKey != "uploads/1/my file.mp3" || r.S3.Object.Size != 7 {
		t.Errorf("object = %+v", r.S3.Object)
	}
	if r.EventName != "ObjectCreated:Put" || r.AWSRegion != "eu-west-1" || r.S3.Bucket.Arn != "arn:aws:s3:::bkt" || !r.EventTime.Equal(now) {
		t.Errorf("record = %+v", r)
	}
}

func TestAPI(t *testing.T) {
	tests := []struct {
		name       string
		req        APIRequest
		wantParams map[string]string
		wantErr    string
	}{
		{"path parameter", APIRequest{Method: "get", Path: "/uploads/abc?x=1&x=2", Resource: "/uploads/{id}"}, map[string]string{"id": "abc"}, ""},
		{"greedy", APIRequest{Path: "/files/a/b", Resource: "/files/{proxy+}"}, map[string]string{"proxy": "a/b"}, ""},
		{"no resource", APIRequest{Method: "POST", Path: "/uploads", Body: `{"a":1}`, Headers: []string{"Content-Type: application/json"}}, nil, ""},
		{"mismatch", APIRequest{Path: "/other/abc", Resource: "/uploads/{id}"}, nil, "does not match"},
		{"bad header", APIRequest{Path: "/x", Headers: []string{"nocolon"}}, nil, "Name: value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := API(tt.req, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := roundTrip[awsevents.APIGatewayProxyRequest](t, ev)
			if !reflect.DeepEqual(got.PathParameters, tt.wantParams) {
				t.Errorf("pathParameters = %v, want %v", got.PathParameters, tt.wantParams)
			}
			if got.HTTPMethod != strings.ToUpper(tt.req.Method) && tt.req.Method != "" {
				t.Errorf("httpMethod = %q", got.HTTPMethod)
			}
			if got.RequestContext.Stage != "dev" || got.RequestContext.RequestID == "" {
				t.Errorf("requestContext = %+v", got.RequestContext)
			}
			if tt.req.Body != got.Body {
				t.Errorf("body = %q, want %q", got.Body, tt.req.Body)
			}
		})
	}
	ev, _ := API(APIRequest{Path: "/uploads/abc?x=1&x=2", Resource: "/uploads/{id}"}, now)
	if !reflect.DeepEqual(ev.MultiValueQueryStringParameters["x"], []string{"1", "2"}) {
		t.Errorf("multi-value query = %v", ev.MultiValueQueryStringParameters)
	}
}

func TestSchedule(t *testing.T) {
	ev := roundTrip[awsevents.EventBridgeEvent](t, Schedule("GoLambdaCdk-dev", "NightlyReportFE59B3CD", "us-east-1", now))
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || !ev.Time.Equal(now) || string(ev.Detail) != "{}" {
		t.Errorf("event = %+v", ev)
	}
	if want := []string{"arn:aws:events:us-east-1:123456789012:rule/GoLambdaCdk-dev-NightlyReportFE59B3CD"}; !reflect.DeepEqual(ev.Resources, want) {
		t.Errorf("resources = %v, want %v", ev.Resources, want)
	}
}
