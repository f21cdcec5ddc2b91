package redrive_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"go-lambda-cdk/internal/redrive"
)

// reappearingSQS hands out its messages on every receive, with a new
// receipt handle each time, as SQS does once their visibility timeout has
// passed, and accepts only the latest handle, as SQS does.
type reappearingSQS struct {
	bodies   []string
	receives int
	released int
}

var _ redrive.SQSAPI = (*reappearingSQS)(nil)

func (f *reappearingSQS) handle(i int) string { return fmt.Sprintf("m%d-receive%d", i, f.receives) }

func (f *reappearingSQS) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.receives++
	var out sqs.ReceiveMessageOutput
	for i, b := range f.bodies {
		out.Messages = append(out.Messages, types.Message{MessageId: aws.String(fmt.Sprint(i)), Body: aws.String(b), ReceiptHandle: aws.String(f.handle(i))})
	}
	return &out, nil
}

func (f *reappearingSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return nil, errors.New("not expected")
}

func (f *reappearingSQS) ChangeMessageVisibilityBatch(_ context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	var out sqs.ChangeMessageVisibilityBatchOutput
	for i, e := range in.Entries {
		if aws.ToString(e.ReceiptHandle) != f.handle(i) {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("ReceiptHandleIsInvalid"), Message: aws.String(aws.ToString(e.ReceiptHandle))})
			continue
		}
		f.released++
	}
	return &out, nil
}

// TestQueueReleasesWithLatestHandle: a message received again during the
// run is counted once and released with its newest receipt handle.
func TestQueueReleasesWithLatestHandle(t *testing.T) {
	f := &reappearingSQS{bodies: []string{record("other", "", "a"), record("other", "", "b")}}
	q, err := redrive.NewQueue(f, "https://sqs/q", redrive.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := redrive.Run(context.Background(), q, &fakeInvoker{}, redrive.Options{Function: "mine"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if c.Read != 2 || c.Skipped != 2 || f.receives != 2 || f.released != 2 {
		t.Errorf("counts %+v after %d receives, %d released; want 2 read and released once each", c, f.receives, f.released)
	}
}
