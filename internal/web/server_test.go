package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/storage"
)

// mustServer builds the real Server, with its real router and middleware, on a fresh SQLite
// database with River's tables; jobs (messages) are inserted but not worked, so tests read them
// back from the job table.
func mustServer(t *testing.T, cfg config.Config) *Server {
	t.Helper()
	s, _ := mustServerDB(t, cfg, dbtest.SQLite(t))
	return s
}

func mustServerDB(t *testing.T, cfg config.Config, d *db.DB, change ...func(*Deps)) (*Server, *db.DB) {
	t.Helper()
	ctx := context.Background()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	if err := jobs.Migrate(ctx, d, logger); err != nil {
		t.Fatal(err)
	}
	runner, err := jobs.New(d, "", jobs.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: "localhost", RPDisplayName: "ГИС ОПВК", RPOrigins: []string{"http://localhost:8080"}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sealer, err := account.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Config: cfg, DB: d, Log: logger, Catalog: cat, Registry: reg, Gatherer: reg,
		Jobs: runner.Client, Store: store, WebAuthn: wa, Sealer: sealer}
	for _, c := range change {
		c(&deps)
	}
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

type response struct {
	*http.Response
	Body string
}

func do(t *testing.T, h http.Handler, r *http.Request) response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return response{res, string(b)}
}

func get(t *testing.T, h http.Handler, target string, cookies ...*http.Cookie) response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return do(t, h, r)
}

func postForm(t *testing.T, h http.Handler, target string, form url.Values, hdr map[string]string) response {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	return do(t, h, r)
}

func TestHomePage(t *testing.T) {
	s := mustServer(t, config.Default())
	res := get(t, s, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	for _, want := range []string{`<html lang="ru"`, "Личный кабинет ГИС ОПВК", "Перейти к основному содержанию", "Служба поддержки"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "⟦") {
		t.Errorf("home page shows a missing message: %s", regexp.MustCompile(`⟦[^⟧]*⟧`).FindString(res.Body))
	}
	en := get(t, s, "/", &http.Cookie{Name: "lang", Value: "en"})
	if !strings.Contains(en.Body, `<html lang="en"`) || !strings.Contains(en.Body, "GIS OPVK personal cabinet") {
		t.Errorf("English home page not in English")
	}
	hc := get(t, s, "/", &http.Cookie{Name: "contrast", Value: "high"})
	if !strings.Contains(hc.Body, `class="theme-contrast"`) || !strings.Contains(hc.Body, `aria-pressed="true"`) {
		t.Errorf("high-contrast preference not applied")
	}
}

func TestSecurityHeaders(t *testing.T) {
	res := get(t, mustServer(t, config.Default()), "/")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
		"X-Frame-Options": "DENY", "Cache-Control": "no-store",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS sent over plain HTTP")
	}
	cfg := config.Default()
	cfg.BehindTLSProxy = true
	if got := get(t, mustServer(t, cfg), "/").Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("HSTS behind a TLS proxy = %q", got)
	}
}

func TestErrorPages(t *testing.T) {
	s := mustServer(t, config.Default())
	nf := get(t, s, "/no/such/page")
	if nf.StatusCode != http.StatusNotFound || !strings.Contains(nf.Body, "Страница не найдена") {
		t.Errorf("unknown URL = %d, body lacks the 404 heading", nf.StatusCode)
	}
	if nf.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("404 content type = %q", nf.Header.Get("Content-Type"))
	}
	fb := get(t, s, "/dev/errors/403")
	if fb.StatusCode != http.StatusForbidden || !strings.Contains(fb.Body, "Доступ запрещён") {
		t.Errorf("403 page = %d", fb.StatusCode)
	}

	// A panic becomes the technical-error page with the request id, and no detail leaks.
	res := get(t, s, "/dev/errors/500")
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("panic = %d, want 500", res.StatusCode)
	}
	id := res.Header.Get("X-Request-Id")
	if len(id) != 16 || !strings.Contains(res.Body, "data-request-id>"+id+"<") {
		t.Errorf("500 page does not show the request id %q", id)
	}
	if !strings.Contains(res.Body, "Техническая ошибка сервера") || strings.Contains(res.Body, "demonstration") {
		t.Errorf("500 page: wrong heading or leaks the panic text")
	}
}

func TestDevRoutesOnlyInDev(t *testing.T) {
	cfg := config.Default()
	cfg.Env = config.Prod
	cfg.BehindTLSProxy = true
	s := mustServer(t, cfg)
	for _, p := range []string{"/dev/design", "/dev/errors/500"} {
		if got := get(t, s, p).StatusCode; got != http.StatusNotFound {
			t.Errorf("prod GET %s = %d, want 404", p, got)
		}
	}
}

func TestPreferences(t *testing.T) {
	s := mustServer(t, config.Default())
	same := map[string]string{"Sec-Fetch-Site": "same-origin"}
	cases := []struct {
		name, path string
		form       url.Values
		hdr        map[string]string
		status     int
		location   string
		cookie     string
	}{
		{"language", "/settings/language", url.Values{"lang": {"en"}, "next": {"/dev/design?x=1"}}, same, 303, "/dev/design?x=1", "lang=en"},
		{"unknown language falls back to Russian", "/settings/language", url.Values{"lang": {"xx"}, "next": {"/"}}, same, 303, "/", "lang=ru"},
		{"contrast on", "/settings/contrast", url.Values{"contrast": {"high"}, "next": {"/"}}, same, 303, "/", "contrast=high"},
		{"contrast off", "/settings/contrast", url.Values{"contrast": {"normal"}, "next": {"/"}}, same, 303, "/", "contrast=normal"},
		{"open redirect to another host", "/settings/language", url.Values{"lang": {"en"}, "next": {"//evil.example/"}}, same, 303, "/", "lang=en"},
		{"open redirect with backslash", "/settings/language", url.Values{"lang": {"en"}, "next": {"/\\evil.example"}}, same, 303, "/", "lang=en"},
		{"absolute URL", "/settings/language", url.Values{"lang": {"en"}, "next": {"https://evil.example/"}}, same, 303, "/", "lang=en"},
		{"cross-site POST refused", "/settings/language", url.Values{"lang": {"en"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "", ""},
		{"foreign Origin refused", "/settings/contrast", url.Values{"contrast": {"high"}}, map[string]string{"Origin": "https://evil.example"}, 403, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := postForm(t, s, c.path, c.form, c.hdr)
			if res.StatusCode != c.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, c.status)
			}
			if got := res.Header.Get("Location"); got != c.location {
				t.Errorf("Location = %q, want %q", got, c.location)
			}
			got := res.Header.Get("Set-Cookie")
			if c.cookie == "" && got != "" {
				t.Errorf("refused request set a cookie: %q", got)
			}
			if c.cookie != "" && (!strings.HasPrefix(got, c.cookie+";") || !strings.Contains(got, "HttpOnly") || !strings.Contains(got, "SameSite=Lax")) {
				t.Errorf("Set-Cookie = %q, want %s; HttpOnly; SameSite=Lax", got, c.cookie)
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	s := mustServer(t, config.Default())
	home := get(t, s, "/").Body
	css := regexp.MustCompile(`href="(/static/css/app\.css\?v=[0-9a-f]{12})"`).FindStringSubmatch(home)
	if css == nil {
		t.Fatal("home page has no versioned stylesheet link")
	}
	res := get(t, s, css[1])
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("versioned CSS: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	if got := get(t, s, "/static/css/app.css?v=old").Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("stale version Cache-Control = %q, want no-cache", got)
	}
	for _, p := range []string{"/static/css/nope.css", "/static/img", "/static/", "/static/..%2fserver.go"} {
		if got := get(t, s, p).StatusCode; got != 404 {
			t.Errorf("GET %s = %d, want 404", p, got)
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	s := mustServer(t, config.Default())
	if res := get(t, s, "/healthz"); res.StatusCode != 200 {
		t.Errorf("healthz = %d", res.StatusCode)
	}
	if res := get(t, s, "/readyz"); res.StatusCode != 200 || !strings.Contains(res.Body, `"migrations":"ok"`) {
		t.Errorf("readyz = %d %s", res.StatusCode, res.Body)
	}
	get(t, s, "/")
	m := get(t, s, "/metrics").Body
	if !strings.Contains(m, `opvk_http_requests_total{code="200",method="GET",route="GET /{$}"}`) {
		t.Errorf("metrics lack the home route counter:\n%s", m)
	}
	if !strings.Contains(m, "opvk_http_request_duration_seconds_bucket") {
		t.Errorf("metrics lack the latency histogram")
	}
	s.db.Close()
	if res := get(t, s, "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed = %d, want 503", res.StatusCode)
	}
}

func TestClientIP(t *testing.T) {
	cfg := config.Default()
	s := &Server{cfg: cfg}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.5:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := s.clientIP(r); got != "10.0.0.5" {
		t.Errorf("without trusted proxies clientIP = %q, want the connection's address", got)
	}
	s.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct{ xff, want string }{
		{"203.0.113.9", "203.0.113.9"},
		{"198.51.100.1, 203.0.113.9", "203.0.113.9"}, // the client wrote the first one itself
		{"203.0.113.9, 10.0.0.7", "203.0.113.9"},     // two trusted hops
		{"", "10.0.0.5"},                             // no header: the proxy itself
		{"not-an-ip, 203.0.113.9", "203.0.113.9"},
	}
	for _, c := range cases {
		r.Header.Set("X-Forwarded-For", c.xff)
		if got := s.clientIP(r); got != c.want {
			t.Errorf("X-Forwarded-For %q: clientIP = %q, want %q", c.xff, got, c.want)
		}
	}
	r.RemoteAddr = "203.0.113.50:4000" // not a trusted proxy: its header is ignored
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := s.clientIP(r); got != "203.0.113.50" {
		t.Errorf("untrusted sender: clientIP = %q", got)
	}
}

func TestStaticRevalidation(t *testing.T) {
	s := mustServer(t, config.Default())
	res := get(t, s, "/static/js/app.js")
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || etag == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET app.js = %d, ETag %q, type %q", res.StatusCode, etag, res.Header.Get("Content-Type"))
	}
	r := httptest.NewRequest(http.MethodGet, "/static/js/app.js", nil)
	r.Header.Set("If-None-Match", etag)
	if res := do(t, s, r); res.StatusCode != http.StatusNotModified || res.Body != "" {
		t.Errorf("revalidation with the current ETag = %d", res.StatusCode)
	}
}

func TestStaticNeedsNoSession(t *testing.T) {
	s := mustServer(t, config.Default())
	// A session cookie that does not exist would be looked up, found missing and cleared; on a
	// static file it must not even be looked at.
	res := get(t, s, "/static/js/app.js", &http.Cookie{Name: "opvk_session", Value: "whatever"})
	if res.Header.Get("Set-Cookie") != "" {
		t.Errorf("a static file touched the session: Set-Cookie %q", res.Header.Get("Set-Cookie"))
	}
	res = get(t, s, "/", &http.Cookie{Name: "opvk_session", Value: "whatever"})
	if !strings.Contains(res.Header.Get("Set-Cookie"), "opvk_session=;") {
		t.Errorf("a page did not clear an unknown session cookie: %q", res.Header.Get("Set-Cookie"))
	}
}
