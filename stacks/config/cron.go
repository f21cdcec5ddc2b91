package config

import (
	"errors"
	"fmt"
	"regexp"
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

// ValidateCron checks an EventBridge cron expression of six fields
// (minutes hours day-of-month month day-of-week year), given without the
// "cron(...)" wrapper. Exactly one of day-of-month and day-of-week must be
// "?", as EventBridge requires.
func ValidateCron(expr string) error {
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
