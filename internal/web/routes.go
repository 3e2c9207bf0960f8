package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/opvk/cabinet/internal/config"
)

// routes is the whole route list of the cabinet. A URL from a bug report leads here, then
// straight to its handler.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Pages.
	mux.Handle("GET /{$}", s.handle(s.showHome))

	// Preferences that work without an account and without JavaScript.
	mux.Handle("POST /settings/language", s.handle(s.setLanguage))
	mux.Handle("POST /settings/contrast", s.handle(s.setContrast))

	// Operation.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{}))
	mux.Handle("GET /static/", s.static())

	if s.cfg.Env == config.Dev {
		// The design system's reference page: every component in every state, for developers and
		// the accessibility tests. Not served in production.
		mux.Handle("GET /dev/design", s.handle(s.showDesign))
		// Each error page on demand, for the same reviews; 500 comes from a real panic, so the
		// recovery path is what is shown.
		mux.Handle("GET /dev/errors/{status}", s.handle(s.showErrorDemo))
	}

	// Everything else is the 404 page, in the design system and the user's language.
	mux.Handle("/", s.handle(s.notFound))
	return mux
}
