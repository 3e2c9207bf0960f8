// Package app assembles the program: it opens the database and storage, applies migrations,
// loads demo data, starts the background jobs and the web server, and shuts them down in order.
// main, the end-to-end tests and the benchmark all start the cabinet through Run.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/esia"
	"github.com/opvk/cabinet/internal/esia/devidp"
	"github.com/opvk/cabinet/internal/geo"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/live"
	"github.com/opvk/cabinet/internal/messaging"
	"github.com/opvk/cabinet/internal/notify"
	"github.com/opvk/cabinet/internal/storage"
	"github.com/opvk/cabinet/internal/web"
)

// NewLogger returns the structured logger the configuration asks for.
func NewLogger(cfg config.Config, w *os.File) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// OpenDB opens the configured database and applies every migration, the program's and River's.
func OpenDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, d, log); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// LoadDemo loads the demo accounts and applications (with their files, in the data folder's
// storage) into an empty database, and reports whether it did. The applications are made through
// the application service over the configured catalogue, as users would have made them.
func LoadDemo(ctx context.Context, cfg config.Config, d *db.DB) (bool, error) {
	cat, err := catalog.Load(catalog.FS(cfg.CatalogDir))
	if err != nil {
		return false, err
	}
	cal, err := calendar.Load(catalog.FS(""), catalog.FS(cfg.CatalogDir))
	if err != nil {
		return false, err
	}
	files, err := storage.NewLocal(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		return false, err
	}
	return demo.LoadWith(ctx, d, application.New(cat, cal), files, time.Now())
}

// Run serves the cabinet until ctx ends, then shuts down gracefully. When ready is not nil it is
// called with the listening address once connections are accepted (tests listen on port 0).
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(addr string)) error {
	// Listen first: with port 0 the base URL (links in e-mails, the passkey origin, ЕСИА's
	// redirect) is known only now.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("OPVK_ADDR=%q: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Port() == "0" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		u.Host = u.Hostname() + ":" + port
		cfg.BaseURL = u.String()
	}

	d, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	log.Info("database ready", "dialect", d.Dialect)

	if cfg.Demo {
		loaded, err := LoadDemo(ctx, cfg, d)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if loaded {
			log.Info("demo data loaded")
		}
	}

	store, err := storage.NewLocal(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		return err
	}
	mailer, sms, err := messaging.FromConfig(cfg, d)
	if err != nil {
		return err
	}

	// Notifications: the VAPID keys and base URL all instances share; the delivery state of
	// e-mail and SMS is kept by notify.SendWorker around messaging's worker.
	if _, err := notify.Setup(ctx, d, cfg.BaseURL); err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &notify.SendWorker{Worker: &messaging.Worker{DB: d, Mailer: mailer, SMS: sms, Logger: log}})
	river.AddWorker(workers, &notify.PushWorker{DB: d, Subscriber: cfg.SupportEmail, Logger: log})
	river.AddWorker(workers, &notify.DigestWorker{DB: d})
	river.AddWorker(workers, &notify.ReminderWorker{DB: d})
	river.AddWorker(workers, &jobs.SweepWorker{Store: store, More: []func(context.Context, time.Time) error{
		func(ctx context.Context, now time.Time) error { return account.SweepExpired(ctx, d, now) },
		func(ctx context.Context, now time.Time) error {
			_, err := messaging.PruneDeliveries(ctx, d, now.AddDate(0, 0, -30))
			return err
		},
		func(ctx context.Context, now time.Time) error { return notify.Sweep(ctx, d, now) },
	}})
	runner, err := jobs.New(d, cfg.SQLitePath(), jobs.Options{
		Workers: workers, Work: cfg.Workers, Logger: log,
		Periodic: append([]*river.PeriodicJob{jobs.SweepEvery(15 * time.Minute)}, notify.Periodic()...),
	})
	if err != nil {
		return err
	}
	if err := runner.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
		defer cancel()
		if err := runner.Stop(stopCtx); err != nil {
			log.Warn("stop jobs", "error", err)
		}
	}()

	// Live updates (D4) of open pages — application pages, dashboards, the unread counter — go
	// through one hub; on PostgreSQL its one listener per instance hears every instance's changes.
	hub := live.NewHub()
	if d.Pgx != nil {
		go hub.Listen(ctx, d.Pgx, log)
	}
	deps := web.Deps{Config: cfg, DB: d, Log: log, Jobs: runner.Client, Store: store, Notify: notify.NewBrokerOn(hub), Live: hub}
	if deps.Sealer, err = sealer(cfg); err != nil {
		return err
	}
	// Applications: the service catalogue and the production calendar (the operator's folder, when
	// set, adds calendar years on top of the shipped ones).
	cat, err := catalog.Load(catalog.FS(cfg.CatalogDir))
	if err != nil {
		return err
	}
	cal, err := calendar.Load(catalog.FS(""), catalog.FS(cfg.CatalogDir))
	if err != nil {
		return err
	}
	deps.Apps = application.New(cat, cal)
	// The applicant hears of every stage, request, decision and message in the change's own
	// transaction (the outbox).
	deps.Apps.OnEvent = notify.ForApplications(runner.Client, cat)
	// The production calendar decides review deadlines: say so when a year the cabinet counts in is
	// not confirmed by its decree yet.
	for _, y := range []int{calendar.Day(time.Now()).Year(), calendar.Day(time.Now()).Year() + 1} {
		if cal.Provisional(y) {
			log.Warn("production calendar: the year is provisional; deadlines may move when the decree is out", "year", y, "source", cal.Source(y))
		}
	}
	deps.Apps.MaxAttachmentBytes = cfg.UploadMaxTotal
	// Every change of an application signals its topics in its own transaction.
	onLive := web.LiveOnChange(d, deps.Live)
	if prev := deps.Apps.OnChange; prev != nil {
		deps.Apps.OnChange = func(ctx context.Context, tx *db.Tx, a application.Application) error {
			if err := prev(ctx, tx, a); err != nil {
				return err
			}
			return onLive(ctx, tx, a)
		}
	} else {
		deps.Apps.OnChange = onLive
	}
	if deps.ESIA, deps.DevIdP, err = identityProvider(ctx, cfg); err != nil {
		return err
	}
	if deps.WebAuthn, err = passkeys(cfg); err != nil {
		return err
	}
	if cfg.GeoIPDB != "" {
		g, err := geo.Open(cfg.GeoIPDB)
		if err != nil {
			return fmt.Errorf("OPVK_GEOIP_DB: %w", err)
		}
		defer g.Close()
		policy, err := geo.NewPolicy(g, cfg.AllowedCountries)
		if err != nil {
			return fmt.Errorf("OPVK_ALLOWED_COUNTRIES: %w", err)
		}
		deps.Region = policy
	}
	if deps.Catalog, err = i18n.Load(); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	deps.Registry, deps.Gatherer = reg, reg
	srv, err := web.New(deps)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, log, srv, ln, ready)
}

// identityProvider connects to ЕСИА when it is configured. In dev without it, the local
// OpenID Connect provider (devidp) stands in for ЕСИА at BASE/dev/esia, and the cabinet talks to
// it in-process, since the server does not answer yet while it starts.
func identityProvider(ctx context.Context, cfg config.Config) (*esia.Provider, http.Handler, error) {
	redirect := cfg.BaseURL + "/login/esia/callback"
	if cfg.ESIAIssuer != "" {
		p, err := esia.New(ctx, esia.Config{Issuer: cfg.ESIAIssuer, ClientID: cfg.ESIAClientID,
			ClientSecret: cfg.ESIAClientSecret, RedirectURL: redirect}, nil, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("OPVK_ESIA_ISSUER: %w", err)
		}
		return p, nil, nil
	}
	if cfg.Env != config.Dev {
		return nil, nil, nil
	}
	issuer := cfg.BaseURL + "/dev/esia"
	const clientID, secret = "opvk-dev", "dev-secret-not-for-production"
	idp, err := devidp.New(issuer, []devidp.Client{{ID: clientID, Secret: secret, RedirectURIs: []string{redirect}}})
	if err != nil {
		return nil, nil, err
	}
	p, err := esia.New(ctx, esia.Config{Issuer: issuer, ClientID: clientID, ClientSecret: secret, RedirectURL: redirect},
		nil, &http.Client{Transport: inProcess{idp}, Timeout: 10 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	return p, idp, nil
}

// inProcess answers HTTP requests by calling a handler directly.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// sealer makes the Sealer of secrets kept in the database from OPVK_SECRET_KEY. In dev without
// it, a key is made once and kept in the data folder (readable by the owner only), so that a
// restart still opens what the last run sealed.
func sealer(cfg config.Config) (*account.Sealer, error) {
	key := cfg.SecretKey
	if len(key) == 0 {
		path := filepath.Join(cfg.DataDir, "secret.key")
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			key = b
		case errors.Is(err, os.ErrNotExist):
			key = make([]byte, 32)
			_, _ = rand.Read(key)
			if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, key, 0o600); err != nil {
				return nil, fmt.Errorf("secret key: %w", err)
			}
		default:
			return nil, fmt.Errorf("secret key: %w", err)
		}
	}
	return account.NewSealer(key)
}

// passkeys configures WebAuthn for the cabinet's origin. The relying party id is the host of the
// base URL, so passkeys made on lk.example.ru work only there.
func passkeys(cfg config.Config) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: "ГИС ОПВК", RPOrigins: []string{cfg.BaseURL}})
}

// serve serves h on ln until ctx ends, then lets requests in flight finish.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, h http.Handler, ln net.Listener, ready func(string)) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	tlsOn := cfg.TLSCert != "" && cfg.TLSKey != ""
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("OPVK_TLS_CERT/OPVK_TLS_KEY: %w", err)
		}
		// TLS 1.3 only (J1): no older protocol, no cipher choices to get wrong.
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "tls", tlsOn, "env", cfg.Env)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
