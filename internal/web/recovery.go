package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/notify"
)

type recoverPage struct {
	basePage
	Login     Field
	Channel   string
	Code      Field
	Password  Field
	Password2 Field
	Summary   ErrorSummary
}

type recoverFlow struct {
	Channel account.Channel `json:"channel"`
}

// showRecover asks for the login and the channel for the code (A7).
func (s *Server) showRecover(w http.ResponseWriter, r *http.Request) error {
	p := &recoverPage{basePage: s.newBase(w, r), Channel: "sms"}
	f := newForm(r)
	p.Login = f.field(&p.basePage, Field{Name: "login", Label: "auth.login.login", Hint: "auth.login.login_hint", Autocomplete: "username", Required: true})
	p.Summary = f.summary(&p.basePage)
	return s.render(w, r, http.StatusOK, "auth/recover", p)
}

// startRecover sends a recovery code when the login belongs to an active account. The answer is
// the same either way (a flow is opened for an unknown login too, whose code never works), so the
// page does not tell who has an account.
func (s *Server) startRecover(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := time.Now()
	login := normalizeLogin(r.PostFormValue("login"))
	if login == "" {
		p := &recoverPage{basePage: s.newBase(w, r), Channel: r.PostFormValue("channel")}
		f := newForm(r)
		f.fail("login", "auth.login.err_login_required")
		p.Login = f.field(&p.basePage, Field{Name: "login", Label: "auth.login.login", Hint: "auth.login.login_hint", Autocomplete: "username", Required: true})
		p.Summary = f.summary(&p.basePage)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/recover", p)
	}
	if refused, err := s.refuseRegion(ctx, r, "auth.recover", login); err != nil || refused {
		if err != nil {
			return err
		}
		return errRegion
	}
	key := "recover:" + s.clientIP(r)
	if wait, err := account.ThrottleWait(ctx, s.db, key, now); err != nil || wait > 0 {
		if err != nil {
			return err
		}
		s.flash(w, "auth.flash.resend_wait")
		http.Redirect(w, r, "/recover", http.StatusSeeOther)
		return nil
	}
	ch := account.Channel(r.PostFormValue("channel"))
	if ch != account.Email {
		ch = account.SMS
	}
	u, err := account.ByLogin(ctx, s.db, login)
	if err != nil && !isNotFoundErr(err) {
		return err
	}
	if ch == account.SMS && u.Phone == "" {
		ch = account.Email
	}
	var token string
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if _, err := account.ThrottleFailure(ctx, tx, key, now); err != nil {
			return err
		}
		var err error
		token, err = account.StartFlow(ctx, tx, "recover", u.ID, recoverFlow{Channel: ch}, now)
		if err != nil {
			return err
		}
		if u.ID == 0 || u.Status != account.Active {
			return audit.Record(ctx, tx, s.entry(r, 0, "auth.recover", "login:"+maskLogin(login), audit.Refused, map[string]string{"reason": "unknown"}))
		}
		return s.sendCode(r, tx, u, account.PurposeRecovery, ch, now)
	})
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	http.Redirect(w, r, "/recover/code", http.StatusSeeOther)
	return nil
}

// errRegion refuses a request from a region that is not allowed (A8) with the 403 page.
var errRegion = fmt.Errorf("%w: region not allowed", apperr.Forbidden)

func (s *Server) recoverCodeForm(r *http.Request, f *form, p *recoverPage) {
	b := &p.basePage
	p.Code = f.field(b, Field{Name: "code", Label: "auth.code.label", Hint: "auth.recover.code_hint_" + p.Channel, Autocomplete: "one-time-code", InputMode: "numeric", Width: "short", Required: true})
	p.Password = f.field(b, Field{Name: "password", Type: "password", Label: "auth.password.new", Hint: "auth.password.hint", Autocomplete: "new-password", Required: true})
	p.Password2 = f.field(b, Field{Name: "password2", Type: "password", Label: "auth.password.repeat", Autocomplete: "new-password", Required: true})
	p.Summary = f.summary(b)
}

func (s *Server) recoverFlowOf(r *http.Request) (account.Flow, recoverFlow, bool) {
	c, err := r.Cookie(s.flowCookie())
	if err != nil {
		return account.Flow{}, recoverFlow{}, false
	}
	fl, err := account.GetFlow(r.Context(), s.db, c.Value, "recover", time.Now())
	if err != nil {
		return account.Flow{}, recoverFlow{}, false
	}
	var rf recoverFlow
	_ = json.Unmarshal(fl.Data, &rf)
	return fl, rf, true
}

// showRecoverCode asks for the code and the new password.
func (s *Server) showRecoverCode(w http.ResponseWriter, r *http.Request) error {
	_, rf, ok := s.recoverFlowOf(r)
	if !ok {
		http.Redirect(w, r, "/recover", http.StatusSeeOther)
		return nil
	}
	p := &recoverPage{basePage: s.newBase(w, r), Channel: string(rf.Channel)}
	s.recoverCodeForm(r, newForm(r), p)
	return s.render(w, r, http.StatusOK, "auth/recover_code", p)
}

// finishRecover sets the new password and ends every session of the account, so whoever else was
// signed in is out. A locked account stays locked: recovery proves control of a phone or mailbox,
// not that the guessing which locked it was the owner's.
func (s *Server) finishRecover(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := time.Now()
	fl, rf, ok := s.recoverFlowOf(r)
	if !ok {
		s.flash(w, "auth.flash.flow_gone")
		http.Redirect(w, r, "/recover", http.StatusSeeOther)
		return nil
	}
	p := &recoverPage{basePage: s.newBase(w, r), Channel: string(rf.Channel)}
	f := newForm(r)
	var u account.User
	if fl.UserID != 0 {
		var err error
		if u, err = account.Get(ctx, s.db, fl.UserID); err != nil {
			return err
		}
	}
	checkNewPassword(f, r.PostFormValue("password"), r.PostFormValue("password2"), u.Email, u.Phone)
	if f.ok() {
		verr := account.ErrCodeExpired
		if u.ID != 0 {
			verr = account.VerifyCode(ctx, s.db, u.ID, account.PurposeRecovery, r.PostFormValue("code"), now)
		}
		if m := codeProblem(verr); m != "" {
			f.fail("code", m)
		} else if verr != nil {
			return verr
		}
	}
	if !f.ok() {
		s.recoverCodeForm(r, f, p)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/recover_code", p)
	}
	hash, err := account.HashPassword(r.PostFormValue("password"))
	if err != nil {
		return err
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.EndFlow(ctx, tx, fl.IDHash); err != nil {
			return err
		}
		if err := account.SetPassword(ctx, tx, u.ID, hash, now); err != nil {
			return err
		}
		n, err := account.EndUserSessions(ctx, tx, u.ID, "", "password_recovered", now)
		if err != nil {
			return err
		}
		if err := s.notifySecurity(ctx, tx, u.ID, notify.PasswordChanged); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, u.ID, "auth.password_recovered", userTarget(u.ID), audit.OK,
			map[string]string{"sessions_ended": itoa(n), "channel": string(rf.Channel)}))
	})
	if err != nil {
		return err
	}
	s.notes.Publish(u.ID)
	s.setCookie(w, s.flowCookie(), "", -1)
	if u.Locked() {
		s.flash(w, "auth.flash.recovered_locked")
	} else {
		s.flash(w, "auth.flash.recovered")
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
