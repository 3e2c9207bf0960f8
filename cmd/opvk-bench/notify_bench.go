package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/notify"
)

func init() { cabinetScenarios = append(cabinetScenarios, notifyFanout()) }

// fanoutUsers is how many recipients the fan-out scenario seeds.
const fanoutUsers = 100_000

// notifyFanout measures notifying many users of one stage change: each operation is one
// notification of the next of 100,000 users in a transaction of its own, as the outbox requires —
// the in-cabinet row, the preference lookup and the queued e-mail job. Its rate is rows per
// second; 100,000 divided by it is the time until every notification exists and every e-mail is
// queued. The cabinet's own workers deliver the e-mails meanwhile, as in production.
func notifyFanout() scenario {
	var (
		mu     sync.Mutex
		d      *db.DB
		client *jobs.Client
		first  int64
		next   atomic.Int64
	)
	return scenario{
		Name: "notification fan-out to 100,000 users (row + e-mail job)",
		Setup: func(ctx context.Context, w *worker) error {
			mu.Lock()
			defer mu.Unlock()
			var err error
			cfg := w.Target.Config
			if d, err = db.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath()); err != nil {
				return err
			}
			runner, err := jobs.New(d, cfg.SQLitePath(), jobs.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				return err
			}
			client = runner.Client
			start := time.Now()
			if first, err = seedUsers(ctx, d, fanoutUsers); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "opvk-bench: seeded %d users on %s in %s\n", fanoutUsers, w.Target.DB, time.Since(start).Round(time.Millisecond))
			return nil
		},
		Do: func(ctx context.Context, w *worker) error {
			id := first + next.Add(1)%fanoutUsers
			return db.InTx(ctx, d, func(tx *db.Tx) error {
				return notify.Notify(ctx, tx, client, notify.Event{UserID: id, Kind: notify.StageChanged,
					Ref: "ОПВК-2026-0000001", Link: "/applications/ОПВК-2026-0000001",
					Data: map[string]string{"Stage": "экспертиза", "Stage.en": "expert review"}})
			})
		},
	}
}

// seedUsers inserts n citizens with one statement and returns the id before the first of them.
// A recursive CTE counts on both databases, so a hundred thousand rows take a second or two.
func seedUsers(ctx context.Context, d *db.DB, n int) (int64, error) {
	var before int64
	if err := d.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM users`).Scan(&before); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	_, err := d.ExecContext(ctx, `
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $1)
		INSERT INTO users (kind, full_name, email, roles, lang, status, created_at, updated_at)
		SELECT 'individual', 'Получатель Уведомлений ' || i, 'fanout' || i || '@bench.opvk', 'citizen',
			CASE WHEN i % 5 = 0 THEN 'en' ELSE 'ru' END, 'active', $2, $2
		FROM seq`, n, now)
	if err != nil {
		return 0, fmt.Errorf("seed users: %w", err)
	}
	return before, nil
}
