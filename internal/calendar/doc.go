// Package calendar is the Russian production calendar («производственный календарь»): which days
// are working days for a five-day week, so that review deadlines counted in working days end on the
// right date. The days come from data (calendar/<year>.yaml in the catalogue folder) because the
// Government moves days off every year by decree; for a year without a file the calendar falls back
// to what article 112 of the Labour Code fixes by itself (see statutory), so a deadline is never
// refused, only possibly a day or two off until the year's file arrives.
//
// Days are civil days in Moscow time, whatever the server's zone: an application sent at 01:00 on a
// Saturday in Moscow was sent on Saturday, although UTC still says Friday.
package calendar
