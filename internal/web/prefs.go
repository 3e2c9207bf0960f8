package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/i18n"
)

const (
	langCookie     = "lang"
	contrastCookie = "contrast"
	prefMaxAge     = 365 * 24 * time.Hour
)

// languageOf is the visitor's chosen language, Russian unless they chose English.
func languageOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		return i18n.Supported(c.Value)
	}
	return i18n.Languages[0]
}

// highContrastOf reports whether the visitor switched the high-contrast theme on.
func highContrastOf(r *http.Request) bool {
	c, err := r.Cookie(contrastCookie)
	return err == nil && c.Value == "high"
}

// localPath returns next when it is a path on this site, else "/". It refuses "//host" and
// "/\host", which browsers treat as other sites: an open redirect would let a phishing link borrow
// our address.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (s *Server) setPref(w http.ResponseWriter, name, value string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(prefMaxAge.Seconds()),
		HttpOnly: true, Secure: s.cfg.Secure(), SameSite: http.SameSiteLaxMode,
	})
}

// setLanguage remembers the chosen interface language and returns to the page the visitor was on.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	s.setPref(w, langCookie, i18n.Supported(r.PostFormValue("lang")))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

// setContrast switches the high-contrast theme on or off and returns to the page.
func (s *Server) setContrast(w http.ResponseWriter, r *http.Request) error {
	v := "normal"
	if r.PostFormValue("contrast") == "high" {
		v = "high"
	}
	s.setPref(w, contrastCookie, v)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}
