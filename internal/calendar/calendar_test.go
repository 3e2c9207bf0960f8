package calendar

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	catalogdata "github.com/opvk/cabinet/catalog"
)

func mustShipped(t *testing.T) *Calendar {
	t.Helper()
	c, err := Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestShippedYears(t *testing.T) {
	c := mustShipped(t)
	if got := c.Years(); len(got) < 2 || got[0] != 2026 || got[1] != 2027 {
		t.Errorf("Years() = %v, want 2026 and 2027 at least", got)
	}
	if c.Provisional(2026) {
		t.Error("Provisional(2026) = true, want false: the 2026 decree is in the file")
	}
	if !c.Provisional(2027) || !c.Provisional(2035) {
		t.Error("Provisional(2027 or 2035) = false, want true")
	}
	if !strings.Contains(c.Source(2026), "24.09.2025") {
		t.Errorf("Source(2026) = %q, want the decree", c.Source(2026))
	}
}

func TestIsWorkingDay2026(t *testing.T) {
	c := mustShipped(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-01-01", false}, // New Year
		{"2026-01-07", false}, // Christmas
		{"2026-01-08", false},
		{"2026-01-09", false}, // moved from Saturday 3 January
		{"2026-01-10", false}, // Saturday
		{"2026-01-12", true},  // first working day of the year
		{"2026-02-20", true},
		{"2026-02-23", false}, // Defender of the Fatherland Day, a Monday
		{"2026-02-24", true},
		{"2026-03-06", true},
		{"2026-03-09", false}, // moved from Sunday 8 March
		{"2026-03-10", true},
		{"2026-04-30", true},
		{"2026-05-01", false},
		{"2026-05-04", true},
		{"2026-05-08", true},
		{"2026-05-11", false}, // moved from Saturday 9 May
		{"2026-05-12", true},
		{"2026-06-11", true},
		{"2026-06-12", false},
		{"2026-06-15", true},
		{"2026-11-03", true},
		{"2026-11-04", false},
		{"2026-11-05", true},
		{"2026-12-30", true},
		{"2026-12-31", false}, // moved from Sunday 4 January
		{"2026-07-18", false}, // an ordinary Saturday
		{"2026-07-20", true},  // an ordinary Monday
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(date(tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tt.day, got, tt.want, c.HolidayName(date(tt.day)))
		}
	}
}

// The official count for 2026 is 247 working days and 118 days off.
func TestWorkingDaysIn2026(t *testing.T) {
	c := mustShipped(t)
	n := 0
	for d := date("2026-01-01"); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	if n != 247 {
		t.Errorf("working days in 2026 = %d, want 247", n)
	}
}

// Every day off that the Labour Code fixes by itself is a day off in each shipped year; the file
// may add the decree's moves on top, never drop one.
func TestShippedYearsKeepStatutoryDaysOff(t *testing.T) {
	c := mustShipped(t)
	for _, year := range c.Years() {
		s := statutory(year)
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
			if !s.isWorking(d) && c.IsWorkingDay(d) && !c.years[year].working[d.YearDay()] {
				t.Errorf("%s is a statutory day off (%s) but a working day in %d.yaml", d.Format(time.DateOnly), s.off[d.YearDay()], year)
			}
		}
	}
}

func TestStatutoryFallback(t *testing.T) {
	c := mustShipped(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2030-01-01", false},
		{"2030-01-08", false},
		{"2030-01-09", true},  // a Wednesday
		{"2030-03-08", false}, // a Friday
		{"2030-05-09", false}, // a Thursday
		{"2030-06-12", false}, // a Wednesday
		{"2030-11-04", false}, // a Monday
		{"2030-11-05", true},
		{"2028-05-01", false}, // a Monday
		// 2028: 12 June is a Monday, so nothing moves; 4 November is a Saturday and moves to
		// Monday 6 November.
		{"2028-11-04", false},
		{"2028-11-06", false},
		{"2028-11-07", true},
		// 2029: 9 May is a Wednesday; 23 February a Friday; 8 March a Thursday.
		{"2029-05-09", false},
		{"2029-05-10", true},
		{"2029-07-07", false}, // a Saturday
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(date(tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := mustShipped(t)
	tests := []struct {
		start time.Time
		n     int
		want  string
	}{
		{date("2026-05-08"), 1, "2026-05-12"}, // Friday; Saturday to Monday off
		{date("2026-05-08"), 0, "2026-05-08"},
		{date("2026-05-08"), -3, "2026-05-08"},
		{date("2026-05-12"), 5, "2026-05-19"},
		{date("2026-12-25"), 15, "2027-01-26"}, // 28–30 Dec, then 11–15, 18–22, 25, 26 Jan
		{date("2026-12-30"), 1, "2027-01-11"},
		{date("2026-01-01"), 1, "2026-01-12"},
		{date("2026-02-20"), 1, "2026-02-24"},
		{date("2026-06-11"), 1, "2026-06-15"},
		// Submitted on a Saturday: the period still starts the next day.
		{date("2026-07-18"), 1, "2026-07-20"},
		// Moscow days, not UTC days: 21:30 UTC on Thursday 7 May is 00:30 on Friday 8 May in Moscow.
		{time.Date(2026, 5, 7, 21, 30, 0, 0, time.UTC), 1, "2026-05-12"},
		{time.Date(2026, 5, 7, 20, 59, 0, 0, time.UTC), 1, "2026-05-08"},
		// 09:00 on the 8th in Vladivostok is 02:00 on the 8th in Moscow: a Friday there too.
		{time.Date(2026, 5, 8, 9, 0, 0, 0, time.FixedZone("Владивосток", 10*3600)), 1, "2026-05-12"},
		// Thirty working days from the start of 2026: January has 15 (three weeks from the 12th),
		// February's first three weeks 15 more; the 30th is Friday 20 February.
		{date("2026-01-01"), 30, "2026-02-20"},
	}
	for _, tt := range tests {
		got := c.AddWorkingDays(tt.start, tt.n)
		if got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s 00:00 UTC", tt.start.Format(time.RFC3339), tt.n, got, tt.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := mustShipped(t)
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-05-08", "2026-05-12", 1},
		{"2026-05-08", "2026-05-08", 0},
		{"2026-05-12", "2026-05-08", 0},
		{"2026-05-12", "2026-05-19", 5},
		{"2026-12-30", "2027-01-11", 1},
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(date(tt.from), date(tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
	// The two agree: n working days on from start ends on a day with n working days in between.
	for n := 0; n < 40; n++ {
		end := c.AddWorkingDays(date("2026-12-20"), n)
		if got := c.WorkingDaysBetween(date("2026-12-20"), end); got != n {
			t.Errorf("WorkingDaysBetween(start, AddWorkingDays(start, %d)) = %d", n, got)
		}
	}
}

func TestHolidayName(t *testing.T) {
	c := mustShipped(t)
	if got := c.HolidayName(date("2026-06-12")); got != "День России" {
		t.Errorf("HolidayName(2026-06-12) = %q", got)
	}
	if got := c.HolidayName(date("2026-06-15")); got != "" {
		t.Errorf("HolidayName(2026-06-15) = %q, want empty", got)
	}
}

func TestOperatorFolderOverridesYear(t *testing.T) {
	// An operator's region declares 15 July 2026 a day off and Saturday 18 July a working day.
	own := fstest.MapFS{"calendar/2026.yaml": {Data: []byte(`year: 2026
source: региональный календарь
holidays: [{date: 2026-01-01, name: Новый год}]
days_off: [{date: 2026-07-15, name: Региональный праздник}]
working_days: [{date: 2026-07-18}]
`)}}
	c, err := Load(catalogdata.FS, own)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(date("2026-07-15")) || !c.IsWorkingDay(date("2026-07-18")) {
		t.Error("the operator's 2026 did not replace the shipped one")
	}
	if c.Provisional(2027) != true || c.Source(2026) != "региональный календарь" {
		t.Error("the other years should stay as shipped")
	}
	// A folder without calendar/ adds nothing and is not an error.
	if _, err := Load(catalogdata.FS, fstest.MapFS{}); err != nil {
		t.Errorf("Load with an empty folder: %v", err)
	}
}

func TestBrokenFiles(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             []string // substrings of the error
	}{
		{"bad yaml", "calendar/2026.yaml", "year: 2026\nholidays: [\n", []string{"calendar/2026.yaml", "line"}},
		{"not a mapping", "calendar/2026.yaml", "- 2026\n", []string{"calendar/2026.yaml:1:", "mapping"}},
		{"unknown key", "calendar/2026.yaml", "year: 2026\nsource: x\nholiday: []\n", []string{"calendar/2026.yaml:3:", `unknown key "holiday"`}},
		{"no year", "calendar/2026.yaml", "source: x\n", []string{"calendar/2026.yaml:1:", "year is missing"}},
		{"file name", "calendar/2025.yaml", "year: 2026\nsource: x\n", []string{"calendar/2025.yaml:1:", "does not match the file name"}},
		{"no source", "calendar/2026.yaml", "year: 2026\n", []string{"calendar/2026.yaml:1:", "source is missing"}},
		{"date of another year", "calendar/2026.yaml", "year: 2026\nsource: x\nholidays:\n  - {date: 2027-01-01}\n", []string{"calendar/2026.yaml:4:", "not in 2026"}},
		{"not a date", "calendar/2026.yaml", "year: 2026\nsource: x\nholidays:\n  - {date: 2026-02-30}\n", []string{"calendar/2026.yaml:4:", "not a date"}},
		{"twice", "calendar/2026.yaml", "year: 2026\nsource: x\nholidays:\n  - {date: 2026-01-01}\ndays_off:\n  - {date: 2026-01-01}\n", []string{"calendar/2026.yaml:6:", "listed twice"}},
		{"day off on a Saturday", "calendar/2026.yaml", "year: 2026\nsource: x\ndays_off:\n  - {date: 2026-01-10}\n", []string{"calendar/2026.yaml:4:", "Saturday"}},
		{"working Monday", "calendar/2026.yaml", "year: 2026\nsource: x\nworking_days:\n  - {date: 2026-01-12}\n", []string{"calendar/2026.yaml:4:", "Monday"}},
		{"provisional not bool", "calendar/2026.yaml", "year: 2026\nsource: x\nprovisional: yes\n", []string{"calendar/2026.yaml:3:", "true or false"}},
		{"entry without date", "calendar/2026.yaml", "year: 2026\nsource: x\nholidays:\n  - name: x\n", []string{"calendar/2026.yaml:4:", "needs a date"}},
	}
	for _, tt := range tests {
		_, err := Load(fstest.MapFS{tt.file: {Data: []byte(tt.data)}})
		if err == nil {
			t.Errorf("%s: Load succeeded, want an error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, err, w)
			}
		}
	}
}
