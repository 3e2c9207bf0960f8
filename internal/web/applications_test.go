package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/storage"
)

// vehicleForm is a complete, valid form of vehicle registration.
func vehicleForm() url.Values {
	return url.Values{"owner_kind": {"individual"}, "owner_name": {"Иванова Мария Сергеевна"}, "passport_number": {"4510 123456"},
		"owner_address": {"г. Москва, ул. Лесная, д. 7, кв. 12"}, "phone": {"+79161234567"}, "email": {"maria@demo.opvk"},
		"vin": {"XTA21703080123456"}, "make": {"LADA"}, "model": {"Vesta"}, "year": {"2024"}, "colour": {"белый"},
		"vehicle_category": {"B"}, "engine_power": {"106"}, "pts_kind": {"electronic"}, "epts_number": {"164301012345678"},
		"acquisition": {"purchase"}, "acquired_on": {"2026-05-05"}, "price": {"1 250 000"}}
}

// tinyPDF is enough of a PDF for the content check.
var tinyPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

type upfile struct {
	name string
	body []byte
}

// upload posts files of one kind as our form does (the kind first, then the files), optionally
// asking for JSON as our script does.
func (b *browser) upload(path, kind string, asJSON bool, extra url.Values, files ...upfile) response {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range extra {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.WriteField("kind", kind)
	for _, f := range files {
		w, _ := mw.CreateFormFile("files", f.name)
		_, _ = w.Write(f.body)
	}
	_ = mw.Close()
	hdr := []string{"Content-Type", mw.FormDataContentType()}
	if asJSON {
		hdr = append(hdr, "Accept", "application/json")
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &buf)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{res, string(raw)}
}

// location is the Location of a redirect with its percent-encoding undone (the numbers are
// Cyrillic).
func location(res response) string {
	l, _ := url.PathUnescape(res.Header.Get("Location"))
	return l
}

var draftPath = regexp.MustCompile(`^/drafts/\d+$`)

// mustDraft opens vehicle registration for the signed-in user and returns the draft's path.
func mustDraft(t *testing.T, b *browser) string {
	t.Helper()
	res := b.get("/services/vehicle_registration/apply")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !draftPath.MatchString(loc) {
		t.Fatalf("apply = %d %q", res.StatusCode, loc)
	}
	return loc
}

// mustSubmit attaches the required documents and sends the draft, returning the application's
// path.
func mustSubmit(t *testing.T, b *browser, draft, key string) string {
	t.Helper()
	for _, kind := range []string{"passport", "pts", "dkp", "osago"} {
		if res := b.upload(draft+"/attachments", kind, false, nil, upfile{kind + ".pdf", tinyPDF}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload %s = %d\n%s", kind, res.StatusCode, res.Body)
		}
	}
	form := vehicleForm()
	form.Set("consent", "yes")
	form.Set("key", key)
	res := b.post(draft+"/submit", form)
	loc := location(res)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/applications/ОПВК-") {
		t.Fatalf("submit = %d %q\n%s", res.StatusCode, loc, res.Body)
	}
	return loc
}

func TestApplicationJourney(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		_, base := identityServer(t, d)
		b := newBrowser(t, base)
		signIn(t, b, d, "maria@demo.opvk", "+79161234567")

		for _, path := range []string{"/cabinet", "/services", "/services/vehicle_registration", "/applications"} {
			if res := b.get(path); res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("GET %s = %d, Cache-Control %q", path, res.StatusCode, res.Header.Get("Cache-Control"))
			}
		}
		if res := b.get("/services"); !strings.Contains(res.Body, "Регистрация транспортного средства") || !strings.Contains(res.Body, "2\u202f850 ₽") {
			t.Errorf("the catalogue lacks the service or its fee:\n%s", res.Body)
		}
		if res := b.get("/services/nope"); res.StatusCode != http.StatusNotFound {
			t.Errorf("unknown service = %d", res.StatusCode)
		}

		draft := mustDraft(t, b)
		if again := mustDraft(t, b); again != draft {
			t.Errorf("a second «Подать заявление» = %s, want the same draft %s", again, draft)
		}
		page := b.get(draft)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `value="maria@demo.opvk"`) || !strings.Contains(page.Body, `79161234567"`) {
			t.Fatalf("draft page = %d, not prefilled from the profile", page.StatusCode)
		}

		// The live check of one field: an error for a bad VIN, none for a good one.
		check := func(name, value string) string {
			t.Helper()
			form := vehicleForm()
			form.Set(name, value)
			form.Set("_field", name)
			res := b.do(http.MethodPost, draft+"/check", form, "Accept", "application/json")
			var out struct{ Error string }
			if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &out) != nil {
				t.Fatalf("check %s = %d %s", name, res.StatusCode, res.Body)
			}
			return out.Error
		}
		if msg := check("vin", "XTA2170308012345"); msg == "" {
			t.Error("a 16-character VIN passed the live check")
		}
		if msg := check("vin", "XTA21703080123456"); msg != "" {
			t.Errorf("a good VIN failed the live check: %s", msg)
		}
		if res := b.do(http.MethodPost, draft+"/check", url.Values{"_field": {"nope"}}, "Accept", "application/json"); res.StatusCode != http.StatusNotFound {
			t.Errorf("check of an unknown field = %d", res.StatusCode)
		}

		// Autosave keeps the values as typed, valid or not.
		res := b.do(http.MethodPost, draft, url.Values{"make": {"LADA"}, "vin": {"bad"}}, "Accept", "application/json")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"version"`) {
			t.Fatalf("autosave = %d %s", res.StatusCode, res.Body)
		}
		if page := b.get(draft); !strings.Contains(page.Body, `value="bad"`) {
			t.Error("the autosaved value is not in the form")
		}

		// Sending without consent: 422, the values kept, the summary shown.
		form := vehicleForm()
		form.Set("vin", "XTA2170308012345")
		res = b.post(draft+"/submit", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "error-summary") || !strings.Contains(res.Body, `value="XTA2170308012345"`) {
			t.Fatalf("invalid submit = %d", res.StatusCode)
		}

		// Sending twice with the same key makes one application.
		app := mustSubmit(t, b, draft, "key-1")
		again := vehicleForm()
		again.Set("consent", "yes")
		again.Set("key", "key-1")
		res = b.post(draft+"/submit", again)
		if res.StatusCode != http.StatusSeeOther || location(res) != app {
			t.Fatalf("second submit = %d %q, want %s", res.StatusCode, location(res), app)
		}
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT count(*) FROM applications WHERE number IS NOT NULL`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("applications with a number = %d (%v), want 1", n, err)
		}
		number := strings.TrimPrefix(app, "/applications/")
		page = b.get(app)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, number) || !strings.Contains(page.Body, "Заявление отправлено") {
			t.Fatalf("application page = %d without the number or the flash", page.StatusCode)
		}
		// An unchanged application answers 304 to its ETag (K5).
		page = b.get(app)
		etag := page.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag on the application page")
		}
		if res := b.do(http.MethodGet, app, nil, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match = %d, want 304", res.StatusCode)
		}
		// The draft's address now leads to the application.
		if res := b.get(draft); res.StatusCode != http.StatusSeeOther || location(res) != app {
			t.Errorf("old draft address = %d %q", res.StatusCode, location(res))
		}
		// A file downloads as an attachment of its recognised type.
		if m := regexp.MustCompile(`href="(/applications/[^"]+/attachments/\d+)"`).FindStringSubmatch(page.Body); m == nil {
			t.Error("no download link on the application page")
		} else {
			res := b.get(m[1])
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
				res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
				res.Body != string(tinyPDF) {
				t.Errorf("download = %d %v", res.StatusCode, res.Header)
			}
		}

		// Filters in the URL.
		for q, want := range map[string]bool{
			"?status=submitted": true, "?status=approved": false, "?service=vehicle_registration": true,
			"?service=consultation": false, "?q=" + url.QueryEscape(number): true, "?q=lada": true, "?q=nothing-like-it": false,
			"?from=2000-01-01&to=2000-12-31": false,
		} {
			res := b.get("/applications" + q)
			if res.StatusCode != http.StatusOK || strings.Contains(res.Body, number) != want {
				t.Errorf("/applications%s = %d, lists the application: %v, want %v", q, res.StatusCode, !want, want)
			}
		}
		if res := b.get("/applications?from=bad"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a bad date in the filter = %d, want 422", res.StatusCode)
		}
		if res := b.get("/cabinet"); !strings.Contains(res.Body, number) {
			t.Error("the dashboard does not list the sent application")
		}

		// A clarification (C5), then the withdrawal while not registered.
		if res := b.post(app+"/clarify", url.Values{"text": {"Уточняю цвет: белый перламутр"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("clarify = %d", res.StatusCode)
		}
		if res := b.post(app+"/withdraw", url.Values{"version": {"1"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("withdraw without confirmation = %d", res.StatusCode)
		}
		a, err := application.GetByNumber(context.Background(), d, number)
		if err != nil {
			t.Fatal(err)
		}
		res = b.post(app+"/withdraw", url.Values{"confirm": {"yes"}, "version": {fmtInt(a.Version)}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw = %d\n%s", res.StatusCode, res.Body)
		}
		if a, _ = application.GetByNumber(context.Background(), d, number); a.Status != catalog.Withdrawn {
			t.Errorf("status after withdrawal = %s", a.Status)
		}
	})
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

// TestOtherUsersApplication: every route of an application answers 404 to another user, as for
// a number that does not exist (H3).
func TestOtherUsersApplication(t *testing.T) {
	d := dbtest.SQLite(t)
	_, base := identityServer(t, d)
	maria := newBrowser(t, base)
	signIn(t, maria, d, "maria@demo.opvk", "+79161234567")
	draft := mustDraft(t, maria)
	_ = maria.upload(draft+"/attachments", "passport", false, nil, upfile{"p.pdf", tinyPDF})
	app := mustSubmit(t, maria, draft, "k")
	a, err := application.GetByNumber(context.Background(), d, strings.TrimPrefix(app, "/applications/"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := application.Attachments(context.Background(), d, a.ID)
	draft2 := mustDraft(t, maria)

	petrov := newBrowser(t, base)
	signIn(t, petrov, d, "petrov@demo.opvk", "+79031112233")
	file := app + "/attachments/" + fmtInt(files[0].ID)
	for _, c := range []struct{ method, path string }{
		{"GET", app}, {"GET", app + "/events"}, {"GET", file},
		{"POST", app + "/answer"}, {"POST", app + "/withdraw"}, {"POST", app + "/clarify"}, {"POST", app + "/attachments"},
		{"GET", "/applications/ОПВК-2026-9999999"},
		{"GET", draft2}, {"POST", draft2}, {"POST", draft2 + "/check"}, {"POST", draft2 + "/submit"}, {"POST", draft2 + "/delete"},
		{"POST", draft2 + "/attachments"}, {"GET", draft2 + "/attachments/1"}, {"POST", draft2 + "/attachments/1/remove"},
	} {
		var res response
		if c.method == "GET" {
			res = petrov.get(c.path)
		} else if strings.HasSuffix(c.path, "/attachments") || strings.HasSuffix(c.path, "/answer") {
			res = petrov.upload(c.path, "passport", false, url.Values{"answer": {"x"}, "confirm": {"yes"}}, upfile{"x.pdf", tinyPDF})
		} else {
			res = petrov.post(c.path, url.Values{"text": {"x"}, "confirm": {"yes"}, "consent": {"yes"}})
		}
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s by another user = %d, want 404", c.method, c.path, res.StatusCode)
		}
	}
	if res := petrov.get("/applications"); strings.Contains(res.Body, a.Number) {
		t.Error("another user's list shows the application")
	}
}

// TestCraftedUploads: an HTML file named .pdf, an empty file and a file over the limit are
// refused with a message, and nothing is stored: no row, no file.
func TestCraftedUploads(t *testing.T) {
	d := dbtest.SQLite(t)
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, base := identityServer(t, d, func(deps *Deps) { deps.Store = st; deps.Config.UploadMaxFile = 4 << 10 })
	_ = s
	b := newBrowser(t, base)
	signIn(t, b, d, "maria@demo.opvk", "+79161234567")
	draft := mustDraft(t, b)
	for _, f := range []upfile{
		{"invoice.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")},
		{"empty.pdf", nil},
		{"large.pdf", append(append([]byte{}, tinyPDF...), bytes.Repeat([]byte("0"), 5<<10)...)},
		{"program.pdf", append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 600)...)},
	} {
		res := b.upload(draft+"/attachments", "passport", true, nil, f)
		var out struct {
			Files []struct{ Name, Error string }
		}
		if res.StatusCode != http.StatusUnprocessableEntity || json.Unmarshal([]byte(res.Body), &out) != nil ||
			len(out.Files) != 1 || out.Files[0].Error == "" {
			t.Errorf("upload of %s = %d %s, want 422 with a message", f.name, res.StatusCode, res.Body)
		}
		// Without JavaScript: the form again with the message.
		if res := b.upload(draft+"/attachments", "passport", false, nil, f); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, f.name) {
			t.Errorf("form upload of %s = %d", f.name, res.StatusCode)
		}
	}
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT count(*) FROM attachments`).Scan(&n); err != nil || n != 0 {
		t.Errorf("attachments rows = %d (%v), want 0", n, err)
	}
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			t.Errorf("a refused upload left %s in storage", p)
		}
		return nil
	})
	// Two good files at once are both kept.
	res := b.upload(draft+"/attachments", "passport", true, nil, upfile{"a.pdf", tinyPDF}, upfile{"b.pdf", tinyPDF})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("two files = %d %s", res.StatusCode, res.Body)
	}
	if err := d.QueryRowContext(context.Background(), `SELECT count(*) FROM attachments`).Scan(&n); err != nil || n != 2 {
		t.Errorf("attachments rows = %d (%v), want 2", n, err)
	}
}

// TestApplicationEvents: the open page's stream says "change" within a second of a change made
// through the application store (D4).
func TestApplicationEvents(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		s, base := identityServer(t, d)
		if d.Pgx != nil {
			// As app.Run does: this instance hears the changes of every instance.
			lctx, stop := context.WithCancel(context.Background())
			defer stop()
			go s.hub.Listen(lctx, d.Pgx, slog.New(slog.DiscardHandler))
		}
		b := newBrowser(t, base)
		signIn(t, b, d, "maria@demo.opvk", "+79161234567")
		app := mustSubmit(t, b, mustDraft(t, b), "k")
		a, err := application.GetByNumber(context.Background(), d, strings.TrimPrefix(app, "/applications/"))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		got := openStream(t, ctx, b, base+app+"/events")
		dash := openStream(t, ctx, b, base+"/cabinet/events")
		time.Sleep(100 * time.Millisecond) // subscribed
		start := time.Now()
		err = db.InTx(context.Background(), d, func(tx *db.Tx) error {
			_, err := s.apps.Transition(context.Background(), tx, application.Actor{}, a.ID,
				application.Move{To: catalog.Registration, ExpectedVersion: a.Version}, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for what, ch := range map[string]<-chan string{"application page": got, "dashboard": dash} {
			select {
			case <-ch:
				if time.Since(start) > time.Second {
					t.Errorf("the change reached the %s after %v", what, time.Since(start))
				}
			case <-ctx.Done():
				t.Fatalf("no change event for the %s", what)
			}
		}
	})
}

// openStream opens an event stream and returns a channel that receives once a change arrives.
func openStream(t *testing.T, ctx context.Context, b *browser, url string) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s = %d %q", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var all string
		for {
			n, err := res.Body.Read(buf)
			all += string(buf[:n])
			if strings.Contains(all, "event: change") {
				got <- all
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return got
}

// TestAnswerInfo: the applicant answers an information request with text and a file; the
// application returns to its stage, and the file is in its log.
func TestAnswerInfo(t *testing.T) {
	d := dbtest.SQLite(t)
	s, base := identityServer(t, d)
	b := newBrowser(t, base)
	signIn(t, b, d, "maria@demo.opvk", "+79161234567")
	app := mustSubmit(t, b, mustDraft(t, b), "k")
	ctx := context.Background()
	a, err := application.GetByNumber(ctx, d, strings.TrimPrefix(app, "/applications/"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, d, func(tx *db.Tx) error {
		a, err = s.apps.Transition(ctx, tx, application.Actor{}, a.ID, application.Move{To: catalog.Registration, ExpectedVersion: a.Version}, time.Now())
		if err != nil {
			return err
		}
		a, err = s.apps.RequestInfo(ctx, tx, application.Actor{}, a.ID, application.InfoRequest{Question: "Пришлите страницу паспорта с пропиской", ExpectedVersion: a.Version}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	page := b.get(app)
	if !strings.Contains(page.Body, "Пришлите страницу паспорта с пропиской") || !strings.Contains(page.Body, "/answer") {
		t.Fatal("the application page does not show the request with its answer form")
	}
	if !strings.Contains(b.get("/cabinet").Body, a.Number) {
		t.Error("the dashboard does not list the application waiting for an answer")
	}
	// An empty answer is refused with the form again.
	res := b.upload(app+"/answer", "passport", false, url.Values{"version": {fmtInt(a.Version)}, "answer": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty answer = %d", res.StatusCode)
	}
	res = b.upload(app+"/answer", "passport", false, url.Values{"version": {fmtInt(a.Version)}, "answer": {"Прикладываю"}},
		upfile{"propiska.pdf", tinyPDF})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d\n%s", res.StatusCode, res.Body)
	}
	a, _ = application.GetByNumber(ctx, d, a.Number)
	if a.Status != catalog.Registration {
		t.Errorf("status after the answer = %s, want registration", a.Status)
	}
	if page := b.get(app); !strings.Contains(page.Body, "propiska.pdf") || !strings.Contains(page.Body, "Прикладываю") {
		t.Error("the answer or its file is not on the application page")
	}
}
