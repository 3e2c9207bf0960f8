package web

import (
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/notify"
)

// Passkeys (A3): Face ID, fingerprint or a security key, through WebAuthn. A passkey is a
// phishing-resistant credential on its own, so signing in with one needs no second code.

// passkeyUser adapts an account to the webauthn.User the library asks for.
type passkeyUser struct {
	u     account.User
	creds []webauthn.Credential
}

// handle is the WebAuthn user handle: the account id, which is neither secret nor personal.
func handle(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func (p passkeyUser) WebAuthnID() []byte                         { return handle(p.u.ID) }
func (p passkeyUser) WebAuthnName() string                       { return orDefault(p.u.Email, p.u.Phone) }
func (p passkeyUser) WebAuthnDisplayName() string                { return p.u.FullName }
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

func (s *Server) passkeyUserOf(r *http.Request, u account.User) (passkeyUser, error) {
	rows, err := s.db.QueryContext(r.Context(), `SELECT data FROM webauthn_credentials WHERE user_id = $1`, u.ID)
	if err != nil {
		return passkeyUser{}, err
	}
	defer rows.Close()
	pu := passkeyUser{u: u}
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return pu, err
		}
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return pu, err
		}
		pu.creds = append(pu.creds, c)
	}
	return pu, rows.Err()
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// beginPasskeyRegistration returns the creation options for navigator.credentials.create; the
// challenge waits in a flow.
func (s *Server) beginPasskeyRegistration(w http.ResponseWriter, r *http.Request) error {
	if s.webauthn == nil {
		return apperr.NotFound
	}
	c := currentUser(r)
	pu, err := s.passkeyUserOf(r, c.User)
	if err != nil {
		return err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(pu.creds))
	for _, cr := range pu.creds {
		exclude = append(exclude, cr.Descriptor())
	}
	opts, session, err := s.webauthn.BeginRegistration(pu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return err
	}
	token, err := account.StartFlow(r.Context(), s.db, "passkey_register", c.User.ID, session, time.Now())
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	return writeJSON(w, http.StatusOK, opts)
}

// finishPasskeyRegistration checks the authenticator's answer and stores the new passkey.
func (s *Server) finishPasskeyRegistration(w http.ResponseWriter, r *http.Request) error {
	if s.webauthn == nil {
		return apperr.NotFound
	}
	ctx := r.Context()
	c := currentUser(r)
	fl, session, err := s.passkeyFlow(r, "passkey_register")
	if err != nil || fl.UserID != c.User.ID {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.cat.T(languageOf(r), "passkey.err_expired")})
	}
	pu, err := s.passkeyUserOf(r, c.User)
	if err != nil {
		return err
	}
	cred, err := s.webauthn.FinishRegistration(pu, session, r)
	if err != nil {
		_ = s.audit(ctx, r, c.User.ID, "auth.passkey_add", userTarget(c.User.ID), audit.Failure, map[string]string{"reason": "verification"})
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.cat.T(languageOf(r), "passkey.err_failed")})
	}
	data, _ := json.Marshal(cred)
	name := browserName(r.UserAgent())
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.EndFlow(ctx, tx, fl.IDHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webauthn_credentials (user_id, credential_id, name, data, created_at) VALUES ($1, $2, $3, $4, $5)`,
			c.User.ID, cred.ID, name, string(data), time.Now().UTC()); err != nil {
			return err
		}
		if err := s.notifySecurity(ctx, tx, c.User.ID, notify.PasskeyAdded); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, c.User.ID, "auth.passkey_add", userTarget(c.User.ID), audit.OK, map[string]string{"name": name}))
	})
	if err != nil {
		return err
	}
	s.notes.Publish(c.User.ID)
	s.setCookie(w, s.flowCookie(), "", -1)
	s.flash(w, "security.flash.passkey_added")
	return writeJSON(w, http.StatusOK, map[string]string{"redirect": "/profile/security"})
}

func (s *Server) passkeyFlow(r *http.Request, kind string) (account.Flow, webauthn.SessionData, error) {
	var session webauthn.SessionData
	c, err := r.Cookie(s.flowCookie())
	if err != nil {
		return account.Flow{}, session, apperr.NotFound
	}
	fl, err := account.GetFlow(r.Context(), s.db, c.Value, kind, time.Now())
	if err != nil {
		return fl, session, err
	}
	err = json.Unmarshal(fl.Data, &session)
	return fl, session, err
}

// deletePasskey removes one of the user's own passkeys.
func (s *Server) deletePasskey(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := currentUser(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2`, id, c.User.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.NotFound // not this user's: the same answer as a missing one
		}
		return audit.Record(ctx, tx, s.entry(r, c.User.ID, "auth.passkey_delete", userTarget(c.User.ID), audit.OK, map[string]string{"id": itoa(id)}))
	})
	if err != nil {
		return err
	}
	s.flash(w, "security.flash.passkey_deleted")
	http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
	return nil
}

// beginPasskeyLogin returns the request options for a sign-in with any passkey of this site.
func (s *Server) beginPasskeyLogin(w http.ResponseWriter, r *http.Request) error {
	if s.webauthn == nil {
		return apperr.NotFound
	}
	opts, session, err := s.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return err
	}
	token, err := account.StartFlow(r.Context(), s.db, "passkey_login", 0, session, time.Now())
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	return writeJSON(w, http.StatusOK, opts)
}

// finishPasskeyLogin verifies the assertion, finds the account by the user handle and credential,
// and opens a session.
func (s *Server) finishPasskeyLogin(w http.ResponseWriter, r *http.Request) error {
	if s.webauthn == nil {
		return apperr.NotFound
	}
	ctx := r.Context()
	lang := languageOf(r)
	failed := func(msg string) error {
		return writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.cat.T(lang, msg)})
	}
	if refused, err := s.refuseRegion(ctx, r, "auth.passkey", "passkey"); err != nil || refused {
		if err != nil {
			return err
		}
		return failed("auth.login.region")
	}
	fl, session, err := s.passkeyFlow(r, "passkey_login")
	if err != nil {
		return failed("passkey.err_expired")
	}
	var found account.User
	user, cred, err := s.webauthn.FinishPasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
		if len(userHandle) != 8 {
			return nil, apperr.NotFound
		}
		u, err := account.Get(ctx, s.db, int64(binary.BigEndian.Uint64(userHandle)))
		if err != nil {
			return nil, err
		}
		found = u
		return s.passkeyUserOf(r, u)
	}, session, r)
	_ = account.EndFlow(ctx, s.db, fl.IDHash)
	s.setCookie(w, s.flowCookie(), "", -1)
	if err != nil || user == nil {
		_ = s.audit(ctx, r, found.ID, "auth.login", userTarget(found.ID), audit.Failure, map[string]string{"method": "passkey"})
		return failed("passkey.err_failed")
	}
	if found.Locked() {
		_ = s.audit(ctx, r, found.ID, "auth.login", userTarget(found.ID), audit.Refused, map[string]string{"reason": "locked", "method": "passkey"})
		return failed("auth.login.locked")
	}
	data, _ := json.Marshal(cred)
	if _, err := s.db.ExecContext(ctx, `UPDATE webauthn_credentials SET data = $1, last_used_at = $2 WHERE credential_id = $3 AND user_id = $4`,
		string(data), time.Now().UTC(), cred.ID, found.ID); err != nil {
		return err
	}
	token, err := s.openSession(r, "", found, "passkey")
	if err != nil {
		return err
	}
	s.setCookie(w, s.sessionCookie(), token, 0)
	next := localPath(orDefault(r.URL.Query().Get("next"), "/cabinet"))
	return writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
}
