package demo

import (
	"context"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/storage"
)

// TestLoadWith: the demo applications are made through the application service, at every stage
// the README promises, with their files in storage; a second load changes nothing.
func TestLoadWith(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, err := catalog.Load(catalog.FS(""))
		if err != nil {
			t.Fatal(err)
		}
		cal, err := calendar.Load(catalog.FS(""))
		if err != nil {
			t.Fatal(err)
		}
		files, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		apps := application.New(cat, cal)
		if loaded, err := LoadWith(ctx, d, apps, files, time.Now()); err != nil || !loaded {
			t.Fatalf("LoadWith = %v, %v", loaded, err)
		}
		if loaded, err := LoadWith(ctx, d, apps, files, time.Now()); err != nil || loaded {
			t.Fatalf("second LoadWith = %v, %v; want nothing loaded", loaded, err)
		}
		rows, err := d.QueryContext(ctx, `SELECT status, count(*) FROM applications GROUP BY status`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[catalog.Status]int{}
		for rows.Next() {
			var st catalog.Status
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				t.Fatal(err)
			}
			got[st] = n
		}
		for _, st := range []catalog.Status{catalog.Draft, catalog.Submitted, catalog.Registration, catalog.InfoRequested, catalog.Approved, catalog.Refused} {
			if got[st] == 0 {
				t.Errorf("no demo application in %s (have %v)", st, got)
			}
		}
		var key string
		if err := d.QueryRowContext(ctx, `SELECT storage_key FROM attachments LIMIT 1`).Scan(&key); err != nil {
			t.Fatal(err)
		}
		rc, err := files.Open(ctx, key)
		if err != nil {
			t.Fatalf("a demo attachment is not in storage: %v", err)
		}
		rc.Close()
	})
}
