package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
)

// TestReminders reminds of a due date 3 days and 1 day before it, each once, and afresh when the
// date changes.
func TestReminders(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		u := mustUser(t, r.d, "ru", "", "")
		now := time.Now().UTC().Truncate(time.Second)
		due := now.Add(70 * time.Hour)
		schedule := func(due time.Time) {
			t.Helper()
			if err := db.InTx(ctx, r.d, func(tx *db.Tx) error {
				return ScheduleDueReminder(ctx, tx, u, "2026-000301", "/applications/2026-000301", due)
			}); err != nil {
				t.Fatal(err)
			}
		}
		schedule(due)
		send := func(at time.Time, want int) {
			t.Helper()
			if n, err := SendReminders(ctx, r.d, r.runner.Client, at); err != nil || n != want {
				t.Errorf("SendReminders(%v) = %d, %v; want %d", at.Sub(now), n, err, want)
			}
		}
		send(now.Add(-3*time.Hour), 0) // 73 h before: not yet
		send(now, 1)
		send(now.Add(time.Hour), 0)
		send(now.Add(47*time.Hour), 1) // 23 h before
		send(now.Add(48*time.Hour), 0)
		send(now.Add(71*time.Hour), 0) // past due

		list, _, err := List(ctx, r.d, u, Filter{Kind: InfoDue})
		if err != nil || len(list) != 2 {
			t.Fatalf("reminders = %+v, %v; want two", list, err)
		}
		for i, want := range []string{"осталось 1 день", "осталось 3 дня"} {
			if !strings.Contains(list[i].Body, want) || list[i].Link != "/applications/2026-000301" {
				t.Errorf("reminder %d = %q, want %q and the link", i, list[i].Body, want)
			}
		}

		r0, err := DueReminder(ctx, r.d, u, "2026-000301")
		if err != nil || !r0.Sent3d || !r0.Sent1d || !r0.Due.Equal(due) {
			t.Errorf("DueReminder = %+v, %v", r0, err)
		}
		schedule(due.Add(48 * time.Hour)) // the date moved: reminded again
		if r1, _ := DueReminder(ctx, r.d, u, "2026-000301"); r1.Sent3d || r1.Sent1d {
			t.Errorf("a new date kept the old flags: %+v", r1)
		}
		send(now.Add(49*time.Hour), 1)
		if err := CancelDueReminder(ctx, r.d, u, "2026-000301"); err != nil {
			t.Fatal(err)
		}
		if _, err := DueReminder(ctx, r.d, u, "2026-000301"); !errors.Is(err, apperr.NotFound) {
			t.Errorf("DueReminder after cancel = %v, want apperr.NotFound", err)
		}
	})
}
