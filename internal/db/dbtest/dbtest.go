// Package dbtest gives store tests a fresh, migrated database of each dialect: an SQLite file in
// the test's temporary folder, and a PostgreSQL schema of its own (from OPVK_TEST_POSTGRES_URL),
// dropped when the test ends. Tests can therefore run in parallel. With CI=true a PostgreSQL that
// is not configured or not reachable fails the test: CI never skips it silently.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/opvk/cabinet/internal/db"
)

// EnvPostgresURL names the variable that points the tests at a PostgreSQL server.
const EnvPostgresURL = "OPVK_TEST_POSTGRES_URL"

// ForEach runs fn as a subtest on a fresh migrated SQLite database and on a fresh migrated
// PostgreSQL schema.
func ForEach(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Postgres(t))
	})
}

// SQLite returns a migrated database in a new file under t.TempDir().
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenSQLite(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// PostgresURL returns a URL for a new, empty schema of its own on the test server, and drops the
// schema when the test ends. Without a server it skips, except under CI, where it fails.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true requires the PostgreSQL tests", EnvPostgresURL)
		}
		t.Skipf("PostgreSQL tests SKIPPED: set %s (for example postgres://postgres@127.0.0.1:5432/opvk_test)", EnvPostgresURL)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is not reachable and CI=true: %v", EnvPostgresURL, err)
		}
		t.Skipf("PostgreSQL tests SKIPPED: %v", err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated database in a schema of its own (see PostgresURL).
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenPostgres(ctx, PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}
