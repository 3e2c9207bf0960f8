package e2e

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/notify"
)

// TestNotificationsJourney (issue 6, D4 and E4): Алексей Петров has sent an application and has
// the cabinet open. The test, as the back office, moves the application through the
// applications store — with the notifications hook the cabinet wires — and the header counter
// rises without a reload; /notifications shows the notification with its text and link; marking
// one read, then «Прочитать все», lowers the counter. Then he switches Web Push on in this
// Chromium on /profile/notifications (the notifications permission granted through DevTools), the
// subscription is kept for him, and switching it off removes it. The cabinet is its own, so the
// counts are not disturbed by other journeys.
func TestNotificationsJourney(t *testing.T) {
	chromium, axe := requireTools(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var cfg config.Config
	e := (&env{axe: axe, cat: cat, shots: screenshotDir(t)}).withCabinet(t, func(c *config.Config) { cfg = *c })
	e.browser = startBrowser(t, chromium)
	ctx := context.Background()

	// The back office's side: the same database, the applications store with the hook app.Run
	// wires, and a River client that only queues (the cabinet's own workers deliver).
	d, err := app.OpenDB(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	runner, err := jobs.New(d, cfg.SQLitePath(), jobs.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = runner.Stop(context.Background()) })
	services, err := catalog.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	apps := application.New(services, cal)
	apps.OnEvent = notify.ForApplications(runner.Client, services)
	svc, err := services.Service("consultation")
	if err != nil {
		t.Fatal(err)
	}

	petrov := demoUser(t, "petrov@demo.opvk")
	owner, err := account.ByLogin(ctx, d, petrov.Email)
	if err != nil {
		t.Fatal(err)
	}
	var a application.Application
	err = db.InTx(ctx, d, func(tx *db.Tx) error {
		a, err = apps.Submit(ctx, tx, application.Actor{UserID: owner.ID, IP: "127.0.0.1", UserAgent: "e2e", Lang: "ru"},
			application.Submission{ServiceID: svc.ID, Consent: true, Values: map[string]string{
				"applicant_name": petrov.FullName, "phone": petrov.Phone, "email": petrov.Email,
				"control_kind": "road_safety", "answer_format": "written",
				"question": "Нужен ли предрейсовый осмотр водителя при поездке на служебном автобусе внутри города?"}}, time.Now())
		return err
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	// move takes the application to the next stage of the service's workflow, as an officer does.
	move := func() catalog.Status {
		t.Helper()
		cur, err := application.GetByNumber(ctx, d, a.Number)
		if err != nil {
			t.Fatal(err)
		}
		next := svc.Workflow.Next(cur.Status)
		if len(next) == 0 {
			t.Fatalf("%s is %s, and the workflow goes no further", a.Number, cur.Status)
		}
		to := next[0]
		err = db.InTx(ctx, d, func(tx *db.Tx) error {
			_, err := apps.Transition(ctx, tx, application.Actor{}, cur.ID, application.Move{To: to,
				PublicComment: "Этап: " + svc.StatusLabel(to, "ru"), ExpectedVersion: cur.Version}, time.Now())
			return err
		})
		if err != nil {
			t.Fatalf("move %s to %s: %v", a.Number, to, err)
		}
		return to
	}

	tb := e.newTabFor(t, 4*time.Minute)
	e.signIn(t, tb, petrov.Email, demo.Password, petrov.Phone)
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))
	tb.open(t, e.baseURL+"/cabinet", http.StatusOK)
	counter := func() int {
		t.Helper()
		return eval[int](t, tb, `(() => {
			const c = document.querySelector('[data-unread-count]');
			return c.hidden ? 0 : parseInt(document.querySelector('[data-unread-value]').textContent, 10);
		})()`)
	}
	waitCounter := func(what string, want int, limit time.Duration) time.Duration {
		t.Helper()
		return tb.waitFor(t, what+": the counter shows "+strconv.Itoa(want), `(() => {
			const c = document.querySelector('[data-unread-count]'), n = parseInt(document.querySelector('[data-unread-value]').textContent, 10);
			return `+strconv.Itoa(want)+` === 0 ? c.hidden : !c.hidden && n === `+strconv.Itoa(want)+`;
		})()`, limit)
	}
	before := counter()

	// The officer moves the application: the open page's counter rises without a reload.
	tb.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
	time.Sleep(300 * time.Millisecond) // the page's event stream is open
	first := move()
	took := waitCounter("after the first move", before+1, 5*time.Second)
	t.Logf("the counter rose %v after the stage change", took.Round(time.Millisecond))
	if !eval[bool](t, tb, `window.__samePage === true`) {
		t.Fatal("the page reloaded to show the counter")
	}
	second := move()
	waitCounter("after the second move", before+2, 5*time.Second)

	// /notifications lists both, newest first, unread, with the stage and a link to the application.
	tb.open(t, e.baseURL+"/notifications", http.StatusOK)
	tb.checkConsole(t, e.baseURL+"/notifications")
	// html/template writes the number's Cyrillic letters percent-encoded in the href.
	ours := func(sel string) string {
		return `[...document.querySelectorAll(` + jsString(sel) + `)].filter(li => [...li.querySelectorAll('a')].some(a => decodeURIComponent(a.getAttribute('href')) === ` +
			jsString("/applications/"+a.Number) + `))`
	}
	items := eval[[]string](t, tb, ours("[data-notification]")+`.map(li => li.textContent.replace(/\s+/g, ' '))`)
	if len(items) != 2 {
		t.Fatalf("/notifications lists %d notifications of %s, want 2: %q", len(items), a.Number, items)
	}
	for i, st := range []catalog.Status{second, first} {
		if label := svc.StatusLabel(st, "ru"); !strings.Contains(items[i], label) || !strings.Contains(items[i], a.Number) {
			t.Errorf("notification %d reads %q, want the stage %q and the number %s", i+1, items[i], label, a.Number)
		}
	}
	if n := eval[int](t, tb, ours("[data-notification][data-unread]")+`.length`); n != 2 {
		t.Errorf("%d of the notifications are marked unread, want 2", n)
	}
	e.audit(t, tb, "notifications-list", "normal")
	tb.submit(t, contrastButton)
	e.checkTheme(t, tb, true)
	e.audit(t, tb, "notifications-list", "contrast")
	tb.submit(t, contrastButton)

	// Marking one read lowers the counter by one; «Прочитать все» clears it.
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))
	tb.do(t, "mark the button", chromedp.Evaluate[chromedp.Void](ours("[data-notification][data-unread]")+`[0].querySelector('form[action$="/read"] button').setAttribute('data-test-read', '')`))
	wantStatus(t, "mark one read", tb.send(t, "[data-test-read]"), http.StatusOK)
	tb.wantPath(t, "/notifications")
	if b, want := tb.banners(t), e.cat.T("ru", "notify.flash.read"); len(b) == 0 || b[0] != want {
		t.Errorf("after marking read the page shows %q, want %q", b, want)
	}
	if got := counter(); got != before+1 {
		t.Errorf("after marking one read the counter shows %d, want %d", got, before+1)
	}
	if n := eval[int](t, tb, ours("[data-notification][data-unread]")+`.length`); n != 1 {
		t.Errorf("after marking one read %d are unread, want 1", n)
	}
	wantStatus(t, "«Прочитать все»", tb.send(t, "[data-read-all]"), http.StatusOK)
	if b, want := tb.banners(t), e.cat.T("ru", "notify.flash.all_read"); len(b) == 0 || b[0] != want {
		t.Errorf("after «Прочитать все» the page shows %q, want %q", b, want)
	}
	if got := counter(); got != 0 {
		t.Errorf("after «Прочитать все» the counter shows %d, want none", got)
	}
	if n := eval[int](t, tb, `document.querySelectorAll('[data-notification][data-unread]').length`); n != 0 {
		t.Errorf("after «Прочитать все» %d are unread", n)
	}
	e.audit(t, tb, "notifications-read", "normal")

	// A new notification while /notifications is open raises the counter there too.
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))
	move()
	waitCounter("after the next stage", 1, 5*time.Second)

	// Web Push in this Chromium. Chromium refuses push subscriptions in an off-the-record browser
	// context, which every tab of newTab is; this test has the browser to itself, so the push part
	// runs in a tab of the default context, signed in afresh. The notifications permission is
	// granted for the cabinet's origin, as a person would by answering the browser's prompt.
	tb = e.defaultContextTab(t, 2*time.Minute)
	e.signIn(t, tb, petrov.Email, demo.Password, petrov.Phone)
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))
	bctx := chromedp.FromContext(tb.ctx).BrowserContextID
	for _, p := range []*browser.PermissionDescriptor{{Name: "notifications"}, {Name: "push", UserVisibleOnly: true}} {
		if _, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: p, Setting: browser.PermissionSettingGranted, Origin: e.baseURL, BrowserContextID: bctx}); err != nil {
			t.Fatalf("Browser.setPermission %s: %v", p.Name, err)
		}
	}
	tb.open(t, e.baseURL+"/profile/notifications", http.StatusOK)
	tb.waitFor(t, "«Включить» appears", `(document.querySelector('[data-push-subscribe]') || {hidden: true}).hidden === false || (document.querySelector('[data-push-unsupported]') || {hidden: true}).hidden === false`, 10*time.Second)
	if !eval[bool](t, tb, `document.querySelector('[data-push-unsupported]').hidden`) {
		t.Fatal("the settings page says this Chromium cannot receive pushes")
	}
	tb.checkConsole(t, e.baseURL+"/profile/notifications")
	e.audit(t, tb, "notifications-settings", "normal")
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))

	subscriptions := func() []notify.Subscription {
		t.Helper()
		subs, err := notify.Subscriptions(ctx, d, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		return subs
	}
	if n := len(subscriptions()); n != 0 {
		t.Fatalf("before subscribing %s has %d push subscriptions", petrov.Email, n)
	}
	subscribe := func(limit time.Duration) bool {
		t.Helper()
		tb.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
		tb.do(t, "«Включить»", chromedp.Click(chromedp.CSS("[data-push-subscribe]")))
		done := `(window.__samePage !== true && document.readyState === 'complete' && (document.querySelector('[data-push-on]') || {hidden: true}).hidden === false) || (document.querySelector('[data-push-error]') || {hidden: true}).hidden === false`
		for start := time.Now(); time.Since(start) < limit; time.Sleep(50 * time.Millisecond) {
			if ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`!!(`+done+`)`)); err == nil && ok {
				if !eval[bool](t, tb, `document.querySelector('[data-push-error]').hidden`) {
					t.Fatalf("subscribing failed: the page shows %q", tb.text(t, "[data-push-error]"))
				}
				return true
			}
		}
		return false
	}
	if !subscribe(15 * time.Second) {
		// PushManager.subscribe registers with the browser's push service (Google's, for
		// Chromium) and waits for it; a test machine without Internet access never gets an answer.
		// Then the page gets a stand-in PushManager that answers as Chromium does — a subscription
		// with an https endpoint and real P-256 keys — so the rest of the path (the cabinet's
		// script, the server, the database) is still checked.
		msg := "Chromium's push service did not answer within 15 s (no Internet access?); the push subscription uses a stand-in PushManager"
		t.Log(msg)
		notice(msg)
		stub, err := pushManagerStandIn()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stub}); err != nil {
			t.Fatalf("install the stand-in PushManager: %v", err)
		}
		tb.open(t, e.baseURL+"/profile/notifications", http.StatusOK)
		tb.waitFor(t, "«Включить» appears", `(document.querySelector('[data-push-subscribe]') || {hidden: true}).hidden === false`, 10*time.Second)
		if !subscribe(15 * time.Second) {
			t.Fatalf("the page did not reload with push on (on %s)", tb.path(t))
		}
	}
	subs := subscriptions()
	if len(subs) != 1 || subs[0].Endpoint == "" || subs[0].P256DH == "" || subs[0].Auth == "" {
		t.Fatalf("after subscribing %s has the push subscriptions %+v, want one with its keys", petrov.Email, subs)
	}
	if rows := tb.texts(t, `[data-push] tbody tr`); len(rows) != 1 {
		t.Errorf("the list of browsers shows %q, want this one", rows)
	}
	e.audit(t, tb, "notifications-push-on", "normal")
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))

	tb.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
	tb.do(t, "«Отключить»", chromedp.Click(chromedp.CSS("[data-push-unsubscribe]")))
	tb.waitFor(t, "the page reloads with push off", `(window.__samePage !== true && document.readyState === 'complete' && (document.querySelector('[data-push-subscribe]') || {hidden: true}).hidden === false) || (document.querySelector('[data-push-error]') || {hidden: true}).hidden === false`, 30*time.Second)
	if !eval[bool](t, tb, `document.querySelector('[data-push-error]').hidden`) {
		t.Fatal("unsubscribing failed")
	}
	if subs := subscriptions(); len(subs) != 0 {
		t.Errorf("after unsubscribing %s still has the push subscriptions %+v", petrov.Email, subs)
	}
}

// defaultContextTab opens a tab in the browser's default context, which keeps a profile on disk
// (newTab's contexts are off the record); it closes when the test ends.
func (e *env) defaultContextTab(t *testing.T, limit time.Duration) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{}
	var cancelT context.CancelFunc
	tb.ctx, cancelT = context.WithTimeout(ctx, limit)
	t.Cleanup(cancelT)
	return tb
}

// pushManagerStandIn is a script that replaces PushManager's subscribe and getSubscription in the
// page with ones that answer at once, as a browser whose push service answered would: a
// subscription with an https endpoint, a fresh P-256 public key and a 16-byte secret, kept in
// localStorage so that it outlives the reload the settings page does.
func pushManagerStandIn() (string, error) {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	sub := fmt.Sprintf(`{"endpoint": "https://push.example.invalid/e2e/%s", "expirationTime": null, "keys": {"p256dh": %q, "auth": %q}}`,
		b64(secret), b64(key.PublicKey().Bytes()), b64(secret))
	return `(() => {
	if (!window.PushManager) { return; }
	const slot = "e2e-push-subscription";
	const wrap = json => json && {
		endpoint: json.endpoint,
		toJSON: () => json,
		unsubscribe: () => { localStorage.removeItem(slot); return Promise.resolve(true); },
	};
	PushManager.prototype.getSubscription = function () { return Promise.resolve(wrap(JSON.parse(localStorage.getItem(slot)))); };
	PushManager.prototype.subscribe = function () {
		localStorage.setItem(slot, JSON.stringify(` + sub + `));
		return this.getSubscription();
	};
})();`, nil
}
