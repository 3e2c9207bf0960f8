package calendar

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Moscow is the zone the days of the calendar belong to. Moscow has kept UTC+3 all year since
// 26 October 2014; a fixed zone spares the program a dependency on the host's tzdata.
var Moscow = time.FixedZone("MSK", 3*60*60)

// Calendar answers whether a day is a working day. The zero value is not usable; call Load.
type Calendar struct {
	years map[int]*yearData
}

type yearData struct {
	source      string
	provisional bool
	off         map[int]string // day of the year (1…366) → the name of the holiday or transfer
	working     map[int]bool   // Saturdays and Sundays made working days
}

// Day returns the civil day of t in Moscow as midnight UTC of that date: the form in which the
// program stores dates (a DATE column, an ISO 8601 "2006-01-02"). Midnight UTC, rather than
// midnight in Moscow, is shown as the same date in every zone from UTC to UTC+12, which covers
// Russia.
func Day(t time.Time) time.Time {
	m := t.In(Moscow)
	return time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, time.UTC)
}

// Load reads calendar/*.yaml from each of fsyss in turn; a year found in a later one replaces the
// same year from an earlier one, so an operator's folder can correct or add years on top of the
// shipped calendar. A folder without calendar/ adds nothing. A wrong file is an error naming the
// file, the line and what is wrong; every problem found is reported, not only the first.
func Load(fsyss ...fs.FS) (*Calendar, error) {
	c := &Calendar{years: map[int]*yearData{}}
	var errs []error
	for _, fsys := range fsyss {
		files, err := fs.Glob(fsys, "calendar/*.yaml")
		if err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		for _, name := range files {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("calendar: %w", err)
			}
			y, year, fileErrs := parseYear(name, b)
			if len(fileErrs) > 0 {
				errs = append(errs, fileErrs...)
				continue
			}
			c.years[year] = y
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("production calendar: %w", errors.Join(errs...))
	}
	return c, nil
}

// Years returns the years that have a file, in order.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// Provisional reports whether the days of year are not confirmed by the year's decree: the file
// says provisional: true, or there is no file and the statutory fallback is used. The program
// logs a warning at start-up for the current and the next year when this is true.
func (c *Calendar) Provisional(year int) bool {
	y, ok := c.years[year]
	return !ok || y.provisional
}

// Source returns where the days of year come from, as the file states it, or a note that the
// statutory fallback is in use.
func (c *Calendar) Source(year int) string {
	if y, ok := c.years[year]; ok {
		return y.source
	}
	return "статья 112 ТК РФ (файла календаря на этот год нет)"
}

// IsWorkingDay reports whether the Moscow day of t is a working day of a five-day week.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := Day(t)
	y, ok := c.years[d.Year()]
	if !ok {
		y = statutory(d.Year())
		// Not cached: the fallback is rare (a deadline running into a year without a file) and
		// a cache would be state shared by every request, needing a lock.
	}
	return y.isWorking(d)
}

func (y *yearData) isWorking(d time.Time) bool {
	yd := d.YearDay()
	if y.working[yd] {
		return true
	}
	if _, off := y.off[yd]; off {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// HolidayName returns the name of the holiday or transfer that makes the Moscow day of t a day
// off, or "" for an ordinary weekend or a working day.
func (c *Calendar) HolidayName(t time.Time) string {
	d := Day(t)
	y, ok := c.years[d.Year()]
	if !ok {
		y = statutory(d.Year())
	}
	return y.off[d.YearDay()]
}

// maxSpan bounds the walks below: no deadline of the cabinet is ten years of working days, and a
// bound keeps a wrong argument from spinning for ever.
const maxSpan = 2600

// AddWorkingDays returns the day on which a period of n working days that starts with an event at
// start ends: the n-th working day after the Moscow day of start, the day of the event itself not
// counted (article 191 of the Civil Code: a period begins on the day after the event). The result
// is a date in the form of Day. n <= 0 returns the day of start itself. n above 2600 is treated as
// 2600.
//
// For example, with n = 1, an application sent on Friday 8 May 2026 ends its period on Tuesday
// 12 May: the 9th, 10th and 11th are days off.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	d := Day(start)
	n = min(n, maxSpan)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days after the Moscow day of from, up to and including
// the Moscow day of to: the days a period was paused when it stopped at from and resumed at to.
// It is 0 when to is not after from. At most 2600 days are counted.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	d, end := Day(from), Day(to)
	n := 0
	for i := 0; i < maxSpan*2 && d.Before(end); i++ {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// statutory returns the days off of year that article 112 of the Labour Code fixes by itself: the
// holidays of part 1, and, by part 2, a Saturday or Sunday that falls on a holiday moved to the
// next working day after the holiday, except for the January holidays, whose moves the Government
// decides by decree each year and which are therefore missing here.
func statutory(year int) *yearData {
	y := &yearData{source: "статья 112 ТК РФ", provisional: true, off: map[int]string{}, working: map[int]bool{}}
	type holiday struct {
		month time.Month
		day   int
		name  string
	}
	holidays := []holiday{
		{time.January, 1, "Новогодние каникулы"}, {time.January, 2, "Новогодние каникулы"},
		{time.January, 3, "Новогодние каникулы"}, {time.January, 4, "Новогодние каникулы"},
		{time.January, 5, "Новогодние каникулы"}, {time.January, 6, "Новогодние каникулы"},
		{time.January, 7, "Рождество Христово"}, {time.January, 8, "Новогодние каникулы"},
		{time.February, 23, "День защитника Отечества"}, {time.March, 8, "Международный женский день"},
		{time.May, 1, "Праздник Весны и Труда"}, {time.May, 9, "День Победы"},
		{time.June, 12, "День России"}, {time.November, 4, "День народного единства"},
	}
	for _, h := range holidays {
		y.off[time.Date(year, h.month, h.day, 0, 0, 0, 0, time.UTC).YearDay()] = h.name
	}
	for _, h := range holidays {
		d := time.Date(year, h.month, h.day, 0, 0, 0, 0, time.UTC)
		if h.month == time.January || (d.Weekday() != time.Saturday && d.Weekday() != time.Sunday) {
			continue
		}
		for next := d.AddDate(0, 0, 1); next.Year() == year; next = next.AddDate(0, 0, 1) {
			if y.isWorking(next) {
				y.off[next.YearDay()] = "Перенос выходного дня с " + d.Format("02.01")
				break
			}
		}
	}
	return y
}

// parseYear reads one calendar file. The file name must be the year, so that two files can never
// claim the same year within one folder.
func parseYear(name string, b []byte) (*yearData, int, []error) {
	var errs []error
	fail := func(n *yaml.Node, format string, args ...any) {
		line := 0
		if n != nil {
			line = n.Line
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, 0, []error{fmt.Errorf("%s: %w", name, err)}
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, 0, []error{fmt.Errorf("%s:1: the file must be a mapping with year, source, provisional, holidays, days_off and working_days", name)}
	}
	root := doc.Content[0]
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "year", "source", "provisional", "holidays", "days_off", "working_days":
		default:
			fail(k, "unknown key %q (expected year, source, provisional, holidays, days_off, working_days)", k.Value)
			continue
		}
		if _, dup := keys[k.Value]; dup {
			fail(k, "key %q appears twice", k.Value)
		}
		keys[k.Value] = v
	}
	y := &yearData{off: map[int]string{}, working: map[int]bool{}}
	yn, ok := keys["year"]
	if !ok {
		fail(root, "year is missing")
		return nil, 0, errs
	}
	year, err := strconv.Atoi(yn.Value)
	if err != nil || yn.Kind != yaml.ScalarNode || year < 2000 || year > 2200 {
		fail(yn, "year %q is not a year between 2000 and 2200", yn.Value)
		return nil, 0, errs
	}
	if want := path.Base(name); want != strconv.Itoa(year)+".yaml" {
		fail(yn, "year %d does not match the file name %s", year, want)
	}
	if n, ok := keys["source"]; !ok || n.Kind != yaml.ScalarNode || n.Value == "" {
		fail(root, "source is missing: name the decree the days come from")
	} else {
		y.source = n.Value
	}
	if n, ok := keys["provisional"]; ok {
		switch {
		case n.Kind == yaml.ScalarNode && n.Value == "true":
			y.provisional = true
		case n.Kind == yaml.ScalarNode && n.Value == "false":
		default:
			fail(n, "provisional must be true or false")
		}
	}
	seen := map[int]string{} // day of the year → the list it was given in
	days := func(key string, each func(n *yaml.Node, d time.Time, label string)) {
		n, ok := keys[key]
		if !ok {
			return
		}
		if n.Kind != yaml.SequenceNode {
			fail(n, "%s must be a list of {date: YYYY-MM-DD, name: …}", key)
			return
		}
		for _, item := range n.Content {
			var date, label *yaml.Node
			if item.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(item.Content); i += 2 {
					switch item.Content[i].Value {
					case "date":
						date = item.Content[i+1]
					case "name":
						label = item.Content[i+1]
					default:
						fail(item.Content[i], "unknown key %q in %s (expected date and name)", item.Content[i].Value, key)
					}
				}
			}
			if date == nil {
				fail(item, "each entry of %s needs a date: {date: YYYY-MM-DD, name: …}", key)
				continue
			}
			d, err := time.Parse(time.DateOnly, date.Value)
			if err != nil {
				fail(date, "%q is not a date of the form YYYY-MM-DD", date.Value)
				continue
			}
			if d.Year() != year {
				fail(date, "%s is not in %d", date.Value, year)
				continue
			}
			if prev, dup := seen[d.YearDay()]; dup {
				fail(date, "%s is listed twice (in %s and %s)", date.Value, prev, key)
				continue
			}
			seen[d.YearDay()] = key
			name := ""
			if label != nil {
				name = label.Value
			}
			each(date, d, name)
		}
	}
	days("holidays", func(_ *yaml.Node, d time.Time, label string) {
		if label == "" {
			label = "Нерабочий праздничный день"
		}
		y.off[d.YearDay()] = label
	})
	days("days_off", func(n *yaml.Node, d time.Time, label string) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			fail(n, "%s is a %s, already a day off: days_off lists the weekdays a day off was moved to", d.Format(time.DateOnly), wd)
			return
		}
		if label == "" {
			label = "Перенесённый выходной день"
		}
		y.off[d.YearDay()] = label
	})
	days("working_days", func(n *yaml.Node, d time.Time, _ string) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			fail(n, "%s is a %s, already a working day: working_days lists the Saturdays and Sundays made working", d.Format(time.DateOnly), wd)
			return
		}
		y.working[d.YearDay()] = true
	})
	if len(errs) > 0 {
		return nil, 0, errs
	}
	return y, year, nil
}
