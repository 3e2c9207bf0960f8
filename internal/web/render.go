package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// views holds one parsed template set per page: the layout and the shared components, plus the
// page's own file. In dev mode, when the source folder is present, the sets are parsed again from
// disk on every render so that a template edit shows on reload.
type views struct {
	funcs template.FuncMap
	mu    sync.Mutex
	pages map[string]*template.Template
	disk  fs.FS // nil unless re-reading from disk
}

const templateSrcDir = "internal/web/templates"

func loadViews(funcs template.FuncMap, dev bool) (*views, error) {
	v := &views{funcs: funcs}
	if dev {
		if st, err := os.Stat(templateSrcDir); err == nil && st.IsDir() {
			v.disk = os.DirFS(templateSrcDir)
		}
	}
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	if v.pages, err = parsePages(sub, funcs); err != nil {
		return nil, err
	}
	return v, nil
}

// parsePages parses templates/pages/**.html, each together with layout.html and components/*.html.
// A page is named by its path without the extension: "home", "errors/error".
func parsePages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "layout.html", "components/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	pages := map[string]*template.Template{}
	err = fs.WalkDir(fsys, "pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, p)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html")] = t
		return nil
	})
	return pages, err
}

func (v *views) get(name string) (*template.Template, error) {
	if v.disk != nil {
		pages, err := parsePages(v.disk, v.funcs)
		if err != nil {
			return nil, err
		}
		v.mu.Lock()
		v.pages = pages
		v.mu.Unlock()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	return t, nil
}

// assets maps each static file to a URL carrying a hash of its content, so browsers may keep it
// for a year and still never use a stale copy after a release.
type assets struct {
	hash  map[string]string // "css/app.css" → first 12 hex digits of SHA-256
	files map[string]asset
}

// asset is a static file held in memory with its headers worked out once, since the same few
// files are served on every page view.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

func loadAssets() (*assets, error) {
	a := &assets{hash: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		a.hash[name] = hex.EncodeToString(sum[:6])
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		a.files[name] = asset{body: b, contentType: ctype, etag: `"` + a.hash[name] + `"`}
		return nil
	})
	return a, err
}

// url returns the versioned URL of a static file; an unknown name is a programming error caught
// when the page first renders in a test.
func (a *assets) url(name string) (string, error) {
	h, ok := a.hash[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

// static serves the embedded files from memory: forever-cacheable when the URL carries the
// current hash, revalidated by ETag otherwise.
func (s *Server) static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
		f, ok := s.assets.files[name]
		if !ok {
			s.fail(w, r, errNotFound)
			return
		}
		h := w.Header()
		if r.URL.Query().Get("v") == s.assets.hash[name] {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", f.etag)
		h.Set("Content-Type", f.contentType)
		if r.Header.Get("If-None-Match") == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(f.body)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(f.body)
		}
	})
}

// basePage is what every page's data embeds: the visitor's language and theme, the current path
// (for the language switch to come back to) and the request id.
type basePage struct {
	Lang         string
	HighContrast bool
	Path         string
	RequestID    string
	SupportPhone string
	SupportEmail string
	Dev          bool
	User         *account.User // nil for a visitor
	Flash        string        // message id of a one-time notice
	UnreadCount  int           // the header's counter of unread notifications; signed-in users only
	cat          *i18n.Catalog
}

func (b *basePage) base() *basePage { return b }

// T translates a message id into the page's language.
func (b *basePage) T(id string, data ...any) string { return b.cat.T(b.Lang, id, data...) }

// N gives the plural form of a message for n.
func (b *basePage) N(id string, n int) string { return b.cat.N(b.Lang, id, n) }

// Date shows a day in the page's language.
func (b *basePage) Date(t time.Time) string { return i18n.Date(b.Lang, t) }

// Has reports whether the signed-in user holds role.
func (b *basePage) Has(role string) bool { return b.User != nil && b.User.Has(account.Role(role)) }

// OtherLang is the language the switch offers.
func (b *basePage) OtherLang() string {
	if b.Lang == "en" {
		return "ru"
	}
	return "en"
}

// page is any page's data: a struct that embeds basePage.
type page interface{ base() *basePage }

func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) (string, error) { return s.assets.url(name) },
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// banner builds a notification banner in a template: tone, title (may be ""), text.
		"banner": func(tone, title, text string) Banner { return Banner{Tone: tone, Title: title, Text: text} },
		"tag":    func(tone, text string) Tag { return Tag{Tone: tone, Text: text} },
		// safeURL marks a data: URL that we generated (the QR code) as safe for src.
		"safeURL": func(s string) template.URL {
			if strings.HasPrefix(s, "data:image/png;base64,") {
				return template.URL(s)
			}
			return ""
		},
	}
}

// newBase fills the parts of basePage that come from the request, and takes the pending flash.
func (s *Server) newBase(w http.ResponseWriter, r *http.Request) basePage {
	var u *account.User
	unread := 0
	if c := currentUser(r); c != nil {
		u = &c.User
		unread = s.unreadCount(r, c.User.ID)
	}
	return basePage{
		User:         u,
		UnreadCount:  unread,
		Flash:        s.takeFlash(w, r),
		Lang:         languageOf(r),
		HighContrast: highContrastOf(r),
		Path:         r.URL.RequestURI(),
		RequestID:    requestIDFrom(r),
		SupportPhone: s.cfg.SupportPhone,
		SupportEmail: s.cfg.SupportEmail,
		Dev:          s.cfg.Env == "dev",
		cat:          s.cat,
	}
}

// render executes the page's template into a buffer first, so that a template error becomes a
// clean 500 page instead of half a page, then writes status and body. Pages show personal data
// and the visitor's preferences, so no cache keeps them (K5).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	b := p.base()
	if b.cat == nil {
		*b = s.newBase(w, r)
	}
	t, err := s.views.get(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", b.Lang)
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}
