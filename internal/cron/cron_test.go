package cron

import "testing"

// TestCronDayNames: a day name with a W or an L in it (WED, MON-WED) is a
// name, not EventBridge's W (weekday) or L (last) marker.
func TestCronDayNames(t *testing.T) {
	for _, expr := range []string{"0 8 ? * WED *", "0 8 ? * MON-WED *", "0 8 ? * wed,SAT *", "0 8 ? * 6L *", "0 8 15W * ? *", "0 8 L * ? *", "0 8 ? * 2#1 *"} {
		if err := Validate(expr); err != nil {
			t.Errorf("Validate(%q) = %v", expr, err)
		}
	}
	for _, expr := range []string{"0 8 ? * WEDL *", "0 8 ? * 9L *", "0 8 W * ? *"} {
		if err := Validate(expr); err == nil {
			t.Errorf("Validate(%q) accepted it", expr)
		}
	}
}

// TestNewWeekAndPeak: a window raises the baseline while it is on, the
// peak of several weeks is their highest sum at one minute, and the
// GB-hours follow the levels.
func TestNewWeekAndPeak(t *testing.T) {
	mustWeek := func(baseline int, start, end string, value int) Week {
		starts, err := WeekMinutes(start)
		if err != nil {
			t.Fatal(err)
		}
		ends, err := WeekMinutes(end)
		if err != nil {
			t.Fatal(err)
		}
		on, err := WindowMinutes(starts, ends)
		if err != nil {
			t.Fatal(err)
		}
		return NewWeek(baseline, [][]bool{on}, []int{value})
	}
	morning := mustWeek(1, "0 8 * * ? *", "0 10 * * ? *", 400)
	alsoMorning := mustWeek(0, "0 9 * * ? *", "0 11 * * ? *", 300)
	evening := mustWeek(0, "0 18 * * ? *", "0 20 * * ? *", 500)
	tests := []struct {
		name     string
		fixed    int
		weeks    []Week
		wantPeak int
		wantAt   string
	}{
		{"no weeks: the fixed part", 7, nil, 7, "SUN 00:00 UTC"},
		{"zero weeks add nothing", 7, []Week{{}, {}}, 7, "SUN 00:00 UTC"},
		{"windows that meet add up", 10, []Week{morning, alsoMorning}, 710, "SUN 09:00 UTC"},
		{"windows apart do not", 0, []Week{morning, evening}, 501, "SUN 18:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peak, at := Peak(tt.fixed, tt.weeks...)
			if peak != tt.wantPeak || MinuteString(at) != tt.wantAt {
				t.Errorf("Peak = %d at %s, want %d at %s", peak, MinuteString(at), tt.wantPeak, tt.wantAt)
			}
		})
	}
	if got, want := morning.GBHoursPerDay(1024)[1], float64(1*22+400*2); got < want-1e-6 || got > want+1e-6 {
		t.Errorf("Monday's GB-hours %v, want %v", got, want)
	}
	if (Week{}).Max() != 0 || NewWeek(0, nil, nil).Max() != 0 {
		t.Error("an empty week has a level")
	}
}
