package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
)

type activatePage struct {
	basePage
	Token     string
	Code      Field
	Password  Field
	Password2 Field
	Terms     Field
	Consent   Field
	Summary   ErrorSummary
	Invalid   bool // the link is unknown, used or expired
}

func (s *Server) activateForm(r *http.Request, f *form, p *activatePage) {
	b := &p.basePage
	p.Code = f.field(b, Field{Name: "code", Label: "auth.activate.code", Hint: "auth.activate.code_hint", Autocomplete: "one-time-code", InputMode: "numeric", Width: "short", Required: true})
	p.Password = f.field(b, Field{Name: "password", Type: "password", Label: "auth.password.new", Hint: "auth.password.hint", Autocomplete: "new-password", Required: true})
	p.Password2 = f.field(b, Field{Name: "password2", Type: "password", Label: "auth.password.repeat", Autocomplete: "new-password", Required: true})
	p.Terms = f.field(b, Field{ID: "f-terms", Name: "terms", Label: "auth.activate.terms", Required: true, Value: r.PostFormValue("terms")})
	p.Consent = f.field(b, Field{ID: "f-consent", Name: "consent", Label: "auth.activate.consent", Hint: "auth.activate.consent_hint", Required: true, Value: r.PostFormValue("consent")})
	p.Summary = f.summary(b)
}

// showActivate is where the activation link from the e-mail leads: the SMS code, a password and
// the two consents (A4).
func (s *Server) showActivate(w http.ResponseWriter, r *http.Request) error {
	p := &activatePage{basePage: s.newBase(w, r), Token: r.URL.Query().Get("token")}
	if _, err := account.UserByLink(r.Context(), s.db, p.Token, account.PurposeActivation, time.Now()); err != nil {
		p.Invalid = true
		return s.render(w, r, http.StatusNotFound, "auth/activate", p)
	}
	s.activateForm(r, newForm(r), p)
	return s.render(w, r, http.StatusOK, "auth/activate", p)
}

// checkNewPassword applies the password policy and the repetition, recording problems in f.
func checkNewPassword(f *form, pw, pw2 string, personal ...string) {
	switch err := account.CheckPasswordPolicy(pw, personal...); {
	case errors.Is(err, account.ErrPasswordShort):
		f.fail("password", "auth.password.err_short")
	case errors.Is(err, account.ErrPasswordLong):
		f.fail("password", "auth.password.err_long")
	case errors.Is(err, account.ErrPasswordCommon):
		f.fail("password", "auth.password.err_common")
	}
	if pw != pw2 {
		f.fail("password2", "auth.password.err_mismatch")
	}
}

// activate sets the password and records the consents with their time and text version.
func (s *Server) activate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := time.Now()
	p := &activatePage{basePage: s.newBase(w, r), Token: r.PostFormValue("token")}
	userID, err := account.UserByLink(ctx, s.db, p.Token, account.PurposeActivation, now)
	if err != nil {
		p.Invalid = true
		return s.render(w, r, http.StatusNotFound, "auth/activate", p)
	}
	u, err := account.Get(ctx, s.db, userID)
	if err != nil {
		return err
	}
	f := newForm(r)
	if r.PostFormValue("code") == "" {
		f.fail("code", "auth.code.err_required")
	}
	checkNewPassword(f, r.PostFormValue("password"), r.PostFormValue("password2"), u.Email, u.Phone)
	if r.PostFormValue("terms") != "yes" {
		f.fail("terms", "auth.activate.err_terms")
	}
	if r.PostFormValue("consent") != "yes" {
		f.fail("consent", "auth.activate.err_consent")
	}
	if f.ok() {
		hash, err := account.HashPassword(r.PostFormValue("password"))
		if err != nil {
			return err
		}
		err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
			if err := account.VerifyCode(ctx, tx, userID, account.PurposeActivation, r.PostFormValue("code"), now); err != nil {
				return err
			}
			if err := account.SetPassword(ctx, tx, userID, hash, now); err != nil {
				return err
			}
			for _, kind := range []string{"terms", "personal_data"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO consents (user_id, kind, version, accepted_at, ip) VALUES ($1, $2, $3, $4, $5)`,
					userID, kind, TermsVersion, now.UTC(), s.clientIP(r)); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, s.entry(r, userID, "account.activate", userTarget(userID), audit.OK,
				map[string]string{"terms_version": TermsVersion}))
		})
		if msgID := codeProblem(err); msgID != "" {
			// The failed attempt is counted in its own transaction, since the one above rolled back.
			_ = account.VerifyCode(ctx, s.db, userID, account.PurposeActivation, r.PostFormValue("code"), now)
			f.fail("code", msgID)
		} else if err != nil {
			return err
		} else {
			s.flash(w, "auth.flash.activated")
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
	}
	s.activateForm(r, f, p)
	return s.render(w, r, http.StatusUnprocessableEntity, "auth/activate", p)
}
