package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/demo"
)

// testApplications runs the applications' browser checks, each on a cabinet of its own (the
// journey moves an application as an officer would; the pages need the demo data untouched).
func (e *env) testApplications(t *testing.T) {
	t.Run("journey", func(t *testing.T) { t.Parallel(); e.journeyApplication(t) })
	t.Run("pages", func(t *testing.T) { t.Parallel(); e.applicationPages(t) })
}

// waitFor polls a JavaScript condition until it holds or limit passes, and reports how long it
// took.
func (tb *tab) waitFor(t *testing.T, what, cond string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if eval[bool](t, tb, `!!(`+cond+`)`) {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v (on %s)", what, limit, tb.path(t))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// choose sets a select (or a date input) the way the browser does when a person picks a value.
func (tb *tab) choose(t *testing.T, sel, value string) {
	t.Helper()
	tb.do(t, "choose "+sel, chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector(`+jsString(sel)+`);
		el.focus();
		el.value = `+jsString(value)+`;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
	})()`))
}

// blur moves the focus out of the field, as Tab would.
func (tb *tab) blur(t *testing.T, sel string) {
	t.Helper()
	tb.do(t, "leave "+sel, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).blur()`))
}

var numberRE = regexp.MustCompile(`^ОПВК-\d{4}-\d{7}$`)

// journeyApplication: Мария chooses vehicle registration, fills the form (a wrong VIN is flagged
// next to the field as she leaves it, without a reload, and the message goes once it is fixed),
// attaches two files at once and the other documents, and sends; the number shows at once. The
// test then moves the application to registration and expertise through the application service,
// as the back office would, and the open page shows each new stage within a second without a
// reload. «Мои обращения» filtered by status finds it.
func (e *env) journeyApplication(t *testing.T) {
	var cfg config.Config
	env := e.withCabinet(t, func(c *config.Config) { cfg = *c })
	tb := env.newTabFor(t, 4*time.Minute)
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))
	env.signIn(t, tb, "maria@demo.opvk", demo.Password, "+79161234567")
	tb.wantPath(t, "/cabinet")

	tb.open(t, env.baseURL+"/services", http.StatusOK)
	wantStatus(t, "the service", tb.send(t, `a[href="/services/vehicle_registration"]`), http.StatusOK)
	wantStatus(t, "«Подать заявление»", tb.send(t, `a[href="/services/vehicle_registration/apply"]`), http.StatusOK)
	if p := tb.path(t); !strings.HasPrefix(p, "/drafts/") {
		t.Fatalf("«Подать заявление» led to %s, want a draft", p)
	}
	if got := tb.value(t, "#f-email"); got != "maria@demo.opvk" {
		t.Errorf("e-mail prefilled with %q, want the profile's", got)
	}
	tb.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))

	tb.choose(t, "#f-owner_kind", "individual")
	tb.waitFor(t, "the owner's fields appear", `!document.querySelector('#f-passport_number').closest('.app-field').hidden`, 2*time.Second)
	tb.fill(t, "#f-passport_number", "4510 123456")
	tb.fill(t, "#f-owner_address", "г. Москва, ул. Лесная, д. 7, кв. 12")
	tb.fill(t, "#f-vin", "XTA2170308012345") // 16 characters
	tb.blur(t, "#f-vin")
	tb.waitFor(t, "the VIN error appears", `!document.querySelector('#f-vin-error').hidden && document.querySelector('#f-vin').getAttribute('aria-invalid') === 'true'`, 3*time.Second)
	if !eval[bool](t, tb, `window.__samePage === true`) {
		t.Fatal("the live check reloaded the page")
	}
	if msg := tb.text(t, "#f-vin-error"); msg == "" {
		t.Error("the VIN error is empty")
	}
	tb.fill(t, "#f-vin", "XTA21703080123456")
	tb.blur(t, "#f-vin")
	tb.waitFor(t, "the VIN error goes", `document.querySelector('#f-vin-error').hidden && !document.querySelector('#f-vin').hasAttribute('aria-invalid')`, 3*time.Second)
	tb.fill(t, "#f-make", "LADA")
	tb.fill(t, "#f-model", "Vesta")
	tb.fill(t, "#f-year", "2024")
	tb.fill(t, "#f-colour", "белый")
	tb.choose(t, "#f-vehicle_category", "B")
	tb.waitFor(t, "the engine power appears", `!document.querySelector('#f-engine_power').closest('.app-field').hidden`, 2*time.Second)
	tb.fill(t, "#f-engine_power", "106")
	tb.choose(t, "#f-pts_kind", "electronic")
	tb.waitFor(t, "the EPTS number appears", `!document.querySelector('#f-epts_number').closest('.app-field').hidden`, 2*time.Second)
	tb.fill(t, "#f-epts_number", "164301012345678")
	tb.choose(t, "#f-acquisition", "purchase")
	tb.choose(t, "#f-acquired_on", calendar.Day(time.Now()).AddDate(0, 0, -2).Format(time.DateOnly))
	tb.waitFor(t, "the draft is saved", `document.querySelector('[data-save-status]').textContent.includes(`+jsString(e.cat.T("ru", "applications.form.saved_at", map[string]any{"At": ""}))+`)`, 5*time.Second)
	env.audit(t, tb, "applications-draft", "normal")

	// Two files at once, then one file of each other document the service requires.
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"passport-1.pdf", "passport-2.pdf", "pts.pdf", "dkp.pdf", "osago.pdf"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, demo.SamplePDF(strings.TrimSuffix(name, ".pdf")), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	upload := func(kind string, files []string, rows int) {
		t.Helper()
		tb.choose(t, "#f-kind", kind)
		tb.do(t, "choose files", chromedp.SetUploadFiles(chromedp.CSS("#f-files"), files))
		tb.do(t, "upload", chromedp.Click(chromedp.CSS(`form[data-upload-form] button[type=submit]`)))
		tb.waitFor(t, fmt.Sprintf("%d files listed", rows), fmt.Sprintf(`document.querySelectorAll('#files tbody tr').length === %d`, rows), 10*time.Second)
	}
	upload("passport", paths[:2], 2)
	upload("pts", paths[2:3], 3)
	upload("dkp", paths[3:4], 4)
	upload("osago", paths[4:5], 5)
	if !eval[bool](t, tb, `window.__samePage === true`) {
		t.Fatal("the uploads reloaded the page")
	}

	tb.do(t, "consent", chromedp.Click(chromedp.CSS("#f-consent")))
	wantStatus(t, "«Отправить»", tb.send(t, `button[data-submit]`), http.StatusOK)
	number := tb.text(t, "[data-app-number]")
	if !numberRE.MatchString(number) {
		t.Fatalf("the page after sending shows the number %q (on %s; banners %q)", number, tb.path(t), tb.banners(t))
	}
	if b := tb.banners(t); len(b) == 0 || b[0] != e.cat.T("ru", "applications.flash.submitted") {
		t.Errorf("banners after sending = %q", b)
	}
	env.audit(t, tb, "applications-show", "normal")
	tb.do(t, "resize", chromedp.EmulateViewport(wideWidth, 900))

	// The back office moves the application; the open page follows without a reload.
	ctx := context.Background()
	d, err := app.OpenDB(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cat, err := catalog.Load(catalog.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load(catalog.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	apps := application.New(cat, cal)
	svc, _ := cat.Service("vehicle_registration")
	tb.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
	time.Sleep(300 * time.Millisecond) // the page's event stream is open
	for _, st := range []catalog.Status{catalog.Registration, catalog.Expertise} {
		a, err := application.GetByNumber(ctx, d, number)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, d, func(tx *db.Tx) error {
			_, err := apps.Transition(ctx, tx, application.Actor{}, a.ID, application.Move{To: st,
				PublicComment: "Этап: " + st.Label("ru"), ExpectedVersion: a.Version}, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		label := svc.StatusLabel(st, "ru")
		took := tb.waitFor(t, "the page shows "+label, `document.querySelector('[data-app-status]').textContent.trim() === `+jsString(label), 3*time.Second)
		if took > time.Second {
			t.Errorf("the page showed %s after %v, want within a second", label, took)
		}
		if !eval[bool](t, tb, `window.__samePage === true`) {
			t.Fatal("the page reloaded to show the new stage")
		}
	}

	// «Мои обращения» filtered by status finds it; the filter is in the URL.
	tb.open(t, env.baseURL+"/applications", http.StatusOK)
	tb.choose(t, "#f-status", string(catalog.Expertise))
	wantStatus(t, "filter", tb.send(t, `form[action="/applications"] button[type=submit]`), http.StatusOK)
	u, _ := url.Parse(eval[string](t, tb, `location.href`))
	if u.Query().Get("status") != string(catalog.Expertise) {
		t.Errorf("the filter is not in the URL: %s", u)
	}
	if !strings.Contains(tb.text(t, "main table"), number) {
		t.Errorf("«Мои обращения» filtered by expertise does not list %s", number)
	}
	env.audit(t, tb, "applications-list-filtered", "normal")
}

// applicationPages audits the citizen's pages with the demo data in both themes.
func (e *env) applicationPages(t *testing.T) {
	env := e.withCabinet(t, nil)
	tb := env.newTabFor(t, 4*time.Minute)
	env.signIn(t, tb, "maria@demo.opvk", demo.Password, "+79161234567")
	tb.open(t, env.baseURL+"/applications?sort=submitted", http.StatusOK)
	number := tb.text(t, `main table tbody tr:first-child a`)
	pages := []struct{ name, path string }{
		{"applications-cabinet", "/cabinet"},
		{"applications-services", "/services"},
		{"applications-service", "/services/vehicle_registration"},
		{"applications-list", "/applications"},
		{"applications-page", "/applications/" + number},
	}
	for _, p := range pages {
		tb.open(t, env.baseURL+p.path, http.StatusOK)
		tb.checkConsole(t, p.path)
		env.audit(t, tb, p.name, "normal")
		tb.submit(t, contrastButton)
		env.checkTheme(t, tb, true)
		env.audit(t, tb, p.name, "contrast")
		tb.submit(t, contrastButton)
	}
	// The demo information request: the dashboard puts it first.
	tb.open(t, env.baseURL+"/cabinet", http.StatusOK)
	if !strings.Contains(tb.text(t, "#action-heading + ul"), "ОПВК-") {
		t.Error("the dashboard does not show the demo application waiting for an answer")
	}
}
