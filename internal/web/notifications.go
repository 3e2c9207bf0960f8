package web

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/notify"
)

// The notifications area (E1–E4): the list, the settings with Web Push subscriptions, the live
// unread counter and the service worker.

// notificationsPerPage is the length of one page of the list.
const notificationsPerPage = 20

type notificationItem struct {
	ID         int64
	Title      string
	Body       string
	Link       string
	At         time.Time
	Time       string
	Unread     bool
	Deliveries []string // «Эл. почта: отправлено»
}

type notificationsPage struct {
	basePage
	Items      []notificationItem
	Kinds      []Option
	Kind       string
	Pagination *Pagination
}

// showNotifications lists the user's notifications newest first (E4), filtered by kind, a page
// at a time.
func (s *Server) showNotifications(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	p := &notificationsPage{basePage: s.newBase(w, r)}
	kind := notify.Kind(r.URL.Query().Get("kind"))
	if !kind.Known() {
		kind = ""
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list, total, err := notify.List(ctx, s.db, me.ID, notify.Filter{Kind: kind, Offset: (page - 1) * notificationsPerPage, Limit: notificationsPerPage})
	if err != nil {
		return err
	}
	prefs, err := notify.LoadPreferences(ctx, s.db, me.ID)
	if err != nil {
		return err
	}
	loc := prefs.Location()
	p.Kind = string(kind)
	p.Kinds = []Option{{Value: "", Label: p.T("notify.list.all_kinds"), Selected: kind == ""}}
	for _, k := range notify.Kinds() {
		p.Kinds = append(p.Kinds, Option{Value: string(k), Label: kindName(&p.basePage, k), Selected: k == kind})
	}
	for _, n := range list {
		it := notificationItem{ID: n.ID, Title: n.Title, Body: n.Body, Link: n.Link, At: n.CreatedAt,
			Time: i18n.DateTime(p.Lang, n.CreatedAt, loc), Unread: n.ReadAt == nil}
		for _, d := range n.Deliveries {
			it.Deliveries = append(it.Deliveries, p.T("notify.channel."+string(d.Channel))+": "+p.T("notify.state."+string(d.State)))
		}
		p.Items = append(p.Items, it)
	}
	p.Pagination = pagination(&p.basePage, page, (total+notificationsPerPage-1)/notificationsPerPage,
		func(n int) string {
			q := url.Values{"page": {strconv.Itoa(n)}}
			if kind != "" {
				q.Set("kind", string(kind))
			}
			return "/notifications?" + q.Encode()
		})
	return s.render(w, r, http.StatusOK, "notify/list", p)
}

func kindName(b *basePage, k notify.Kind) string {
	return b.T("notify.kind." + strings.ReplaceAll(string(k), ".", "_") + ".name")
}

// pagination links pages 1…pages around current; nil when everything fits on one page.
func pagination(b *basePage, current, pages int, href func(int) string) *Pagination {
	if pages <= 1 {
		return nil
	}
	pg := &Pagination{Label: b.T("pagination.label")}
	if current > 1 {
		pg.Prev = &PageLink{Href: href(current - 1), Text: b.T("pagination.prev")}
	}
	if current < pages {
		pg.Next = &PageLink{Href: href(current + 1), Text: b.T("pagination.next")}
	}
	for n := max(1, current-3); n <= min(pages, current+3); n++ {
		pg.Pages = append(pg.Pages, PageLink{Href: href(n), Text: strconv.Itoa(n),
			Label: b.T("pagination.page", map[string]int{"N": n}), Current: n == current})
	}
	return pg
}

// backTo is where a form of the list returns: the page it was sent from, when that is the list.
func backTo(r *http.Request) string {
	if back := localPath(r.PostFormValue("back")); strings.HasPrefix(back, "/notifications") {
		return back
	}
	return "/notifications"
}

// markNotificationRead marks one notification read. Another user's notification is a 404, as if
// it did not exist, so ids reveal nothing.
func (s *Server) markNotificationRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound
	}
	if err := db.InTx(ctx, s.db, func(tx *db.Tx) error { return notify.MarkRead(ctx, tx, me.ID, id, time.Now()) }); err != nil {
		return err
	}
	s.notes.Publish(me.ID)
	s.flash(w, "notify.flash.read")
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

// markAllNotificationsRead marks every notification of the user read.
func (s *Server) markAllNotificationsRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		_, err := notify.MarkAllRead(ctx, tx, me.ID, time.Now())
		return err
	})
	if err != nil {
		return err
	}
	s.notes.Publish(me.ID)
	s.flash(w, "notify.flash.all_read")
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

// streamNotifications sends the unread count as Server-Sent Events (D4): at once, then whenever
// it changes. The Broker wakes it on a change; a slow tick re-reads the count as well, in case a
// wake-up was missed (a change made where no broker hears it).
//
// The stream ends when the session would go idle, counted from the page's last request: an open
// tab must not keep a session alive forever, and the browser's automatic reconnection then finds
// the session ended and stops.
func (s *Server) streamNotifications(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := currentUser(r)
	rc := http.NewResponseController(w)
	wake, stop := s.notes.Subscribe(c.User.ID)
	defer stop()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise hold the events back
	w.WriteHeader(http.StatusOK)
	end := c.Session.LastSeenAt.Add(s.cfg.SessionIdle + 2*time.Second)
	if c.Session.ExpiresAt.Before(end) {
		end = c.Session.ExpiresAt
	}
	deadline := time.NewTimer(time.Until(end))
	defer deadline.Stop()
	// PostgreSQL wakes the broker on every instance through LISTEN/NOTIFY, so the tick is only a
	// safety net there. SQLite has no such signal for changes made by another process or by a
	// transaction that could not publish after its commit, so it looks every second.
	every := 15 * time.Second
	if s.db.Dialect == db.SQLite {
		every = time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	// After the header is written, errors cannot become a page: the stream just ends, and the
	// browser tries again.
	last := -1
	if _, err := fmt.Fprint(w, "retry: 5000\n\n"); err != nil {
		return nil
	}
	for {
		n, err := notify.UnreadCount(ctx, s.db, c.User.ID)
		if err != nil {
			return nil
		}
		msg := ": keep-alive\n\n" // a comment: proxies see traffic and keep the connection
		if n != last {
			msg, last = fmt.Sprintf("event: unread\ndata: %d\n\n", n), n
		}
		if _, err := fmt.Fprint(w, msg); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-deadline.C:
			return nil
		case <-wake:
		case <-tick.C:
		}
	}
}

// Settings.

type prefCell struct {
	ID, Name, Value, Label, Channel string
	Checked, Disabled               bool
}

type prefRow struct {
	Kind     string
	Security bool
	Cells    []prefCell
}

type frequencyGroup struct {
	Channel string
	Legend  string
	Digest  bool
	Hour    Field
}

type browserRow struct {
	ID    int64
	Name  string
	Since string
	At    time.Time
}

type notifySettingsPage struct {
	basePage
	Channels    []string
	Rows        []prefRow
	Frequencies []frequencyGroup
	QuietOn     bool
	QuietFrom   Field
	QuietTo     Field
	Zone        Field
	Categories  []prefCell
	HasEmail    bool
	HasPhone    bool
	VAPIDKey    string
	Browsers    []browserRow
	Summary     ErrorSummary
}

// settingsForm is what the settings form holds: the preferences and the quiet hours as typed.
type settingsForm struct {
	prefs     notify.Preferences
	quietOn   bool
	from, to  string
	fieldErrs *form
}

func minutesText(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseClock reads "22:00" (or "7:30") as minutes after midnight.
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, sf settingsForm) (*notifySettingsPage, error) {
	ctx := r.Context()
	me := currentUser(r).User
	p := &notifySettingsPage{basePage: s.newBase(w, r), HasEmail: me.Email != "", HasPhone: me.Phone != "", QuietOn: sf.quietOn}
	b := &p.basePage
	for _, ch := range notify.Channels() {
		p.Channels = append(p.Channels, p.T("notify.channel."+string(ch)))
	}
	for _, k := range notify.Kinds() {
		row := prefRow{Kind: kindName(b, k), Security: k.Security()}
		for _, ch := range notify.Channels() {
			id := "pref-" + strings.ReplaceAll(string(k), ".", "-") + "-" + string(ch)
			row.Cells = append(row.Cells, prefCell{ID: id, Name: "pref", Value: string(k) + ":" + string(ch),
				Label: row.Kind + ": " + p.T("notify.channel."+string(ch)), Channel: p.T("notify.channel." + string(ch)),
				Checked: sf.prefs.Wants(k, ch), Disabled: k.Security() && ch == notify.Email})
		}
		p.Rows = append(p.Rows, row)
	}
	f := sf.fieldErrs
	for _, ch := range notify.Channels() {
		cs := sf.prefs.Channel(ch)
		hour := Field{Name: "hour_" + string(ch), Type: "select", Label: "notify.settings.digest_hour", Width: "short"}
		for h := range 24 {
			hour.Options = append(hour.Options, Option{Value: strconv.Itoa(h), Label: fmt.Sprintf("%02d:00", h), Selected: h == cs.DigestHour})
		}
		p.Frequencies = append(p.Frequencies, frequencyGroup{Channel: string(ch),
			Legend: p.T("notify.settings.frequency_legend_" + string(ch)), Digest: cs.Frequency == notify.DailyDigest,
			Hour: f.field(b, hour)})
	}
	p.QuietFrom = f.field(b, Field{Name: "quiet_from", Label: "notify.settings.quiet_from", Hint: "notify.settings.time_hint", Width: "short", Value: sf.from})
	p.QuietTo = f.field(b, Field{Name: "quiet_to", Label: "notify.settings.quiet_to", Hint: "notify.settings.time_hint", Width: "short", Value: sf.to})
	zone := Field{Name: "zone", Type: "select", Label: "notify.settings.zone"}
	for _, z := range notify.Zones() {
		zone.Options = append(zone.Options, Option{Value: z.Name, Label: p.T("notify.zone." + z.Name), Selected: z.Name == sf.prefs.Zone})
	}
	p.Zone = f.field(b, zone)
	for _, c := range notify.Categories() {
		p.Categories = append(p.Categories, prefCell{ID: "category-" + c, Name: "category", Value: c,
			Label: p.T("notify.category." + c), Checked: slices.Contains(sf.prefs.Categories, c)})
	}
	p.Summary = f.summary(b)
	var err error
	if p.VAPIDKey, err = notify.VAPIDPublicKey(ctx, s.db); err != nil && !isNotFoundErr(err) {
		return nil, err
	}
	subs, err := notify.Subscriptions(ctx, s.db, me.ID)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		p.Browsers = append(p.Browsers, browserRow{ID: sub.ID, Name: browserName(sub.UserAgent), At: sub.CreatedAt,
			Since: i18n.DateTime(p.Lang, sub.CreatedAt, sf.prefs.Location())})
	}
	return p, nil
}

// showNotificationSettings shows the user's notification settings (E3).
func (s *Server) showNotificationSettings(w http.ResponseWriter, r *http.Request) error {
	prefs, err := notify.LoadPreferences(r.Context(), s.db, currentUser(r).User.ID)
	if err != nil {
		return err
	}
	sf := settingsForm{prefs: prefs, quietOn: prefs.QuietFrom != prefs.QuietTo, from: "22:00", to: "08:00", fieldErrs: newForm(r)}
	if sf.quietOn {
		sf.from, sf.to = minutesText(prefs.QuietFrom), minutesText(prefs.QuietTo)
	}
	p, err := s.settingsPage(w, r, sf)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "notify/settings", p)
}

// saveNotificationSettings stores the settings form. Wrong times come back with the form (422);
// values the page never offers (an unknown kind or zone) are a forged form and a 400.
func (s *Server) saveNotificationSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	if err := r.ParseForm(); err != nil {
		return apperr.Invalid
	}
	f := newForm(r)
	prefs := notify.DefaultPreferences()
	chosen := r.PostForm["pref"]
	for _, k := range notify.Kinds() {
		for _, ch := range notify.Channels() {
			prefs.Enabled[k][ch] = slices.Contains(chosen, string(k)+":"+string(ch))
		}
	}
	for _, v := range chosen {
		k, ch, _ := strings.Cut(v, ":")
		if !notify.Kind(k).Known() || !slices.Contains(notify.Channels(), notify.Channel(ch)) {
			return apperr.Invalid
		}
	}
	for _, ch := range notify.Channels() {
		hour, err := strconv.Atoi(r.PostFormValue("hour_" + string(ch)))
		if err != nil {
			hour = notify.DefaultDigestHour
		}
		prefs.Channels[ch] = notify.ChannelSettings{Frequency: notify.Frequency(r.PostFormValue("freq_" + string(ch))), DigestHour: hour}
	}
	prefs.Zone = r.PostFormValue("zone")
	prefs.Categories = r.PostForm["category"]
	sf := settingsForm{prefs: prefs, quietOn: r.PostFormValue("quiet_on") == "yes",
		from: r.PostFormValue("quiet_from"), to: r.PostFormValue("quiet_to"), fieldErrs: f}
	if sf.quietOn {
		from, okFrom := parseClock(sf.from)
		to, okTo := parseClock(sf.to)
		if !okFrom {
			f.fail("quiet_from", "notify.settings.err_time")
		}
		if !okTo {
			f.fail("quiet_to", "notify.settings.err_time")
		}
		if okFrom && okTo && from == to {
			f.fail("quiet_to", "notify.settings.err_same")
		}
		prefs.QuietFrom, prefs.QuietTo = from, to
		sf.prefs = prefs
	}
	if !f.ok() {
		p, err := s.settingsPage(w, r, sf)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "notify/settings", p)
	}
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := notify.SavePreferences(ctx, tx, me.ID, prefs, time.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "notify.settings", userTarget(me.ID), audit.OK, nil))
	})
	if err != nil {
		return err
	}
	s.flash(w, "notify.flash.saved")
	http.Redirect(w, r, "/profile/notifications", http.StatusSeeOther)
	return nil
}

// pushSubscription is PushSubscription.toJSON() as the browser sends it.
type pushSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

func readSubscription(w http.ResponseWriter, r *http.Request) (pushSubscription, error) {
	var in pushSubscription
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
	if err := dec.Decode(&in); err != nil || in.Endpoint == "" {
		return in, apperr.Invalid
	}
	return in, nil
}

// subscribePush keeps this browser's push subscription (notify.js posts it as JSON).
func (s *Server) subscribePush(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	in, err := readSubscription(w, r)
	if err == nil {
		err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
			err := notify.Subscribe(ctx, tx, me.ID, notify.Subscription{Endpoint: in.Endpoint, P256DH: in.Keys.P256DH,
				Auth: in.Keys.Auth, UserAgent: r.UserAgent()}, time.Now())
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, s.entry(r, me.ID, "notify.push_subscribe", userTarget(me.ID), audit.OK, nil))
		})
	}
	if isInvalid(err) {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.cat.T(languageOf(r), "notify.push.failed")})
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// unsubscribePush forgets this browser's subscription (notify.js posts it after unsubscribing).
func (s *Server) unsubscribePush(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	in, err := readSubscription(w, r)
	if err != nil {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.cat.T(languageOf(r), "notify.push.failed")})
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := notify.Unsubscribe(ctx, tx, me.ID, in.Endpoint); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "notify.push_unsubscribe", userTarget(me.ID), audit.OK, nil))
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// deletePushSubscription removes one browser from the list on the settings page (a form: works
// without JavaScript, and for a browser the user no longer has).
func (s *Server) deletePushSubscription(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := notify.DeleteSubscription(ctx, tx, me.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "notify.push_unsubscribe", userTarget(me.ID), audit.OK, nil))
	})
	if err != nil {
		return err
	}
	s.flash(w, "notify.flash.push_removed")
	http.Redirect(w, r, "/profile/notifications", http.StatusSeeOther)
	return nil
}

//go:embed static/sw.js
var serviceWorker []byte

// serveServiceWorker serves the push service worker from the site's root: a worker controls only
// the paths under its own URL, and it must receive pushes for the whole cabinet. It is never
// cached for long, so a new version reaches browsers with the next visit; the CSP of every
// response applies to it too.
func (s *Server) serveServiceWorker(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/")
	_, _ = w.Write(serviceWorker)
}

func isInvalid(err error) bool { return errors.Is(err, apperr.Invalid) }

// unreadCount is the header's counter for a signed-in user. A failure to count shows no counter
// rather than failing the page it sits on.
func (s *Server) unreadCount(r *http.Request, userID int64) int {
	n, err := notify.UnreadCount(r.Context(), s.db, userID)
	if err != nil {
		s.log.WarnContext(r.Context(), "unread notifications", "error", err, "request_id", requestIDFrom(r))
		return 0
	}
	return n
}
