package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/messaging"
)

// Event is something a user must hear about.
type Event struct {
	UserID int64
	Kind   Kind
	// Ref names the subject in the texts, such as the application's number «2026-000123».
	Ref string
	// Link is the path of the subject in the cabinet, such as "/applications/2026-000123";
	// messages make it absolute with the cabinet's base URL.
	Link string
	// Category is the catalogue category of the application's service (see Categories), for the
	// user's filter; empty: the event passes every filter.
	Category string
	// Data fills the kind's texts (see the Kind constants for the keys each needs). A value for
	// one language goes under "Key.en" or "Key.ru" beside "Key", such as a stage name from the
	// service catalogue; Due is a date as YYYY-MM-DD or RFC 3339, shown the user's way.
	Data map[string]string
	// At is when it happened; zero means now. Tests set it to control quiet hours and digests.
	At time.Time
}

// catalog is the message catalogue. Notify is called by other domain packages with only their
// transaction and job client, so it loads the catalogue itself, once: the catalogue is embedded
// in the program and never changes while it runs, so this is a cache, not state.
var catalog = sync.OnceValues(i18n.Load)

// Notify records ev for its user and queues its delivery, in tx: the caller's transaction, that
// of the change the event is about. It always creates the notification in the cabinet; then, for
// each channel the user's preferences enable (and that the user can be reached by: an e-mail
// address, a phone number, a subscribed browser), it queues the job that sends it, or leaves it
// for the daily digest. SMS and push wait for the end of the user's quiet hours. Nothing is sent
// unless tx commits.
//
// After the commit, call Broker.Publish(ev.UserID) so that open pages of this instance update
// their counter at once; on PostgreSQL every instance also hears of it through LISTEN/NOTIFY.
//
// An unknown kind, a missing user id or a missing Data key the texts need is apperr.Invalid.
func Notify(ctx context.Context, tx *db.Tx, client *jobs.Client, ev Event) error {
	_, err := create(ctx, tx, client, ev)
	return err
}

// texts are a notification's words in one language.
type texts struct {
	Title, Body, SMS string
}

// create is Notify, returning the new notification's id for the tests and the reminders.
func create(ctx context.Context, tx *db.Tx, client *jobs.Client, ev Event) (int64, error) {
	if err := ev.validate(); err != nil {
		return 0, err
	}
	now := ev.At
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Microsecond) // what both databases keep
	u, err := account.Get(ctx, tx, ev.UserID)
	if err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	prefs, err := LoadPreferences(ctx, tx, u.ID)
	if err != nil {
		return 0, err
	}
	base, err := baseURL(ctx, tx)
	if err != nil {
		return 0, err
	}
	lang := i18n.Supported(u.Lang)
	t, err := render(lang, ev, prefs.Location(), base)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `
		INSERT INTO notifications (user_id, kind, subject_type, subject_ref, title, body, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.ID, ev.Kind, ev.Kind.SubjectType(), ev.Ref, t.Title, t.Body, ev.Link, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: %w", db.Map(err))
	}
	if prefs.Passes(ev.Kind, ev.Category) {
		for _, ch := range Channels() {
			if err := queue(ctx, tx, client, u, prefs, ev.Kind, ch, id, t, base, absolute(base, ev.Link), now); err != nil {
				return 0, err
			}
		}
	}
	if err := Signal(ctx, tx, u.ID); err != nil {
		return 0, err
	}
	return id, nil
}

func (ev Event) validate() error {
	var problems []string
	if ev.UserID <= 0 {
		problems = append(problems, "no user")
	}
	if !ev.Kind.Known() {
		problems = append(problems, fmt.Sprintf("unknown kind %q", ev.Kind))
	}
	for _, k := range ev.Kind.required() {
		if ev.Data[k] == "" {
			problems = append(problems, "Data lacks "+k)
		}
	}
	if ev.Link != "" && (!strings.HasPrefix(ev.Link, "/") || strings.HasPrefix(ev.Link, "//")) {
		problems = append(problems, "Link is not a path of the cabinet")
	}
	if len(problems) > 0 {
		return fmt.Errorf("notify %s: %s: %w", ev.Kind, strings.Join(problems, "; "), apperr.Invalid)
	}
	return nil
}

// queue decides whether and when notification id leaves by ch, records that decision as its
// delivery state and inserts the job.
func queue(ctx context.Context, tx *db.Tx, client *jobs.Client, u account.User, prefs Preferences, k Kind,
	ch Channel, id int64, t texts, base, link string, now time.Time) error {
	wants := prefs.Wants(k, ch)
	if k.Security() && ch == SMS && u.Email == "" {
		wants = true // the alert that cannot be switched off needs some way out
	}
	if !wants {
		return nil
	}
	switch ch {
	case Email:
		if u.Email == "" {
			return nil
		}
	case SMS:
		if u.Phone == "" {
			return nil
		}
	case Push:
		n, err := subscriptionCount(ctx, tx, u.ID)
		if err != nil || n == 0 {
			return err
		}
	}
	// Security alerts never wait for a digest: a day late, a sign-in by someone else is old news.
	if prefs.Channel(ch).Frequency == DailyDigest && !k.Security() {
		return setState(ctx, tx, id, ch, StateDigest, now)
	}
	var at time.Time
	if ch != Email {
		if end, quiet := prefs.QuietUntil(now); quiet {
			at = end
		}
	}
	if err := setState(ctx, tx, id, ch, StateQueued, now); err != nil {
		return err
	}
	lang := i18n.Supported(u.Lang)
	key := deliveryKey("notif", id, ch)
	switch ch {
	case Email:
		m, err := email(lang, base, t.Title, []emailItem{{Text: t.Body, URL: link}})
		if err != nil {
			return err
		}
		m.To, m.Key = u.Email, key
		return messaging.EnqueueAt(ctx, client, tx.Tx, m, at)
	case SMS:
		return messaging.EnqueueAt(ctx, client, tx.Tx, messaging.SendArgs{Channel: messaging.ChannelSMS,
			To: u.Phone, Text: t.SMS, Key: key}, at)
	default:
		return enqueuePush(ctx, client, tx, PushArgs{NotificationID: id}, at)
	}
}

func enqueuePush(ctx context.Context, client *jobs.Client, tx *db.Tx, args PushArgs, at time.Time) error {
	var opts *river.InsertOpts
	if !at.IsZero() {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	if _, err := client.InsertTx(ctx, tx.Tx, args, opts); err != nil {
		return fmt.Errorf("enqueue push: %w", db.Map(err))
	}
	return nil
}

// deliveryKey names one message for ever: the delivery key of messaging and of the push worker,
// and how the worker finds the delivery rows to update. No personal data: it is logged.
func deliveryKey(prefix string, id int64, ch Channel) string {
	return prefix + ":" + strconv.FormatInt(id, 10) + ":" + string(ch)
}

// parseKey undoes deliveryKey; ok is false for keys of other messages (one-time codes …).
func parseKey(key string) (prefix string, id int64, ch Channel, ok bool) {
	parts := strings.Split(key, ":")
	if len(parts) != 3 || (parts[0] != "notif" && parts[0] != "digest") {
		return "", 0, "", false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", 0, "", false
	}
	return parts[0], id, Channel(parts[2]), true
}

// render fills the kind's texts in lang.
func render(lang string, ev Event, loc *time.Location, base string) (texts, error) {
	cat, err := catalog()
	if err != nil {
		return texts{}, err
	}
	data := map[string]string{}
	for k, v := range ev.Data {
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			continue // a language's own value, taken below
		}
		data[k] = v
	}
	for k, v := range ev.Data {
		if stem, l, ok := strings.Cut(k, "."); ok && l == lang {
			data[stem] = v
		}
	}
	data["Ref"] = ev.Ref
	data["URL"] = absolute(base, ev.Link)
	if due, ok := data["Due"]; ok {
		if t, err := parseDate(due); err == nil {
			data["Due"] = i18n.Date(lang, t.In(loc))
		}
	}
	if days, err := strconv.Atoi(data["Days"]); err == nil {
		data["DaysText"] = cat.N(lang, "notify.days", days)
	}
	id := ev.Kind.msgID()
	body := id + ".body"
	if ev.Kind == InfoRequested && data["Due"] != "" {
		body = id + ".body_due"
	}
	return texts{Title: cat.T(lang, id+".title", data), Body: cat.T(lang, body, data), SMS: cat.T(lang, id+".sms", data)}, nil
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		// A bare date is a day in the user's calendar: noon keeps it the same day in every zone.
		return t.Add(12 * time.Hour), nil
	}
	return time.Parse(time.RFC3339, s)
}

// absolute makes a cabinet path into a URL for a message; the list of notifications when there
// is no path.
func absolute(base, link string) string {
	if link == "" {
		link = "/notifications"
	}
	return base + link
}

// setState records where the delivery of notification id by ch stands.
func setState(ctx context.Context, q db.Querier, id int64, ch Channel, st State, now time.Time) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO notification_deliveries (notification_id, channel, state, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (notification_id, channel) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
		id, ch, st, now.UTC())
	if err != nil {
		return fmt.Errorf("notification %d %s: %w", id, ch, db.Map(err))
	}
	return nil
}

// baseURL is the cabinet's public URL as Setup recorded it; empty before any Setup, when links
// stay paths.
func baseURL(ctx context.Context, q db.Querier) (string, error) {
	var u string
	err := q.QueryRowContext(ctx, `SELECT base_url FROM notify_site WHERE id = 1`).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("notify site: %w", db.Map(err))
	}
	return u, nil
}
