package web

import (
	"bufio"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/notify"
)

// notifyFixture is the real server on a database of either dialect with two users.
type notifyFixture struct {
	s           *Server
	d           *db.DB
	maria, oleg int64
	cookie      *http.Cookie // Maria's session
	olegCookie  *http.Cookie
}

func newNotifyFixture(t *testing.T, d *db.DB) *notifyFixture {
	t.Helper()
	ctx := context.Background()
	s, _ := mustServerDB(t, config.Default(), d)
	if _, err := notify.Setup(ctx, d, "http://localhost:8080"); err != nil {
		t.Fatal(err)
	}
	f := &notifyFixture{s: s, d: d}
	f.maria, f.cookie = mustSession(t, s, d, "maria@example.ru", "+79161234567")
	f.oleg, f.olegCookie = mustSession(t, s, d, "oleg@example.ru", "+79031112233")
	return f
}

// mustSession creates a user and a session of theirs, and returns the session cookie.
func mustSession(t *testing.T, s *Server, d *db.DB, email, phone string) (int64, *http.Cookie) {
	t.Helper()
	ctx := context.Background()
	id, err := account.Create(ctx, d, account.User{Kind: account.Individual, FullName: "Иванова Мария Сергеевна",
		Email: email, Phone: phone}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateSession(ctx, d, id, "127.0.0.1", "test", "password+sms", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id, &http.Cookie{Name: s.sessionCookie(), Value: token}
}

// notifyUser creates a notification of kind for user, as the applications layer does.
func (f *notifyFixture) notifyUser(t *testing.T, user int64, kind notify.Kind, ref string) {
	t.Helper()
	ctx := context.Background()
	ev := notify.Event{UserID: user, Kind: kind, Ref: ref, Link: "/applications/" + ref,
		Data: map[string]string{"Stage": "Экспертиза", "Decision": "одобрено"}}
	if err := db.InTx(ctx, f.d, func(tx *db.Tx) error { return notify.Notify(ctx, tx, f.s.jobs, ev) }); err != nil {
		t.Fatal(err)
	}
	f.s.notes.Publish(user)
}

func (f *notifyFixture) post(t *testing.T, path string, form url.Values, c *http.Cookie) response {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(c)
	return do(t, f.s, r)
}

func (f *notifyFixture) postJSON(t *testing.T, path string, body any, c *http.Cookie) response {
	t.Helper()
	raw, _ := json.Marshal(body)
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(raw)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(c)
	return do(t, f.s, r)
}

func unread(t *testing.T, d *db.DB, user int64) int {
	t.Helper()
	n, err := notify.UnreadCount(context.Background(), d, user)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNotificationsList shows the user's notifications (and only theirs) with the unread ones
// marked, the counter in the header, a filter by kind and pages.
func TestNotificationsList(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newNotifyFixture(t, d)
		for i := range 22 {
			f.notifyUser(t, f.maria, notify.StageChanged, fmt.Sprintf("2026-%06d", i+1))
		}
		f.notifyUser(t, f.maria, notify.Decision, "2026-000100")
		f.notifyUser(t, f.oleg, notify.Decision, "2026-999999")

		if res := get(t, f.s, "/notifications"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?") {
			t.Errorf("visitor GET /notifications = %d %q, want the sign-in page", res.StatusCode, res.Header.Get("Location"))
		}
		res := get(t, f.s, "/notifications", f.cookie)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /notifications = %d", res.StatusCode)
		}
		for _, want := range []string{
			"Заявление № 2026-000100: принято решение", `href="/applications/2026-000100"`,
			`<span class="counter__value" data-unread-value>23</span>`, `href="/notifications?page=2"`,
			`action="/notifications/read-all"`, "Новое",
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "2026-999999") || strings.Contains(res.Body, "⟦") {
			t.Errorf("list shows another user's notification or a missing message")
		}
		if n := strings.Count(res.Body, "data-notification="); n != notificationsPerPage {
			t.Errorf("page 1 shows %d notifications, want %d", n, notificationsPerPage)
		}
		page2 := get(t, f.s, "/notifications?page=2", f.cookie)
		if n := strings.Count(page2.Body, "data-notification="); n != 3 || !strings.Contains(page2.Body, "2026-000001") {
			t.Errorf("page 2 shows %d notifications, want the 3 oldest", n)
		}
		only := get(t, f.s, "/notifications?kind=application.decision", f.cookie)
		if n := strings.Count(only.Body, "data-notification="); n != 1 || !strings.Contains(only.Body, "2026-000100") {
			t.Errorf("filtered list shows %d notifications, want the decision", n)
		}
		en := get(t, f.s, "/notifications", f.cookie, &http.Cookie{Name: "lang", Value: "en"})
		if !strings.Contains(en.Body, "Mark all as read") || strings.Contains(en.Body, "⟦") {
			t.Errorf("English list not in English")
		}
	})
}

// TestMarkRead marks one notification and then all read with POST forms (303), lowering the
// counter; another user's notification cannot be marked: 404, as if it did not exist.
func TestMarkRead(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newNotifyFixture(t, d)
		f.notifyUser(t, f.maria, notify.StageChanged, "2026-000001")
		f.notifyUser(t, f.maria, notify.Message, "2026-000001")
		f.notifyUser(t, f.oleg, notify.Message, "2026-000002")
		ctx := context.Background()
		mine, _, err := notify.List(ctx, d, f.maria, notify.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		theirs, _, err := notify.List(ctx, d, f.oleg, notify.Filter{})
		if err != nil {
			t.Fatal(err)
		}

		res := f.post(t, fmt.Sprintf("/notifications/%d/read", theirs[0].ID), url.Values{}, f.cookie)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("marking another user's notification = %d, want 404", res.StatusCode)
		}
		if n := unread(t, d, f.oleg); n != 1 {
			t.Errorf("the other user's unread count = %d, want 1", n)
		}
		if res := f.post(t, "/notifications/abc/read", url.Values{}, f.cookie); res.StatusCode != http.StatusNotFound {
			t.Errorf("marking a malformed id = %d, want 404", res.StatusCode)
		}

		res = f.post(t, fmt.Sprintf("/notifications/%d/read", mine[0].ID), url.Values{"back": {"/notifications?page=1"}}, f.cookie)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/notifications?page=1" {
			t.Errorf("mark read = %d %q, want 303 back to the list", res.StatusCode, res.Header.Get("Location"))
		}
		if n := unread(t, d, f.maria); n != 1 {
			t.Errorf("unread after marking one = %d, want 1", n)
		}
		res = f.post(t, "/notifications/read-all", url.Values{"back": {"https://evil.example/"}}, f.cookie)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/notifications" {
			t.Errorf("mark all read = %d %q, want 303 to the list", res.StatusCode, res.Header.Get("Location"))
		}
		if n := unread(t, d, f.maria); n != 0 {
			t.Errorf("unread after marking all = %d, want 0", n)
		}
		if n := unread(t, d, f.oleg); n != 1 {
			t.Errorf("marking all read touched another user: %d unread, want 1", n)
		}
		page := get(t, f.s, "/notifications", f.cookie)
		if !strings.Contains(page.Body, `data-unread-count hidden`) || strings.Contains(page.Body, "data-unread>") {
			t.Errorf("the counter shows or a notification is marked unread after all were read")
		}
	})
}

// TestNotificationSettings shows the matrix with the security kinds locked, saves the form, keeps
// the values of a form with a wrong time (422) and refuses a forged one (400).
func TestNotificationSettings(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newNotifyFixture(t, d)
		res := get(t, f.s, "/profile/notifications", f.cookie)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /profile/notifications = %d", res.StatusCode)
		}
		for _, want := range []string{
			`value="security.new_sign_in:email" checked disabled`, `value="application.decision:sms" checked>`,
			`value="application.stage_changed:sms">`, `name="freq_email" value="immediate" checked`,
			`data-vapid-key="B`, `name="zone"`, `value="vehicles"`,
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("settings page lacks %q", want)
			}
		}
		if strings.Contains(res.Body, "⟦") {
			t.Error("settings page shows a missing message")
		}
		if en := get(t, f.s, "/profile/notifications", f.cookie, &http.Cookie{Name: "lang", Value: "en"}); strings.Contains(en.Body, "⟦") ||
			!strings.Contains(en.Body, ">Moscow (UTC") {
			t.Error("English settings page shows a missing message")
		}

		form := url.Values{
			"pref":       {"application.stage_changed:email", "application.stage_changed:sms", "security.new_sign_in:sms"},
			"freq_email": {"daily_digest"}, "hour_email": {"18"},
			"freq_sms": {"immediate"}, "hour_sms": {"9"}, "freq_push": {"immediate"}, "hour_push": {"9"},
			"quiet_on": {"yes"}, "quiet_from": {"23:00"}, "quiet_to": {"7:30"},
			"zone": {"Asia/Omsk"}, "category": {"vehicles"},
		}
		res = f.post(t, "/profile/notifications", form, f.cookie)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile/notifications" {
			t.Fatalf("save = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		p, err := notify.LoadPreferences(ctx, d, f.maria)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Wants(notify.StageChanged, notify.SMS) || p.Wants(notify.Decision, notify.Email) || !p.Wants(notify.NewSignIn, notify.Email) ||
			p.Channel(notify.Email) != (notify.ChannelSettings{Frequency: notify.DailyDigest, DigestHour: 18}) ||
			p.QuietFrom != 23*60 || p.QuietTo != 7*60+30 || p.Zone != "Asia/Omsk" || len(p.Categories) != 1 {
			t.Errorf("saved preferences = %+v", p)
		}
		again := get(t, f.s, "/profile/notifications", f.cookie)
		for _, want := range []string{`value="23:00"`, `value="07:30"`, `value="Asia/Omsk" selected`, `value="18" selected`} {
			if !strings.Contains(again.Body, want) {
				t.Errorf("settings page after saving lacks %q", want)
			}
		}

		bad := url.Values{"pref": {"application.decision:email"}, "freq_email": {"immediate"}, "freq_sms": {"immediate"},
			"freq_push": {"immediate"}, "quiet_on": {"yes"}, "quiet_from": {"25:00"}, "quiet_to": {"7:00"}, "zone": {"Europe/Moscow"}}
		res = f.post(t, "/profile/notifications", bad, f.cookie)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Укажите время в формате ЧЧ:ММ") ||
			!strings.Contains(res.Body, `value="25:00"`) {
			t.Errorf("wrong time = %d, want 422 with the message and the value kept", res.StatusCode)
		}
		if p2, _ := notify.LoadPreferences(ctx, d, f.maria); p2.Zone != "Asia/Omsk" {
			t.Errorf("a refused form changed the settings")
		}
		bad.Set("quiet_from", "22:00")
		bad.Set("zone", "Europe/Paris")
		if res := f.post(t, "/profile/notifications", bad, f.cookie); res.StatusCode != http.StatusBadRequest {
			t.Errorf("forged zone = %d, want 400", res.StatusCode)
		}
		bad.Set("zone", "Europe/Moscow")
		bad["pref"] = []string{"admin.everything:email"}
		if res := f.post(t, "/profile/notifications", bad, f.cookie); res.StatusCode != http.StatusBadRequest {
			t.Errorf("forged kind = %d, want 400", res.StatusCode)
		}
	})
}

// TestPushSubscriptionPages keeps the subscription notify.js posts, lists the browser, forgets it
// on unsubscribe, and lets only its owner remove it from the list.
func TestPushSubscriptionPages(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newNotifyFixture(t, d)
		key, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		enc := base64.RawURLEncoding.EncodeToString
		sub := map[string]any{"endpoint": "https://push.example.net/send/abc",
			"keys": map[string]string{"p256dh": enc(key.PublicKey().Bytes()), "auth": enc([]byte("0123456789abcdef"))}}
		res := f.postJSON(t, "/profile/notifications/push", sub, f.cookie)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"ok":true`) {
			t.Fatalf("subscribe = %d %s", res.StatusCode, res.Body)
		}
		if res := f.postJSON(t, "/profile/notifications/push", map[string]any{"endpoint": "http://10.0.0.1/x"}, f.cookie); res.StatusCode != http.StatusBadRequest {
			t.Errorf("bad subscription = %d, want 400", res.StatusCode)
		}
		subs, err := notify.Subscriptions(ctx, d, f.maria)
		if err != nil || len(subs) != 1 {
			t.Fatalf("Subscriptions = %v, %v", subs, err)
		}
		page := get(t, f.s, "/profile/notifications", f.cookie)
		if !strings.Contains(page.Body, fmt.Sprintf(`action="/profile/notifications/push/%d/delete"`, subs[0].ID)) {
			t.Errorf("settings page does not list the browser")
		}
		if res := f.post(t, fmt.Sprintf("/profile/notifications/push/%d/delete", subs[0].ID), url.Values{}, f.olegCookie); res.StatusCode != http.StatusNotFound {
			t.Errorf("another user removing the browser = %d, want 404", res.StatusCode)
		}
		res = f.postJSON(t, "/profile/notifications/push/unsubscribe", sub, f.cookie)
		if res.StatusCode != http.StatusOK {
			t.Errorf("unsubscribe = %d", res.StatusCode)
		}
		if subs, _ := notify.Subscriptions(ctx, d, f.maria); len(subs) != 0 {
			t.Errorf("subscriptions after unsubscribe: %v", subs)
		}
	})
}

// TestServiceWorker serves the push service worker from the root, with the strict CSP.
func TestServiceWorker(t *testing.T) {
	res := get(t, mustServer(t, config.Default()), "/sw.js")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") ||
		res.Header.Get("Service-Worker-Allowed") != "/" || !strings.Contains(res.Body, `addEventListener("push"`) {
		t.Errorf("GET /sw.js = %d %v", res.StatusCode, res.Header)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("service worker CSP = %q", csp)
	}
}

// TestUnreadStream sends the unread count at once and again when a notification arrives.
func TestUnreadStream(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newNotifyFixture(t, d)
		f.notifyUser(t, f.maria, notify.StageChanged, "2026-000001")
		ts := httptest.NewServer(f.s)
		t.Cleanup(ts.Close)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/notifications/stream", nil)
		req.AddCookie(f.cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		events := make(chan string, 10)
		go func() {
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					events <- v
				}
			}
			close(events)
		}()
		next := func() string {
			t.Helper()
			select {
			case v := <-events:
				return v
			case <-time.After(10 * time.Second):
				t.Fatal("no event within 10 s")
			}
			return ""
		}
		if got := next(); got != "1" {
			t.Errorf("first event = %q, want 1", got)
		}
		f.notifyUser(t, f.maria, notify.Message, "2026-000001")
		if got := next(); got != "2" {
			t.Errorf("after a new notification = %q, want 2", got)
		}
		f.notifyUser(t, f.oleg, notify.Message, "2026-000002")
		res2 := f.post(t, "/notifications/read-all", url.Values{}, f.cookie)
		if res2.StatusCode != http.StatusSeeOther {
			t.Fatalf("read all = %d", res2.StatusCode)
		}
		if got := next(); got != "0" {
			t.Errorf("after marking all read = %q, want 0 (and nothing for another user's change)", got)
		}
		// A visitor gets no stream.
		if res := get(t, f.s, "/notifications/stream"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("visitor stream = %d, want the sign-in redirect", res.StatusCode)
		}
	})
}
