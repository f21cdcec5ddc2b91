package scaffold

import (
	"go-lambda-cdk/internal/cron"

	"fmt"
	"strings"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/declare"
)

// TriggerUsage describes the TRIGGER argument.
const TriggerUsage = `api:/path[,/other/{id}] | s3:prefix/ | schedule:'cron expression' | none`

// ParseTrigger reads a trigger as `make new-function TRIGGER=...` gives it:
//
//	api:/items,/items/{id}   REST API paths (every method)
//	s3:images/               objects created under a key prefix
//	schedule:0 6 * * ? *     an EventBridge cron expression (six fields)
//	none                     invoked asynchronously by other functions
//
// It returns nil for none. Each value is checked with the rules the
// configuration applies to declarations.
func ParseTrigger(spec string) (functions.Trigger, error) {
	spec = strings.TrimSpace(spec)
	if spec == functions.KindNone {
		return nil, nil
	}
	kind, value, ok := strings.Cut(spec, ":")
	value = strings.TrimSpace(value)
	if !ok || value == "" {
		return nil, fmt.Errorf("trigger %q: want %s", spec, TriggerUsage)
	}
	switch kind {
	case functions.KindAPI:
		var paths []string
		for _, p := range strings.Split(value, ",") {
			p = strings.TrimSpace(p)
			if err := declare.ValidatePath(p); err != nil {
				return nil, fmt.Errorf("trigger %q: path %q %v", spec, p, err)
			}
			paths = append(paths, p)
		}
		return functions.API{Paths: paths}, nil
	case functions.KindS3:
		if err := declare.ValidatePrefix(value); err != nil {
			return nil, fmt.Errorf("trigger %q: prefix %q %v", spec, value, err)
		}
		return functions.ObjectCreated{Prefix: value}, nil
	case functions.KindSchedule:
		value = strings.TrimSuffix(strings.TrimPrefix(value, "cron("), ")")
		if err := cron.Validate(value); err != nil {
			return nil, fmt.Errorf("trigger %q: cron %q: %v", spec, value, err)
		}
		return functions.Schedule{Cron: value}, nil
	}
	return nil, fmt.Errorf("trigger %q: unknown kind %q; want %s", spec, kind, TriggerUsage)
}
