package redrive

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client a Queue uses; *sqs.Client satisfies it.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// Defaults of QueueOptions.
const (
	// DefaultVisibility hides a received message from other readers while
	// the run goes on; messages that are not deleted are released at the
	// end, or reappear after this long if the run is killed.
	DefaultVisibility = 5 * time.Minute
	// DefaultWait is how long a receive waits for messages (long polling,
	// which asks every SQS server, so an empty answer means an empty queue).
	DefaultWait = 2 * time.Second
	// maxBatch is SQS's most messages per receive and per visibility batch.
	maxBatch = 10
)

// QueueOptions configure NewQueue.
type QueueOptions struct {
	// Visibility is the visibility timeout of received messages, 1 s to
	// 12 h. Default DefaultVisibility.
	Visibility time.Duration
	// Wait is the long-polling wait of each receive, 0 to 20 s. Default
	// DefaultWait.
	Wait time.Duration
}

// Queue reads failure records from an SQS queue (the stack's failure
// queue). Each message is returned once per run, even when it becomes
// visible again before the run ends.
type Queue struct {
	api        SQSAPI
	url        string
	visibility int32
	wait       int32
	// handles holds the latest receipt handle of every message received:
	// a message seen again (it became visible before the run ended) must be
	// deleted or released with its new handle.
	handles map[string]string
}

var _ Source = (*Queue)(nil)

// NewQueue returns the queue at url.
func NewQueue(api SQSAPI, url string, opts QueueOptions) (*Queue, error) {
	if opts.Visibility == 0 {
		opts.Visibility = DefaultVisibility
	}
	if opts.Wait == 0 {
		opts.Wait = DefaultWait
	}
	if opts.Visibility < time.Second || opts.Visibility > 12*time.Hour {
		return nil, fmt.Errorf("redrive: visibility timeout %s is out of range; allowed 1s to 12h", opts.Visibility)
	}
	if opts.Wait < 0 || opts.Wait > 20*time.Second {
		return nil, fmt.Errorf("redrive: wait %s is out of range; allowed 0 to 20s", opts.Wait)
	}
	if url == "" {
		return nil, errors.New("redrive: no queue URL")
	}
	return &Queue{api: api, url: url, visibility: int32(opts.Visibility / time.Second), wait: int32(opts.Wait / time.Second), handles: map[string]string{}}, nil
}

func (q *Queue) String() string { return q.url }

// Receive returns up to 10 messages not returned before. A receive that
// brings only messages seen before (they became visible again) ends the run
// like an empty one, so that the run ends.
func (q *Queue) Receive(ctx context.Context) ([]Message, error) {
	out, err := q.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(q.url),
		MaxNumberOfMessages: maxBatch,
		VisibilityTimeout:   q.visibility,
		WaitTimeSeconds:     q.wait,
	})
	if err != nil {
		return nil, err
	}
	var ms []Message
	for _, m := range out.Messages {
		id := aws.ToString(m.MessageId)
		_, seen := q.handles[id]
		q.handles[id] = aws.ToString(m.ReceiptHandle)
		if !seen {
			ms = append(ms, Message{ID: id, Body: []byte(aws.ToString(m.Body))})
		}
	}
	return ms, nil
}

// Delete deletes a message.
func (q *Queue) Delete(ctx context.Context, m Message) error {
	_, err := q.api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(q.handles[m.ID])})
	return err
}

// Release makes messages visible again at once (visibility timeout 0), in
// batches of 10.
func (q *Queue) Release(ctx context.Context, ms []Message) error {
	var errs []error
	for start := 0; start < len(ms); start += maxBatch {
		batch := ms[start:min(start+maxBatch, len(ms))]
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(batch))
		for i, m := range batch {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(q.handles[m.ID]), VisibilityTimeout: 0}
		}
		out, err := q.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range out.Failed {
			i, _ := strconv.Atoi(aws.ToString(f.Id))
			errs = append(errs, fmt.Errorf("message %s: %s: %s", batch[i].ID, aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	}
	return errors.Join(errs...)
}
