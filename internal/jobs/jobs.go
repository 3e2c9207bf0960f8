// Package jobs runs background work with River on either database: retried, persistent jobs that
// a transaction inserts together with the change that causes them (the outbox), and periodic jobs
// that exactly one instance of a cluster runs (River elects a leader). Domain packages register
// their workers and periodic jobs here; this package owns only the wiring and the sweeper.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/opvk/cabinet/internal/db"
)

// Client is River's client; on both databases it works with *sql.Tx, so store code inserts jobs
// in the same transaction as its change with Client.InsertTx.
type Client = river.Client[*sql.Tx]

// Runner owns the River client and, on SQLite, the single connection it works through.
type Runner struct {
	Client *Client
	work   bool
	own    *sql.DB // River's own pool on SQLite; nil on PostgreSQL
}

// Options configures a Runner.
type Options struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	// Work starts the job workers and periodic jobs; an instance with Work false only inserts.
	Work   bool
	Logger *slog.Logger
	// PollInterval is how often an idle instance looks for new jobs; short in tests.
	PollInterval time.Duration
}

func driverFor(d *db.DB, sqlitePath string, work bool) (riverdriver.Driver[*sql.Tx], *sql.DB, error) {
	if d.Dialect == db.Postgres {
		return riverdatabasesql.NewWithPgxListener(d.DB, d.Pgx), nil, nil
	}
	if !work {
		// Inserting only happens in the caller's transaction: no pool of River's own is needed.
		return riversqlite.New(d.DB), nil, nil
	}
	// River works SQLite through one connection of its own, as its driver advises: its parallel
	// internal operations would otherwise meet SQLITE_BUSY. The application's pool is separate, and
	// InsertTx uses the caller's transaction, so jobs still commit with the change that made them.
	own, err := db.OpenSQLite(context.Background(), sqlitePath)
	if err != nil {
		return nil, nil, err
	}
	own.SetMaxOpenConns(1)
	return riversqlite.New(own.DB), own.DB, nil
}

// Migrate creates or updates River's own tables.
func Migrate(ctx context.Context, d *db.DB, logger *slog.Logger) error {
	var drv riverdriver.Driver[*sql.Tx]
	if d.Dialect == db.Postgres {
		drv = riverdatabasesql.New(d.DB)
	} else {
		drv = riversqlite.New(d.DB)
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quiet(logger)})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// quiet lowers River's chatty info logs to debug level.
func quiet(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slog.New(levelShift{l.Handler()})
}

type levelShift struct{ slog.Handler }

func (h levelShift) Enabled(ctx context.Context, lvl slog.Level) bool {
	if lvl == slog.LevelInfo {
		lvl = slog.LevelDebug
	}
	return h.Handler.Enabled(ctx, lvl)
}

func (h levelShift) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h levelShift) WithAttrs(a []slog.Attr) slog.Handler { return levelShift{h.Handler.WithAttrs(a)} }
func (h levelShift) WithGroup(n string) slog.Handler      { return levelShift{h.Handler.WithGroup(n)} }

// New builds a Runner on d. sqlitePath is the database file when d is SQLite.
func New(d *db.DB, sqlitePath string, o Options) (*Runner, error) {
	drv, own, err := driverFor(d, sqlitePath, o.Work)
	if err != nil {
		return nil, err
	}
	cfg := &river.Config{Logger: quiet(o.Logger), FetchPollInterval: o.PollInterval}
	if o.Work {
		cfg.Workers = o.Workers
		cfg.PeriodicJobs = o.Periodic
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}}
	}
	c, err := river.NewClient(drv, cfg)
	if err != nil {
		if own != nil {
			own.Close()
		}
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Runner{Client: c, work: o.Work, own: own}, nil
}

// Start starts working jobs when the Runner was built with Work.
func (r *Runner) Start(ctx context.Context) error {
	if !r.work {
		return nil
	}
	return r.Client.Start(ctx)
}

// Stop waits for running jobs to finish (or ctx to end) and releases River's connection.
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	if r.work {
		err = r.Client.Stop(ctx)
	}
	if r.own != nil {
		r.own.Close()
	}
	return err
}
