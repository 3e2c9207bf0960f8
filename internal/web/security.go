package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
)

type sessionRow struct {
	ID        string // the id hash, which names the session in the end button
	Current   bool
	Started   string
	LastSeen  string
	IP        string
	Browser   string
	Method    string
	StartedAt time.Time
}

type passkeyRow struct {
	ID       int64
	Name     string
	Created  string
	LastUsed string
}

type securityPage struct {
	basePage
	Sessions      []sessionRow
	SecondFactor  string
	HasTOTP       bool
	Enrolment     *account.Enrolment
	EnrolCode     Field
	Summary       ErrorSummary
	RecoveryCodes []string
	ESIAOn        bool
	ESIALinked    bool
	Passkeys      []passkeyRow
	PasskeysOn    bool
}

func (s *Server) securityPage(w http.ResponseWriter, r *http.Request) (*securityPage, error) {
	ctx := r.Context()
	c := currentUser(r)
	p := &securityPage{basePage: s.newBase(w, r), SecondFactor: string(c.User.SecondFactor), HasTOTP: c.User.TOTPSecret != "",
		ESIAOn: s.esia != nil, PasskeysOn: s.webauthn != nil}
	sessions, err := account.ListSessions(ctx, s.db, c.User.ID, time.Now())
	if err != nil {
		return nil, err
	}
	for _, ss := range sessions {
		p.Sessions = append(p.Sessions, sessionRow{ID: ss.IDHash[:16], Current: ss.IDHash == c.Session.IDHash,
			Started: i18n.DateTime(p.Lang, ss.CreatedAt, moscow), LastSeen: i18n.DateTime(p.Lang, ss.LastSeenAt, moscow),
			IP: ss.IP, Browser: browserName(ss.UserAgent), Method: p.T("auth.method." + methodKey(ss.Method)), StartedAt: ss.CreatedAt})
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM identities WHERE user_id = $1 AND provider = 'esia'`, c.User.ID).Scan(&n); err != nil {
		return nil, err
	}
	p.ESIALinked = n > 0
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at, last_used_at FROM webauthn_credentials WHERE user_id = $1 ORDER BY id`, c.User.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pk passkeyRow
		var created time.Time
		var used *time.Time
		if err := rows.Scan(&pk.ID, &pk.Name, &created, &used); err != nil {
			return nil, err
		}
		pk.Created = i18n.DateTime(p.Lang, created, moscow)
		if used != nil {
			pk.LastUsed = i18n.DateTime(p.Lang, *used, moscow)
		}
		p.Passkeys = append(p.Passkeys, pk)
	}
	return p, rows.Err()
}

// moscow is the zone times are shown in until the user's own zone is known.
var moscow = time.FixedZone("MSK", 3*3600)

func methodKey(m string) string {
	switch m {
	case "password+sms", "password+email", "password+totp", "password+recovery_code", "passkey", "esia":
		return m
	}
	return "unknown"
}

// browserName is a short human name of a User-Agent for the list of sessions.
func browserName(ua string) string {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Microsoft Edge"}, {"YaBrowser/", "Яндекс Браузер"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"},
		{"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	if ua == "" {
		return "—"
	}
	if len(ua) > 40 {
		return ua[:40] + "…"
	}
	return ua
}

// showSecurity lists the sessions, the second factor, the authenticator app, ЕСИА and passkeys.
func (s *Server) showSecurity(w http.ResponseWriter, r *http.Request) error {
	p, err := s.securityPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "profile/security", p)
}

// endSession ends one of the user's own sessions; the id names only sessions of this user.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := currentUser(r)
	id := r.PathValue("id")
	sessions, err := account.ListSessions(ctx, s.db, c.User.ID, time.Now())
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		if len(id) == 16 && ss.IDHash[:16] == id {
			err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
				if err := account.EndSession(ctx, tx, ss.IDHash, "ended_by_user", time.Now()); err != nil {
					return err
				}
				return audit.Record(ctx, tx, s.entry(r, c.User.ID, "auth.session_end", userTarget(c.User.ID), audit.OK,
					map[string]string{"session": id}))
			})
			if err != nil {
				return err
			}
			if ss.IDHash == c.Session.IDHash {
				s.setCookie(w, s.sessionCookie(), "", -1)
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return nil
			}
			s.flash(w, "security.flash.session_ended")
			http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
			return nil
		}
	}
	return apperr.NotFound
}

// endOtherSessions ends every session of the user but this one.
func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := currentUser(r)
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		n, err := account.EndUserSessions(ctx, tx, c.User.ID, c.Session.IDHash, "ended_by_user", time.Now())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, c.User.ID, "auth.session_end_others", userTarget(c.User.ID), audit.OK,
			map[string]string{"count": itoa(n)}))
	})
	if err != nil {
		return err
	}
	s.flash(w, "security.flash.others_ended")
	http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
	return nil
}

// setSecondFactor chooses how the sign-in code arrives: SMS, e-mail or the app (when enrolled).
func (s *Server) setSecondFactor(w http.ResponseWriter, r *http.Request) error {
	c := currentUser(r)
	ch := account.Channel(r.PostFormValue("second_factor"))
	switch {
	case ch == account.SMS && c.User.Phone != "", ch == account.Email && c.User.Email != "", ch == account.TOTP && c.User.TOTPSecret != "":
	default:
		return fmt.Errorf("%w: second factor %q", apperr.Invalid, ch)
	}
	err := db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
		if err := account.SetSecondFactor(r.Context(), tx, c.User.ID, ch, time.Now()); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, s.entry(r, c.User.ID, "auth.second_factor", userTarget(c.User.ID), audit.OK,
			map[string]string{"channel": string(ch)}))
	})
	if err != nil {
		return err
	}
	s.flash(w, "security.flash.saved")
	http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
	return nil
}

// enrolCodeField is the first code from the authenticator app.
var enrolCodeField = Field{Name: "code", Label: "security.totp.code", Hint: "security.totp.code_hint",
	Autocomplete: "one-time-code", InputMode: "numeric", Width: "short", Required: true}

type totpFlow struct {
	Secret string `json:"secret"`
}

// startTOTP makes a new authenticator secret and shows its QR code; the secret waits in a flow
// until the first code proves the app has it.
func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request) error {
	c := currentUser(r)
	e, err := account.NewEnrolment(orDefault(c.User.Email, c.User.Phone))
	if err != nil {
		return err
	}
	token, err := account.StartFlow(r.Context(), s.db, "totp", c.User.ID, totpFlow{Secret: e.Secret}, time.Now())
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	p, err := s.securityPage(w, r)
	if err != nil {
		return err
	}
	p.Enrolment = &e
	f := newForm(r)
	p.EnrolCode = f.field(&p.basePage, enrolCodeField)
	return s.render(w, r, http.StatusOK, "profile/security", p)
}

// confirmTOTP checks the first code from the app, enables it as the second factor, and shows ten
// recovery codes once.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := currentUser(r)
	cookie, err := r.Cookie(s.flowCookie())
	if err != nil {
		http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
		return nil
	}
	fl, err := account.GetFlow(ctx, s.db, cookie.Value, "totp", time.Now())
	if err != nil || fl.UserID != c.User.ID {
		s.flash(w, "auth.flash.flow_gone")
		http.Redirect(w, r, "/profile/security", http.StatusSeeOther)
		return nil
	}
	var tf totpFlow
	_ = json.Unmarshal(fl.Data, &tf)
	code := r.PostFormValue("code")
	if !account.CheckEnrolment(tf.Secret, code, time.Now()) {
		p, err := s.securityPage(w, r)
		if err != nil {
			return err
		}
		e, err := account.EnrolmentOf(orDefault(c.User.Email, c.User.Phone), tf.Secret)
		if err != nil {
			return err
		}
		p.Enrolment = &e
		f := newForm(r)
		f.fail("code", "auth.code.err_wrong")
		p.EnrolCode = f.field(&p.basePage, enrolCodeField)
		p.Summary = f.summary(&p.basePage)
		return s.render(w, r, http.StatusUnprocessableEntity, "profile/security", p)
	}
	var codes []string
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.EnableTOTP(ctx, tx, s.sealer, c.User.ID, tf.Secret, code, time.Now()); err != nil {
			return err
		}
		if err := account.EndFlow(ctx, tx, fl.IDHash); err != nil {
			return err
		}
		var err error
		if codes, err = account.NewRecoveryCodes(ctx, tx, c.User.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, c.User.ID, "auth.totp_enabled", userTarget(c.User.ID), audit.OK, nil))
	})
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), "", -1)
	c.User.SecondFactor, c.User.TOTPSecret = account.TOTP, s.sealer.Seal(tf.Secret)
	p, err := s.securityPage(w, r)
	if err != nil {
		return err
	}
	p.RecoveryCodes = codes
	return s.render(w, r, http.StatusOK, "profile/security", p)
}
