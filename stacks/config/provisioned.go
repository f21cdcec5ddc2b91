package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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

// Minutes of the week, the period of a daily or weekly schedule; minute 0
// is Sunday 00:00 UTC (day-of-week 1 in cron).
const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
)

// ProvisionedSchedule is a validated Provisioned: its provisioned
// concurrency at every minute of the week.
type ProvisionedSchedule struct {
	levels []int // minutesPerWeek entries; nil means 0 all week
}

// At is the provisioned concurrency at a minute of the week (0 is Sunday
// 00:00 UTC).
func (s ProvisionedSchedule) At(minute int) int {
	if s.levels == nil {
		return 0
	}
	return s.levels[((minute%minutesPerWeek)+minutesPerWeek)%minutesPerWeek]
}

// Max is the highest provisioned concurrency of the week.
func (s ProvisionedSchedule) Max() int {
	if s.levels == nil {
		return 0
	}
	return slices.Max(s.levels)
}

// GBHoursPerDay is what the schedule bills on each day of the week, Sunday
// first: provisioned concurrency x memory in GB x hours.
func (s ProvisionedSchedule) GBHoursPerDay(memoryMB int) [7]float64 {
	var days [7]float64
	gb := float64(memoryMB) / 1024
	for m := range minutesPerWeek {
		days[m/minutesPerDay] += float64(s.At(m)) * gb / 60
	}
	return days
}

// Validate checks p for a function whose reserved concurrency is reserved
// (0: unreserved) and returns its schedule. field names p in errors, e.g.
// "functions.api.provisioned". It checks that the crons are well formed and
// repeat daily or weekly; that each window starts and ends in turn, so
// that no raise is left on; that windows do not overlap; and that every
// value is at most the reservation when there is one.
func (p Provisioned) Validate(field string, reserved int) (ProvisionedSchedule, error) {
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
		starts, err := weekMinutes(w.Start)
		if err != nil {
			add(wf+".start", "%q: %v", w.Start, err)
		}
		ends, err2 := weekMinutes(w.End)
		if err2 != nil {
			add(wf+".end", "%q: %v", w.End, err2)
		}
		if err == nil && err2 == nil {
			actions[i] = [2][]int{starts, ends}
			if on[i], err = windowMinutes(starts, ends); err != nil {
				add(wf, "%v", err)
			}
		}
	}
	if len(errs) > 0 {
		return ProvisionedSchedule{}, errors.Join(errs...)
	}
	for i := range on {
		for j := i + 1; j < len(on); j++ {
			for m := range minutesPerWeek {
				if on[i][m] && on[j][m] {
					add(fmt.Sprintf("%s.windows[%d]", field, j), "overlaps windows[%d] at %s; windows of a function must not overlap", i, weekMinuteString(m))
					break
				}
			}
			// Two scheduled actions of one scalable target at the same
			// minute run in no defined order: the later window could stay
			// at the baseline.
			for _, m := range append(slices.Clone(actions[i][0]), actions[i][1]...) {
				if slices.Contains(actions[j][0], m) || slices.Contains(actions[j][1], m) {
					add(fmt.Sprintf("%s.windows[%d]", field, j), "starts or ends at %s, when windows[%d] starts or ends; scheduled actions at the same minute run in no defined order: merge the two windows, or leave a minute between them", weekMinuteString(m), i)
					break
				}
			}
		}
	}
	if len(errs) > 0 {
		return ProvisionedSchedule{}, errors.Join(errs...)
	}
	if p.Baseline == 0 && len(p.Windows) == 0 {
		return ProvisionedSchedule{}, nil
	}
	levels := make([]int, minutesPerWeek)
	for m := range levels {
		levels[m] = p.Baseline
		for i, w := range p.Windows {
			if on[i][m] {
				levels[m] = w.Value
			}
		}
	}
	return ProvisionedSchedule{levels: levels}, nil
}

// windowMinutes marks the minutes of the week a window is on, from each
// start to the next end. Starts and ends must alternate around the week:
// two starts in a row would leave the raise on past the first period.
func windowMinutes(starts, ends []int) ([]bool, error) {
	type event struct {
		minute int
		start  bool
	}
	var events []event
	for _, m := range starts {
		if slices.Contains(ends, m) {
			return nil, fmt.Errorf("starts and ends at the same time, %s", weekMinuteString(m))
		}
		events = append(events, event{m, true})
	}
	for _, m := range ends {
		events = append(events, event{m, false})
	}
	slices.SortFunc(events, func(a, b event) int { return a.minute - b.minute })
	for i, e := range events {
		next := events[(i+1)%len(events)]
		switch {
		case e.start && next.start:
			return nil, fmt.Errorf("starts at %s and again at %s with no end in between: the raise would stay on; give each start an end", weekMinuteString(e.minute), weekMinuteString(next.minute))
		case !e.start && !next.start:
			return nil, fmt.Errorf("ends at %s and again at %s with no start in between; give each end a start", weekMinuteString(e.minute), weekMinuteString(next.minute))
		}
	}
	on := make([]bool, minutesPerWeek)
	for i, e := range events {
		if !e.start {
			continue
		}
		end := events[(i+1)%len(events)].minute
		for m := e.minute; m != end; m = (m + 1) % minutesPerWeek {
			on[m] = true
		}
	}
	return on, nil
}

// weekMinutes returns the minutes of the week a cron expression fires at.
// It must be well formed (ValidateCron) and repeat daily or weekly.
func weekMinutes(expr string) ([]int, error) {
	if err := ValidateCron(expr); err != nil {
		return nil, err
	}
	f := strings.Fields(expr)
	if (f[2] != "*" && f[2] != "?") || f[3] != "*" || f[5] != "*" {
		return nil, errors.New(`must repeat daily or weekly: day-of-month "*" or "?", month "*" and year "*"`)
	}
	minutes, err := cronFields[0].expand(f[0])
	if err != nil {
		return nil, err
	}
	hours, err := cronFields[1].expand(f[1])
	if err != nil {
		return nil, err
	}
	days := []int{1, 2, 3, 4, 5, 6, 7}
	if f[4] != "?" {
		if days, err = cronFields[4].expand(f[4]); err != nil {
			return nil, err
		}
	}
	var out []int
	for _, d := range days {
		for _, h := range hours {
			for _, m := range minutes {
				out = append(out, (d-1)*minutesPerDay+h*60+m)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// expand lists the values a cron field matches: *, numbers, names, ranges,
// steps and lists. L, W and # do not repeat weekly and are refused.
func (f cronField) expand(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		base, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			step, _ = strconv.Atoi(stepText) // checked by ValidateCron
		}
		lo, hi := f.min, f.max
		switch {
		case base == "*":
		case isSpecial(base):
			return nil, fmt.Errorf("%s field %q: L, W and # do not repeat weekly", f.name, s)
		default:
			a, b, isRange := strings.Cut(base, "-")
			lo = f.value(a)
			hi = lo
			if isRange {
				hi = f.value(b)
			} else if hasStep {
				hi = f.max
			}
		}
		if lo > hi {
			return nil, fmt.Errorf("%s field %q: range %d-%d is backwards", f.name, s, lo, hi)
		}
		for v := lo; v <= hi; v += step {
			out = append(out, v)
		}
	}
	return out, nil
}

// value reads a number or a name checked by ValidateCron.
func (f cronField) value(s string) int {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i
		}
	}
	n, _ := strconv.Atoi(s)
	return n
}

// weekMinuteString shows a minute of the week as "MON 08:00 UTC".
func weekMinuteString(m int) string {
	return fmt.Sprintf("%s %02d:%02d UTC", cronFields[4].names[m/minutesPerDay], m%minutesPerDay/60, m%60)
}

// ProvisionedFunction is one function's validated schedule, for
// ValidateProvisionedTotal.
type ProvisionedFunction struct {
	Name string
	// Reserved is the function's reserved concurrency; 0 is unreserved.
	Reserved int
	Schedule ProvisionedSchedule
}

// ValidateProvisionedTotal checks that at every minute of the week the
// account keeps UnreservedConcurrency executions unreserved: reservations,
// plus the provisioned concurrency of functions without one (it is taken
// from the unreserved pool), at most accountConcurrency - 100. A function's
// provisioned concurrency within its reservation is checked by Validate.
func ValidateProvisionedTotal(accountConcurrency int, fns []ProvisionedFunction) error {
	limit := accountConcurrency - UnreservedConcurrency
	reserved := 0
	for _, f := range fns {
		reserved += f.Reserved
	}
	peak, at := 0, 0
	for m := range minutesPerWeek {
		total := reserved
		for _, f := range fns {
			if f.Reserved == 0 {
				total += f.Schedule.At(m)
			}
		}
		if total > peak {
			peak, at = total, m
		}
	}
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
		weekMinuteString(at), peak, strings.Join(parts, ", "), limit, accountConcurrency, UnreservedConcurrency)
}

// Schedules validates every function's Provisioned (Validate) and their
// total against the account (ValidateProvisionedTotal), and returns the
// schedules by function name.
func (c Config) Schedules() (map[string]ProvisionedSchedule, error) {
	var errs []error
	out := map[string]ProvisionedSchedule{}
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
	if len(errs) == 0 && c.AccountConcurrency >= UnreservedConcurrency {
		errs = append(errs, ValidateProvisionedTotal(c.AccountConcurrency, fns))
	}
	return out, errors.Join(errs...)
}

// ProvisionedCost describes, one line per function with provisioned
// concurrency, what it keeps warm and the GB-hours it bills each day (Sunday
// first), which synth prints: provisioned concurrency is billed whether
// it is used or not. None when no function has any.
func (c Config) ProvisionedCost() []string {
	schedules, err := c.Schedules()
	if err != nil {
		return nil
	}
	var out []string
	for _, fn := range c.Functions.Named() {
		s := schedules[fn.Name]
		if s.Max() == 0 {
			continue
		}
		days := s.GBHoursPerDay(fn.MemoryMB)
		parts := make([]string, len(days))
		week := 0.0
		for i, d := range days {
			parts[i] = fmt.Sprintf("%s %.1f", cronFields[4].names[i], d)
			week += d
		}
		out = append(out, fmt.Sprintf("functions.%s.provisioned: baseline %d, peak %d at %d MB = GB-hours per day %s (%.1f a week)",
			fn.Name, fn.Provisioned.Baseline, s.Max(), fn.MemoryMB, strings.Join(parts, ", "), week))
	}
	return out
}

// provisionedOutsideAPI is the most provisioned concurrency that unreserved
// functions without an api trigger hold at one time, by their schedules.
func (c Config) provisionedOutsideAPI(schedules map[string]ProvisionedSchedule) int {
	var outside []ProvisionedSchedule
	for _, fn := range c.Functions.Named() {
		if _, api := fn.Declaration.API(); !api && fn.ReservedConcurrency == 0 && schedules[fn.Name].Max() > 0 {
			outside = append(outside, schedules[fn.Name])
		}
	}
	peak := 0
	for m := 0; len(outside) > 0 && m < minutesPerWeek; m++ {
		sum := 0
		for _, s := range outside {
			sum += s.At(m)
		}
		peak = max(peak, sum)
	}
	return peak
}
