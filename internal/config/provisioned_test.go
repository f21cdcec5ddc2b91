package config

import (
	"testing"

	"go-lambda-cdk/internal/cron"
	"go-lambda-cdk/internal/fixture"
)

// Minutes of the week used by the tests (Sunday 00:00 UTC is 0).
func at(day, hour, minute int) int { return day*cron.MinutesPerDay + hour*60 + minute }

const (
	sun = iota
	mon
	tue
	wed
	thu
	fri
	sat
)

func TestProvisionedValidate(t *testing.T) {
	weekdayPeak := Window{Start: "0 8 ? * MON-FRI *", End: "0 10 ? * MON-FRI *", Value: 50}
	tests := []struct {
		name     string
		p        Provisioned
		reserved int
		want     []string    // nil: valid
		levels   map[int]int // minute of the week -> provisioned concurrency
	}{
		{"nothing configured", Provisioned{}, 0, nil, map[int]int{at(mon, 9, 0): 0}},
		{"baseline only", Provisioned{Baseline: 2}, 10, nil, map[int]int{at(sun, 0, 0): 2, at(sat, 23, 59): 2}},
		{"weekday peak", Provisioned{Baseline: 1, Windows: []Window{weekdayPeak}}, 100, nil, map[int]int{
			at(mon, 7, 59): 1, at(mon, 8, 0): 50, at(mon, 9, 59): 50, at(mon, 10, 0): 1, at(sat, 9, 0): 1, at(fri, 9, 0): 50}},
		{"over midnight", Provisioned{Windows: []Window{{Start: "30 22 * * ? *", End: "0 2 * * ? *", Value: 5}}}, 0, nil, map[int]int{
			at(sat, 23, 0): 5, at(sun, 1, 59): 5, at(sun, 2, 0): 0, at(wed, 22, 29): 0, at(wed, 22, 30): 5}},
		{"two windows a day", Provisioned{Windows: []Window{
			{Start: "0 8 * * ? *", End: "0 9 * * ? *", Value: 10},
			{Start: "0 17 * * ? *", End: "0 18 * * ? *", Value: 20},
		}}, 20, nil, map[int]int{at(tue, 8, 30): 10, at(tue, 17, 30): 20, at(tue, 12, 0): 0}},
		{"lists, steps and names", Provisioned{Windows: []Window{{Start: "0 8,14 ? * mon,WED *", End: "30 9,15 ? * 2,4 *", Value: 3}}}, 0, nil, map[int]int{
			at(mon, 14, 15): 3, at(wed, 9, 29): 3, at(tue, 8, 15): 0}},
		{"value over the reservation", Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 9 * * ? *", Value: 101}}}, 100, []string{"p.windows[0].value", "101", "reserved concurrency of 100"}, nil},
		{"baseline over the reservation", Provisioned{Baseline: 11}, 10, []string{"p.baseline", "11", "reserved concurrency of 10"}, nil},
		{"negative baseline", Provisioned{Baseline: -1}, 0, []string{"p.baseline", "-1", "negative"}, nil},
		{"value not above the baseline", Provisioned{Baseline: 5, Windows: []Window{{Start: "0 8 * * ? *", End: "0 9 * * ? *", Value: 5}}}, 0, []string{"p.windows[0].value", "above the baseline of 5"}, nil},
		{"malformed cron", Provisioned{Windows: []Window{{Start: "0 25 * * ? *", End: "0 9 * * ?", Value: 1}}}, 0, []string{"p.windows[0].start", "25 is out of range 0-23", "p.windows[0].end", "has 5 fields"}, nil},
		{"monthly cron", Provisioned{Windows: []Window{{Start: "0 8 1 * ? *", End: "0 9 1 * ? *", Value: 1}}}, 0, []string{"p.windows[0].start", "must repeat daily or weekly"}, nil},
		{"last day of week", Provisioned{Windows: []Window{{Start: "0 8 ? * 6L *", End: "0 9 ? * 6L *", Value: 1}}}, 0, []string{"p.windows[0].start", "L, W and #"}, nil},
		{"stuck on over the weekend", Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 18 ? * MON-FRI *", Value: 1}}}, 0, []string{"p.windows[0]", "starts at SUN 08:00 UTC and again at MON 08:00 UTC", "stay on"}, nil},
		{"never ends", Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 18 ? * 1 2026", Value: 1}}}, 0, []string{"p.windows[0].end", "must repeat daily or weekly"}, nil},
		{"ends twice", Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 9,10 * * ? *", Value: 1}}}, 0, []string{"ends at SUN 09:00 UTC and again at SUN 10:00 UTC"}, nil},
		{"zero length", Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 8 * * ? *", Value: 1}}}, 0, []string{"starts and ends at the same time, SUN 08:00 UTC"}, nil},
		{"overlap", Provisioned{Windows: []Window{weekdayPeak, {Start: "30 9 ? * FRI *", End: "0 11 ? * FRI *", Value: 60}}}, 100, []string{"p.windows[1]", "overlaps windows[0] at FRI 09:30 UTC"}, nil},
		{"back to back", Provisioned{Windows: []Window{weekdayPeak, {Start: "0 10 ? * MON-FRI *", End: "0 11 ? * MON-FRI *", Value: 60}}}, 100, []string{"p.windows[1]", "starts or ends at MON 10:00 UTC, when windows[0] starts or ends", "no defined order"}, nil},
		{"a minute apart", Provisioned{Windows: []Window{weekdayPeak, {Start: "1 10 ? * MON-FRI *", End: "0 11 ? * MON-FRI *", Value: 60}}}, 100, nil, map[int]int{
			at(thu, 9, 59): 50, at(thu, 10, 0): 0, at(thu, 10, 1): 60, at(thu, 11, 0): 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.p.Validate("p", tt.reserved)
			fixture.ErrorContains(t, err, tt.want)
			for m, want := range tt.levels {
				if got := s.At(m); got != want {
					t.Errorf("at %s: %d, want %d", cron.MinuteString(m), got, want)
				}
			}
		})
	}
}

func TestGBHoursPerDay(t *testing.T) {
	// Weekdays 08:00-10:00 at 50 over a baseline of 2, with 1024 MB:
	// weekdays 2 GB x 22 h + 50 GB x 2 h = 144 GB-hours, weekends 48.
	p := Provisioned{Baseline: 2, Windows: []Window{{Start: "0 8 ? * MON-FRI *", End: "0 10 ? * MON-FRI *", Value: 50}}}
	s, err := p.Validate("p", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := [7]float64{48, 144, 144, 144, 144, 144, 48}
	got := s.GBHoursPerDay(1024)
	for d := range got {
		if diff := got[d] - want[d]; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("GB-hours per day %v, want %v", got, want)
			break
		}
	}
	if s.Max() != 50 {
		t.Errorf("Max = %d, want 50", s.Max())
	}
	if half := (cron.Week{}).GBHoursPerDay(512); half != [7]float64{} {
		t.Errorf("no schedule bills %v", half)
	}
}

func TestValidateProvisionedTotal(t *testing.T) {
	schedule := func(p Provisioned) cron.Week {
		s, err := p.Validate("p", 0)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	morning := schedule(Provisioned{Windows: []Window{{Start: "0 8 * * ? *", End: "0 10 * * ? *", Value: 400}}})
	evening := schedule(Provisioned{Windows: []Window{{Start: "0 18 * * ? *", End: "0 20 * * ? *", Value: 400}}})
	alsoMorning := schedule(Provisioned{Windows: []Window{{Start: "0 9 * * ? *", End: "0 11 * * ? *", Value: 400}}})
	tests := []struct {
		name string
		fns  []ProvisionedFunction
		want []string
	}{
		{"peaks at different hours", []ProvisionedFunction{{Name: "api", Schedule: morning}, {Name: "report", Schedule: evening}, {Name: "processor", Reserved: 500}}, nil},
		{"peaks that meet", []ProvisionedFunction{{Name: "api", Schedule: morning}, {Name: "report", Schedule: alsoMorning}, {Name: "processor", Reserved: 101}},
			[]string{"functions.*.provisioned", "at SUN 09:00 UTC 901", "api provisions 400", "report provisions 400", "processor reserves 101", "over the 900 an account of 1000 allows"}},
		{"within a reservation costs nothing extra", []ProvisionedFunction{{Name: "api", Reserved: 900, Schedule: morning}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixture.ErrorContains(t, ValidateProvisionedTotal(1000, tt.fns), tt.want)
		})
	}
}
