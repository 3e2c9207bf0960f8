// Package app assembles the program: it opens the database and storage, applies migrations,
// loads demo data, starts the background jobs and the web server, and shuts them down in order.
// main, the end-to-end tests and the benchmark all start the cabinet through Run.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/demo"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
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

// Run serves the cabinet until ctx ends, then shuts down gracefully. When ready is not nil it is
// called with the listening address once connections are accepted (tests listen on port 0).
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(addr string)) error {
	d, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	log.Info("database ready", "dialect", d.Dialect)

	if cfg.Demo {
		loaded, err := demo.Load(ctx, d, time.Now())
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

	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.SweepWorker{Store: store})
	runner, err := jobs.New(d, cfg.SQLitePath(), jobs.Options{
		Workers: workers, Work: cfg.Workers, Logger: log,
		Periodic: []*river.PeriodicJob{jobs.SweepEvery(15 * time.Minute)},
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

	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := web.New(web.Deps{Config: cfg, DB: d, Log: log, Catalog: cat, Registry: reg, Gatherer: reg})
	if err != nil {
		return err
	}
	return serve(ctx, cfg, log, srv, ready)
}

// serve listens and serves h until ctx ends, then lets requests in flight finish.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, h http.Handler, ready func(string)) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("OPVK_ADDR=%q: %w", cfg.Addr, err)
	}
	tlsOn := cfg.TLSCert != "" && cfg.TLSKey != ""
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
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
