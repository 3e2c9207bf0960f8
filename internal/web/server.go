// Package web is the HTTP face of the cabinet: routes, middleware, pages rendered from embedded
// templates, static assets and the health and metrics endpoints. It calls the domain packages and
// never the other way round.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/esia"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/live"
	"github.com/opvk/cabinet/internal/notify"
	"github.com/opvk/cabinet/internal/storage"
)

// Deps are what the Server needs; main builds them in order and passes them in.
type Deps struct {
	Config   config.Config
	DB       *db.DB
	Log      *slog.Logger
	Catalog  *i18n.Catalog
	Registry prometheus.Registerer // metrics are registered here
	Gatherer prometheus.Gatherer   // and served from here at /metrics
	Jobs     *jobs.Client          // inserts jobs (messages) in the handler's transaction
	Store    storage.Store         // uploaded files
	ESIA     *esia.Provider        // nil: sign-in with ЕСИА is not offered
	DevIdP   http.Handler          // dev mode: the local ЕСИА stand-in, mounted at /dev/esia/
	Region   RegionPolicy          // nil: no region check (A8)
	WebAuthn *webauthn.WebAuthn    // nil: no passkeys
	Sealer   *account.Sealer       // seals the authenticator apps' secrets in the database
	Notify   *notify.Broker        // wakes live unread counters; nil: one of the Server's own
	// Apps is the application service (catalogue, calendar, workflow); nil: the back office and the
	// document pages answer 404.
	Apps *application.Store
	// Live wakes open application pages and dashboards (D4); nil: a hub of the Server's own.
	Live *live.Hub
}

// RegionPolicy decides whether a sign-in from an address is allowed (A8).
type RegionPolicy interface {
	Allow(ip netip.Addr) (ok bool, country string)
}

// Server is the cabinet's http.Handler.
type Server struct {
	cfg      config.Config
	db       *db.DB
	log      *slog.Logger
	cat      *i18n.Catalog
	views    *views
	assets   *assets
	metrics  *metrics
	gather   prometheus.Gatherer
	jobs     *jobs.Client
	store    storage.Store
	esia     *esia.Provider
	devIdP   http.Handler
	region   RegionPolicy
	webauthn *webauthn.WebAuthn
	sealer   *account.Sealer
	notes    *notify.Broker
	apps     *application.Store
	hub      *live.Hub
	handler  http.Handler
}

// New builds the Server: it parses every template and hashes every asset now, so a broken
// template stops start-up instead of failing a user later.
func New(d Deps) (*Server, error) {
	s := &Server{cfg: d.Config, db: d.DB, log: d.Log, cat: d.Catalog, gather: d.Gatherer, jobs: d.Jobs,
		store: d.Store, esia: d.ESIA, devIdP: d.DevIdP, region: d.Region, webauthn: d.WebAuthn, notes: d.Notify, sealer: d.Sealer}
	if s.sealer == nil {
		return nil, errors.New("web: Deps.Sealer is required (it seals the authenticator apps' secrets)")
	}
	s.apps = d.Apps
	if s.notes == nil {
		s.notes = notify.NewBroker()
	}
	if err := s.setupApplications(d); err != nil {
		return nil, err
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.views, err = loadViews(s.templateFuncs(), d.Config.Env == config.Dev); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(d.Registry); err != nil {
		return nil, err
	}
	s.handler = s.middleware(s.routes())
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// middleware wraps the router, outermost first. The order matters: the request id exists before
// anything logs; security headers are set before any handler writes; the cross-origin check runs
// before any state-changing handler; observe learns the matched route pattern from notePattern,
// which sits right around the router; recovery is inside observe so that a panic is counted and
// logged as the 500 it becomes; the session is loaded before any handler asks who is signed in.
func (s *Server) middleware(h http.Handler) http.Handler {
	h = notePattern(h)
	h = s.recoverPanics(h)
	h = s.loadSession(h)
	h = s.observe(h)
	h = s.crossOrigin(h)
	h = s.securityHeaders(h)
	h = s.requestID(h)
	return h
}

// handlerFunc is a handler that returns its error for one place (s.fail) to turn into a status
// and a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc to http.Handler.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}
