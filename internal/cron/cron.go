// Package cron reads AWS cron expressions (EventBridge rules and
// Application Auto Scaling scheduled actions share the six-field syntax:
// minutes hours day-of-month month day-of-week year), expands the daily and
// weekly ones into minutes of the week, and simulates a weekly capacity
// schedule: its level at every minute, its peak and the GB-hours it bills
// per day. Plain Go; the configuration (internal/config) names the fields
// in its messages.
//
// Syntax: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
package cron

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// cronField describes one field of an EventBridge cron expression.
type cronField struct {
	name     string
	min, max int
	names    []string // accepted names (JAN.., SUN..), index+min is the value
	extra    string   // characters allowed besides digits, names, , - * /
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, extra: "?LW"},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, extra: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

var cronNumber = regexp.MustCompile(`^[0-9]+$`)

// Validate checks an EventBridge cron expression of six fields
// (minutes hours day-of-month month day-of-week year), given without the
// "cron(...)" wrapper. Exactly one of day-of-month and day-of-week must be
// "?", as EventBridge requires.
func Validate(expr string) error {
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("has %d fields; want 6: minutes hours day-of-month month day-of-week year, e.g. \"0 0 * * ? *\"", len(fields))
	}
	var errs []error
	for i, f := range fields {
		if err := cronFields[i].check(f); err != nil {
			errs = append(errs, fmt.Errorf("%s field %q: %w", cronFields[i].name, f, err))
		}
	}
	dom, dow := fields[2], fields[4]
	if (dom == "?") == (dow == "?") {
		errs = append(errs, errors.New("exactly one of day-of-month and day-of-week must be \"?\""))
	}
	return errors.Join(errs...)
}

func (f cronField) check(s string) error {
	if s == "?" {
		if !strings.Contains(f.extra, "?") {
			return errors.New("\"?\" is only allowed in day-of-month or day-of-week")
		}
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		if err := f.checkPart(part); err != nil {
			return err
		}
	}
	return nil
}

func (f cronField) checkPart(part string) error {
	base, step, hasStep := strings.Cut(part, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 {
			return fmt.Errorf("step %q must be a positive number", step)
		}
	}
	switch {
	case base == "*":
		return nil
	case f.extra != "" && isSpecial(base):
		return f.checkSpecial(base)
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if err := f.checkValue(lo); err != nil {
		return err
	}
	if isRange {
		return f.checkValue(hi)
	}
	return nil
}

// isSpecial reports whether a day field's value uses L, W or #: "L", "LW",
// "15W", "5L", "6#3" (a name such as "WED" or a range "MON-WED" does not).
func isSpecial(s string) bool {
	n := len(s)
	return s == "L" || s == "LW" || strings.Contains(s, "#") ||
		n > 1 && (s[n-1] == 'W' || s[n-1] == 'L') && cronNumber.MatchString(s[:n-1])
}

// checkSpecial accepts L, W, LW, nW, nL and d#n where the field allows them.
func (f cronField) checkSpecial(s string) error {
	allowed := func(c string) bool { return strings.Contains(f.extra, c) }
	switch {
	case s == "L" && allowed("L"), s == "LW" && allowed("W"):
		return nil
	case strings.HasSuffix(s, "W") && allowed("W"), strings.HasSuffix(s, "L") && allowed("L"):
		return f.checkValue(s[:len(s)-1])
	case strings.Contains(s, "#") && allowed("#"):
		day, nth, _ := strings.Cut(s, "#")
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return fmt.Errorf("%q: the week after # must be 1 to 5", s)
		}
		return f.checkValue(day)
	}
	return fmt.Errorf("%q is not allowed here", s)
}

func (f cronField) checkValue(s string) error {
	for _, n := range f.names {
		if strings.EqualFold(s, n) {
			return nil
		}
	}
	if !cronNumber.MatchString(s) {
		return fmt.Errorf("%q is not a number", s)
	}
	n, _ := strconv.Atoi(s)
	if n < f.min || n > f.max {
		return fmt.Errorf("%d is out of range %d-%d", n, f.min, f.max)
	}
	return nil
}

// Minutes of the week, the period of a daily or weekly schedule; minute 0
// is Sunday 00:00 UTC (day-of-week 1 in cron).
const (
	MinutesPerDay  = 24 * 60
	MinutesPerWeek = 7 * MinutesPerDay
)

// Week is a capacity (such as provisioned concurrency) at every minute
// of the week. The zero Week is 0 all week.
type Week struct {
	levels []int // MinutesPerWeek entries; nil means 0 all week
}

// NewWeek is baseline at every minute, raised to values[i] while on[i]
// (from WindowMinutes) is true; a later window wins where two are on.
// With a zero baseline and no windows it is the zero Week.
func NewWeek(baseline int, on [][]bool, values []int) Week {
	if baseline == 0 && len(on) == 0 {
		return Week{}
	}
	levels := make([]int, MinutesPerWeek)
	for m := range levels {
		levels[m] = baseline
		for i := range on {
			if on[i][m] {
				levels[m] = values[i]
			}
		}
	}
	return Week{levels: levels}
}

// Peak is the highest sum of fixed and the weeks' levels at one minute of
// the week, and the first minute it is reached at (0 when there is no
// week).
func Peak(fixed int, weeks ...Week) (peak, at int) {
	peak = fixed
	for m := 0; len(weeks) > 0 && m < MinutesPerWeek; m++ {
		total := fixed
		for _, w := range weeks {
			total += w.At(m)
		}
		if total > peak {
			peak, at = total, m
		}
	}
	return peak, at
}

// At is the level at a minute of the week (0 is Sunday
// 00:00 UTC).
func (s Week) At(minute int) int {
	if s.levels == nil {
		return 0
	}
	return s.levels[((minute%MinutesPerWeek)+MinutesPerWeek)%MinutesPerWeek]
}

// Max is the highest level of the week.
func (s Week) Max() int {
	if s.levels == nil {
		return 0
	}
	return slices.Max(s.levels)
}

// GBHoursPerDay is what the week bills on each day, Sunday first, when
// each unit of its level holds memoryMB: level x memory in GB x hours
// (provisioned concurrency is billed so, https://aws.amazon.com/lambda/pricing/).
func (s Week) GBHoursPerDay(memoryMB int) [7]float64 {
	var days [7]float64
	gb := float64(memoryMB) / 1024
	for m := range MinutesPerWeek {
		days[m/MinutesPerDay] += float64(s.At(m)) * gb / 60
	}
	return days
}

// WindowMinutes marks the minutes of the week a window is on, from each
// start to the next end. Starts and ends must alternate around the week:
// two starts in a row would leave the raise on past the first period.
func WindowMinutes(starts, ends []int) ([]bool, error) {
	type event struct {
		minute int
		start  bool
	}
	var events []event
	for _, m := range starts {
		if slices.Contains(ends, m) {
			return nil, fmt.Errorf("starts and ends at the same time, %s", MinuteString(m))
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
			return nil, fmt.Errorf("starts at %s and again at %s with no end in between: the raise would stay on; give each start an end", MinuteString(e.minute), MinuteString(next.minute))
		case !e.start && !next.start:
			return nil, fmt.Errorf("ends at %s and again at %s with no start in between; give each end a start", MinuteString(e.minute), MinuteString(next.minute))
		}
	}
	on := make([]bool, MinutesPerWeek)
	for i, e := range events {
		if !e.start {
			continue
		}
		end := events[(i+1)%len(events)].minute
		for m := e.minute; m != end; m = (m + 1) % MinutesPerWeek {
			on[m] = true
		}
	}
	return on, nil
}

// WeekMinutes returns the minutes of the week a cron expression fires at.
// It must be well formed (Validate) and repeat daily or weekly.
func WeekMinutes(expr string) ([]int, error) {
	if err := Validate(expr); err != nil {
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
				out = append(out, (d-1)*MinutesPerDay+h*60+m)
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
			step, _ = strconv.Atoi(stepText) // checked by Validate
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

// value reads a number or a name checked by Validate.
func (f cronField) value(s string) int {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i
		}
	}
	n, _ := strconv.Atoi(s)
	return n
}

// MinuteString shows a minute of the week as "MON 08:00 UTC".
func MinuteString(m int) string {
	return fmt.Sprintf("%s %02d:%02d UTC", cronFields[4].names[m/MinutesPerDay], m%MinutesPerDay/60, m%60)
}

// DayName is the cron name of day d of the week, Sunday 0 ("SUN").
func DayName(d int) string { return cronFields[4].names[d] }
