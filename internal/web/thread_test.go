package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

// TestThread: the applicant and the officer write in the application's thread; the applicant's
// page shows both, and a new message changes the page's ETag, so a reload never shows a stale
// thread (K5).
func TestThread(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newBOFixture(t, d)
		page := "/applications/" + url.PathEscape(f.open.Number)
		before := f.get(t, citizen, page)
		if before.StatusCode != 200 || !strings.Contains(before.Body, `/messages" class="form"`) || !strings.Contains(before.Body, `name="body"`) {
			t.Fatalf("page = %d, or no message form", before.StatusCode)
		}
		etag := before.Header.Get("ETag")
		if res := f.post(t, citizen, page+"/messages", url.Values{"body": {"Когда будет ответ?"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("citizen message = %d", res.StatusCode)
		}
		if res := f.post(t, officerInScope, "/backoffice/applications/"+url.PathEscape(f.open.Number)+"/messages",
			url.Values{"body": {"Ответ будет готов до пятницы."}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("officer message = %d", res.StatusCode)
		}
		r := f.request(citizen, http.MethodGet, page, nil)
		r.Header.Set("If-None-Match", etag)
		after := do(t, f.s, r)
		if after.StatusCode != 200 {
			t.Fatalf("page after new messages = %d, want 200 with the thread", after.StatusCode)
		}
		for _, want := range []string{"Когда будет ответ?", "Ответ будет готов до пятницы.", "Специалист"} {
			if !strings.Contains(after.Body, want) {
				t.Errorf("thread lacks %q", want)
			}
		}
		// Another citizen cannot write into it.
		if res := f.post(t, representative, page+"/messages", url.Values{"body": {"чужое"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("another user's message = %d, want 404", res.StatusCode)
		}
	})
}

// TestBackofficeLive: the officer's open page of an application hears the applicant's new
// message without a reload (the message does not change the application's version).
func TestBackofficeLive(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newBOFixture(t, d)
		ts := httptest.NewServer(f.s)
		defer ts.Close()
		officer := newBrowser(t, ts.URL)
		u, _ := url.Parse(ts.URL)
		officer.c.Jar.SetCookies(u, []*http.Cookie{f.cookies[officerInScope]})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		events := openStream(t, ctx, officer, ts.URL+"/backoffice/applications/"+url.PathEscape(f.open.Number)+"/events")
		time.Sleep(100 * time.Millisecond)
		if res := f.post(t, citizen, "/applications/"+url.PathEscape(f.open.Number)+"/messages", url.Values{"body": {"Добавила документы"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("citizen message = %d", res.StatusCode)
		}
		select {
		case <-events:
		case <-time.After(2 * time.Second):
			t.Fatal("the officer's page heard nothing of the new message within 2 s")
		}
		// An officer of another service may not listen to it.
		other := newBrowser(t, ts.URL)
		other.c.Jar.SetCookies(u, []*http.Cookie{f.cookies[otherOfficer]})
		if res := other.get("/backoffice/applications/" + url.PathEscape(f.open.Number) + "/events"); res.StatusCode != http.StatusNotFound {
			t.Errorf("officer of another service: stream = %d, want 404", res.StatusCode)
		}
	})
}

// TestDeliveriesPage: a delivery given up for good shows to administrators with its reason.
func TestDeliveriesPage(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBOFixture(t, d)
	ctx := context.Background()
	now := time.Now().UTC()
	var id int64
	if err := d.QueryRowContext(ctx, `INSERT INTO notifications (user_id, kind, subject_ref, title, body, link, created_at)
		VALUES ($1, 'application.decision', 'ОПВК-2026-0000001', 't', 'b', '/cabinet', $2) RETURNING id`, f.users[citizen], now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO notification_deliveries (notification_id, channel, state, attempts, last_error, updated_at)
		VALUES ($1, 'email', 'failed', 15, 'smtp: 550 mailbox unavailable', $2)`, id, now); err != nil {
		t.Fatal(err)
	}
	res := f.get(t, administrator, "/admin/deliveries")
	if res.StatusCode != 200 || !strings.Contains(res.Body, "smtp: 550 mailbox unavailable") || !strings.Contains(res.Body, "Электронная почта") {
		t.Errorf("deliveries page = %d, or the failure is missing", res.StatusCode)
	}
}

// TestDocumentPage: the applicant reads the decision's document as a page, with the way to its
// PDF and to its public verification.
func TestDocumentPage(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBOFixture(t, d)
	res := f.get(t, citizen, "/applications/"+url.PathEscape(f.decided.Number)+"/documents/1")
	if res.StatusCode != 200 {
		t.Fatalf("document page = %d", res.StatusCode)
	}
	for _, want := range []string{f.decided.Number, "Консультация дана письменно.", "/verify/" + f.code, "/documents/1.pdf", "Скачать PDF"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("document page lacks %q", want)
		}
	}
}

// TestOfficeStepWakesCounter: an officer's step wakes the applicant's unread counter in this
// instance at once, not at the stream's next look.
func TestOfficeStepWakesCounter(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBOFixture(t, d)
	wake, stop := f.s.notes.Subscribe(f.users[citizen])
	defer stop()
	if res := f.post(t, officerInScope, "/backoffice/applications/"+url.PathEscape(f.open.Number)+"/messages",
		url.Values{"body": {"Пришлите, пожалуйста, копию договора."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("officer message = %d", res.StatusCode)
	}
	select {
	case <-wake:
	default:
		t.Error("the applicant's unread counter was not woken by the officer's message")
	}
}

// TestDateBounds: a date field's bounds from the catalogue reach the browser's date picker.
func TestDateBounds(t *testing.T) {
	d := dbtest.SQLite(t)
	_, base := identityServer(t, d)
	b := newBrowser(t, base)
	signIn(t, b, d, "maria@demo.opvk", "+79161234567")
	res := b.get("/services/consultation/apply")
	page := b.get(res.Header.Get("Location"))
	tomorrow := time.Now().In(calendar.Moscow).AddDate(0, 0, 1).Format(time.DateOnly)
	re := regexp.MustCompile(`<input[^>]*name="preferred_date"[^>]*>`)
	input := re.FindString(page.Body)
	if !strings.Contains(input, `type="date"`) || !strings.Contains(input, `min="`+tomorrow+`"`) || !strings.Contains(input, `max="`) {
		t.Errorf("the date input lacks its bounds: %s", input)
	}
}

// TestAdminAccountActions: lock, unlock and ending sessions take effect with their reason in the
// audit log; an administrator cannot lock their own account.
func TestAdminAccountActions(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBOFixture(t, d)
	ctx := context.Background()
	target := "/admin/users/" + itoa(f.users[citizen])
	reason := url.Values{"reason": {"Заявление владельца № 17"}}
	if res := f.post(t, administrator, "/admin/users/"+itoa(f.users[administrator])+"/lock", reason); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("locking one's own account = %d, want 422", res.StatusCode)
	}
	if res := f.post(t, administrator, target+"/lock", reason); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("lock = %d", res.StatusCode)
	}
	u, _ := account.Get(ctx, d, f.users[citizen])
	if !u.Locked() {
		t.Fatal("not locked")
	}
	if res := f.get(t, citizen, "/cabinet"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the locked user's session still opens /cabinet: %d", res.StatusCode)
	}
	if res := f.post(t, administrator, target+"/unlock-account", reason); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock = %d", res.StatusCode)
	}
	if u, _ = account.Get(ctx, d, f.users[citizen]); u.Locked() {
		t.Fatal("still locked")
	}
	if res := f.post(t, administrator, "/admin/users/"+itoa(f.users[representative])+"/sessions/end", reason); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("end sessions = %d", res.StatusCode)
	}
	for action, detail := range map[string]string{"account.lock": "", "account.unlock": "", "account.sessions_end": "ended"} {
		entries, _ := audit.List(ctx, d, audit.Filter{Action: action})
		if len(entries) != 1 || entries[0].Details["reason"] != "Заявление владельца № 17" || (detail != "" && entries[0].Details[detail] != "1") {
			t.Errorf("%s audit = %+v", action, entries)
		}
	}
}
