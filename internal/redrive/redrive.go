// Package redrive replays events that a Lambda function failed on after its
// asynchronous retries. It reads Lambda's on-failure destination records
// (package destination) from a Source — the stack's failure queue, or the
// local run's .local/failed/ folder — picks those of one function, invokes
// that function again asynchronously with each record's original
// requestPayload, and deletes a record only once Lambda accepted the new
// invocation. Records of other functions, records that could not be
// replayed and, in a dry run, every record stay where they were.
//
// Accepted is not succeeded: a replayed event that fails again goes through
// the function's retries and lands in the failure queue as a new record.
package redrive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go-lambda-cdk/internal/destination"
)

// Message is one failure record as a Source holds it.
type Message struct {
	// ID identifies the message within its source (SQS message ID, file name).
	ID   string
	Body []byte
	// path is the file of a Dir's message.
	path string
}

// Source is where failure records wait.
type Source interface {
	// Receive returns messages not returned before in this run, hiding them
	// from other readers until Delete or Release; none means there are no
	// more.
	Receive(ctx context.Context) ([]Message, error)
	// Delete removes a message for good.
	Delete(ctx context.Context, m Message) error
	// Release makes messages visible to other readers again.
	Release(ctx context.Context, ms []Message) error
	// String names the source for the report, e.g. the queue URL.
	String() string
}

// Invoker invokes a function asynchronously (invocation type Event). A nil
// error means Lambda accepted the event (HTTP 202).
type Invoker interface {
	InvokeEvent(ctx context.Context, function string, payload []byte) error
}

// Options configure Run.
type Options struct {
	// Function is the function whose records are replayed, as named in the
	// records' requestContext.functionArn. Required.
	Function string
	// Target is what is invoked: a function name, or an ARN with a
	// qualifier such as an alias. Default: Function.
	Target string
	// DryRun lists the records that would be replayed and changes nothing.
	DryRun bool
	// Limit replays at most this many records; 0 means all.
	Limit int
	// Out receives one line per record of Function, and per unreadable
	// message. Nil discards.
	Out io.Writer
}

// Counts is what Run did.
type Counts struct {
	// Read is every message received.
	Read int
	// Matched are the records of the function (all listed in a dry run).
	Matched int
	// Replayed were accepted by Lambda and deleted.
	Replayed int
	// Skipped are records of other functions, left in place.
	Skipped int
	// Failed could not be invoked or deleted, and Invalid are messages that
	// are not destination records; both are left in place.
	Failed, Invalid int
	// Deferred are records of the function left in place because of Limit.
	Deferred int
}

func (c Counts) String() string {
	return fmt.Sprintf("read %d, matched %d, replayed %d, skipped (other functions) %d, failed %d, invalid %d, deferred (limit) %d",
		c.Read, c.Matched, c.Replayed, c.Skipped, c.Failed, c.Invalid, c.Deferred)
}

// Run replays the records of opts.Function from src through inv. Every
// message it did not delete is released before it returns, whatever
// happened. The error is set when reading the source failed or the context
// ended; invocations that Lambda refused are counted as Failed.
func Run(ctx context.Context, src Source, inv Invoker, opts Options) (c Counts, err error) {
	if opts.Function == "" {
		return c, errors.New("redrive: no function named")
	}
	if opts.Target == "" {
		opts.Target = opts.Function
	}
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	var kept []Message
	defer func() {
		// Release even when ctx ended, so that other readers see them again.
		if rerr := src.Release(context.WithoutCancel(ctx), kept); rerr != nil {
			err = errors.Join(err, fmt.Errorf("redrive: release %d messages of %s: %w", len(kept), src, rerr))
		}
	}()
	for {
		batch, err := src.Receive(ctx)
		if err != nil {
			return c, fmt.Errorf("redrive: read %s: %w", src, err)
		}
		if len(batch) == 0 {
			return c, nil
		}
		for _, m := range batch {
			c.Read++
			if !replay(ctx, m, src, inv, opts, out, &c) {
				kept = append(kept, m)
			}
			if err := ctx.Err(); err != nil {
				return c, err
			}
		}
	}
}

// replay handles one message and reports whether it was deleted.
func replay(ctx context.Context, m Message, src Source, inv Invoker, opts Options, out io.Writer, c *Counts) bool {
	rec, err := destination.Parse(m.Body)
	if err != nil {
		c.Invalid++
		fmt.Fprintf(out, "invalid     %s: %v\n", m.ID, err)
		return false
	}
	if rec.Function() != opts.Function {
		c.Skipped++
		return false
	}
	c.Matched++
	line := describe(rec)
	switch {
	case opts.DryRun:
		fmt.Fprintf(out, "would replay %s\n", line)
		return false
	case opts.Limit > 0 && c.Replayed+c.Failed >= opts.Limit:
		c.Deferred++
		return false
	}
	if err := inv.InvokeEvent(ctx, opts.Target, rec.RequestPayload); err != nil {
		c.Failed++
		fmt.Fprintf(out, "failed      %s: invoke %s: %v\n", line, opts.Target, err)
		return false
	}
	if err := src.Delete(ctx, m); err != nil {
		// Lambda has the event: a second run would replay it twice.
		c.Failed++
		fmt.Fprintf(out, "failed      %s: invoked %s, but deleting the record failed (replaying it again would invoke twice): %v\n", line, opts.Target, err)
		return false
	}
	c.Replayed++
	fmt.Fprintf(out, "replayed    %s\n", line)
	return true
}

func describe(r destination.Record) string {
	s := fmt.Sprintf("%s (%s, %s after %d attempts, payload %d bytes)",
		r.RequestContext.RequestID, r.Timestamp, r.RequestContext.Condition, r.RequestContext.ApproximateInvokeCount, len(r.RequestPayload))
	if msg := r.ErrorMessage(); msg != "" {
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		s += ": " + msg
	}
	return s
}
