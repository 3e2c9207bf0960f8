package notify

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

// TestDefaultPreferences: in-cabinet always (not a channel); e-mail at once for every kind; SMS
// for requests of information and decisions only; push for every kind once subscribed.
func TestDefaultPreferences(t *testing.T) {
	p := DefaultPreferences()
	for _, k := range Kinds() {
		if !p.Wants(k, Email) {
			t.Errorf("default: %s by e-mail off", k)
		}
		if got, want := p.Wants(k, SMS), k == InfoRequested || k == Decision; got != want {
			t.Errorf("default: %s by SMS = %v, want %v", k, got, want)
		}
		if !p.Wants(k, Push) {
			t.Errorf("default: %s by push off", k)
		}
	}
	for _, ch := range Channels() {
		if c := p.Channel(ch); c.Frequency != Immediate {
			t.Errorf("default frequency of %s = %s", ch, c.Frequency)
		}
	}
	if _, quiet := p.QuietUntil(time.Now()); quiet {
		t.Error("default has quiet hours")
	}
}

func TestQuietUntil(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, msk) }
	night := Preferences{QuietFrom: 22 * 60, QuietTo: 8 * 60, Zone: "Europe/Moscow"}
	lunch := Preferences{QuietFrom: 13 * 60, QuietTo: 14*60 + 30, Zone: "Europe/Moscow"}
	for _, tc := range []struct {
		name  string
		p     Preferences
		now   time.Time
		quiet bool
		until time.Time
	}{
		{"night, evening", night, at(23, 15), true, time.Date(2026, 3, 11, 8, 0, 0, 0, msk)},
		{"night, after midnight", night, at(3, 0), true, at(8, 0)},
		{"night, starts", night, at(22, 0), true, time.Date(2026, 3, 11, 8, 0, 0, 0, msk)},
		{"night, ends", night, at(8, 0), false, time.Time{}},
		{"night, day", night, at(12, 0), false, time.Time{}},
		{"lunch, in", lunch, at(13, 59), true, at(14, 30)},
		{"lunch, out", lunch, at(14, 30), false, time.Time{}},
		{"Vladivostok", Preferences{QuietFrom: 22 * 60, QuietTo: 7 * 60, Zone: "Asia/Vladivostok"},
			time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC), true, time.Date(2026, 3, 10, 21, 0, 0, 0, time.UTC)},
	} {
		until, quiet := tc.p.QuietUntil(tc.now)
		if quiet != tc.quiet || !until.Equal(tc.until) {
			t.Errorf("%s: QuietUntil(%v) = %v, %v; want %v, %v", tc.name, tc.now, until, quiet, tc.until, tc.quiet)
		}
	}
}

func TestDigestDue(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	p := DefaultPreferences()
	p.Channels[Email] = ChannelSettings{Frequency: DailyDigest, DigestHour: 9}
	for _, tc := range []struct{ now, want time.Time }{
		{time.Date(2026, 3, 10, 8, 59, 0, 0, msk), time.Date(2026, 3, 9, 9, 0, 0, 0, msk)},
		{time.Date(2026, 3, 10, 9, 0, 0, 0, msk), time.Date(2026, 3, 10, 9, 0, 0, 0, msk)},
		{time.Date(2026, 3, 10, 23, 0, 0, 0, msk), time.Date(2026, 3, 10, 9, 0, 0, 0, msk)},
	} {
		if got := p.DigestDue(Email, tc.now); !got.Equal(tc.want) {
			t.Errorf("DigestDue(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

// TestPreferencesStored keeps what the user saved, on both databases, and refuses what the page
// never offers.
func TestPreferencesStored(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u := mustUser(t, d, "ru", "maria@example.ru", "+79161234567")
		got, err := LoadPreferences(ctx, d, u)
		if err != nil || !reflect.DeepEqual(got, DefaultPreferences()) {
			t.Fatalf("LoadPreferences of a new user = %+v, %v; want the defaults", got, err)
		}
		p := DefaultPreferences()
		p.Enabled[Overdue][Email] = false
		p.Enabled[Message][SMS] = true
		p.Enabled[PasswordChanged][Email] = false // cannot be switched off
		p.Channels[Email] = ChannelSettings{Frequency: DailyDigest, DigestHour: 19}
		p.QuietFrom, p.QuietTo = 22*60+30, 7*60
		p.Zone = "Asia/Irkutsk"
		p.Categories = []string{"vehicles", "licences"}
		for range 2 { // saving again replaces
			if err := SavePreferences(ctx, d, u, p, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		got, err = LoadPreferences(ctx, d, u)
		if err != nil {
			t.Fatal(err)
		}
		p.Enabled[PasswordChanged][Email] = true
		if !reflect.DeepEqual(got, p) {
			t.Errorf("LoadPreferences = %+v\nwant %+v", got, p)
		}
		if got.Passes(StageChanged, "preventive") || !got.Passes(StageChanged, "vehicles") || !got.Passes(NewSignIn, "preventive") {
			t.Errorf("category filter wrong")
		}
		for _, bad := range []func(*Preferences){
			func(p *Preferences) { p.Zone = "Europe/Paris" },
			func(p *Preferences) { p.Categories = []string{"weapons"} },
			func(p *Preferences) { p.Channels[SMS] = ChannelSettings{Frequency: "hourly"} },
			func(p *Preferences) { p.Channels[Push] = ChannelSettings{Frequency: Immediate, DigestHour: 24} },
			func(p *Preferences) { p.QuietTo = 24 * 60 },
			func(p *Preferences) { p.Enabled["application.unknown"] = map[Channel]bool{Email: true} },
		} {
			q := DefaultPreferences()
			bad(&q)
			if err := SavePreferences(ctx, d, u, q, time.Now()); !errors.Is(err, apperr.Invalid) {
				t.Errorf("SavePreferences(%+v) = %v, want apperr.Invalid", q, err)
			}
		}
	})
}
