package config

import (
	"go-lambda-cdk/internal/cron"
	"go-lambda-cdk/internal/quota"

	"errors"
	"fmt"
	"slices"
	"strings"
)

// Provisioned is a function's provisioned concurrency: a baseline kept at
// all times, raised during windows (the daily peak) by Application Auto
// Scaling scheduled actions on the function's live alias. Provisioned
// concurrency is billed per GB-hour whether used or not.
type Provisioned struct {
	// Baseline is kept outside the windows. Default 0.
	Baseline int `json:"baseline"`
	// Windows raise provisioned concurrency from Start until End. Default none.
	Windows []Window `json:"windows"`
}

// Window is one scheduled raise of provisioned concurrency.
type Window struct {
	// Start and End are Application Auto Scaling cron expressions in UTC
	// (six fields, as EventBridge: minutes hours day-of-month month
	// day-of-week year), repeating daily or weekly: day-of-month, month and
	// year "*" or "?". E.g. start "0 8 ? * MON-FRI *", end "0 10 ? * MON-FRI *".
	Start string `json:"start"`
	End   string `json:"end"`
	// Value is the provisioned concurrency during the window, above the
	// baseline and at most the function's reserved concurrency.
	Value int `json:"value"`
}

// Validate checks p for a function whose reserved concurrency is reserved
// (0: unreserved) and returns its schedule. field names p in errors, e.g.
// "functions.api.provisioned". It checks that the crons are well formed and
// repeat daily or weekly; that each window starts and ends in turn, so
// that no raise is left on; that windows do not overlap; and that every
// value is at most the reservation when there is one.
func (p Provisioned) Validate(field string, reserved int) (cron.Week, error) {
	var errs []error
	add := func(f, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", f, fmt.Sprintf(format, args...)))
	}
	if p.Baseline < 0 {
		add(field+".baseline", "%d must not be negative", p.Baseline)
	}
	if reserved > 0 && p.Baseline > reserved {
		add(field+".baseline", "%d exceeds the function's reserved concurrency of %d", p.Baseline, reserved)
	}
	on := make([][]bool, len(p.Windows))
	actions := make([][2][]int, len(p.Windows)) // start and end minutes
	for i, w := range p.Windows {
		wf := fmt.Sprintf("%s.windows[%d]", field, i)
		if w.Value <= p.Baseline {
			add(wf+".value", "%d must be above the baseline of %d (a window raises provisioned concurrency)", w.Value, p.Baseline)
		}
		if reserved > 0 && w.Value > reserved {
			add(wf+".value", "%d exceeds the function's reserved concurrency of %d", w.Value, reserved)
		}
		starts, err := cron.WeekMinutes(w.Start)
		if err != nil {
			add(wf+".start", "%q: %v", w.Start, err)
		}
		ends, err2 := cron.WeekMinutes(w.End)
		if err2 != nil {
			add(wf+".end", "%q: %v", w.End, err2)
		}
		if err == nil && err2 == nil {
			actions[i] = [2][]int{starts, ends}
			if on[i], err = cron.WindowMinutes(starts, ends); err != nil {
				add(wf, "%v", err)
			}
		}
	}
	if len(errs) > 0 {
		return cron.Week{}, errors.Join(errs...)
	}
	for i := range on {
		for j := i + 1; j < len(on); j++ {
			for m := range cron.MinutesPerWeek {
				if on[i][m] && on[j][m] {
					add(fmt.Sprintf("%s.windows[%d]", field, j), "overlaps windows[%d] at %s; windows of a function must not overlap", i, cron.MinuteString(m))
					break
				}
			}
			// Two scheduled actions of one scalable target at the same
			// minute run in no defined order: the later window could stay
			// at the baseline.
			for _, m := range append(slices.Clone(actions[i][0]), actions[i][1]...) {
				if slices.Contains(actions[j][0], m) || slices.Contains(actions[j][1], m) {
					add(fmt.Sprintf("%s.windows[%d]", field, j), "starts or ends at %s, when windows[%d] starts or ends; scheduled actions at the same minute run in no defined order: merge the two windows, or leave a minute between them", cron.MinuteString(m), i)
					break
				}
			}
		}
	}
	if len(errs) > 0 {
		return cron.Week{}, errors.Join(errs...)
	}
	values := make([]int, len(p.Windows))
	for i, w := range p.Windows {
		values[i] = w.Value
	}
	return cron.NewWeek(p.Baseline, on, values), nil
}

// ProvisionedFunction is one function's validated schedule, for
// ValidateProvisionedTotal.
type ProvisionedFunction struct {
	Name string
	// Reserved is the function's reserved concurrency; 0 is unreserved.
	Reserved int
	Schedule cron.Week
}

// ValidateProvisionedTotal checks that at every minute of the week the
// account keeps quota.UnreservedConcurrency executions unreserved: reservations,
// plus the provisioned concurrency of functions without one (it is taken
// from the unreserved pool), at most accountConcurrency - 100. A function's
// provisioned concurrency within its reservation is checked by Validate.
func ValidateProvisionedTotal(accountConcurrency int, fns []ProvisionedFunction) error {
	limit := accountConcurrency - quota.UnreservedConcurrency
	reserved := 0
	var unreserved []cron.Week
	for _, f := range fns {
		reserved += f.Reserved
		if f.Reserved == 0 {
			unreserved = append(unreserved, f.Schedule)
		}
	}
	peak, at := cron.Peak(reserved, unreserved...)
	if peak <= limit {
		return nil
	}
	var parts []string
	for _, f := range fns {
		switch {
		case f.Reserved > 0:
			parts = append(parts, fmt.Sprintf("%s reserves %d", f.Name, f.Reserved))
		case f.Schedule.At(at) > 0:
			parts = append(parts, fmt.Sprintf("%s provisions %d", f.Name, f.Schedule.At(at)))
		}
	}
	return fmt.Errorf("functions.*.provisioned: at %s %d concurrent executions are reserved or provisioned (%s), over the %d an account of %d allows (%d stay unreserved)",
		cron.MinuteString(at), peak, strings.Join(parts, ", "), limit, accountConcurrency, quota.UnreservedConcurrency)
}

// Schedules validates every function's Provisioned (Validate) and their
// total against the account (ValidateProvisionedTotal), and returns the
// schedules by function name.
func (c Config) Schedules() (map[string]cron.Week, error) {
	var errs []error
	out := map[string]cron.Week{}
	var fns []ProvisionedFunction
	for _, fn := range c.Functions.Named() {
		s, err := fn.Provisioned.Validate("functions."+fn.Name+".provisioned", fn.ReservedConcurrency)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[fn.Name] = s
		fns = append(fns, ProvisionedFunction{Name: fn.Name, Reserved: fn.ReservedConcurrency, Schedule: s})
	}
	if len(errs) == 0 && c.AccountConcurrency >= quota.UnreservedConcurrency {
		errs = append(errs, ValidateProvisionedTotal(c.AccountConcurrency, fns))
	}
	return out, errors.Join(errs...)
}

// provisionedCost is fn's line of Plan.ProvisionedCost, "" without
// provisioned concurrency.
func provisionedCost(fn NamedFunction, s cron.Week) string {
	if s.Max() == 0 {
		return ""
	}
	days := s.GBHoursPerDay(fn.MemoryMB)
	parts := make([]string, len(days))
	week := 0.0
	for i, d := range days {
		parts[i] = fmt.Sprintf("%s %.1f", cron.DayName(i), d)
		week += d
	}
	return fmt.Sprintf("functions.%s.provisioned: baseline %d, peak %d at %d MB = GB-hours per day %s (%.1f a week)",
		fn.Name, fn.Provisioned.Baseline, s.Max(), fn.MemoryMB, strings.Join(parts, ", "), week)
}

// provisionedOutsideAPI is the most provisioned concurrency that unreserved
// functions without an api trigger hold at one time, by their schedules.
func (c Config) provisionedOutsideAPI(schedules map[string]cron.Week) int {
	var outside []cron.Week
	for _, fn := range c.Functions.Named() {
		if _, api := fn.Declaration.API(); !api && fn.ReservedConcurrency == 0 && schedules[fn.Name].Max() > 0 {
			outside = append(outside, schedules[fn.Name])
		}
	}
	peak, _ := cron.Peak(0, outside...)
	return peak
}
