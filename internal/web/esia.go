package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/esia"
	"github.com/opvk/cabinet/internal/rules"
)

// esiaProvider is the key of ЕСИА identities in the identities table.
const esiaProvider = "esia"

// esiaFlow is what the server keeps between the redirect to ЕСИА and its callback.
type esiaFlow struct {
	OIDC esia.Flow `json:"oidc"`
	Next string    `json:"next"`
}

// startESIA sends the browser to ЕСИА (A1). For a signed-in user it links ЕСИА to the account
// instead (the flow then carries the user).
func (s *Server) startESIA(w http.ResponseWriter, r *http.Request) error {
	return s.redirectToESIA(w, r, 0, localPath(orDefault(r.URL.Query().Get("next"), "/cabinet")))
}

func (s *Server) redirectToESIA(w http.ResponseWriter, r *http.Request, linkUser int64, next string) error {
	if s.esia == nil {
		return apperr.NotFound
	}
	fl, authURL := s.esia.Start()
	token, err := account.StartFlow(r.Context(), s.db, "esia", linkUser, esiaFlow{OIDC: fl, Next: next}, time.Now())
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	http.Redirect(w, r, authURL, http.StatusSeeOther)
	return nil
}

// linkESIA starts linking ЕСИА to the signed-in local account.
func (s *Server) linkESIA(w http.ResponseWriter, r *http.Request) error {
	return s.redirectToESIA(w, r, currentUser(r).User.ID, "/profile/security")
}

type noLinkPage struct {
	basePage
	Reason string // message id
}

// finishESIA handles ЕСИА's answer: a linked person is signed in; a new person with enough data
// gets an account created from the claims; a person who matches an existing local account, or
// whose data is not enough, sees «Отсутствует привязка к ЕСИА» with what to do.
func (s *Server) finishESIA(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if s.esia == nil {
		return apperr.NotFound
	}
	c, err := r.Cookie(s.flowCookie())
	if err != nil {
		return s.esiaFailed(w, r, "esia.err_flow")
	}
	fl, err := account.GetFlow(ctx, s.db, c.Value, "esia", time.Now())
	if err != nil {
		return s.esiaFailed(w, r, "esia.err_flow")
	}
	var ef esiaFlow
	_ = json.Unmarshal(fl.Data, &ef)
	s.setCookie(w, s.flowCookie(), "", -1)
	if err := account.EndFlow(ctx, s.db, fl.IDHash); err != nil {
		return err
	}
	if e := r.URL.Query().Get("error"); e != "" {
		return s.esiaFailed(w, r, "esia.err_cancelled")
	}
	id, err := s.esia.Finish(ctx, ef.OIDC, r.URL.Query().Get("state"), r.URL.Query().Get("code"))
	if err != nil {
		_ = s.audit(ctx, r, fl.UserID, "auth.esia", "", audit.Failure, map[string]string{"reason": esiaReason(err)})
		return s.esiaFailed(w, r, "esia.err_failed")
	}
	subject := id.Issuer + "|" + id.Subject
	now := time.Now()

	if fl.UserID != 0 { // linking to the signed-in account
		me := currentUser(r)
		if me == nil || me.User.ID != fl.UserID {
			return apperr.Forbidden
		}
		err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)`,
				esiaProvider, subject, fl.UserID, now.UTC()); err != nil {
				return db.Map(err)
			}
			return audit.Record(ctx, tx, s.entry(r, fl.UserID, "auth.esia_link", userTarget(fl.UserID), audit.OK, nil))
		})
		if isConflict(err) {
			s.flash(w, "security.flash.esia_taken")
		} else if err != nil {
			return err
		} else {
			s.flash(w, "security.flash.esia_linked")
		}
		http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
		return nil
	}

	if refused, err := s.refuseRegion(ctx, r, "auth.esia", "esia"); err != nil || refused {
		if err != nil {
			return err
		}
		return errRegion
	}
	var userID int64
	err = s.db.QueryRowContext(ctx, `SELECT user_id FROM identities WHERE provider = $1 AND subject = $2`, esiaProvider, subject).Scan(&userID)
	switch {
	case err == nil:
	case isNotFoundErr(db.Map(err)):
		var reason string
		userID, reason, err = s.createFromESIA(r, id, subject)
		if err != nil {
			return err
		}
		if reason != "" {
			_ = s.audit(ctx, r, 0, "auth.esia", "esia:"+id.Subject, audit.Refused, map[string]string{"reason": reason})
			return s.render(w, r, http.StatusForbidden, "auth/esia_nolink", &noLinkPage{Reason: "esia.nolink." + reason})
		}
	default:
		return err
	}
	u, err := account.Get(ctx, s.db, userID)
	if err != nil {
		return err
	}
	if u.Locked() {
		_ = s.audit(ctx, r, u.ID, "auth.login", userTarget(u.ID), audit.Refused, map[string]string{"reason": "locked", "method": "esia"})
		p := &loginPage{basePage: s.newBase(w, r), Message: "auth.login.locked"}
		s.loginForm(r, newForm(r), p)
		return s.render(w, r, http.StatusForbidden, "auth/login", p)
	}
	token, err := s.openSession(r, "", u, "esia")
	if err != nil {
		return err
	}
	s.setCookie(w, s.sessionCookie(), token, 0)
	http.Redirect(w, r, localPath(ef.Next), http.StatusSeeOther)
	return nil
}

// createFromESIA makes a cabinet account for a person ЕСИА knows and we do not. It refuses (with a
// reason) when the person's e-mail or phone belongs to an existing local account, which must be
// linked by its owner after signing in, never silently; and when ЕСИА gave too little to make an
// account (a name and a phone or verified e-mail).
func (s *Server) createFromESIA(r *http.Request, id esia.Identity, subject string) (int64, string, error) {
	ctx := r.Context()
	name, prob := rules.PersonName(id.FullName)
	phone, phoneProb := rules.Phone(id.Phone)
	email, emailProb := rules.Email(id.Email)
	if !id.EmailVerified {
		email, emailProb = "", rules.Required
	}
	if prob != "" || (phoneProb != "" && emailProb != "") {
		return 0, "insufficient", nil
	}
	for _, login := range []string{email, phone} {
		if login == "" {
			continue
		}
		if _, err := account.ByLogin(ctx, s.db, login); err == nil {
			return 0, "existing", nil
		} else if !isNotFoundErr(err) {
			return 0, "", err
		}
	}
	inn, _ := rules.INNPerson(id.INN)
	snils, _ := rules.SNILS(id.SNILS)
	now := time.Now()
	var userID int64
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		userID, err = account.Create(ctx, tx, account.User{Kind: account.Individual, FullName: name, INN: inn, SNILS: snils,
			Phone: phone, Email: email, Status: account.Active, Lang: languageOf(r)}, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)`,
			esiaProvider, subject, userID, now.UTC()); err != nil {
			return db.Map(err)
		}
		return audit.Record(ctx, tx, s.entry(r, userID, "account.register", userTarget(userID), audit.OK, map[string]string{"via": "esia"}))
	})
	return userID, "", err
}

func esiaReason(err error) string {
	switch {
	case errors.Is(err, esia.ErrStateMismatch):
		return "state"
	case errors.Is(err, esia.ErrNonce):
		return "nonce"
	}
	return "exchange"
}

type esiaErrorPage struct {
	basePage
	Message string
}

func (s *Server) esiaFailed(w http.ResponseWriter, r *http.Request, msg string) error {
	return s.render(w, r, http.StatusBadRequest, "auth/esia_error", &esiaErrorPage{Message: msg})
}
