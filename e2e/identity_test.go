package e2e

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/esia/devidp"
	"github.com/opvk/cabinet/internal/rules"
)

// testIdentity walks the identity journeys in the browser against the real cabinet: codes come
// from what the test SMTP server and SMS gateway received, ЕСИА is the local provider at
// /dev/esia, passkeys come from Chromium's virtual authenticator. Each journey has its own browser
// context and its own demo user, so they run side by side on the shared cabinet. Two journeys get
// a cabinet of their own: the idle timeout needs a short OPVK_SESSION_IDLE, which would end the
// sessions of the others; the lockout makes the per-address throttle slow down every sign-in from
// 127.0.0.1. Every page a journey reaches is audited like the pages of testPages.
func (e *env) testIdentity(t *testing.T) {
	docs := writeScans(t)
	t.Run("register", func(t *testing.T) { t.Parallel(); e.journeyRegister(t, docs) })
	t.Run("totp", func(t *testing.T) { t.Parallel(); e.journeyTOTP(t) })
	t.Run("passkey", func(t *testing.T) { t.Parallel(); e.journeyPasskey(t) })
	t.Run("esia-first-time", func(t *testing.T) { t.Parallel(); e.journeyESIAFirstTime(t) })
	t.Run("esia-link", func(t *testing.T) { t.Parallel(); e.journeyESIALink(t) })
	t.Run("recovery", func(t *testing.T) { t.Parallel(); e.journeyRecovery(t) })
	t.Run("idle-timeout", func(t *testing.T) {
		t.Parallel()
		const idle = 3 * time.Second
		e.withCabinet(t, func(c *config.Config) { c.SessionIdle = idle }).journeyIdle(t, idle)
	})
	t.Run("lockout", func(t *testing.T) { t.Parallel(); e.withCabinet(t, nil).journeyLockout(t) })
}

// journeyRegister: an individual registers (A4). A wrong ИНН is refused next to the field and in
// the error summary, which takes the focus, and what was typed stays; with the ИНН fixed and two
// scans attached at once the application is accepted. The activation e-mail (Russian subject,
// link) reaches the SMTP server and the code the SMS gateway; the link, the code, a password and
// both consents activate the account; the new user signs in with phone, password and SMS code
// and sees their name.
func (e *env) journeyRegister(t *testing.T, docs scans) {
	const (
		name     = "Новикова Ольга Игоревна"
		phone    = "+79123456780"
		typed    = "+7 912 345-67-80"
		email    = "novikova@example.ru"
		password = "ledokol-severnyi-42"
	)
	inn := personINN("7712345678")
	if _, p := rules.INNPerson(inn); p != "" {
		t.Fatalf("the test's ИНН %s is invalid: %s", inn, p)
	}
	badINN := inn[:11] + string('0'+(inn[11]-'0'+1)%10)

	tb := e.newTabFor(t, journeyTimeout)
	tb.open(t, e.baseURL+"/register", http.StatusOK)
	tb.fill(t, "#f-full_name", name)
	tb.fill(t, "#f-inn", badINN)
	tb.fill(t, "#f-phone", typed)
	tb.fill(t, "#f-email", email)
	wantStatus(t, "register with a wrong ИНН", tb.send(t, `form[action="/register"] button[type=submit]`), http.StatusUnprocessableEntity)

	innProblem := rules.INNChecksum.Message("ru")
	type fieldState struct {
		Error       string `json:"error"`
		Invalid     string `json:"invalid"`
		DescribedBy string `json:"describedBy"`
		SummaryHas  bool   `json:"summaryHas"`
		Focused     bool   `json:"focused"`
	}
	got := eval[fieldState](t, tb, `(() => {
		const f = document.getElementById('f-inn'), s = document.querySelector('[data-error-summary]');
		return {
			error: document.getElementById('f-inn-error').textContent.trim(),
			invalid: f.getAttribute('aria-invalid') || '',
			describedBy: f.getAttribute('aria-describedby') || '',
			summaryHas: !!s && [...s.querySelectorAll('a[href="#f-inn"]')].some(a => a.textContent.trim() === `+jsString(innProblem)+`),
			focused: !!s && document.activeElement === s,
		};
	})()`)
	if got.Error != innProblem || got.Invalid != "true" || !strings.Contains(got.DescribedBy, "f-inn-error") {
		t.Errorf("the ИНН field shows error %q, aria-invalid %q, aria-describedby %q; want %q, true, and the error among the descriptions",
			got.Error, got.Invalid, got.DescribedBy, innProblem)
	}
	if !got.SummaryHas {
		t.Errorf("the error summary %q has no link to #f-inn reading %q", tb.text(t, "[data-error-summary]"), innProblem)
	}
	if !got.Focused {
		t.Errorf("the error summary does not have the focus when the page opens")
	}
	items := tb.texts(t, "[data-error-summary] li")
	for i := range items {
		for j := range i {
			if items[i] == items[j] {
				t.Errorf("the error summary lists %q twice: each entry must say which field it is about", items[i])
			}
		}
	}
	for sel, want := range map[string]string{"#f-full_name": name, "#f-phone": typed, "#f-email": email, "#f-inn": badINN} {
		if v := tb.value(t, sel); v != want {
			t.Errorf("after the refusal %s holds %q, want what was typed, %q", sel, v, want)
		}
	}
	e.look(t, tb, "register-errors")

	tb.fill(t, "#f-inn", inn)
	tb.do(t, "attach the scans",
		chromedp.SetUploadFiles(chromedp.CSS("#f-identity_doc"), []string{docs.pdf, docs.png}),
		chromedp.SetUploadFiles(chromedp.CSS("#f-ownership_doc"), []string{docs.pdf}))
	if listed := tb.texts(t, "#f-identity_doc ~ .upload__list li"); len(listed) != 2 {
		t.Errorf("the identity document's upload lists %q, want the two files chosen", listed)
	}
	mailMark, smsMark := len(e.mail.MessagesTo(email)), e.smsMark(phone)
	wantStatus(t, "register", tb.send(t, `form[action="/register"] button[type=submit]`), http.StatusOK)
	tb.wantPath(t, "/register/sent")
	e.look(t, tb, "register-sent")

	mail := e.waitMail(t, email, mailMark)
	if want := e.cat.T("ru", "msg.activation.subject"); mail.Subject != want {
		t.Errorf("activation e-mail subject %q, want %q", mail.Subject, want)
	}
	if !strings.Contains(mail.Text, name) {
		t.Errorf("the activation e-mail does not greet %s:\n%s", name, mail.Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(e.baseURL) + `/activate\?token=[A-Za-z0-9_-]+`).FindString(mail.Text)
	if link == "" {
		t.Fatalf("no activation link to %s in the e-mail:\n%s", e.baseURL, mail.Text)
	}
	sms := e.waitSMS(t, phone, smsMark)
	code := codeIn(t, sms)
	if want := e.cat.T("ru", "msg.activation.sms", map[string]string{"Code": code}); sms != want {
		t.Errorf("activation SMS %q, want %q", sms, want)
	}

	// The dev outbox keeps a copy of what went out.
	tb.open(t, e.baseURL+"/dev/outbox", http.StatusOK)
	if subjects := tb.texts(t, ".outbox__subject"); !slices.Contains(subjects, mail.Subject) {
		t.Errorf("the dev outbox lists the subjects %q, want %q among them", subjects, mail.Subject)
	}
	e.look(t, tb, "outbox")

	tb.open(t, link, http.StatusOK)
	e.look(t, tb, "activate")
	tb.fill(t, "#f-code", code)
	tb.fill(t, "#f-password", password)
	tb.fill(t, "#f-password2", password)
	tb.do(t, "tick both consents", chromedp.Click(chromedp.CSS("#f-terms")), chromedp.Click(chromedp.CSS("#f-consent")))
	wantStatus(t, "activate", tb.send(t, `form[action="/activate"] button[type=submit]`), http.StatusOK)
	tb.wantPath(t, "/login")
	if b, want := tb.banners(t), e.cat.T("ru", "auth.flash.activated"); len(b) != 1 || b[0] != want {
		t.Errorf("after activation the sign-in page shows %q, want the notice %q", b, want)
	}
	e.look(t, tb, "activated")

	// Sign in with the phone as people write it, then the code from the SMS.
	mark := e.smsMark(phone)
	status, _ := e.sendPassword(t, tb, typed, password)
	wantStatus(t, "password", status, http.StatusOK)
	tb.wantPath(t, "/login/code")
	e.look(t, tb, "code-sms")
	tb.fill(t, "#f-code", codeIn(t, e.waitSMS(t, phone, mark)))
	wantStatus(t, "code", tb.send(t, codeButton), http.StatusOK)
	tb.wantPath(t, "/cabinet")
	tb.open(t, e.baseURL+"/profile", http.StatusOK) // sign-in lands on the dashboard
	if who, field := tb.signedInAs(t), tb.value(t, "#f-full_name"); who != name || field != name {
		t.Errorf("the profile shows %q in the header and %q in the form, want %q", who, field, name)
	}
	if v := tb.value(t, "#f-inn"); v != inn {
		t.Errorf("the profile shows ИНН %q, want %q", v, inn)
	}
	e.look(t, tb, "profile")
}

// journeyTOTP: a signed-in user connects an authenticator app with the secret the page shows,
// gets ten recovery codes, and signs in again with password and app code. The code used to
// connect the app is refused at sign-in: each code works once.
func (e *env) journeyTOTP(t *testing.T) {
	u := demoUser(t, "petrov@demo.opvk")
	tb := e.newTabFor(t, journeyTimeout)
	e.signIn(t, tb, u.Email, demo.Password, u.Phone)
	tb.open(t, e.baseURL+"/profile/security", http.StatusOK)
	e.look(t, tb, "security")

	wantStatus(t, "connect the app", tb.send(t, `form[action^="/profile/security/totp/start"] button`), http.StatusOK)
	if hash := eval[string](t, tb, `location.hash`); hash != "#totp-heading" {
		t.Errorf("the enrolment page opens at %q, want at the authenticator section (#totp-heading)", hash)
	}
	secret := tb.text(t, "[data-totp-secret]")
	if secret == "" {
		t.Fatal("the enrolment page shows no secret in [data-totp-secret]")
	}
	if !eval[bool](t, tb, `(() => { const i = document.querySelector('img.qr'); return !!i && i.complete && i.naturalWidth > 0; })()`) {
		t.Error("the QR code image did not load")
	}
	e.look(t, tb, "totp-enrol")
	enrolled := time.Now()
	first, err := totp.GenerateCode(secret, enrolled)
	if err != nil {
		t.Fatal(err)
	}
	tb.fill(t, "#f-code", first)
	wantStatus(t, "confirm the app", tb.send(t, `form[action="/profile/security/totp/confirm"] button`), http.StatusOK)
	codes := tb.texts(t, "[data-recovery-codes] li")
	seen := map[string]bool{}
	for _, c := range codes {
		if !regexp.MustCompile(`^[a-z0-9]{5}-[a-z0-9]{5}$`).MatchString(c) || seen[c] {
			t.Errorf("recovery code %q is malformed or repeated", c)
		}
		seen[c] = true
	}
	if len(codes) != 10 {
		t.Errorf("%d recovery codes shown, want 10: %q", len(codes), codes)
	}
	if !eval[bool](t, tb, `!!document.querySelector('#sf-totp:checked')`) {
		t.Error("after enrolment the app is not the chosen second factor")
	}
	e.look(t, tb, "totp-recovery-codes")

	e.signOut(t, tb)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	status, _ := e.sendPassword(t, tb, u.Email, demo.Password)
	wantStatus(t, "password", status, http.StatusOK)
	tb.wantPath(t, "/login/code")
	if lead, want := tb.text(t, "main p"), e.cat.T("ru", "auth.code.lead_totp"); lead != want {
		t.Errorf("the code page says %q, want %q", lead, want)
	}
	if mode := eval[string](t, tb, `document.getElementById('f-code').inputMode`); mode == "numeric" {
		t.Error("the code field asks for a numeric keypad, on which a recovery code (abcde-fghjk) cannot be typed")
	}
	e.look(t, tb, "code-totp")

	tb.fill(t, "#f-code", first)
	wantStatus(t, "the enrolment code again", tb.send(t, codeButton), http.StatusUnprocessableEntity)
	if msg := tb.text(t, "#f-code-error"); msg != e.cat.T("ru", "auth.code.err_expired") && msg != e.cat.T("ru", "auth.code.err_wrong") {
		t.Errorf("the spent code is refused with %q", msg)
	}
	// The app's current code, unless it is still the one just spent; then the next one, which
	// the cabinet accepts for clock drift.
	at := time.Now()
	if at.Unix()/30 == enrolled.Unix()/30 {
		at = at.Add(30 * time.Second)
	}
	next, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	tb.fill(t, "#f-code", next)
	wantStatus(t, "the app's code", tb.send(t, codeButton), http.StatusOK)
	tb.wantPath(t, "/cabinet")
	if who := tb.signedInAs(t); who != u.FullName {
		t.Errorf("signed in as %q, want %q", who, u.FullName)
	}
}

// journeyPasskey: a signed-in user adds a passkey (Chromium's virtual authenticator stands in for
// Face ID or a fingerprint), sees it listed, signs out, and signs in with «Войти по ключу
// доступа» alone.
func (e *env) journeyPasskey(t *testing.T) {
	u := demoUser(t, "officer@demo.opvk")
	tb := e.newTabFor(t, journeyTimeout)
	if _, err := chromedp.Call(tb.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	auth, err := chromedp.Call(tb.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	e.signIn(t, tb, u.Email, demo.Password, u.Phone)
	tb.open(t, e.baseURL+"/profile/security", http.StatusOK)
	wantStatus(t, "add a passkey", tb.sendWithin(t, "[data-passkey-register]", "[data-passkey-error]", 20*time.Second), http.StatusOK)
	tb.wantPath(t, "/profile/security")
	if b, want := tb.banners(t), e.cat.T("ru", "security.flash.passkey_added"); len(b) != 1 || b[0] != want {
		t.Errorf("after adding the passkey the page shows %q, want %q", b, want)
	}
	if items := tb.texts(t, "[data-passkey-list] li"); len(items) != 1 || !strings.HasPrefix(items[0], "Chrome") {
		t.Errorf("the passkey list shows %q, want one passkey named after the browser", items)
	}
	creds, err := chromedp.Call(tb.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth.AuthenticatorID})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential || creds.Credentials[0].RpID != "localhost" {
		t.Errorf("the authenticator holds %+v, want one discoverable credential for localhost", creds.Credentials)
	}
	e.look(t, tb, "passkey-added")

	e.signOut(t, tb)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	wantStatus(t, "sign in with the passkey", tb.sendWithin(t, "[data-passkey-login-button]", "[data-passkey-login] [data-passkey-error]", 20*time.Second), http.StatusOK)
	tb.wantPath(t, "/cabinet")
	if who := tb.signedInAs(t); who != u.FullName {
		t.Errorf("signed in as %q, want %q", who, u.FullName)
	}
	tb.open(t, e.baseURL+"/profile/security", http.StatusOK)
	if methods, want := tb.texts(t, `td[data-label="`+e.cat.T("ru", "security.sessions.method")+`"]`), e.cat.T("ru", "auth.method.passkey"); len(methods) != 1 || methods[0] != want {
		t.Errorf("the sessions list shows the methods %q, want one session by %q", methods, want)
	}
}

// choosePerson starts the sign-in with ЕСИА from the sign-in page (or the link from the security
// page), and picks the person on the local provider's page.
func (e *env) choosePerson(t *testing.T, tb *tab, start, personID string) int64 {
	t.Helper()
	wantStatus(t, "go to ЕСИА", tb.send(t, start), http.StatusOK)
	if !strings.HasPrefix(tb.path(t), "/dev/esia/") {
		t.Fatalf("«%s» led to %s, want the local ЕСИА provider", start, tb.path(t))
	}
	return tb.send(t, `button[name=person][value="`+personID+`"]`)
}

// journeyESIAFirstTime: a person ЕСИА knows and the cabinet does not signs in with «Войти через
// Госуслуги» and gets an account made from ЕСИА's data; a person whose ЕСИА record has no
// contacts is told «Отсутствует привязка к ЕСИА».
func (e *env) journeyESIAFirstTime(t *testing.T) {
	tb := e.newTabFor(t, journeyTimeout)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	wantStatus(t, "go to ЕСИА", tb.send(t, esiaButton), http.StatusOK)
	if !strings.HasPrefix(tb.path(t), "/dev/esia/") {
		t.Fatalf("«Войти через Госуслуги» led to %s, want the local ЕСИА provider", tb.path(t))
	}
	e.look(t, tb, "esia-provider")
	wantStatus(t, "choose Соколов", tb.send(t, `button[name=person][value="`+devidp.NewcomerID+`"]`), http.StatusOK)
	tb.wantPath(t, "/cabinet")
	tb.open(t, e.baseURL+"/profile", http.StatusOK) // sign-in lands on the dashboard
	const sokolov = "Соколов Дмитрий Андреевич"
	if who, field := tb.signedInAs(t), tb.value(t, "#f-full_name"); who != sokolov || field != sokolov {
		t.Errorf("the profile shows %q in the header and %q in the form, want %q", who, field, sokolov)
	}
	if v := tb.value(t, "#f-email"); v != "sokolov@demo.opvk" {
		t.Errorf("the profile shows e-mail %q, want ЕСИА's sokolov@demo.opvk", v)
	}
	e.signOut(t, tb)

	tb.open(t, e.baseURL+"/login", http.StatusOK)
	wantStatus(t, "choose Орлова", e.choosePerson(t, tb, esiaButton, devidp.NoContactsID), http.StatusForbidden)
	e.wantNoLink(t, tb, "esia.nolink.insufficient")
	e.look(t, tb, "esia-nolink-insufficient")
}

// wantNoLink checks the «Отсутствует привязка к ЕСИА» page and its reason.
func (e *env) wantNoLink(t *testing.T, tb *tab, reason string) {
	t.Helper()
	if h1, want := tb.text(t, "h1"), e.cat.T("ru", "esia.nolink.title"); h1 != want {
		t.Errorf("heading %q, want %q", h1, want)
	}
	if lead, want := tb.text(t, "main .lead"), e.cat.T("ru", reason); lead != want {
		t.Errorf("the page explains %q, want %q", lead, want)
	}
	if who := tb.signedInAs(t); who != "" {
		t.Errorf("signed in as %q, want nobody", who)
	}
}

// journeyESIALink: Мария has a local account with the e-mail ЕСИА gives, so signing in with ЕСИА
// finds no link and creates nothing; she signs in with her password, links ЕСИА on the security
// page, signs out, and then ЕСИА signs her in.
func (e *env) journeyESIALink(t *testing.T) {
	u := demoUser(t, "maria@demo.opvk")
	tb := e.newTabFor(t, journeyTimeout)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	wantStatus(t, "choose Мария, not linked", e.choosePerson(t, tb, esiaButton, devidp.MariaID), http.StatusForbidden)
	e.wantNoLink(t, tb, "esia.nolink.existing")
	e.look(t, tb, "esia-nolink-existing")

	e.signIn(t, tb, u.Email, demo.Password, u.Phone)
	tb.open(t, e.baseURL+"/profile/security", http.StatusOK)
	const esiaSection = `section[aria-labelledby="esia-heading"]`
	if tag, want := tb.text(t, esiaSection+" .tag"), e.cat.T("ru", "security.esia.not_linked"); tag != want {
		t.Errorf("the ЕСИА section says %q, want %q", tag, want)
	}
	wantStatus(t, "link ЕСИА as Мария",
		e.choosePerson(t, tb, `form[action="/profile/security/esia/link"] button`, devidp.MariaID), http.StatusOK)
	tb.wantPath(t, "/profile/security")
	if b, want := tb.banners(t), e.cat.T("ru", "security.flash.esia_linked"); len(b) != 1 || b[0] != want {
		t.Errorf("after linking the page shows %q, want %q", b, want)
	}
	if tag, want := tb.text(t, esiaSection+" .tag"), e.cat.T("ru", "security.esia.linked"); tag != want {
		t.Errorf("the ЕСИА section says %q, want %q", tag, want)
	}
	e.look(t, tb, "esia-linked")

	e.signOut(t, tb)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	wantStatus(t, "sign in as Мария with ЕСИА", e.choosePerson(t, tb, esiaButton, devidp.MariaID), http.StatusOK)
	tb.wantPath(t, "/cabinet")
	if who := tb.signedInAs(t); who != u.FullName {
		t.Errorf("signed in as %q, want %q", who, u.FullName)
	}
}

// journeyRecovery: «Забыли пароль?» sends a code by SMS; with it the user sets a new password,
// which ends every session of the account (another browser signed in as them is signed out);
// the old password no longer works and the new one does.
func (e *env) journeyRecovery(t *testing.T) {
	u := demoUser(t, "admin@demo.opvk")
	const newPassword = "zimnyaya-doroga-17"
	other := e.newTabFor(t, journeyTimeout)
	e.signIn(t, other, u.Email, demo.Password, u.Phone)
	other.wantPath(t, "/cabinet")

	tb := e.newTabFor(t, journeyTimeout)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	wantStatus(t, "«Забыли пароль?»", tb.send(t, `a[href="/recover"]`), http.StatusOK)
	tb.wantPath(t, "/recover")
	tb.fill(t, "#f-login", u.Email)
	if !eval[bool](t, tb, `document.getElementById('ch-sms').checked`) {
		t.Error("the code does not go by SMS unless chosen otherwise")
	}
	mark := e.smsMark(u.Phone)
	wantStatus(t, "ask for the code", tb.send(t, `form[action="/recover"] button[type=submit]`), http.StatusOK)
	tb.wantPath(t, "/recover/code")
	e.look(t, tb, "recover-code")
	sms := e.waitSMS(t, u.Phone, mark)
	code := codeIn(t, sms)
	if want := e.cat.T("ru", "msg.recovery.sms", map[string]string{"Code": code}); sms != want {
		t.Errorf("recovery SMS %q, want %q", sms, want)
	}
	tb.fill(t, "#f-code", code)
	tb.fill(t, "#f-password", newPassword)
	tb.fill(t, "#f-password2", newPassword)
	wantStatus(t, "set the new password", tb.send(t, `form[action="/recover/code"] button[type=submit]`), http.StatusOK)
	tb.wantPath(t, "/login")
	if b, want := tb.banners(t), e.cat.T("ru", "auth.flash.recovered"); len(b) != 1 || b[0] != want {
		t.Errorf("after recovery the sign-in page shows %q, want %q", b, want)
	}

	// The other browser's session has ended: its next page asks it to sign in again.
	wantStatus(t, "the other browser reloads", other.reload(t), http.StatusOK)
	other.wantPath(t, "/login")
	if who := other.signedInAs(t); who != "" {
		t.Errorf("the other browser is still signed in as %q", who)
	}

	status, _ := e.sendPassword(t, tb, u.Email, demo.Password)
	wantStatus(t, "the old password", status, http.StatusUnprocessableEntity)
	if msg, want := tb.text(t, "#f-password-error"), e.cat.T("ru", "auth.login.err_wrong"); msg != want {
		t.Errorf("the old password is refused with %q, want %q", msg, want)
	}
	e.signInHere(t, tb, u.Email, newPassword, u.Phone)
	tb.wantPath(t, "/cabinet")
	if who := tb.signedInAs(t); who != u.FullName {
		t.Errorf("signed in as %q, want %q", who, u.FullName)
	}
}

// journeyIdle: a session that sees no request for longer than the idle limit ends (A5); the
// next page is the sign-in page saying «Сессия истекла», and signing in again returns to the page.
func (e *env) journeyIdle(t *testing.T, idle time.Duration) {
	u := demoUser(t, "maria@demo.opvk")
	tb := e.newTabFor(t, journeyTimeout)
	tb.open(t, e.baseURL+"/login?next=/profile/security", http.StatusOK)
	e.signInHere(t, tb, u.Email, demo.Password, u.Phone)
	tb.wantPath(t, "/profile/security")

	time.Sleep(idle + time.Second)
	wantStatus(t, "reload after the idle limit", tb.reload(t), http.StatusOK)
	tb.wantPath(t, "/login")
	if title, want := tb.text(t, "main .banner .banner__title"), e.cat.T("ru", "auth.login.expired_title"); title != want {
		t.Errorf("the sign-in page says %q, want %q", title, want)
	}
	e.look(t, tb, "session-expired")

	e.signInHere(t, tb, u.Email, demo.Password, u.Phone)
	tb.wantPath(t, "/profile/security")
	if h1, want := tb.text(t, "h1"), e.cat.T("ru", "security.heading"); h1 != want {
		t.Errorf("back on a page headed %q, want %q", h1, want)
	}
}

// journeyLockout: five wrong passwords in a row lock the account (A6), after which the right
// password is refused too; an administrator unlocks it on /admin/locked with a reason, and the
// owner signs in. Between attempts the per-address throttle asks to wait; an attempt made during
// the wait is refused unread and does not count towards the five.
func (e *env) journeyLockout(t *testing.T) {
	u := demoUser(t, "maria@demo.opvk")
	admin := demoUser(t, "admin@demo.opvk")
	lockedTitle := e.cat.T("ru", "auth.login.locked_title")
	tb := e.newTabFor(t, journeyTimeout)
	tb.open(t, e.baseURL+"/login", http.StatusOK)
	waited := 0
	for i := 1; i <= 5; i++ {
		status, w := e.sendPassword(t, tb, u.Email, "not-her-password")
		waited += w
		if i < 5 {
			wantStatus(t, "wrong password", status, http.StatusUnprocessableEntity)
			if msg, want := tb.text(t, "#f-password-error"), e.cat.T("ru", "auth.login.err_wrong"); msg != want {
				t.Fatalf("wrong password %d is refused with %q, want %q", i, msg, want)
			}
			continue
		}
		wantStatus(t, "the fifth wrong password", status, http.StatusForbidden)
		if title := tb.text(t, "main .banner .banner__title"); title != lockedTitle {
			t.Fatalf("after five wrong passwords the page says %q, want %q", title, lockedTitle)
		}
	}
	e.look(t, tb, "locked")
	t.Logf("the throttle asked to wait %d time(s) on the way to the lock", waited)

	status, _ := e.sendPassword(t, tb, u.Email, demo.Password)
	wantStatus(t, "the right password on a locked account", status, http.StatusForbidden)
	if title := tb.text(t, "main .banner .banner__title"); title != lockedTitle {
		t.Errorf("the right password on a locked account gives %q, want %q", title, lockedTitle)
	}
	if n := e.smsMark(u.Phone); n != 0 {
		t.Errorf("%d SMS went to the locked account's phone, want none", n)
	}

	staff := e.newTabFor(t, journeyTimeout)
	e.signIn(t, staff, admin.Email, demo.Password, admin.Phone)
	staff.open(t, e.baseURL+"/admin/locked", http.StatusOK)
	type row struct {
		Name, Login, Reason, Button string
	}
	rows := eval[[]row](t, staff, `[...document.querySelectorAll('tbody tr')].map(tr => ({
		Name: tr.cells[0].textContent.trim(), Login: tr.cells[1].textContent.trim(),
		Reason: '#' + tr.querySelector('input[name=reason]').id,
		Button: 'form[action="' + tr.querySelector('form').getAttribute('action') + '"] button',
	}))`)
	if len(rows) != 1 || rows[0].Name != u.FullName || rows[0].Login != u.Email {
		t.Fatalf("/admin/locked lists %+v, want only %s (%s)", rows, u.FullName, u.Email)
	}
	e.look(t, staff, "admin-locked")
	staff.fill(t, rows[0].Reason, "Владелец позвонил на горячую линию, личность подтверждена")
	wantStatus(t, "«Разблокировать»", staff.send(t, rows[0].Button), http.StatusOK)
	staff.wantPath(t, "/admin/locked")
	if b, want := staff.banners(t), e.cat.T("ru", "admin.flash.unlocked"); len(b) != 1 || b[0] != want {
		t.Errorf("after «Разблокировать» the page shows %q, want %q", b, want)
	}
	if none, want := staff.text(t, "main h1 ~ p:last-of-type"), e.cat.T("ru", "admin.locked.none"); none != want {
		t.Errorf("after the unlock the page says %q, want %q", none, want)
	}
	e.look(t, staff, "admin-unlocked")

	tb.open(t, e.baseURL+"/login", http.StatusOK)
	e.signInHere(t, tb, u.Email, demo.Password, u.Phone)
	tb.wantPath(t, "/cabinet")
	if who := tb.signedInAs(t); who != u.FullName {
		t.Errorf("signed in as %q, want %q", who, u.FullName)
	}
}
