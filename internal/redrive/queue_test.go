package redrive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"go-lambda-cdk/internal/awsemu"
	"go-lambda-cdk/internal/destination"
	"go-lambda-cdk/internal/redrive"
)

// fakeInvoker records what it invokes and refuses the payloads in refuse.
type fakeInvoker struct {
	mu      sync.Mutex
	targets []string
	events  []string
	refuse  map[string]bool
}

var _ redrive.Invoker = (*fakeInvoker)(nil)

func (f *fakeInvoker) InvokeEvent(_ context.Context, function string, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse[string(payload)] {
		return errors.New("TooManyRequestsException: Rate exceeded")
	}
	f.targets = append(f.targets, function)
	f.events = append(f.events, string(payload))
	return nil
}

// slowInvoker accepts after a delay, longer than a short visibility timeout.
type slowInvoker struct{ delay time.Duration }

func (s *slowInvoker) InvokeEvent(ctx context.Context, _ string, _ []byte) error {
	select {
	case <-time.After(s.delay):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// record is an on-failure record of function in Lambda's shape, carrying
// the S3 event of key.
func record(function, qualifier, key string) string {
	arn := "arn:aws:lambda:us-east-1:123456789012:function:" + function
	if qualifier != "" {
		arn += ":" + qualifier
	}
	rec := destination.Record{
		Version:   "1.0",
		Timestamp: "2026-11-25T06:00:00.000Z",
		RequestContext: destination.RequestContext{
			RequestID: "req-" + key, FunctionARN: arn,
			Condition: destination.ConditionRetriesExhausted, ApproximateInvokeCount: 3,
		},
		RequestPayload:  json.RawMessage(`{"Records":[{"s3":{"object":{"key":"` + key + `"}}}]}`),
		ResponseContext: destination.ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
		ResponsePayload: json.RawMessage(`{"errorMessage":"NoSuchKey: ` + key + `","errorType":"wrapError"}`),
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

func payloadOf(t *testing.T, body string) string {
	t.Helper()
	rec, err := destination.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return string(rec.RequestPayload)
}

// TestQueueAgainstSQS runs redrive against moto's SQS server with a fake
// invoker: the failure queue holds records of two functions and a message
// that is no record, as a shared failure queue does.
func TestQueueAgainstSQS(t *testing.T) {
	client := sqs.NewFromConfig(awsemu.Shared(t).SetEnv(t))
	ctx := context.Background()

	var queues atomic.Int32
	// 12 processor records (more than one receive of 10), 11 of report
	// (more than one visibility batch of 10), 1 that is not a record.
	newQueue := func(t *testing.T) (string, []string, []string) {
		t.Helper()
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("failures-%d", queues.Add(1)))})
		if err != nil {
			t.Fatal(err)
		}
		var mine, others []string
		for i := range 12 {
			q := []string{"$LATEST", "live", ""}[i%3]
			mine = append(mine, record("GoLambdaCdk-dev-Processor", q, fmt.Sprintf("uploads/p%02d", i)))
		}
		for i := range 11 {
			others = append(others, record("GoLambdaCdk-dev-Report", "$LATEST", fmt.Sprintf("r%02d", i)))
		}
		for _, body := range slices.Concat(mine, others, []string{`{"hello":"not a record"}`}) {
			if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String(body)}); err != nil {
				t.Fatal(err)
			}
		}
		return aws.ToString(out.QueueUrl), mine, others
	}
	run := func(t *testing.T, url string, inv redrive.Invoker, opts redrive.Options) redrive.Counts {
		t.Helper()
		q, err := redrive.NewQueue(client, url, redrive.QueueOptions{Wait: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		opts.Function, opts.Out = "GoLambdaCdk-dev-Processor", &out
		c, err := redrive.Run(ctx, q, inv, opts)
		if err != nil {
			t.Fatalf("Run: %v\n%s", err, out.String())
		}
		t.Logf("output:\n%s%s", out.String(), c)
		return c
	}
	// visible receives everything in the queue with a short visibility, so
	// that it also proves the run released what it kept.
	visible := func(t *testing.T, url string) []string {
		t.Helper()
		var bodies []string
		for {
			out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Messages) == 0 {
				return bodies
			}
			for _, m := range out.Messages {
				bodies = append(bodies, aws.ToString(m.Body))
			}
		}
	}
	sameSet := func(t *testing.T, what string, got, want []string) {
		t.Helper()
		got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d:\n%s\nwant %d:\n%s", what, len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
		}
	}

	t.Run("dry run changes nothing", func(t *testing.T) {
		t.Parallel() // each on its own queue; they mostly wait on SQS
		url, mine, others := newQueue(t)
		inv := &fakeInvoker{}
		c := run(t, url, inv, redrive.Options{DryRun: true})
		want := redrive.Counts{Read: 24, Matched: 12, Skipped: 11, Invalid: 1}
		if c != want {
			t.Errorf("counts %+v, want %+v", c, want)
		}
		if len(inv.events) != 0 {
			t.Errorf("dry run invoked %d times", len(inv.events))
		}
		sameSet(t, "queue after dry run", visible(t, url), slices.Concat(mine, others, []string{`{"hello":"not a record"}`}))
	})

	t.Run("replays the function's records and keeps the others", func(t *testing.T) {
		t.Parallel() // each on its own queue; they mostly wait on SQS
		url, mine, others := newQueue(t)
		inv := &fakeInvoker{}
		c := run(t, url, inv, redrive.Options{Target: "arn:aws:lambda:us-east-1:123456789012:function:GoLambdaCdk-dev-Processor:live"})
		want := redrive.Counts{Read: 24, Matched: 12, Replayed: 12, Skipped: 11, Invalid: 1}
		if c != want {
			t.Errorf("counts %+v, want %+v", c, want)
		}
		var wantEvents []string
		for _, m := range mine {
			wantEvents = append(wantEvents, payloadOf(t, m))
		}
		sameSet(t, "invoked events (the original requestPayloads)", inv.events, wantEvents)
		for _, target := range inv.targets {
			if !strings.HasSuffix(target, ":live") {
				t.Errorf("invoked %s, want the target given", target)
			}
		}
		sameSet(t, "queue after replay (other functions' records, visible at once)", visible(t, url), append(others, `{"hello":"not a record"}`))
	})

	t.Run("a refused invocation keeps its record", func(t *testing.T) {
		t.Parallel() // each on its own queue; they mostly wait on SQS
		url, mine, _ := newQueue(t)
		inv := &fakeInvoker{refuse: map[string]bool{payloadOf(t, mine[4]): true}}
		c := run(t, url, inv, redrive.Options{})
		if c.Replayed != 11 || c.Failed != 1 {
			t.Errorf("counts %+v, want 11 replayed and 1 failed", c)
		}
		left := visible(t, url)
		if !slices.Contains(left, mine[4]) || len(left) != 13 {
			t.Errorf("queue holds %d messages, want the refused record and the 12 others'", len(left))
		}
	})

	t.Run("messages visible again during a slow run", func(t *testing.T) {
		t.Parallel() // each on its own queue; they mostly wait on SQS
		url, _, _ := newQueue(t)
		slow := &slowInvoker{delay: 1500 * time.Millisecond}
		q, err := redrive.NewQueue(client, url, redrive.QueueOptions{Visibility: time.Second, Wait: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c, err := redrive.Run(ctx, q, slow, redrive.Options{Function: "GoLambdaCdk-dev-Processor", Limit: 1})
		if err != nil {
			t.Fatalf("Run: %v (counts %+v)", err, c)
		}
		if c.Replayed != 1 || c.Read > 24 {
			t.Errorf("counts %+v, want 1 replayed and no message counted twice", c)
		}
		if left := visible(t, url); len(left) != 23 {
			t.Errorf("queue holds %d messages, want 23", len(left))
		}
	})

	t.Run("limit", func(t *testing.T) {
		t.Parallel() // each on its own queue; they mostly wait on SQS
		url, _, _ := newQueue(t)
		inv := &fakeInvoker{}
		c := run(t, url, inv, redrive.Options{Limit: 5})
		if c.Replayed != 5 || c.Deferred != 7 || len(inv.events) != 5 {
			t.Errorf("counts %+v with %d invocations, want 5 replayed and 7 deferred", c, len(inv.events))
		}
		if left := visible(t, url); len(left) != 19 {
			t.Errorf("queue holds %d messages, want 19", len(left))
		}
	})
}

// TestQueueOptions checks the ranges SQS allows.
func TestQueueOptions(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts redrive.QueueOptions
		want string
	}{
		{"defaults", "https://sqs/q", redrive.QueueOptions{}, ""},
		{"visibility over 12 h", "https://sqs/q", redrive.QueueOptions{Visibility: 13 * time.Hour}, "visibility timeout 13h0m0s is out of range"},
		{"wait over 20 s", "https://sqs/q", redrive.QueueOptions{Wait: 21 * time.Second}, "wait 21s is out of range"},
		{"no url", "", redrive.QueueOptions{}, "no queue URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redrive.NewQueue(nil, tt.url, tt.opts)
			if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewQueue = %v, want %q", err, tt.want)
			}
		})
	}
}
