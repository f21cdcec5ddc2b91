package hotswap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// LogsAPI is the part of the CloudWatch Logs client a log tail uses;
// *cloudwatchlogs.Client satisfies it.
type LogsAPI interface {
	cloudwatchlogs.FilterLogEventsAPIClient
}

var _ LogsAPI = (*cloudwatchlogs.Client)(nil)

// logTail follows one function's log group from a point in time, printing
// each event once.
type logTail struct {
	name, group string
	// since is the timestamp (ms) of the newest event printed, or the
	// start; seen holds the IDs of the events printed with that timestamp,
	// which the next read returns again.
	since  int64
	seen   map[string]bool
	failed bool // an error was printed already
}

func newLogTail(t Target, sinceMillis int64) *logTail {
	return &logTail{name: t.Name, group: t.LogGroup, since: sinceMillis, seen: map[string]bool{}}
}

// poll prints the events written since the last poll as "<name> | <message>".
// A log group that does not exist yet prints nothing; any other error is
// printed once.
func (l *logTail) poll(ctx context.Context, api LogsAPI, w io.Writer) {
	pages := cloudwatchlogs.NewFilterLogEventsPaginator(api, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(l.group),
		StartTime:    aws.Int64(l.since),
	})
	newest, seen := l.since, map[string]bool{}
	for id := range l.seen {
		seen[id] = true
	}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			var missing *logtypes.ResourceNotFoundException
			if !errors.As(err, &missing) && !l.failed && ctx.Err() == nil {
				fmt.Fprintf(w, "%s | (logs of %s not read: %v)\n", l.name, l.group, err)
				l.failed = true
			}
			break
		}
		for _, e := range page.Events {
			id, ts := aws.ToString(e.EventId), aws.ToInt64(e.Timestamp)
			if l.seen[id] || ts < l.since {
				continue
			}
			fmt.Fprintf(w, "%s | %s\n", l.name, strings.TrimRight(aws.ToString(e.Message), "\n"))
			if ts > newest {
				newest, seen = ts, map[string]bool{}
			}
			if ts == newest {
				seen[id] = true
			}
		}
	}
	l.since, l.seen = newest, seen
}
