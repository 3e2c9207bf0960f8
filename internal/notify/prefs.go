package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
)

// Preferences are a user's notification settings (E3). The zero value is not meaningful: start
// from DefaultPreferences or LoadPreferences.
type Preferences struct {
	// Enabled says which kinds reach the user by which channel. A missing entry means the default
	// (DefaultPreferences), so kinds added later get sensible settings for existing users.
	Enabled map[Kind]map[Channel]bool
	// Channels holds the frequency and digest hour of each channel.
	Channels map[Channel]ChannelSettings
	// QuietFrom and QuietTo bound the quiet hours, in minutes after local midnight: SMS and push
	// wait until QuietTo. Equal values mean no quiet hours; QuietFrom > QuietTo spans midnight.
	QuietFrom, QuietTo int
	// Zone is the IANA name of the user's time zone (one of Zones), for quiet hours and digests.
	Zone string
	// Categories, when not empty, limits the notifications about applications that leave the
	// cabinet to services of these catalogue categories (see Categories). Security notifications
	// and the cabinet's own list are never filtered.
	Categories []string
}

// ChannelSettings are how often one channel delivers.
type ChannelSettings struct {
	Frequency  Frequency
	DigestHour int // 0–23, local time of the daily digest
}

// Zone is a time zone the settings offer. Russia has kept fixed offsets without daylight saving
// since 2014, so each is a fixed zone and the program needs no tzdata on the host.
type Zone struct {
	Name   string // IANA name, stored
	Offset int    // hours east of UTC
}

// Zones lists the time zones of Russia, west to east.
func Zones() []Zone {
	return []Zone{
		{"Europe/Kaliningrad", 2}, {"Europe/Moscow", 3}, {"Europe/Samara", 4}, {"Asia/Yekaterinburg", 5},
		{"Asia/Omsk", 6}, {"Asia/Krasnoyarsk", 7}, {"Asia/Irkutsk", 8}, {"Asia/Yakutsk", 9},
		{"Asia/Vladivostok", 10}, {"Asia/Magadan", 11}, {"Asia/Kamchatka", 12},
	}
}

// DefaultZone is the zone of a user who has not chosen one.
const DefaultZone = "Europe/Moscow"

// Categories lists the catalogue's categories of service that the filter offers; they are the
// values of catalog.Category, repeated here so that notifications do not depend on the catalogue.
func Categories() []string { return []string{"preventive", "vehicles", "licences"} }

// DefaultDigestHour is the local hour of a digest until the user picks another.
const DefaultDigestHour = 9

// DefaultPreferences are the settings of a new user: every kind in the cabinet; e-mail at once
// for every kind; SMS for requests of information and decisions, the two that need the user to
// act or that they wait for; push for every kind, which takes effect only once the user
// subscribes a browser. No quiet hours, no filter.
func DefaultPreferences() Preferences {
	p := Preferences{Enabled: map[Kind]map[Channel]bool{}, Channels: map[Channel]ChannelSettings{}, Zone: DefaultZone}
	for _, k := range Kinds() {
		p.Enabled[k] = defaultsFor(k)
	}
	for _, ch := range Channels() {
		p.Channels[ch] = ChannelSettings{Frequency: Immediate, DigestHour: DefaultDigestHour}
	}
	return p
}

func defaultsFor(k Kind) map[Channel]bool {
	return map[Channel]bool{Email: true, SMS: k == InfoRequested || k == Decision, Push: true}
}

// Wants reports whether notifications of kind k go out by channel ch. The e-mail of a security
// kind is always on (see Kind.Security).
func (p Preferences) Wants(k Kind, ch Channel) bool {
	if k.Security() && ch == Email {
		return true
	}
	if m, ok := p.Enabled[k]; ok {
		if on, ok := m[ch]; ok {
			return on
		}
	}
	return defaultsFor(k)[ch]
}

// Passes reports whether an application event of category passes the user's filter.
func (p Preferences) Passes(k Kind, category string) bool {
	return k.Security() || len(p.Categories) == 0 || category == "" || slices.Contains(p.Categories, category)
}

// Channel returns the settings of ch.
func (p Preferences) Channel(ch Channel) ChannelSettings {
	if c, ok := p.Channels[ch]; ok {
		return c
	}
	return ChannelSettings{Frequency: Immediate, DigestHour: DefaultDigestHour}
}

// Location returns the user's time zone.
func (p Preferences) Location() *time.Location {
	for _, z := range Zones() {
		if z.Name == p.Zone {
			return time.FixedZone(z.Name, z.Offset*3600)
		}
	}
	return time.FixedZone(DefaultZone, 3*3600)
}

// QuietUntil returns the end of the quiet hours that now falls in, and false outside them.
func (p Preferences) QuietUntil(now time.Time) (time.Time, bool) {
	if p.QuietFrom == p.QuietTo {
		return time.Time{}, false
	}
	local := now.In(p.Location())
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location())
	minute := local.Hour()*60 + local.Minute()
	end := midnight.Add(time.Duration(p.QuietTo) * time.Minute)
	switch {
	case p.QuietFrom < p.QuietTo: // 13:00–15:00: within one day
		if minute >= p.QuietFrom && minute < p.QuietTo {
			return end, true
		}
	case minute >= p.QuietFrom: // 22:00–08:00, before midnight: ends tomorrow
		return end.AddDate(0, 0, 1), true
	case minute < p.QuietTo: // 22:00–08:00, after midnight
		return end, true
	}
	return time.Time{}, false
}

// DigestDue returns the latest moment, not after now, at which the daily digest of ch was due:
// today's digest hour in the user's zone, or yesterday's if that hour is still to come. A digest
// sent at that moment collects what happened before it.
func (p Preferences) DigestDue(ch Channel, now time.Time) time.Time {
	local := now.In(p.Location())
	due := time.Date(local.Year(), local.Month(), local.Day(), p.Channel(ch).DigestHour, 0, 0, 0, local.Location())
	if due.After(now) {
		due = due.AddDate(0, 0, -1)
	}
	return due
}

// validate checks what a settings form controls. Problems are apperr.Invalid: the page offers
// only valid choices, so anything else is a forged form.
func (p Preferences) validate() error {
	var problems []string
	for k, m := range p.Enabled {
		if !k.Known() {
			problems = append(problems, fmt.Sprintf("unknown kind %q", k))
		}
		for ch := range m {
			if !slices.Contains(Channels(), ch) {
				problems = append(problems, fmt.Sprintf("unknown channel %q", ch))
			}
		}
	}
	for ch, c := range p.Channels {
		if !slices.Contains(Channels(), ch) {
			problems = append(problems, fmt.Sprintf("unknown channel %q", ch))
		}
		if c.Frequency != Immediate && c.Frequency != DailyDigest {
			problems = append(problems, fmt.Sprintf("frequency %q", c.Frequency))
		}
		if c.DigestHour < 0 || c.DigestHour > 23 {
			problems = append(problems, fmt.Sprintf("digest hour %d", c.DigestHour))
		}
	}
	if p.QuietFrom < 0 || p.QuietFrom >= 24*60 || p.QuietTo < 0 || p.QuietTo >= 24*60 {
		problems = append(problems, "quiet hours out of the day")
	}
	if !slices.ContainsFunc(Zones(), func(z Zone) bool { return z.Name == p.Zone }) {
		problems = append(problems, fmt.Sprintf("time zone %q", p.Zone))
	}
	for _, c := range p.Categories {
		if !slices.Contains(Categories(), c) {
			problems = append(problems, fmt.Sprintf("category %q", c))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("notification settings: %s: %w", strings.Join(problems, "; "), apperr.Invalid)
	}
	return nil
}

// LoadPreferences returns the settings of user; a user who never saved any has the defaults.
func LoadPreferences(ctx context.Context, q db.Querier, userID int64) (Preferences, error) {
	p := DefaultPreferences()
	rows, err := q.QueryContext(ctx, `SELECT kind, channel, enabled FROM notification_preferences WHERE user_id = $1`, userID)
	if err != nil {
		return p, fmt.Errorf("notification preferences: %w", db.Map(err))
	}
	defer rows.Close()
	for rows.Next() {
		var k Kind
		var ch Channel
		var on bool
		if err := rows.Scan(&k, &ch, &on); err != nil {
			return p, fmt.Errorf("notification preferences: %w", err)
		}
		if m, ok := p.Enabled[k]; ok {
			m[ch] = on
		}
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("notification preferences: %w", db.Map(err))
	}
	var e, s, pu ChannelSettings
	var categories string
	err = q.QueryRowContext(ctx, `SELECT email_frequency, email_digest_hour, sms_frequency, sms_digest_hour,
			push_frequency, push_digest_hour, quiet_from, quiet_to, time_zone, categories
		FROM notification_settings WHERE user_id = $1`, userID).Scan(&e.Frequency, &e.DigestHour,
		&s.Frequency, &s.DigestHour, &pu.Frequency, &pu.DigestHour, &p.QuietFrom, &p.QuietTo, &p.Zone, &categories)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("notification settings: %w", db.Map(err))
	}
	p.Channels = map[Channel]ChannelSettings{Email: e, SMS: s, Push: pu}
	if categories != "" {
		p.Categories = strings.Split(categories, ",")
	}
	return p, nil
}

// SavePreferences stores p as the settings of user, replacing the old ones; run it in a
// transaction so the matrix is replaced whole. Invalid settings are apperr.Invalid.
func SavePreferences(ctx context.Context, q db.Querier, userID int64, p Preferences, now time.Time) error {
	if err := p.validate(); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM notification_preferences WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("save notification preferences: %w", db.Map(err))
	}
	for _, k := range Kinds() {
		for _, ch := range Channels() {
			if _, err := q.ExecContext(ctx, `INSERT INTO notification_preferences (user_id, kind, channel, enabled)
				VALUES ($1, $2, $3, $4)`, userID, k, ch, p.Wants(k, ch)); err != nil {
				return fmt.Errorf("save notification preferences: %w", db.Map(err))
			}
		}
	}
	e, s, pu := p.Channel(Email), p.Channel(SMS), p.Channel(Push)
	_, err := q.ExecContext(ctx, `
		INSERT INTO notification_settings (user_id, email_frequency, email_digest_hour, sms_frequency, sms_digest_hour,
			push_frequency, push_digest_hour, quiet_from, quiet_to, time_zone, categories, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (user_id) DO UPDATE SET email_frequency = excluded.email_frequency,
			email_digest_hour = excluded.email_digest_hour, sms_frequency = excluded.sms_frequency,
			sms_digest_hour = excluded.sms_digest_hour, push_frequency = excluded.push_frequency,
			push_digest_hour = excluded.push_digest_hour, quiet_from = excluded.quiet_from,
			quiet_to = excluded.quiet_to, time_zone = excluded.time_zone, categories = excluded.categories,
			updated_at = excluded.updated_at`,
		userID, e.Frequency, e.DigestHour, s.Frequency, s.DigestHour, pu.Frequency, pu.DigestHour,
		p.QuietFrom, p.QuietTo, p.Zone, strings.Join(p.Categories, ","), now.UTC())
	if err != nil {
		return fmt.Errorf("save notification settings: %w", db.Map(err))
	}
	return nil
}
