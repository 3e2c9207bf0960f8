package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

// Helpers of the identity journeys: reading what a page shows, filling and sending its forms,
// and reading what the cabinet sent to the test SMTP server and SMS gateway.

// journeyTimeout bounds one journey in its tab: several pages, each audited at two widths, on a
// machine that runs other journeys at the same time.
const journeyTimeout = 150 * time.Second

// deliveryTimeout bounds the wait for an e-mail or SMS: the cabinet sends through a background
// job, which an idle worker picks up within a second.
const deliveryTimeout = 20 * time.Second

// jsString writes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// text is the text of the first element matching the CSS selector, whitespace collapsed, or ""
// when there is none.
func (tb *tab) text(t *testing.T, sel string) string {
	t.Helper()
	return eval[string](t, tb, `(() => {
		const el = document.querySelector(`+jsString(sel)+`);
		return el ? el.textContent.replace(/\s+/g, ' ').trim() : '';
	})()`)
}

// texts is the text of every element matching the CSS selector, whitespace collapsed.
func (tb *tab) texts(t *testing.T, sel string) []string {
	t.Helper()
	return eval[[]string](t, tb, `[...document.querySelectorAll(`+jsString(sel)+`)]
		.map(el => el.textContent.replace(/\s+/g, ' ').trim())`)
}

// value is the current value of a form field.
func (tb *tab) value(t *testing.T, sel string) string {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read the value of %s: %v", sel, err)
	}
	return v
}

// path is the path and query of the page shown.
func (tb *tab) path(t *testing.T) string {
	t.Helper()
	return eval[string](t, tb, `location.pathname + location.search`)
}

// wantPath stops the test unless the page shown has the path want (the query is not compared).
func (tb *tab) wantPath(t *testing.T, want string) {
	t.Helper()
	if got := eval[string](t, tb, `location.pathname`); got != want {
		t.Fatalf("the browser is on %s (%q, banners %q), want %s", tb.path(t), tb.text(t, "h1"), tb.banners(t), want)
	}
}

// banners are the notification banners in the content: the flash message and any other.
func (tb *tab) banners(t *testing.T) []string { return tb.texts(t, "main .banner") }

// signedInAs is the name the header shows for the signed-in user, "" for a visitor.
func (tb *tab) signedInAs(t *testing.T) string { return tb.text(t, ".site-nav__user") }

// fill replaces the value of a field by typing into it, as a person would.
func (tb *tab) fill(t *testing.T, sel, value string) {
	t.Helper()
	tb.do(t, "empty "+sel, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).value = ''`))
	tb.do(t, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// send clicks a button that sends a form (or a link), waits for the page the browser ends on
// and returns its status.
func (tb *tab) send(t *testing.T, sel string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s on %s: %v", sel, tb.path(t), err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// sendWithin is send for a button whose script talks to the server before it navigates (the
// passkey buttons): if no page loads within limit, the test stops with the error the page shows.
func (tb *tab) sendWithin(t *testing.T, sel, errSel string, limit time.Duration) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, limit)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s on %s: no page within %s (%v); the page says %q", sel, tb.path(t), limit, err, tb.text(t, errSel))
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// reload loads the page again and returns the status of what the browser ends on.
func (tb *tab) reload(t *testing.T) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Reload())
	if err != nil {
		t.Fatalf("reload %s: %v", tb.path(t), err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// look checks the page shown as testPages checks each page, in the normal theme: nothing
// refused by the Content-Security-Policy, no message missing from the catalogue, no sideways
// scrolling at 320 px, axe at 375 and 1280 px, and the screenshots identity-NAME-normal-*.png.
func (e *env) look(t *testing.T, tb *tab, name string) {
	t.Helper()
	tb.checkConsole(t, eval[string](t, tb, `location.href`))
	e.audit(t, tb, "identity-"+name, "normal")
}

// wantStatus fails the test when a page answered with another status.
func wantStatus(t *testing.T, what string, got int64, want int) {
	t.Helper()
	if got != int64(want) {
		t.Errorf("%s: status %d, want %d", what, got, want)
	}
}

// demoUser is the demo account with the e-mail address.
func demoUser(t *testing.T, email string) account.User {
	t.Helper()
	for _, u := range demo.Users {
		if u.Email == email {
			return u
		}
	}
	t.Fatalf("no demo user %s", email)
	return account.User{}
}

// codeRE finds a six-digit one-time code in a message.
var codeRE = regexp.MustCompile(`\b\d{6}\b`)

func codeIn(t *testing.T, text string) string {
	t.Helper()
	c := codeRE.FindString(text)
	if c == "" {
		t.Fatalf("no six-digit code in %q", text)
	}
	return c
}

// smsMark counts the SMS the gateway has for phone, so that waitSMS can wait for the next one.
func (e *env) smsMark(phone string) int { return len(e.sms.MessagesTo(phone)) }

// waitSMS returns the first SMS for phone after the first mark ones.
func (e *env) waitSMS(t *testing.T, phone string, mark int) string {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		if m := e.sms.MessagesTo(phone); len(m) > mark {
			return m[mark].Text
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMS gateway received no new message for %s within %s", phone, deliveryTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitMail returns the first e-mail for the address after the first mark ones.
func (e *env) waitMail(t *testing.T, to string, mark int) messagingtest.Received {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		if m := e.mail.MessagesTo(to); len(m) > mark {
			return m[mark]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMTP server received no new e-mail for %s within %s", to, deliveryTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Sign-in forms.
const (
	loginButton  = `form[action="/login"] button[type=submit]`
	codeButton   = `form[action="/login/code"] button[type=submit]`
	logoutButton = `form[action="/logout"] button`
	esiaButton   = `a.button--esia`
)

// waitRE reads the seconds from «Повторите через N с.».
var waitRE = regexp.MustCompile(`(\d+)\s*с\.`)

// sendPassword fills the sign-in form shown and sends it. When the cabinet answers that there
// were too many attempts (from this address or at this login), it waits as long as the page
// says and sends again: such an attempt is refused unread and counts for nothing. It returns
// the status of the answer and how many times it had to wait.
func (e *env) sendPassword(t *testing.T, tb *tab, login, password string) (status int64, waits int) {
	t.Helper()
	for {
		tb.fill(t, "#f-login", login)
		tb.fill(t, "#f-password", password)
		status = tb.send(t, loginButton)
		if status != http.StatusTooManyRequests {
			return status, waits
		}
		banner := tb.text(t, "main .banner")
		m := waitRE.FindStringSubmatch(banner)
		if m == nil {
			t.Fatalf("status 429 with the banner %q, which does not say how long to wait", banner)
		}
		n, _ := strconv.Atoi(m[1])
		if want := e.cat.T("ru", "auth.login.throttled", map[string]any{"Wait": n}); banner != want {
			t.Fatalf("status 429 with the banner %q, want %q", banner, want)
		}
		waits++
		time.Sleep(time.Duration(n) * time.Second)
	}
}

// signInHere signs in on the sign-in page shown, with the password and the code the SMS gateway
// receives for phone, and leaves the browser where the cabinet sends it.
func (e *env) signInHere(t *testing.T, tb *tab, login, password, phone string) {
	t.Helper()
	mark := e.smsMark(phone)
	if status, _ := e.sendPassword(t, tb, login, password); status != http.StatusOK {
		t.Fatalf("sign in as %s: status %d on %s, banners %q, password error %q", login, status, tb.path(t),
			tb.banners(t), tb.text(t, "#f-password-error"))
	}
	tb.wantPath(t, "/login/code")
	code := codeIn(t, e.waitSMS(t, phone, mark))
	tb.fill(t, "#f-code", code)
	if status := tb.send(t, codeButton); status != http.StatusOK {
		t.Fatalf("sign in as %s: the code %s gave status %d, error %q", login, code, status, tb.text(t, "#f-code-error"))
	}
}

// signIn opens the sign-in page and signs in with the password and the SMS code.
func (e *env) signIn(t *testing.T, tb *tab, login, password, phone string) {
	t.Helper()
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	e.signInHere(t, tb, login, password, phone)
}

// signOut presses «Выйти» in the header.
func (e *env) signOut(t *testing.T, tb *tab) {
	t.Helper()
	wantStatus(t, "sign out", tb.send(t, logoutButton), http.StatusOK)
	if who := tb.signedInAs(t); who != "" {
		t.Fatalf("after «Выйти» the header still shows %q", who)
	}
}

// scans are the documents a registration attaches: a real one-page PDF and a real PNG.
type scans struct{ pdf, png string }

func writeScans(t *testing.T) scans {
	t.Helper()
	dir := t.TempDir()
	s := scans{pdf: filepath.Join(dir, "passport.pdf"), png: filepath.Join(dir, "passport-page2.png")}
	if err := os.WriteFile(s.pdf, demo.SamplePDF("Passport scan"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for x := range 64 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 6), B: 160, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.png, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// personINN completes ten digits into a person's twelve-digit ИНН with both check digits.
func personINN(first10 string) string {
	check := func(d string, weights []int) byte {
		sum := 0
		for i, w := range weights {
			sum += int(d[i]-'0') * w
		}
		return byte('0' + sum%11%10)
	}
	d := first10 + string(check(first10, []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}))
	return d + string(check(d, []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}))
}
