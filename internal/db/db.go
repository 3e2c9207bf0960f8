// Package db opens the program's database (an embedded SQLite file or PostgreSQL), applies the
// migrations of each dialect, draws transaction boundaries and maps driver errors to the
// program's error kinds. Queries are written once with $1, $2 … placeholders, which both
// drivers accept; only DDL differs per dialect.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/opvk/cabinet/internal/apperr"
)

// Dialect names the SQL dialect of an open database.
type Dialect string

// The two dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what store functions need: satisfied by *sql.DB, *sql.Tx and *DB, so the caller
// decides whether a call runs in a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database of either dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Pgx is the underlying pool on PostgreSQL (for LISTEN/NOTIFY and River); nil on SQLite.
	Pgx *pgxpool.Pool
}

//go:embed migrations
var migrations embed.FS

// OpenSQLite opens (creating if needed) the SQLite file at path in WAL mode. Writers wait for each
// other (busy_timeout) and take the write lock at BEGIN (_txlock=immediate), so two transactions
// never deadlock upgrading a read lock.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One file, one writer at a time: a small pool keeps readers concurrent in WAL mode without
	// piling writers up on the busy handler.
	sdb.SetMaxOpenConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{DB: sdb, Dialect: SQLite}, nil
}

// OpenPostgres connects to PostgreSQL at url.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse OPVK_DATABASE_URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return &DB{DB: stdlib.OpenDBFromPool(pool), Dialect: Postgres, Pgx: pool}, nil
}

// Open opens PostgreSQL when url is set, else the SQLite file at sqlitePath.
func Open(ctx context.Context, url, sqlitePath string) (*DB, error) {
	if url != "" {
		return OpenPostgres(ctx, url)
	}
	return OpenSQLite(ctx, sqlitePath)
}

// Close closes the database and, on PostgreSQL, its pool.
func (d *DB) Close() error {
	err := d.DB.Close()
	if d.Pgx != nil {
		d.Pgx.Close()
	}
	return err
}

func (d *DB) goose() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	return goose.NewProvider(dialect, d.DB, sub)
}

// Migrate applies every migration not yet applied.
func (d *DB) Migrate(ctx context.Context) error {
	p, err := d.goose()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", d.Dialect, err)
	}
	return nil
}

// Pending reports how many migrations are not yet applied; readiness needs zero.
func (d *DB) Pending(ctx context.Context) (int, error) {
	p, err := d.goose()
	if err != nil {
		return 0, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// Tx is a transaction that knows its dialect, for the few statements that differ (locks).
// Tx.Tx is what River's InsertTx takes.
type Tx struct {
	*sql.Tx
	Dialect Dialect
}

// InTx runs fn in one transaction and commits when fn returns nil; any error or panic rolls
// everything back, so a multi-step write is all or nothing.
func InTx(ctx context.Context, d *DB, fn func(tx *Tx) error) (err error) {
	stx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", Map(err))
	}
	tx := &Tx{Tx: stx, Dialect: d.Dialect}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", Map(err))
	}
	return nil
}

// Map turns driver errors into the program's kinds, so no caller compares error strings:
// a unique or exclusion violation becomes apperr.Conflict, sql.ErrNoRows apperr.NotFound.
// Other errors are returned as they are.
func Map(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", apperr.NotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505", "23P01": // unique_violation, exclusion_violation
			return fmt.Errorf("%w: %w", apperr.Conflict, err)
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%w: %w", apperr.Retry, err)
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", apperr.Conflict, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %w", apperr.Retry, err)
		}
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.PingContext(ctx) }

// IsPostgresURL reports whether s looks like a PostgreSQL URL.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}
