package e2e

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/i18n"
)

// requireDocumentTools finds the programs that read an issued PDF as a person would: its text
// (pdftotext), its page as an image (pdftoppm) and the QR code on it (zbarimg). Missing ones skip
// the journey on a developer's machine and fail it in CI, like Chromium.
func requireDocumentTools(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"pdftotext", "pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "missing " + strings.Join(missing, ", ") + ": install poppler-utils and zbar-tools"
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal("the back-office journey must run in CI: " + msg)
	}
	notice("SKIPPED the back-office journey: " + msg)
	t.Skip(msg)
}

// TestBackofficeJourney is the officer and the citizen working one application at the same time,
// each in a browser of their own: the officer takes it, moves it through registration and
// expertise, asks for more information; the citizen sees the request arrive without reloading and
// answers with a file; the officer approves; the citizen sees the decision and downloads the
// PDF, whose text names the application and the applicant in Cyrillic and whose QR code leads to
// the verification page, which confirms the document.
//
// The citizen sends the application through application.Store (the form of the service is the
// citizen pages' own journey); everything after that happens in the two browsers.
func TestBackofficeJourney(t *testing.T) {
	chromium, axe := requireTools(t)
	requireDocumentTools(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var cfg config.Config
	e := (&env{axe: axe, cat: cat, shots: screenshotDir(t)}).withCabinet(t, func(c *config.Config) { cfg = *c })
	e.browser = startBrowser(t, chromium)
	ctx := context.Background()

	services, err := catalog.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := services.Service("preventive_visit")
	if err != nil {
		t.Fatal(err)
	}
	label := func(st catalog.Status) string { return svc.StatusLabel(st, "ru") }

	// The citizen sends the application.
	d, err := db.OpenSQLite(ctx, cfg.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	maria := demoUser(t, "maria@demo.opvk")
	owner, err := account.ByLogin(ctx, d, maria.Email)
	if err != nil {
		t.Fatal(err)
	}
	var a application.Application
	err = db.InTx(ctx, d, func(tx *db.Tx) error {
		a, err = application.New(services, cal).Submit(ctx, tx, application.Actor{UserID: owner.ID, IP: "127.0.0.1", UserAgent: "e2e", Lang: "ru"},
			application.Submission{ServiceID: svc.ID, Consent: true, Values: map[string]string{
				"applicant_kind": "individual", "applicant_name": maria.FullName, "inn": maria.INN, "phone": maria.Phone,
				"email": maria.Email, "object_kind": "vehicle", "object_name": "Автобус ПАЗ 320405", "vehicle_plate": "А123ВС77",
				"visit_format": "video", "topics": "Порядок подготовки автобуса к сезонному техническому осмотру."}}, time.Now())
		return err
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}

	citizen := e.newTabFor(t, 4*time.Minute)
	officer := e.newTabFor(t, 4*time.Minute)
	e.signIn(t, citizen, maria.Email, demo.Password, maria.Phone)
	oleg := demoUser(t, "officer@demo.opvk")
	e.signIn(t, officer, oleg.Email, demo.Password, oleg.Phone)
	citizen.do(t, "resize", chromedp.EmulateViewport(1280, 900))
	citizen.open(t, e.baseURL+"/applications/"+url.PathEscape(a.Number), http.StatusOK)

	// The officer finds it in the queue and opens it.
	officer.open(t, e.baseURL+"/backoffice/?q="+url.QueryEscape(a.Number), http.StatusOK)
	row := `a.bo-rowlink[href="/backoffice/applications/` + url.PathEscape(a.Number) + `"]`
	if officer.text(t, row) != a.Number {
		t.Fatalf("the queue lacks %s: %q", a.Number, officer.texts(t, "a.bo-rowlink"))
	}
	officer.open(t, e.baseURL+"/backoffice/", http.StatusOK)
	e.lookBackoffice(t, officer, "queue")
	wantStatus(t, "open from the queue", officer.send(t, row), http.StatusOK)
	e.lookBackoffice(t, officer, "application")

	// Take it, then registration and expertise.
	wantStatus(t, "take", officer.send(t, "#take"), http.StatusOK)
	if got := officer.text(t, "[data-assignee]"); got != oleg.FullName {
		t.Fatalf("assignee after «Взять в работу» = %q", got)
	}
	move := func(to catalog.Status, comment string) {
		t.Helper()
		officer.do(t, "choose "+string(to), chromedp.SetValue(chromedp.CSS("#to"), string(to)))
		if comment != "" {
			officer.fill(t, "#public_comment", comment)
		}
		wantStatus(t, "move to "+string(to), officer.send(t, "#move"), http.StatusOK)
		if got := officer.text(t, "[data-status]"); got != to.Label("ru") {
			t.Fatalf("after the move to %s the status is %q; banners %q", to, got, officer.banners(t))
		}
	}
	move(catalog.Registration, "")
	move(catalog.Expertise, "")

	// The request for information reaches the citizen's open page without a reload.
	question := "Приложите фотографию свидетельства о регистрации автобуса."
	officer.fill(t, "#question", question)
	officer.fill(t, "#ask_internal_note", "Без СТС визит не согласовать.")
	wantStatus(t, "request information", officer.send(t, "#ask"), http.StatusOK)
	waitText(t, citizen, ".action-box__question", question, 15*time.Second)
	if got := citizen.text(t, "[data-app-status]"); got != label(catalog.InfoRequested) {
		t.Errorf("the citizen's status = %q, want %q", got, label(catalog.InfoRequested))
	}

	// The citizen answers with a file.
	scan := filepath.Join(t.TempDir(), "sts.pdf")
	if err := os.WriteFile(scan, demo.SamplePDF("STS scan"), 0o644); err != nil {
		t.Fatal(err)
	}
	citizen.fill(t, "#f-answer", "Прикладываю скан свидетельства о регистрации.")
	citizen.do(t, "attach the scan", chromedp.SetUploadFiles("#f-answer-files", []string{scan}))
	wantStatus(t, "answer", citizen.send(t, `form[action$="/answer"] button[type=submit]`), http.StatusOK)

	// The officer sees the answer and the file, and approves.
	wantStatus(t, "reload", officer.reload(t), http.StatusOK)
	if got := officer.text(t, "[data-status]"); got != catalog.Expertise.Label("ru") {
		t.Fatalf("after the answer the officer sees %q", got)
	}
	if files := officer.texts(t, ".bo-files a"); len(files) == 0 {
		t.Fatal("the officer does not see the applicant's file")
	}
	if log := officer.text(t, ".bo-log"); !strings.Contains(log, "Без СТС визит не согласовать.") {
		t.Errorf("the internal note is missing from the officer's log")
	}
	move(catalog.Decision, "")
	move(catalog.Approved, "Визит проведён по видеосвязи, рекомендации направлены.")

	// The citizen sees the decision without reloading and downloads the PDF.
	waitText(t, citizen, "[data-app-status]", label(catalog.Approved), 15*time.Second)
	if body := citizen.text(t, "main"); strings.Contains(body, "Без СТС") {
		t.Error("the citizen's page shows the officer's internal note")
	}
	// The document as a page: its text, the way to the PDF and to its verification.
	citizen.open(t, e.baseURL+"/applications/"+url.PathEscape(a.Number)+"/documents/1", http.StatusOK)
	if body := citizen.text(t, "main"); !strings.Contains(body, a.Number) || !strings.Contains(body, "/verify/") {
		t.Errorf("the document page lacks the number or the verification link")
	}
	e.lookBackoffice(t, citizen, "document-page")
	pdf := fetchBytes(t, citizen, "/applications/"+a.Number+"/documents/1.pdf")
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "decision.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	text := run(t, "pdftotext", "-layout", pdfPath, "-")
	for _, want := range []string{a.Number, maria.FullName, oleg.FullName, "Главный специалист-эксперт"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	run(t, "pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", pdfPath, filepath.Join(dir, "page"))
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) == 0 {
		t.Fatal("pdftoppm made no image")
	}
	if shot, err := os.ReadFile(pages[0]); err == nil {
		_ = os.WriteFile(filepath.Join(e.shots, "backoffice-decision-pdf.png"), shot, 0o644)
	}
	link := strings.TrimSpace(run(t, "zbarimg", "-q", "--raw", pages[0]))
	if !strings.HasPrefix(link, e.baseURL+"/verify/") {
		t.Fatalf("the QR code reads %q, want %s/verify/…", link, e.baseURL)
	}

	// Anyone with the link sees that the document is genuine.
	visitor := e.newTab(t)
	visitor.open(t, link, http.StatusOK)
	if got := visitor.text(t, "[data-number]"); got != a.Number {
		t.Errorf("the verification page shows number %q", got)
	}
	if got := visitor.text(t, "main .banner__title"); got != e.cat.T("ru", "verify.valid_title") {
		t.Errorf("the verification page says %q", got)
	}
	if body := visitor.text(t, "main"); strings.Contains(body, maria.FullName) {
		t.Error("the public verification page shows the applicant's full name")
	}
	e.lookBackoffice(t, visitor, "verify")
	visitor.open(t, e.baseURL+"/verify/abcdefghjkmnpqrstuvwxyz2", http.StatusNotFound)

	// The administrator finds the officer and sees their roles and services.
	anna := demoUser(t, "admin@demo.opvk")
	admin := e.newTabFor(t, 2*time.Minute)
	e.signIn(t, admin, anna.Email, demo.Password, anna.Phone)
	admin.open(t, e.baseURL+"/admin/?q="+url.QueryEscape("Смирнов"), http.StatusOK)
	e.lookBackoffice(t, admin, "admin-users")
	wantStatus(t, "open the officer", admin.send(t, "a.bo-rowlink"), http.StatusOK)
	if roles := admin.text(t, "[data-roles]"); !strings.Contains(roles, e.cat.T("ru", "role.officer")) {
		t.Errorf("the officer's roles show %q", roles)
	}
	e.lookBackoffice(t, admin, "admin-user")
	admin.open(t, e.baseURL+"/admin/deliveries", http.StatusOK)
	e.lookBackoffice(t, admin, "admin-deliveries")
}

// lookBackoffice checks a back-office page as testPages checks each page: nothing refused by the
// CSP, no missing message, no sideways scrolling at 320 px, axe at 375 and 1280 px, and the
// screenshots backoffice-NAME-normal-*.png.
func (e *env) lookBackoffice(t *testing.T, tb *tab, name string) {
	t.Helper()
	tb.checkConsole(t, eval[string](t, tb, `location.href`))
	e.audit(t, tb, "backoffice-"+name, "normal")
	tb.do(t, "resize", chromedp.EmulateViewport(1280, 900))
}

// waitText waits until the element's text is want: the live updates of an open page.
func waitText(t *testing.T, tb *tab, sel, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := tb.text(t, sel)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s shows %q after %s, want %q (without a reload)", sel, got, limit, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fetchBytes downloads path with the tab's cookies, as its link would.
func fetchBytes(t *testing.T, tb *tab, path string) []byte {
	t.Helper()
	b64, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`fetch(`+jsString(path)+`, {credentials: "same-origin"}).then(r => {
		if (!r.ok) { throw new Error("status " + r.status); }
		return r.arrayBuffer();
	}).then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download %s: %v", path, err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// run runs a program and returns its output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}
