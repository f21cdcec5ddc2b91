package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"go-lambda-cdk/internal/destination"
)

// Invoker runs one invocation of a function. A function error (the function
// returned an error or crashed) is returned as err, with out holding the
// error payload ({"errorMessage", "errorType"}) when there is one.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (out []byte, err error)
}

// Target is a function invoked asynchronously, with its
// AWS::Lambda::EventInvokeConfig settings.
type Target struct {
	Function string
	// Qualifier is the alias the triggers invoke ("live"), or "" for
	// $LATEST; failure records name it in the function's ARN.
	Qualifier     string
	RetryAttempts int           // 0 to 2
	MaxEventAge   time.Duration // an event older than this is not retried; 0 means no limit
}

// Async invokes functions the way Lambda handles asynchronous invocations
// (Event invocation type: S3, EventBridge): the caller does not wait, a
// function error is retried RetryAttempts times, and an event that still
// fails is written as an on-failure destination record to FailedDir, not lost.
type Async struct {
	invoker   Invoker
	failedDir string
	region    string
	logger    *slog.Logger
	delay     func(attempt int) time.Duration
	now       func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// AsyncOptions configures NewAsync.
type AsyncOptions struct {
	Invoker Invoker
	// FailedDir receives one JSON file per event that failed every attempt;
	// it is created when needed. Required.
	FailedDir string
	// Region goes into the function ARN of failure records; default "us-east-1".
	Region string
	// RetryDelay is the wait before retry n (1-based). Lambda waits about
	// 1 and then 2 minutes; locally the default is n seconds.
	RetryDelay func(n int) time.Duration
	Logger     *slog.Logger // nil discards
	Now        func() time.Time
}

// NewAsync returns an asynchronous invoker; Close stops it.
func NewAsync(opts AsyncOptions) (*Async, error) {
	if opts.Invoker == nil {
		return nil, errors.New("notify: invoker is nil")
	}
	if opts.FailedDir == "" {
		return nil, errors.New("notify: failed dir is empty")
	}
	a := &Async{
		invoker: opts.Invoker, failedDir: opts.FailedDir, region: opts.Region,
		logger: opts.Logger, delay: opts.RetryDelay, now: opts.Now,
	}
	if a.region == "" {
		a.region = "us-east-1"
	}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	if a.delay == nil {
		a.delay = func(n int) time.Duration { return time.Duration(n) * time.Second }
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

// Invoke queues one asynchronous invocation and returns at once.
func (a *Async) Invoke(t Target, payload []byte) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if _, err := a.Run(a.ctx, t, payload); err != nil && a.ctx.Err() == nil {
			a.logger.Error("async invocation", "function", t.Function, "error", err)
		}
	}()
}

// Outcome is the result of one asynchronous invocation with its retries.
type Outcome struct {
	Output   []byte // the last attempt's response or error document
	Attempts int
	// FunctionErr is the last attempt's error; nil when an attempt succeeded.
	FunctionErr error
	// FailureRecord is the path of the on-failure record; "" on success.
	FailureRecord string
}

// Run performs one asynchronous invocation with its retries and waits for
// it. The error is set only when ctx ended or the failure record could not
// be written; a function that fails every attempt is reported in the Outcome.
func (a *Async) Run(ctx context.Context, t Target, payload []byte) (Outcome, error) {
	received := a.now()
	requestID := uuid.NewString()
	var out []byte
	var err error
	condition := destination.ConditionRetriesExhausted
	attempts := 0
	for attempt := 0; attempt <= t.RetryAttempts; attempt++ {
		if attempt > 0 {
			if t.MaxEventAge > 0 && a.now().Sub(received)+a.delay(attempt) > t.MaxEventAge {
				condition = destination.ConditionEventAgeExceeded
				break
			}
			select {
			case <-ctx.Done():
				return Outcome{}, ctx.Err()
			case <-time.After(a.delay(attempt)):
			}
			a.logger.Warn("async invocation: retrying", "function", t.Function, "attempt", attempt+1, "requestId", requestID)
		}
		attempts++
		out, err = a.invoker.Invoke(ctx, t.Function, payload)
		if err == nil {
			return Outcome{Output: out, Attempts: attempts}, nil
		}
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		a.logger.Warn("async invocation failed", "function", t.Function, "attempt", attempts, "requestId", requestID, "error", err)
	}
	path, werr := a.writeFailure(t, requestID, condition, attempts, payload, out, err)
	if werr != nil {
		return Outcome{}, fmt.Errorf("write failure record of %s: %w", t.Function, werr)
	}
	a.logger.Error("async invocation failed after every attempt; event kept", "function", t.Function,
		"attempts", attempts, "condition", condition, "record", path)
	return Outcome{Output: out, Attempts: attempts, FunctionErr: err, FailureRecord: path}, nil
}

// FailureRecord is what Lambda sends to an on-failure destination.
type FailureRecord = destination.Record

// FailureContext says which invocation failed and why.
type FailureContext = destination.RequestContext

// ResponseContext describes the last attempt's result.
type ResponseContext = destination.ResponseContext

func (a *Async) writeFailure(t Target, requestID, condition string, attempts int, payload, out []byte, invokeErr error) (string, error) {
	if !json.Valid(payload) {
		payload, _ = json.Marshal(string(payload))
	}
	if !json.Valid(out) {
		out, _ = json.Marshal(map[string]string{"errorMessage": invokeErr.Error(), "errorType": "LocalInvokeError"})
	}
	now := a.now().UTC()
	rec := FailureRecord{
		Version:   "1.0",
		Timestamp: now.Format("2006-01-02T15:04:05.000Z"),
		RequestContext: FailureContext{
			RequestID:              requestID,
			FunctionARN:            fmt.Sprintf("arn:aws:lambda:%s:123456789012:function:%s:%s", a.region, t.Function, cmp.Or(t.Qualifier, "$LATEST")),
			Condition:              condition,
			ApproximateInvokeCount: attempts,
		},
		RequestPayload:  payload,
		ResponseContext: ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
		ResponsePayload: out,
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(a.failedDir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(a.failedDir, fmt.Sprintf("%s-%s-%s.json", now.Format("20060102T150405.000Z"), t.Function, requestID))
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// Wait blocks until every queued invocation has finished.
func (a *Async) Wait() { a.wg.Wait() }

// Close cancels the queued invocations and waits for them to end.
func (a *Async) Close() {
	a.cancel()
	a.wg.Wait()
}
