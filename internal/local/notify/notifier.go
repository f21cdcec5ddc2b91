package notify

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"go-lambda-cdk/internal/local/template"
)

// Notifier fires the template's bucket notifications for created objects.
type Notifier struct {
	rules   []template.Notification
	targets map[string]Target
	async   *Async
	region  string
	logger  *slog.Logger
}

// NewNotifier returns a notifier for rules; targets holds the asynchronous
// settings of every function a rule names.
func NewNotifier(rules []template.Notification, targets map[string]Target, async *Async, region string, logger *slog.Logger) (*Notifier, error) {
	for _, r := range rules {
		if _, ok := targets[r.Function]; !ok {
			return nil, fmt.Errorf("notify: notification on bucket %s targets %s, which has no target settings", r.Bucket, r.Function)
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Notifier{rules: rules, targets: targets, async: async, region: region, logger: logger}, nil
}

// ObjectCreated queues one invocation per matching notification, each with
// its own one-record event as S3 sends them, and returns how many it queued.
func (n *Notifier) ObjectCreated(o Object) int {
	queued := 0
	for i, r := range n.rules {
		if !Matches(r, o) {
			continue
		}
		ev := Event{Records: []Record{NewRecord(o, n.region, fmt.Sprintf("local-notification-%d", i+1), uuid.NewString())}}
		payload, err := json.Marshal(ev)
		if err != nil {
			n.logger.Error("notify: marshal event", "key", o.Key, "error", err)
			continue
		}
		n.logger.Info("s3 notification", "bucket", o.Bucket, "key", o.Key, "event", o.EventName, "function", r.Function)
		n.async.Invoke(n.targets[r.Function], payload)
		queued++
	}
	return queued
}
