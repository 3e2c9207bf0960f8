package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/notify"
	"github.com/opvk/cabinet/internal/rules"
)

type loginPage struct {
	basePage
	Next     string
	Expired  bool
	Message  string // message id of a refusal shown as a banner (locked, throttled, region)
	Wait     int    // seconds to wait when throttled
	Login    Field
	Password Field
	Summary  ErrorSummary
	ESIA     bool
	Passkeys bool
}

// loginFlow is what the server keeps between the password and the code.
type loginFlow struct {
	Next    string          `json:"next"`
	Channel account.Channel `json:"channel"`
}

func (s *Server) loginForm(r *http.Request, f *form, p *loginPage) {
	p.Next = localPath(orDefault(r.FormValue("next"), "/cabinet"))
	p.Login = f.field(&p.basePage, Field{Name: "login", Label: "auth.login.login", Hint: "auth.login.login_hint", Autocomplete: "username", Required: true})
	p.Password = f.field(&p.basePage, Field{Name: "password", Type: "password", Label: "auth.login.password", Autocomplete: "current-password", Required: true})
	p.Summary = f.summary(&p.basePage)
	p.ESIA = s.esia != nil
	p.Passkeys = s.webauthn != nil
}

// showLogin is the sign-in page. ?expired=1 says the session ended («Сессия истекла»).
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) error {
	if currentUser(r) != nil {
		http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
		return nil
	}
	p := &loginPage{basePage: s.newBase(w, r), Expired: r.URL.Query().Get("expired") == "1"}
	s.loginForm(r, newForm(r), p)
	return s.render(w, r, http.StatusOK, "auth/login", p)
}

// normalizeLogin turns what people type as a login into the stored form: a phone into E.164, an
// e-mail into lower case. Anything else is kept, and simply matches nobody.
func normalizeLogin(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		return strings.ToLower(s)
	}
	if p, problem := rules.Phone(s); problem == "" {
		return p
	}
	return s
}

// refuseRegion checks the address against the allowed regions (A8) and, when it is refused,
// records it.
func (s *Server) refuseRegion(ctx context.Context, r *http.Request, action, login string) (bool, error) {
	if s.region == nil {
		return false, nil
	}
	addr, err := netip.ParseAddr(s.clientIP(r))
	ok, country := false, ""
	if err == nil {
		ok, country = s.region.Allow(addr)
	}
	if ok {
		return false, nil
	}
	return true, s.audit(ctx, r, 0, action, "login:"+login, audit.Refused, map[string]string{"reason": "region", "country": country})
}

// audit writes one audit entry in its own transaction (for events that change nothing else).
func (s *Server) audit(ctx context.Context, r *http.Request, actor int64, action, target, outcome string, details map[string]string) error {
	return db.InTx(ctx, s.db, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, s.entry(r, actor, action, target, outcome, details))
	})
}

// entry is an audit entry about request r.
func (s *Server) entry(r *http.Request, actor int64, action, target, outcome string, details map[string]string) audit.Entry {
	return audit.Entry{At: time.Now(), ActorID: actor, IP: s.clientIP(r), UserAgent: r.UserAgent(), Action: action,
		Target: target, Outcome: outcome, Details: details}
}

// login checks the login and password (A2, A6) and, when they are right, sends the one-time code
// and moves to the code page. An unknown login and a wrong password get the same answer, after
// the same work (a dummy hash is checked for an unknown login), so nobody learns which logins
// exist.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := newForm(r)
	p := &loginPage{basePage: s.newBase(w, r)}
	login := normalizeLogin(r.PostFormValue("login"))
	password := r.PostFormValue("password")
	if login == "" {
		f.fail("login", "auth.login.err_login_required")
	}
	if password == "" {
		f.fail("password", "auth.login.err_password_required")
	}
	if !f.ok() {
		s.loginForm(r, f, p)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/login", p)
	}
	refuse := func(status int, msg string) error {
		p.Message = msg
		s.loginForm(r, newForm(r), p)
		return s.render(w, r, status, "auth/login", p)
	}
	if refused, err := s.refuseRegion(ctx, r, "auth.login", login); err != nil || refused {
		if err != nil {
			return err
		}
		return refuse(http.StatusForbidden, "auth.login.region")
	}
	now := time.Now()
	ipKey, loginKey := "ip:"+s.clientIP(r), "login:"+login
	wait := time.Duration(0)
	for _, k := range []string{ipKey, loginKey} {
		d, err := account.ThrottleWait(ctx, s.db, k, now)
		if err != nil {
			return err
		}
		wait = max(wait, d)
	}
	if wait > 0 {
		p.Wait = int(wait.Seconds()) + 1
		return refuse(http.StatusTooManyRequests, "auth.login.throttled")
	}

	u, err := account.ByLogin(ctx, s.db, login)
	known := err == nil
	if err != nil && !isNotFoundErr(err) {
		return err
	}
	if !account.VerifyPassword(u.PasswordHash, password) {
		locked := false
		err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
			for _, k := range []string{ipKey, loginKey} {
				if _, err := account.ThrottleFailure(ctx, tx, k, now); err != nil {
					return err
				}
			}
			details := map[string]string{"login": maskLogin(login), "reason": "password"}
			if known && !u.Locked() {
				var err error
				if locked, err = account.RecordFailedLogin(ctx, tx, u.ID, s.cfg.LockoutAttempts, now); err != nil {
					return err
				}
				if locked {
					if err := audit.Record(ctx, tx, s.entry(r, 0, "auth.lock", userTarget(u.ID), audit.OK,
						map[string]string{"reason": "failed_logins"})); err != nil {
						return err
					}
				}
			}
			return audit.Record(ctx, tx, s.entry(r, 0, "auth.login", "login:"+maskLogin(login), audit.Failure, details))
		})
		if err != nil {
			return err
		}
		if locked || (known && u.Locked()) {
			return refuse(http.StatusForbidden, "auth.login.locked")
		}
		f.fail("password", "auth.login.err_wrong")
		s.loginForm(r, f, p)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/login", p)
	}
	if u.Locked() {
		if err := s.audit(ctx, r, u.ID, "auth.login", userTarget(u.ID), audit.Refused, map[string]string{"reason": "locked"}); err != nil {
			return err
		}
		return refuse(http.StatusForbidden, "auth.login.locked")
	}
	if u.Status != account.Active {
		return refuse(http.StatusForbidden, "auth.login.pending")
	}
	if err := account.ThrottleReset(ctx, s.db, loginKey); err != nil {
		return err
	}
	next := localPath(orDefault(r.PostFormValue("next"), "/cabinet"))
	return s.startSecondFactor(w, r, u, next, u.SecondFactor)
}

// startSecondFactor opens the code step of a sign-in: the flow is stored, the code sent (except for
// the authenticator app, which makes its own) and the browser sent to the code page.
func (s *Server) startSecondFactor(w http.ResponseWriter, r *http.Request, u account.User, next string, ch account.Channel) error {
	ctx := r.Context()
	now := time.Now()
	if ch == account.TOTP && u.TOTPSecret == "" {
		ch = account.SMS
	}
	if ch == account.SMS && u.Phone == "" {
		ch = account.Email
	}
	var token string
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.ResetFailedLogins(ctx, tx, u.ID); err != nil {
			return err
		}
		var err error
		token, err = account.StartFlow(ctx, tx, "login", u.ID, loginFlow{Next: next, Channel: ch}, now)
		if err != nil {
			return err
		}
		if ch != account.TOTP {
			if err := s.sendCode(r, tx, u, account.PurposeLogin, ch, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.entry(r, u.ID, "auth.password", userTarget(u.ID), audit.OK, map[string]string{"second_factor": string(ch)}))
	})
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	http.Redirect(w, r, "/login/code", http.StatusSeeOther)
	return nil
}

type codePage struct {
	basePage
	Channel account.Channel
	Target  string // masked phone or e-mail the code went to
	Code    Field
	Summary ErrorSummary
	Message string
	CanSMS  bool
	CanMail bool
}

func (s *Server) loginFlowOf(r *http.Request) (account.Flow, loginFlow, account.User, error) {
	c, err := r.Cookie(s.flowCookie())
	if err != nil {
		return account.Flow{}, loginFlow{}, account.User{}, errFlowGone
	}
	fl, err := account.GetFlow(r.Context(), s.db, c.Value, "login", time.Now())
	if err != nil {
		return account.Flow{}, loginFlow{}, account.User{}, errFlowGone
	}
	var lf loginFlow
	_ = json.Unmarshal(fl.Data, &lf)
	u, err := account.Get(r.Context(), s.db, fl.UserID)
	return fl, lf, u, err
}

// errFlowGone sends the user back to the start of sign-in: the flow expired or never existed.
var errFlowGone = errors.New("sign-in flow gone")

func (s *Server) codeForm(r *http.Request, f *form, p *codePage, u account.User, lf loginFlow) {
	p.Channel = lf.Channel
	p.CanSMS, p.CanMail = u.Phone != "", u.Email != ""
	switch lf.Channel {
	case account.SMS:
		p.Target = maskPhone(u.Phone)
	case account.Email:
		p.Target = maskEmail(u.Email)
	}
	hint := "auth.code.hint_" + string(lf.Channel)
	inputMode := "numeric"
	if lf.Channel == account.TOTP {
		inputMode = "" // a recovery code (abcde-fghjk) has letters, which a numeric keypad lacks
	}
	p.Code = f.field(&p.basePage, Field{Name: "code", Label: "auth.code.label", Hint: hint, Autocomplete: "one-time-code",
		InputMode: inputMode, Width: "short", Required: true})
	p.Summary = f.summary(&p.basePage)
}

// showCode asks for the one-time code of a sign-in in progress.
func (s *Server) showCode(w http.ResponseWriter, r *http.Request) error {
	_, lf, u, err := s.loginFlowOf(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	p := &codePage{basePage: s.newBase(w, r)}
	s.codeForm(r, newForm(r), p, u, lf)
	return s.render(w, r, http.StatusOK, "auth/code", p)
}

// checkCode finishes a sign-in: a right code opens a new session (a new token, so a token planted
// before sign-in is worthless) and returns the user to where they were going.
func (s *Server) checkCode(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fl, lf, u, err := s.loginFlowOf(r)
	if err != nil {
		s.flash(w, "auth.flash.flow_gone")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	now := time.Now()
	// The code is checked on its own, outside the transaction below: a wrong guess must be
	// counted (and stay counted) even though nothing else happens.
	method := "password+" + string(lf.Channel)
	var verr error
	switch {
	case lf.Channel == account.TOTP && strings.Contains(code, "-"):
		verr, method = account.UseRecoveryCode(ctx, s.db, u.ID, code, now), "password+recovery_code"
	case lf.Channel == account.TOTP:
		verr = account.VerifyTOTP(ctx, s.db, s.sealer, u, code, now)
	default:
		verr = account.VerifyCode(ctx, s.db, u.ID, account.PurposeLogin, code, now)
	}
	if codeErr := codeProblem(verr); codeErr != "" {
		if aerr := s.audit(ctx, r, u.ID, "auth.code", userTarget(u.ID), audit.Failure, map[string]string{"reason": codeErr}); aerr != nil {
			return aerr
		}
		f := newForm(r)
		f.fail("code", codeErr)
		p := &codePage{basePage: s.newBase(w, r)}
		s.codeForm(r, f, p, u, lf)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/code", p)
	}
	if verr != nil {
		return verr
	}
	token, err := s.openSession(r, fl.IDHash, u, method)
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), "", -1)
	s.setCookie(w, s.sessionCookie(), token, 0)
	http.Redirect(w, r, lf.Next, http.StatusSeeOther)
	return nil
}

// openSession ends the sign-in flow (if any) and starts a session, with its audit entry, in one
// transaction, and returns the cookie's token.
func (s *Server) openSession(r *http.Request, flowHash string, u account.User, method string) (string, error) {
	ctx := r.Context()
	var token string
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if flowHash != "" {
			if err := account.EndFlow(ctx, tx, flowHash); err != nil {
				return err
			}
		}
		// A sign-in from a browser this account has not used before is announced (E1), except
		// the very first sign-in of an account, which is expected.
		var seen, before bool
		if err := tx.QueryRowContext(ctx, `SELECT
				EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND user_agent = $2),
				EXISTS (SELECT 1 FROM sessions WHERE user_id = $1)`, u.ID, truncateUA(r.UserAgent())).Scan(&seen, &before); err != nil {
			return err
		}
		var err error
		token, err = account.CreateSession(ctx, tx, u.ID, s.clientIP(r), r.UserAgent(), method, s.cfg.SessionMax, time.Now())
		if err != nil {
			return err
		}
		if before && !seen {
			if err := s.notifySecurity(ctx, tx, u.ID, notify.NewSignIn); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.entry(r, u.ID, "auth.login", userTarget(u.ID), audit.OK, map[string]string{"method": method}))
	})
	if err == nil {
		s.notes.Publish(u.ID)
	}
	return token, err
}

// truncateUA is the User-Agent as sessions store it.
func truncateUA(ua string) string {
	if len(ua) > 300 {
		return ua[:300]
	}
	return ua
}

// notifySecurity tells the user about a change to the security of their account (a new
// browser, a new password, a new passkey), in the transaction of that change. These
// notifications cannot be switched off.
func (s *Server) notifySecurity(ctx context.Context, tx *db.Tx, userID int64, kind notify.Kind) error {
	return notify.Notify(ctx, tx, s.jobs, notify.Event{UserID: userID, Kind: kind, Link: "/profile/security"})
}

// codeProblem maps a code error to its message id ("" when err is not about the code).
func codeProblem(err error) string {
	switch {
	case errors.Is(err, account.ErrCodeWrong):
		return "auth.code.err_wrong"
	case errors.Is(err, account.ErrCodeAttempts):
		return "auth.code.err_attempts"
	case errors.Is(err, account.ErrCodeExpired):
		return "auth.code.err_expired"
	}
	return ""
}

// resendCode sends a new code, by the channel the user picks, at a throttled pace.
func (s *Server) resendCode(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fl, lf, u, err := s.loginFlowOf(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	ch := account.Channel(r.PostFormValue("channel"))
	if (ch != account.SMS || u.Phone == "") && (ch != account.Email || u.Email == "") {
		ch = lf.Channel
	}
	if ch == account.TOTP {
		ch = account.SMS
	}
	now := time.Now()
	key := fmt.Sprintf("send:%d", u.ID)
	if wait, err := account.ThrottleWait(ctx, s.db, key, now); err != nil || wait > 0 {
		if err != nil {
			return err
		}
		s.flash(w, "auth.flash.resend_wait")
		http.Redirect(w, r, "/login/code", http.StatusSeeOther)
		return nil
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if _, err := account.ThrottleFailure(ctx, tx, key, now); err != nil {
			return err
		}
		lf.Channel = ch
		raw, _ := json.Marshal(lf)
		if _, err := tx.ExecContext(ctx, `UPDATE auth_flows SET data = $1 WHERE id_hash = $2`, string(raw), fl.IDHash); err != nil {
			return err
		}
		return s.sendCode(r, tx, u, account.PurposeLogin, ch, now)
	})
	if err != nil {
		return err
	}
	s.flash(w, "auth.flash.code_sent")
	http.Redirect(w, r, "/login/code", http.StatusSeeOther)
	return nil
}

// logout ends the session (A5) and forgets the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	c := currentUser(r)
	if c != nil {
		err := db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
			if err := account.EndSession(r.Context(), tx, c.Session.IDHash, "logout", time.Now()); err != nil {
				return err
			}
			return audit.Record(r.Context(), tx, s.entry(r, c.User.ID, "auth.logout", userTarget(c.User.ID), audit.OK, nil))
		})
		if err != nil {
			return err
		}
	}
	s.setCookie(w, s.sessionCookie(), "", -1)
	s.flash(w, "auth.flash.logged_out")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func userTarget(id int64) string { return fmt.Sprintf("user:%d", id) }

// maskLogin keeps enough of a login for support to recognise it in the audit log without the log
// becoming a list of everyone's contacts.
func maskLogin(login string) string {
	if strings.Contains(login, "@") {
		return maskEmail(login)
	}
	return maskPhone(login)
}

func maskPhone(p string) string {
	if len(p) < 6 {
		return "***"
	}
	return p[:len(p)-6] + "***" + p[len(p)-2:]
}

func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}
