package devidp

import (
	"bytes"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

//go:embed login.html
var loginHTML string

//go:embed login.css
var loginCSS []byte

var loginTemplate = template.Must(template.New("login").Parse(loginHTML))

// login is the provider's own sign-in page: instead of asking for a password it lists the demo
// persons, one submit button each.
type login struct {
	storage  *storage
	provider *op.Provider
	issuer   string
	prefix   string // the issuer's path, under which the page and its stylesheet are served
	persons  []Person
}

// loginPage is the data of login.html.
type loginPage struct {
	Action    string
	StyleURL  string
	RequestID string
	Persons   []Person
}

// show renders the page for a pending authorization request; the library redirects here with
// the request's id.
func (l *login) show(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("request")
	if _, err := l.storage.pending(id); err != nil {
		refuse(w, r, err)
		return
	}
	var buf bytes.Buffer
	err := loginTemplate.Execute(&buf, loginPage{
		Action:    l.prefix + "/login",
		StyleURL:  l.prefix + "/login.css",
		RequestID: id,
		Persons:   l.persons,
	})
	if err != nil {
		slog.ErrorContext(r.Context(), "devidp: login page", "err", err)
		http.Error(w, "Техническая ошибка локального поставщика ЕСИА.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// choose completes the request as the chosen person and hands back to the library, which sends
// the browser to the client with the code; "cancel" sends it back with error=access_denied.
func (l *login) choose(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("request")
	req, err := l.storage.pending(id)
	if err != nil {
		refuse(w, r, err)
		return
	}
	if r.PostFormValue("cancel") != "" {
		op.AuthRequestError(w, r, req, oidc.ErrAccessDenied().WithDescription("the user cancelled the sign-in"), l.provider)
		return
	}
	if err := l.storage.signIn(id, r.PostFormValue("person")); err != nil {
		refuse(w, r, err)
		return
	}
	callback := op.AuthCallbackURL(l.provider)(op.ContextWithIssuer(r.Context(), l.issuer), id)
	http.Redirect(w, r, callback, http.StatusSeeOther)
}

// refuse answers a login request that cannot go on: an unknown, expired or finished
// authorization request, or an unknown person.
func refuse(w http.ResponseWriter, r *http.Request, err error) {
	slog.InfoContext(r.Context(), "devidp: login refused", "err", err)
	http.Error(w, "Запрос на вход не найден или устарел. Вернитесь в кабинет и начните вход заново.", http.StatusBadRequest)
}

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(loginCSS)
}
