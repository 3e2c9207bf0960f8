package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/demo"
)

// TestRunServesHomeWithDemoData starts the program as `opvk serve` does, on each database, and
// checks the promise of the README: the Russian home page, demo data loaded once, a clean stop.
func TestRunServesHomeWithDemoData(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			cfg := config.Default()
			cfg.Addr = "127.0.0.1:0"
			cfg.DataDir = t.TempDir()
			if dialect == db.Postgres {
				cfg.DatabaseURL = dbtest.PostgresURL(t)
			}
			for round := 1; round <= 2; round++ { // the second start must not load the demo again
				ctx, cancel := context.WithCancel(context.Background())
				addr := make(chan string, 1)
				done := make(chan error, 1)
				go func() { done <- Run(ctx, cfg, slog.New(slog.DiscardHandler), func(a string) { addr <- a }) }()
				var base string
				select {
				case a := <-addr:
					base = "http://" + a
				case err := <-done:
					t.Fatalf("Run ended early: %v", err)
				case <-time.After(30 * time.Second):
					t.Fatal("Run did not start within 30 s")
				}
				res, err := http.Get(base + "/")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.Contains(string(body), "Личный кабинет ГИС ОПВК") {
					t.Errorf("round %d: GET / = %d", round, res.StatusCode)
				}
				cancel()
				if err := <-done; err != nil {
					t.Errorf("round %d: Run returned %v after cancel", round, err)
				}
			}
			d, err := db.Open(context.Background(), cfg.DatabaseURL, cfg.SQLitePath())
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if n, err := account.Count(context.Background(), d); err != nil || n != len(demo.Users) {
				t.Errorf("users after two starts = %d, %v; want %d", n, err, len(demo.Users))
			}
		})
	}
}

// TestDevSecretKeyKept: without OPVK_SECRET_KEY, dev makes a key once and keeps it, so what one
// run sealed the next run opens.
func TestDevSecretKeyKept(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	first, err := sealer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sealer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := second.Open(first.Seal("seed")); err != nil || got != "seed" {
		t.Errorf("a restart cannot open what the last run sealed: %q, %v", got, err)
	}
	info, err := os.Stat(filepath.Join(cfg.DataDir, "secret.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v", err, info.Mode())
	}
}
