package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/geo"
	"github.com/opvk/cabinet/internal/geo/geotest"
)

// browser is a cookie-keeping client of a test server that does not follow redirects, so each
// step's status and Location can be checked.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	ua   string // User-Agent; "" is Go's own
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, hdr ...string) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.ua != "" {
		req.Header.Set("User-Agent", b.ua)
	}
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

func (b *browser) get(path string) response { return b.do(http.MethodGet, path, nil) }
func (b *browser) post(path string, form url.Values) response {
	return b.do(http.MethodPost, path, form)
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// identityServer is the real server on a fresh database of each dialect with the demo accounts.
func identityServer(t *testing.T, d *db.DB, change ...func(*Deps)) (*Server, string) {
	t.Helper()
	cfg := config.Default()
	if _, err := demo.Load(context.Background(), d, time.Now()); err != nil {
		t.Fatal(err)
	}
	s, _ := mustServerDB(t, cfg, d, change...)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// lastCode reads the code from the newest message queued for recipient.
func lastCode(t *testing.T, d *db.DB, to string) string {
	t.Helper()
	var args string
	col := "json(args)" // riversqlite keeps args as JSONB
	if d.Dialect == db.Postgres {
		col = "args::text"
	}
	err := d.QueryRowContext(context.Background(), `SELECT `+col+` FROM river_job WHERE kind = 'messaging.send' ORDER BY id DESC LIMIT 1`).Scan(&args)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ To, Text string }
	_ = json.Unmarshal([]byte(args), &m)
	if m.To != to {
		t.Fatalf("newest message went to %q, want %q (%s)", m.To, to, args)
	}
	return sixDigits.FindString(m.Text)
}

func signIn(t *testing.T, b *browser, d *db.DB, login, phone string) {
	t.Helper()
	res := b.post("/login", url.Values{"login": {login}, "password": {demo.Password}, "next": {"/profile"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/code" {
		t.Fatalf("password step = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	flow := b.cookie("opvk_flow").Value
	code := lastCode(t, d, phone)
	res = b.post("/login/code", url.Values{"code": {code}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile" {
		t.Fatalf("code step = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Replaying the finished step with the same flow and code opens nothing.
	replay := newBrowser(t, b.base)
	u, _ := url.Parse(b.base)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "opvk_flow", Value: flow, Path: "/"}})
	if res := replay.post("/login/code", url.Values{"code": {code}}); res.Header.Get("Location") != "/login" || replay.cookie("opvk_session") != nil {
		t.Fatalf("replayed code step = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSignInFlow(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		_, base := identityServer(t, d)
		b := newBrowser(t, base)
		// A token planted before sign-in must not become the session (fixation).
		u, _ := url.Parse(base)
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "opvk_session", Value: "planted-by-attacker", Path: "/"}})
		if res := b.get("/profile"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?") {
			t.Fatalf("anonymous /profile = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		signIn(t, b, d, "Maria@Demo.opvk", "+79161234567")
		c := b.cookie("opvk_session")
		if c == nil || c.Value == "planted-by-attacker" || len(c.Value) < 40 {
			t.Fatalf("session cookie after sign-in = %+v", c)
		}
		res := b.get("/profile")
		if res.StatusCode != 200 || !strings.Contains(res.Body, "Иванова Мария Сергеевна") {
			t.Fatalf("/profile = %d", res.StatusCode)
		}
		entries, _ := audit.List(context.Background(), d, audit.Filter{Action: "auth.login"})
		if len(entries) == 0 || entries[0].Outcome != audit.OK || entries[0].Details["method"] != "password+sms" {
			t.Errorf("no successful sign-in audited: %+v", entries)
		}
		// The first sign-in of an account announces nothing; one from another browser does (E1).
		countNotes := func() int {
			var n int
			d.QueryRowContext(context.Background(), `SELECT count(*) FROM notifications WHERE kind = 'security.new_sign_in'`).Scan(&n)
			return n
		}
		if n := countNotes(); n != 0 {
			t.Errorf("first sign-in made %d new-device notifications", n)
		}
		other := newBrowser(t, base)
		other.ua = "Mozilla/5.0 (Windows NT 10.0) Firefox/140.0"
		signIn(t, other, d, "maria@demo.opvk", "+79161234567")
		if n := countNotes(); n != 1 {
			t.Errorf("sign-in from a new browser made %d notifications, want 1", n)
		}

		// Sign-out ends the session on the server, not only in the browser.
		old := b.cookie("opvk_session").Value
		b.post("/logout", url.Values{})
		b2 := newBrowser(t, base)
		b2.c.Jar.SetCookies(u, []*http.Cookie{{Name: "opvk_session", Value: old, Path: "/"}})
		if res := b2.get("/profile"); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "expired=1") {
			t.Errorf("a signed-out token still opens /profile: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestNoUserEnumeration(t *testing.T) {
	d := dbtest.SQLite(t)
	_, base := identityServer(t, d)
	unknown := newBrowser(t, base).post("/login", url.Values{"login": {"nobody@example.ru"}, "password": {"wrong password 1"}})
	wrong := newBrowser(t, base).post("/login", url.Values{"login": {"maria@demo.opvk"}, "password": {"wrong password 1"}})
	if unknown.StatusCode != wrong.StatusCode || unknown.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("statuses %d and %d, want both 422", unknown.StatusCode, wrong.StatusCode)
	}
	norm := func(s string) string { return strings.ReplaceAll(s, "nobody@example.ru", "maria@demo.opvk") }
	if norm(unknown.Body) != wrong.Body {
		t.Error("the page for an unknown login differs from the page for a wrong password")
	}
	if !strings.Contains(wrong.Body, "Неверный логин или пароль") {
		t.Error("no «Неверный логин или пароль»")
	}
}

func TestCodesAreLimited(t *testing.T) {
	d := dbtest.SQLite(t)
	_, base := identityServer(t, d)
	b := newBrowser(t, base)
	b.post("/login", url.Values{"login": {"maria@demo.opvk"}, "password": {demo.Password}})
	code := lastCode(t, d, "+79161234567")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= account.MaxCodeAttempts; i++ {
		res := b.post("/login/code", url.Values{"code": {wrong}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d = %d", i, res.StatusCode)
		}
	}
	res := b.post("/login/code", url.Values{"code": {code}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Слишком много неверных попыток") {
		t.Errorf("right code after %d wrong ones = %d", account.MaxCodeAttempts, res.StatusCode)
	}
	if b.cookie("opvk_session") != nil {
		t.Error("a session was opened")
	}
}

func TestLockoutAndUnlock(t *testing.T) {
	d := dbtest.SQLite(t)
	_, base := identityServer(t, d)
	// Each attempt from its own address, so that the per-address throttle does not hide the
	// per-account lock; the account key is throttled too, so wait out its delays.
	var res response
	for i := 1; i <= 5; i++ {
		b := newBrowser(t, base)
		res = b.do(http.MethodPost, "/login", url.Values{"login": {"petrov@demo.opvk"}, "password": {"not the password"}})
		if res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("attempt %d throttled", i)
		}
		time.Sleep(account.ThrottleDelay(i) + 50*time.Millisecond)
	}
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Аккаунт заблокирован") {
		t.Fatalf("fifth wrong password = %d, want «Аккаунт заблокирован»", res.StatusCode)
	}
	time.Sleep(account.ThrottleDelay(6))
	res = newBrowser(t, base).post("/login", url.Values{"login": {"petrov@demo.opvk"}, "password": {demo.Password}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Аккаунт заблокирован") {
		t.Fatalf("right password on a locked account = %d", res.StatusCode)
	}

	// Recovery alone does not open a locked account.
	rb := newBrowser(t, base)
	rb.post("/recover", url.Values{"login": {"petrov@demo.opvk"}, "channel": {"sms"}})
	code := lastCode(t, d, "+79031112233")
	res = rb.post("/recover/code", url.Values{"code": {code}, "password": {"new pass phrase 2026"}, "password2": {"new pass phrase 2026"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("recovery = %d", res.StatusCode)
	}
	u, _ := account.ByLogin(context.Background(), d, "petrov@demo.opvk")
	if !u.Locked() {
		t.Fatal("recovery unlocked the account")
	}

	// A citizen may not see the support page; the officer unlocks with a reason.
	citizen := newBrowser(t, base)
	signIn(t, citizen, d, "maria@demo.opvk", "+79161234567")
	if res := citizen.get("/admin/locked"); res.StatusCode != http.StatusForbidden {
		t.Errorf("citizen /admin/locked = %d, want 403", res.StatusCode)
	}
	if res := citizen.post("/admin/users/2/unlock", url.Values{"reason": {"I ask"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("citizen unlock = %d, want 403", res.StatusCode)
	}
	officer := newBrowser(t, base)
	signIn(t, officer, d, "officer@demo.opvk", "+79265554433")
	if res := officer.get("/admin/locked"); res.StatusCode != 200 || !strings.Contains(res.Body, "Петров Алексей Викторович") {
		t.Fatalf("officer /admin/locked = %d", res.StatusCode)
	}
	path := "/admin/users/" + itoa(u.ID) + "/unlock"
	officer.post(path, url.Values{"reason": {""}})
	if u, _ = account.Get(context.Background(), d, u.ID); !u.Locked() {
		t.Fatal("unlocked without a reason")
	}
	officer.post(path, url.Values{"reason": {"Владелец позвонил на горячую линию, личность подтверждена"}})
	if u, _ = account.Get(context.Background(), d, u.ID); u.Locked() {
		t.Fatal("still locked after unlock")
	}
	entries, _ := audit.List(context.Background(), d, audit.Filter{Action: "account.unlock"})
	if len(entries) != 1 || entries[0].Details["reason"] == "" || entries[0].Target != userTarget(u.ID) {
		t.Errorf("unlock audit = %+v", entries)
	}
	// An officer may not unlock an administrator (no escalation through a colleague's account).
	admin, _ := account.ByLogin(context.Background(), d, "admin@demo.opvk")
	_ = account.Lock(context.Background(), d, admin.ID, time.Now())
	if res := officer.post("/admin/users/"+itoa(admin.ID)+"/unlock", url.Values{"reason": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("officer unlocking an administrator = %d, want 403", res.StatusCode)
	}
}

func TestSessionCookieAndIdleTimeout(t *testing.T) {
	d := dbtest.SQLite(t)
	cfg := config.Default()
	cfg.BehindTLSProxy = true
	s, _ := mustServerDB(t, cfg, d)
	if _, err := demo.Load(context.Background(), d, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Under TLS the cookie is __Host-, Secure, HttpOnly, SameSite=Lax.
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"login": {"maria@demo.opvk"}, "password": {demo.Password}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := do(t, s, r)
	flow := res.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-opvk_flow=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(flow, want) {
			t.Errorf("flow cookie %q lacks %s", flow, want)
		}
	}
	r = httptest.NewRequest(http.MethodPost, "/login/code", strings.NewReader(url.Values{"code": {lastCode(t, d, "+79161234567")}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "__Host-opvk_flow", Value: strings.TrimPrefix(strings.Split(flow, ";")[0], "__Host-opvk_flow=")})
	res = do(t, s, r)
	var session string
	for _, c := range res.Cookies() {
		if c.Name == "__Host-opvk_session" && c.Value != "" {
			session = c.Value
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("session cookie %+v", c)
			}
		}
	}
	if session == "" {
		t.Fatalf("no __Host- session cookie: %v", res.Header["Set-Cookie"])
	}

	// Idle: the session ends and the sign-in page says so, keeping the way back.
	s.cfg.SessionIdle = 50 * time.Millisecond
	time.Sleep(80 * time.Millisecond)
	r = httptest.NewRequest(http.MethodGet, "/profile/security", nil)
	r.AddCookie(&http.Cookie{Name: "__Host-opvk_session", Value: session})
	res = do(t, s, r)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "expired=1") || !strings.Contains(loc, url.QueryEscape("/profile/security")) {
		t.Fatalf("idle session: %d %q", res.StatusCode, loc)
	}
	page := get(t, s, loc)
	if !strings.Contains(page.Body, "Сессия истекла") || !strings.Contains(page.Body, `name="next" value="/profile/security"`) {
		t.Errorf("sign-in page after idle lacks «Сессия истекла» or the way back")
	}
}

func TestCrossOriginSignInRefused(t *testing.T) {
	s := mustServer(t, config.Default())
	res := postForm(t, s, "/login", url.Values{"login": {"maria@demo.opvk"}, "password": {"x"}},
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /login = %d, want 403", res.StatusCode)
	}
}

func TestRegionRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "geo.mmdb")
	geotest.WriteDB(t, path, map[string]string{"192.0.2.0/24": "RU"}) // the test client's 127.0.0.1 is unknown
	g, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	policy, err := geo.NewPolicy(g, []string{"RU"})
	if err != nil {
		t.Fatal(err)
	}
	d := dbtest.SQLite(t)
	_, base := identityServer(t, d, func(dp *Deps) { dp.Region = policy })
	res := newBrowser(t, base).post("/login", url.Values{"login": {"maria@demo.opvk"}, "password": {demo.Password}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Вход из этого региона запрещён") {
		t.Fatalf("sign-in from an unknown address = %d", res.StatusCode)
	}
	entries, _ := audit.List(context.Background(), d, audit.Filter{Action: "auth.login"})
	if len(entries) == 0 || entries[0].Outcome != audit.Refused || entries[0].Details["reason"] != "region" {
		t.Errorf("refusal not audited: %+v", entries)
	}
	if ok, _ := policy.Allow(netip.MustParseAddr("192.0.2.7")); !ok {
		t.Error("an allowed address is refused")
	}
}

// TestContactChangeNeedsCode: a new e-mail becomes the account's only after the code sent to it;
// until then the old one stays the login.
func TestContactChangeNeedsCode(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, base := identityServer(t, d)
		b := newBrowser(t, base)
		signIn(t, b, d, "maria@demo.opvk", "+79161234567")
		form := url.Values{"full_name": {"Иванова Мария Сергеевна"}, "inn": {"500100732259"}, "snils": {"112-233-445 95"},
			"phone": {"+79161234567"}, "email": {"maria.new@example.ru"}}
		res := b.post("/profile", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile/contact" {
			t.Fatalf("profile with a new e-mail = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		u, _ := account.ByLogin(ctx, d, "maria@demo.opvk")
		if u.Email != "maria@demo.opvk" {
			t.Fatalf("the e-mail changed before its code: %q", u.Email)
		}
		code := lastCode(t, d, "maria.new@example.ru")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if res := b.post("/profile/contact", url.Values{"code": {wrong}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("wrong code = %d, want 422", res.StatusCode)
		}
		if res := b.post("/profile/contact", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("right code = %d", res.StatusCode)
		}
		u, err := account.Get(ctx, d, u.ID)
		if err != nil || u.Email != "maria.new@example.ru" {
			t.Errorf("after the code the e-mail is %q, %v", u.Email, err)
		}
		entries, _ := audit.List(ctx, d, audit.Filter{Action: "profile.contact_change"})
		if len(entries) != 1 || entries[0].Details["field"] != "email" {
			t.Errorf("contact change audit = %+v", entries)
		}
		// Both at once is refused: each new contact is proved on its own.
		form["email"], form["phone"] = []string{"third@example.ru"}, []string{"+79160001122"}
		if res := b.post("/profile", form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("two new contacts at once = %d, want 422", res.StatusCode)
		}
	})
}
