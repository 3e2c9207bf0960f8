package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
)

// current is the signed-in user of a request and their session.
type current struct {
	User    account.User
	Session account.Session
}

type currentKey struct{}

// currentUser returns the request's signed-in user, or nil for a visitor.
func currentUser(r *http.Request) *current {
	c, _ := r.Context().Value(currentKey{}).(*current)
	return c
}

// sessionCookie is the cookie's name: with the __Host- prefix under TLS, which binds it to this
// host and path "/" and requires Secure, so no subdomain or plain-HTTP page can plant or read it.
func (s *Server) sessionCookie() string {
	if s.cfg.Secure() {
		return "__Host-opvk_session"
	}
	return "opvk_session"
}

func (s *Server) flowCookie() string {
	if s.cfg.Secure() {
		return "__Host-opvk_flow"
	}
	return "opvk_flow"
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.cfg.Secure(), SameSite: http.SameSiteLaxMode}
	if maxAge < 0 {
		c.MaxAge = -1
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

// sessionExpiredKey marks a request whose session cookie belonged to a session that has ended, so
// that the sign-in page can say «Сессия истекла».
type sessionExpiredKey struct{}

// loadSession resolves the session cookie into the current user for every request. It never
// refuses a request itself: the wrappers below decide who may see what.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sessionless(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(s.sessionCookie())
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		now := time.Now()
		sess, err := account.LookupSession(r.Context(), s.db, c.Value, s.cfg.SessionIdle, now)
		switch {
		case err == nil:
			u, err := account.Get(r.Context(), s.db, sess.UserID)
			if err != nil || u.Locked() {
				s.setCookie(w, s.sessionCookie(), "", -1)
				next.ServeHTTP(w, r)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), currentKey{}, &current{User: u, Session: sess}))
		case errors.Is(err, account.ErrSessionExpired):
			s.setCookie(w, s.sessionCookie(), "", -1)
			r = r.WithContext(context.WithValue(r.Context(), sessionExpiredKey{}, true))
		default:
			s.setCookie(w, s.sessionCookie(), "", -1)
		}
		next.ServeHTTP(w, r)
	})
}

// sessionless reports whether a path never needs to know who is signed in: static files and the
// operator's endpoints. The browser sends the session cookie with each of them, and looking the
// session up would cost two queries per stylesheet, script and probe.
func sessionless(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// requireRoles admits a signed-in user who holds one of roles (any signed-in user when roles is
// empty). A visitor is sent to the sign-in page, which brings them back here afterwards; a
// signed-in user without the role gets 403. It must run inside loadSession.
func (s *Server) requireRoles(h handlerFunc, roles ...account.Role) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c := currentUser(r)
		if c == nil {
			q := url.Values{"next": {r.URL.RequestURI()}}
			if expired, _ := r.Context().Value(sessionExpiredKey{}).(bool); expired {
				q.Set("expired", "1")
			}
			if r.Method != http.MethodGet {
				// A form sent after the session ended cannot be replayed after sign-in; come back to
				// the page it was sent from instead.
				q.Set("next", localPath(refererPath(r)))
			}
			http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
		if len(roles) > 0 && !slices.ContainsFunc(roles, c.User.Has) {
			return apperr.Forbidden
		}
		return h(w, r)
	})
}

// signedIn admits any signed-in user (the profile pages).
func (s *Server) signedIn(h handlerFunc) http.Handler { return s.requireRoles(h) }

// staff admits officers and administrators (the support side: unlocking accounts).
func (s *Server) staff(h handlerFunc) http.Handler {
	return s.requireRoles(h, account.Officer, account.Admin)
}

// refererPath is the path of the page a form was sent from, when it is ours.
func refererPath(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host {
		return "/"
	}
	return u.RequestURI()
}

// Flash messages survive one redirect in a cookie that holds only a message id (never free text),
// so a forged cookie can at most show one of our own messages.
const flashCookie = "flash"

func (s *Server) flash(w http.ResponseWriter, id string) {
	s.setCookie(w, flashCookie, id, time.Minute)
}

// takeFlash returns and clears the pending flash message id.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	s.setCookie(w, flashCookie, "", -1)
	return c.Value
}
