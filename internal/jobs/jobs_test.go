package jobs

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/storage"
)

// TestSweepRunsPeriodically starts River as serve does, on each database, and waits for the
// periodic sweeper to remove a stale temporary file while keeping a fresh one.
func TestSweepRunsPeriodically(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			var d *db.DB
			path := filepath.Join(t.TempDir(), "jobs.db")
			var err error
			if dialect == db.SQLite {
				d, err = db.OpenSQLite(ctx, path)
			} else {
				d, err = db.OpenPostgres(ctx, dbtest.PostgresURL(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := Migrate(ctx, d, slog.Default()); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			store, err := storage.NewLocal(dir)
			if err != nil {
				t.Fatal(err)
			}
			stale := filepath.Join(dir, ".tmp", "put-stale")
			fresh := filepath.Join(dir, ".tmp", "put-fresh")
			os.WriteFile(stale, []byte("x"), 0o600)
			os.WriteFile(fresh, []byte("x"), 0o600)
			past := time.Now().Add(-2 * SweepAge)
			os.Chtimes(stale, past, past)

			workers := river.NewWorkers()
			river.AddWorker(workers, &SweepWorker{Store: store})
			r, err := New(d, path, Options{Workers: workers, Periodic: []*river.PeriodicJob{SweepEvery(time.Hour)},
				Work: true, Logger: slog.Default(), PollInterval: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			done, cancel := r.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
			defer cancel()
			if err := r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer r.Stop(ctx)
			select {
			case ev := <-done:
				if ev.Kind != river.EventKindJobCompleted || ev.Job.Kind != "sweep" {
					t.Fatalf("event %s for job %s, want completed sweep", ev.Kind, ev.Job.Kind)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the periodic sweep did not run within 30 s")
			}
			if _, err := os.Stat(stale); !os.IsNotExist(err) {
				t.Errorf("stale temporary file still there: %v", err)
			}
			if _, err := os.Stat(fresh); err != nil {
				t.Errorf("fresh temporary file removed: %v", err)
			}
		})
	}
}
