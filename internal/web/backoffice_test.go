package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/document"
	"github.com/opvk/cabinet/internal/storage"
)

// boFixture is a server with the application service, one user of every kind the authorisation
// matrix needs, and applications of the consultation service in several states.
type boFixture struct {
	s     *Server
	d     *db.DB
	apps  *application.Store
	store storage.Store
	ctx   context.Context

	users   map[string]int64
	cookies map[string]*http.Cookie

	open    application.Application // submitted, in work
	decided application.Application // approved, with its document, version 1
	attID   int64                   // an attachment of open
	code    string                  // the verification code of decided's document
}

// The people of the matrix.
const (
	anonymous      = "anonymous"
	citizen        = "citizen" // the applicant
	representative = "representative"
	otherOfficer   = "officer of another service"
	officerInScope = "officer in scope"
	administrator  = "administrator"
)

func newBOFixture(t *testing.T, d *db.DB) *boFixture {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	apps := application.New(cat, cal)
	cfg := config.Default()
	cfg.BaseURL = "http://localhost:8080"
	s, _ := mustServerDB(t, cfg, d, func(deps *Deps) { deps.Apps = apps })
	f := &boFixture{s: s, d: d, apps: apps, store: s.store, ctx: ctx, users: map[string]int64{}, cookies: map[string]*http.Cookie{}}
	people := []struct {
		who      string
		roles    []account.Role
		services []string
	}{
		{citizen, []account.Role{account.Citizen}, nil},
		{representative, []account.Role{account.Citizen, account.Representative}, nil},
		{otherOfficer, []account.Role{account.Officer}, []string{"vehicle_registration"}},
		{officerInScope, []account.Role{account.Officer}, []string{"consultation"}},
		{administrator, []account.Role{account.Admin}, nil},
	}
	for i, p := range people {
		id, err := account.Create(ctx, d, account.User{Kind: account.Individual, FullName: "Иванова Мария Сергеевна",
			Email: fmt.Sprintf("u%d@example.ru", i), Phone: fmt.Sprintf("+7916123450%d", i), Roles: p.roles}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if p.services != nil {
			if err := application.SetOfficerServices(ctx, d, id, p.services); err != nil {
				t.Fatal(err)
			}
		}
		token, err := account.CreateSession(ctx, d, id, "127.0.0.1", "test", "password+sms", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.users[p.who], f.cookies[p.who] = id, &http.Cookie{Name: s.sessionCookie(), Value: token}
	}
	if err := account.SetPosition(ctx, d, f.users[officerInScope], "Главный специалист-эксперт", time.Now()); err != nil {
		t.Fatal(err)
	}
	f.open = f.submit(t)
	f.attID = f.attach(t, f.open)
	f.open, _ = application.Get(ctx, d, f.open.ID)
	f.decided = f.submit(t)
	f.decided = f.move(t, f.decided, catalog.Registration, catalog.Decision)
	f.decided = f.decide(t, f.decided, catalog.Approved, "Консультация дана письменно.")
	recs, err := document.ForApplication(ctx, d, f.decided.ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("documents of the decided application: %v, %v", recs, err)
	}
	f.code = recs[0].Code
	return f
}

func (f *boFixture) actor(who string) application.Actor {
	return application.Actor{UserID: f.users[who], IP: "127.0.0.1", UserAgent: "test", Lang: "ru"}
}

func (f *boFixture) submit(t *testing.T) application.Application {
	t.Helper()
	var a application.Application
	err := db.InTx(f.ctx, f.d, func(tx *db.Tx) error {
		var err error
		a, err = f.apps.Submit(f.ctx, tx, f.actor(citizen), application.Submission{ServiceID: "consultation", Consent: true,
			Values: map[string]string{"applicant_name": "Иванова Мария Сергеевна", "phone": "8 916 123-45-67", "email": "maria@mail.ru",
				"control_kind": "road_safety", "answer_format": "written", "question": "Какие документы нужны водителю автобуса в рейсе?"}}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *boFixture) attach(t *testing.T, a application.Application) int64 {
	t.Helper()
	raw := []byte("%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	key := storage.NewKey("attachments")
	info, err := f.store.Put(f.ctx, key, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var at application.Attachment
	err = db.InTx(f.ctx, f.d, func(tx *db.Tx) error {
		at, err = f.apps.AddAttachment(f.ctx, tx, f.actor(citizen), a.ID, application.NewAttachment{Kind: catalog.OtherDocument,
			Filename: "справка.pdf", ContentType: "application/pdf", Size: info.Size, SHA256: info.SHA256, StorageKey: key}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return at.ID
}

func (f *boFixture) move(t *testing.T, a application.Application, to ...catalog.Status) application.Application {
	t.Helper()
	for _, st := range to {
		err := db.InTx(f.ctx, f.d, func(tx *db.Tx) error {
			var err error
			a, err = f.apps.Transition(f.ctx, tx, f.actor(officerInScope), a.ID, application.Move{To: st, ExpectedVersion: a.Version}, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// decide decides through the web handler, as the officer in scope.
func (f *boFixture) decide(t *testing.T, a application.Application, to catalog.Status, comment string) application.Application {
	t.Helper()
	res := f.post(t, officerInScope, "/backoffice/applications/"+a.Number+"/move", url.Values{"to": {string(to)},
		"public_comment": {comment}, "version": {fmt.Sprint(a.Version)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decide %s: %d\n%s", a.Number, res.StatusCode, res.Body)
	}
	a, err := application.Get(f.ctx, f.d, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *boFixture) request(who, method, path string, form url.Values) *http.Request {
	var r *http.Request
	if method == http.MethodPost {
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	if c := f.cookies[who]; c != nil {
		r.AddCookie(c)
	}
	return r
}

func (f *boFixture) post(t *testing.T, who, path string, form url.Values) response {
	t.Helper()
	return do(t, f.s, f.request(who, http.MethodPost, path, form))
}

func (f *boFixture) get(t *testing.T, who, path string) response {
	t.Helper()
	return do(t, f.s, f.request(who, http.MethodGet, path, nil))
}

// outcome classes of the matrix.
const (
	toLogin   = "login"   // 303 to /login
	forbidden = "403"     // signed in without the role
	notFound  = "404"     // the role, but not this application (or nothing there)
	reached   = "reached" // the handler ran for this user: 200, 303 elsewhere, 409 or 422
	ok200     = "200"     // exactly 200
)

func classify(res response) string {
	switch res.StatusCode {
	case http.StatusSeeOther, http.StatusFound:
		if strings.HasPrefix(res.Header.Get("Location"), "/login") {
			return toLogin
		}
		return reached
	case http.StatusForbidden:
		return forbidden
	case http.StatusNotFound:
		return notFound
	case http.StatusOK:
		return ok200
	case http.StatusConflict, http.StatusUnprocessableEntity:
		return reached
	}
	return fmt.Sprint(res.StatusCode)
}

// TestAuthorisationMatrix sends every back-office, administration, document and verification
// route as each kind of user and checks that nobody reaches what is not theirs: visitors are sent
// to sign in, citizens and representatives are refused the staff pages, an officer of another
// service gets 404 for an application of this one (as for a number that does not exist), and
// officers are refused the administration. The actions are sent with a stale version or without a
// reason, so that the handler runs its checks and answers 409 or 422 without changing anything.
func TestAuthorisationMatrix(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newBOFixture(t, d)
		app := "/backoffice/applications/" + f.open.Number
		decided := "/backoffice/applications/" + f.decided.Number
		stale := url.Values{"version": {"0"}, "to": {"registration"}, "question": {"?"}, "body": {""}, "assignee": {"0"}}
		target := fmt.Sprintf("/admin/users/%d", f.users[citizen])
		routes := []struct {
			method, path string
			form         url.Values
			// expected outcome for anonymous, citizen, representative, other officer, officer in scope, administrator
			want [6]string
		}{
			{"GET", "/backoffice/", nil, [6]string{toLogin, forbidden, forbidden, ok200, ok200, ok200}},
			{"POST", "/backoffice/bulk", url.Values{"action": {"take"}}, [6]string{toLogin, forbidden, forbidden, ok200, ok200, ok200}},
			{"GET", app, nil, [6]string{toLogin, forbidden, forbidden, notFound, ok200, ok200}},
			{"POST", app + "/take", stale, [6]string{toLogin, forbidden, forbidden, notFound, reached, reached}},
			{"POST", app + "/assign", stale, [6]string{toLogin, forbidden, forbidden, notFound, reached, reached}},
			{"POST", app + "/move", stale, [6]string{toLogin, forbidden, forbidden, notFound, reached, reached}},
			{"POST", app + "/request-info", stale, [6]string{toLogin, forbidden, forbidden, notFound, reached, reached}},
			{"POST", app + "/messages", stale, [6]string{toLogin, forbidden, forbidden, notFound, reached, reached}},
			{"POST", decided + "/documents/reissue", url.Values{}, [6]string{toLogin, forbidden, forbidden, notFound, reached, reached}},
			{"GET", fmt.Sprintf("%s/attachments/%d", app, f.attID), nil, [6]string{toLogin, forbidden, forbidden, notFound, ok200, ok200}},
			{"GET", "/applications/" + f.decided.Number + "/documents/1.pdf", nil, [6]string{toLogin, ok200, notFound, notFound, ok200, ok200}},
			{"GET", "/applications/" + f.decided.Number + "/documents/2.pdf", nil, [6]string{toLogin, notFound, notFound, notFound, notFound, notFound}},
			{"GET", "/applications/" + f.decided.Number + "/documents/1", nil, [6]string{toLogin, ok200, notFound, notFound, ok200, ok200}},
			{"POST", "/applications/" + f.open.Number + "/messages", url.Values{}, [6]string{toLogin, reached, notFound, notFound, notFound, notFound}},
			{"GET", "/verify/" + f.code, nil, [6]string{ok200, ok200, ok200, ok200, ok200, ok200}},
			{"GET", "/verify/abcdefghjkmnpqrstuvwxyz2", nil, [6]string{notFound, notFound, notFound, notFound, notFound, notFound}},
			{"GET", "/admin/", nil, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, ok200}},
			{"GET", target, nil, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, ok200}},
			{"POST", target + "/roles", url.Values{"role": {"admin"}}, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, reached}},
			{"POST", target + "/lock", url.Values{}, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, reached}},
			{"POST", target + "/unlock-account", url.Values{}, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, reached}},
			{"POST", target + "/sessions/end", url.Values{}, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, reached}},
			{"POST", target + "/services", url.Values{"service": {"consultation"}}, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, reached}},
			{"GET", "/admin/deliveries", nil, [6]string{toLogin, forbidden, forbidden, forbidden, forbidden, ok200}},
			// Support: officers and administrators see locked accounts and unlock them (with a reason;
			// none is given here, so nothing changes).
			{"GET", "/admin/locked", nil, [6]string{toLogin, forbidden, forbidden, ok200, ok200, ok200}},
			{"POST", target + "/unlock", url.Values{}, [6]string{toLogin, forbidden, forbidden, reached, reached, reached}},
		}
		who := []string{anonymous, citizen, representative, otherOfficer, officerInScope, administrator}
		for _, rt := range routes {
			for i, w := range who {
				res := do(t, f.s, f.request(w, rt.method, rt.path, rt.form))
				if got := classify(res); got != rt.want[i] {
					t.Errorf("%s %s as %s = %s (%d), want %s", rt.method, rt.path, w, got, res.StatusCode, rt.want[i])
				}
			}
		}
		// Nothing in the matrix changed anything: no role was granted, the application is as it was.
		u, err := account.Get(f.ctx, d, f.users[citizen])
		if err != nil || u.Has(account.Admin) || u.Locked() {
			t.Errorf("the citizen's account changed: %+v, %v", u.Roles, err)
		}
		a, err := application.Get(f.ctx, d, f.open.ID)
		if err != nil || a.Version != f.open.Version || a.AssigneeID != 0 {
			t.Errorf("the application changed: version %d → %d, assignee %d", f.open.Version, a.Version, a.AssigneeID)
		}
	})
}

// TestConcurrentDecisions has two officers decide the same application at the same moment, from
// pages that showed the same version: exactly one decision is made and one document issued; the
// other officer gets the 409 page that says the action was not applied and shows the application
// as it now is.
func TestConcurrentDecisions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newBOFixture(t, d)
		a := f.move(t, f.open, catalog.Registration, catalog.Decision)
		form := func(to catalog.Status) url.Values {
			return url.Values{"to": {string(to)}, "public_comment": {"Основание: решение комиссии."}, "version": {fmt.Sprint(a.Version)}}
		}
		var wg sync.WaitGroup
		results := make([]response, 2)
		start := make(chan struct{})
		for i, who := range []string{officerInScope, administrator} {
			to := []catalog.Status{catalog.Approved, catalog.Refused}[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				w := httptest.NewRecorder()
				f.s.ServeHTTP(w, f.request(who, http.MethodPost, "/backoffice/applications/"+a.Number+"/move", form(to)))
				results[i] = response{w.Result(), w.Body.String()}
			}()
		}
		close(start)
		wg.Wait()
		var won, lost int
		for _, res := range results {
			switch res.StatusCode {
			case http.StatusSeeOther:
				won++
			case http.StatusConflict:
				lost++
				if !strings.Contains(res.Body, "Действие не выполнено") || !strings.Contains(res.Body, `id="conflict"`) {
					t.Errorf("the 409 page does not explain the conflict:\n%s", res.Body)
				}
			default:
				t.Errorf("decision answered %d:\n%s", res.StatusCode, res.Body)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("won %d, lost %d; want exactly one decision", won, lost)
		}
		recs, err := document.ForApplication(f.ctx, d, a.ID)
		if err != nil || len(recs) != 1 {
			t.Errorf("documents = %d (%v), want 1", len(recs), err)
		}
		var events int
		if err := d.QueryRowContext(f.ctx, `SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status IN ('approved', 'refused')`, a.ID).Scan(&events); err != nil || events != 1 {
			t.Errorf("decision events = %d (%v), want 1", events, err)
		}
		// The loser's document file must not linger in storage: exactly the one recorded file.
		got, err := application.Get(f.ctx, d, a.ID)
		if err != nil || !got.Status.Final() {
			t.Errorf("application after the race: %s, %v", got.Status, err)
		}
	})
}

// TestTakeTwice: two officers press «Взять в работу» on the same page: the second sees who took it.
func TestTakeTwice(t *testing.T) {
	f := newBOFixture(t, dbtest.SQLite(t))
	path := "/backoffice/applications/" + f.open.Number + "/take"
	v := url.Values{"version": {fmt.Sprint(f.open.Version)}}
	if res := f.post(t, officerInScope, path, v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first take = %d", res.StatusCode)
	}
	res := f.post(t, administrator, path, v)
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "Действие не выполнено") {
		t.Fatalf("second take = %d, want 409 with the explanation", res.StatusCode)
	}
	a, _ := application.Get(f.ctx, f.d, f.open.ID)
	if a.AssigneeID != f.users[officerInScope] {
		t.Errorf("assignee = %d, want the first officer", a.AssigneeID)
	}
}

// TestQueueFiltersAndScope: an officer sees only their services' applications; the filters of the
// URL narrow the list and the counters count.
func TestQueueFiltersAndScope(t *testing.T) {
	f := newBOFixture(t, dbtest.SQLite(t))
	res := f.get(t, officerInScope, "/backoffice/")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, f.open.Number) {
		t.Fatalf("queue of the officer in scope lacks %s (%d)", f.open.Number, res.StatusCode)
	}
	if strings.Contains(res.Body, f.decided.Number) {
		t.Errorf("a decided application is in the queue")
	}
	if other := f.get(t, otherOfficer, "/backoffice/"); strings.Contains(other.Body, f.open.Number) {
		t.Errorf("the officer of another service sees %s", f.open.Number)
	}
	if mine := f.get(t, officerInScope, "/backoffice/?who=mine"); strings.Contains(mine.Body, `href="/backoffice/applications/`+f.open.Number) {
		t.Errorf("«mine» shows an unassigned application")
	}
	if q := f.get(t, officerInScope, "/backoffice/?q="+url.QueryEscape(f.open.Number)); !strings.Contains(q.Body, f.open.Number) {
		t.Errorf("search by number does not find it")
	}
	if q := f.get(t, officerInScope, "/backoffice/?q="+url.QueryEscape("Иванова")); !strings.Contains(q.Body, f.open.Number) {
		t.Errorf("search by the applicant's name does not find it")
	}
	if q := f.get(t, officerInScope, "/backoffice/?due=overdue"); strings.Contains(q.Body, `href="/backoffice/applications/`+f.open.Number) {
		t.Errorf("a fresh application shows as overdue")
	}
}

// TestDecisionDocument: approving issues the PDF with the applicant's name, a correction issues a
// new version and the old one's verification page says it was superseded.
func TestDecisionDocument(t *testing.T) {
	f := newBOFixture(t, dbtest.SQLite(t))
	res := f.get(t, citizen, "/applications/"+f.decided.Number+"/documents/1.pdf")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF") {
		t.Fatalf("PDF = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	v := f.get(t, anonymous, "/verify/"+f.code)
	for _, want := range []string{"Документ подлинный", f.decided.Number, "И****** М. С.", "Одобрено"} {
		if !strings.Contains(v.Body, want) {
			t.Errorf("verification page lacks %q", want)
		}
	}
	if strings.Contains(v.Body, "Иванова") {
		t.Errorf("the public verification page shows the applicant's name")
	}
	if r := f.post(t, officerInScope, "/backoffice/applications/"+f.decided.Number+"/documents/reissue",
		url.Values{"correction": {"Исправлена опечатка в решении."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reissue = %d", r.StatusCode)
	}
	if v := f.get(t, anonymous, "/verify/"+f.code); !strings.Contains(v.Body, "Документ заменён") {
		t.Errorf("the old version is not shown as superseded")
	}
	if r := f.get(t, citizen, "/applications/"+f.decided.Number+"/documents/2.pdf"); r.StatusCode != http.StatusOK {
		t.Errorf("version 2 = %d", r.StatusCode)
	}
}

// TestRefusalNeedsReason: a refusal without a public comment is 422 with the problem by its field.
func TestRefusalNeedsReason(t *testing.T) {
	f := newBOFixture(t, dbtest.SQLite(t))
	a := f.move(t, f.open, catalog.Registration)
	res := f.post(t, officerInScope, "/backoffice/applications/"+a.Number+"/move", url.Values{"to": {"refused"}, "version": {fmt.Sprint(a.Version)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Укажите причину отказа") {
		t.Fatalf("refusal without reason = %d", res.StatusCode)
	}
}

// TestLastAdministrator: the only administrator cannot remove their own role.
func TestLastAdministrator(t *testing.T) {
	f := newBOFixture(t, dbtest.SQLite(t))
	path := fmt.Sprintf("/admin/users/%d/roles", f.users[administrator])
	res := f.post(t, administrator, path, url.Values{"reason": {"ухожу в отпуск"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "последний администратор") {
		t.Fatalf("demoting the last administrator = %d", res.StatusCode)
	}
	u, _ := account.Get(f.ctx, f.d, f.users[administrator])
	if !u.Has(account.Admin) {
		t.Fatal("the last administrator lost the role")
	}
	// Granting with a reason works and is audited with the reason.
	res = f.post(t, administrator, fmt.Sprintf("/admin/users/%d/roles", f.users[representative]),
		url.Values{"role": {"officer"}, "reason": {"приказ № 12"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant = %d", res.StatusCode)
	}
	var details string
	if err := f.d.QueryRowContext(f.ctx, `SELECT details FROM audit_log WHERE action = 'account.roles' ORDER BY id DESC LIMIT 1`).Scan(&details); err != nil ||
		!strings.Contains(details, "приказ № 12") {
		t.Errorf("audit details = %q, %v", details, err)
	}
}

// TestBulkActions: a bulk action changes each selected application in its own transaction and
// reports each: one taken, one refused because it changed since the queue was shown, one outside
// the officer's services refused as not found.
func TestBulkActions(t *testing.T) {
	f := newBOFixture(t, dbtest.SQLite(t))
	second := f.submit(t)
	stale := fmt.Sprintf("%s:%d", second.Number, second.Version-1)
	res := f.post(t, officerInScope, "/backoffice/bulk", url.Values{"action": {"take"},
		"app": {fmt.Sprintf("%s:%d", f.open.Number, f.open.Version), stale, "ОПВК-2026-9999999:1"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("bulk = %d", res.StatusCode)
	}
	for _, want := range []string{"Выполнено: 1 из 3.", "заявление изменилось", "не найдено"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the bulk result lacks %q", want)
		}
	}
	a, _ := application.Get(f.ctx, f.d, f.open.ID)
	b, _ := application.Get(f.ctx, f.d, second.ID)
	if a.AssigneeID != f.users[officerInScope] || b.AssigneeID != 0 {
		t.Errorf("assignees after bulk: %d, %d", a.AssigneeID, b.AssigneeID)
	}
	// Move both to the next stage with one comment.
	res = f.post(t, officerInScope, "/backoffice/bulk", url.Values{"action": {"next"}, "public_comment": {"Зарегистрировано."},
		"app": {fmt.Sprintf("%s:%d", a.Number, a.Version), fmt.Sprintf("%s:%d", b.Number, b.Version)}})
	if !strings.Contains(res.Body, "Выполнено: 2 из 2.") {
		t.Errorf("bulk next: %d\n%s", res.StatusCode, res.Body)
	}
	if b, _ = application.Get(f.ctx, f.d, second.ID); b.Status != catalog.Registration {
		t.Errorf("after bulk next the status is %s", b.Status)
	}
}
