package notify

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/jobs"
)

// Reminder is a due date the user must answer a request for information by. Reminders go out
// 3 days and 1 day before it (Kind InfoDue).
type Reminder struct {
	ID     int64
	UserID int64
	Ref    string // the application's number
	Link   string // the application's path in the cabinet
	Due    time.Time
	Sent3d bool
	Sent1d bool
}

// ScheduleDueReminder arranges the reminders of a due date for user about ref, in tx: the
// transaction that records the request for information, so a request rolled back reminds
// nobody. Scheduling ref again replaces its due date, and a new date is reminded afresh.
func ScheduleDueReminder(ctx context.Context, tx *db.Tx, userID int64, ref, link string, due time.Time) error {
	if userID <= 0 || ref == "" || (link != "" && (!strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//"))) {
		return fmt.Errorf("due reminder %q: %w", ref, apperr.Invalid)
	}
	due = due.UTC().Truncate(time.Microsecond)
	_, err := tx.ExecContext(ctx, `
		INSERT INTO due_reminders (user_id, ref, link, due_at, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, ref) DO UPDATE SET link = excluded.link, due_at = excluded.due_at,
			sent_3d = CASE WHEN due_reminders.due_at = excluded.due_at THEN due_reminders.sent_3d ELSE FALSE END,
			sent_1d = CASE WHEN due_reminders.due_at = excluded.due_at THEN due_reminders.sent_1d ELSE FALSE END`,
		userID, ref, link, due, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("due reminder %q: %w", ref, db.Map(err))
	}
	return nil
}

// CancelDueReminder drops the reminders of ref, when the user has answered or the request was
// withdrawn. One that is not there is no error.
func CancelDueReminder(ctx context.Context, q db.Querier, userID int64, ref string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM due_reminders WHERE user_id = $1 AND ref = $2`, userID, ref); err != nil {
		return fmt.Errorf("cancel due reminder %q: %w", ref, db.Map(err))
	}
	return nil
}

// DueReminder returns the reminder of ref for user; apperr.NotFound when none is scheduled.
func DueReminder(ctx context.Context, q db.Querier, userID int64, ref string) (Reminder, error) {
	r, err := scanReminder(q.QueryRowContext(ctx, `SELECT id, user_id, ref, link, due_at, sent_3d, sent_1d
		FROM due_reminders WHERE user_id = $1 AND ref = $2`, userID, ref))
	if err != nil {
		return Reminder{}, fmt.Errorf("due reminder %q: %w", ref, db.Map(err))
	}
	return r, nil
}

func scanReminder(row *sql.Row) (Reminder, error) {
	var r Reminder
	err := row.Scan(&r.ID, &r.UserID, &r.Ref, &r.Link, &r.Due, &r.Sent3d, &r.Sent1d)
	return r, err
}

// ReminderArgs is the periodic job that sends the due-date reminders.
type ReminderArgs struct{}

// Kind implements river.JobArgs.
func (ReminderArgs) Kind() string { return "notify.reminders" }

// ReminderWorker runs ReminderArgs: SendReminders at the time of the run.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	DB  *db.DB
	Now func() time.Time // nil: time.Now
}

// Work implements river.Worker.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	_, err := SendReminders(ctx, w.DB, river.ClientFromContext[*sql.Tx](ctx), now(w.Now))
	return err
}

// SendReminders notifies every due date that is 3 days or less away (the first reminder) or
// 1 day or less away (the second), each once: the flag that marks it sent is set in the same
// transaction as the notification, and only if it was not yet set, so two overlapping runs send
// one reminder. A date first seen when it is already within a day gets only the second. It
// returns how many reminders it sent.
func SendReminders(ctx context.Context, d *db.DB, client *jobs.Client, now time.Time) (int, error) {
	now = now.UTC()
	rows, err := d.QueryContext(ctx, `SELECT id FROM due_reminders
		WHERE due_at > $1 AND ((sent_1d = FALSE AND due_at <= $2) OR (sent_3d = FALSE AND due_at <= $3)) ORDER BY due_at`,
		now, now.Add(24*time.Hour), now.Add(72*time.Hour))
	if err != nil {
		return 0, fmt.Errorf("due reminders: %w", db.Map(err))
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("due reminders: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("due reminders: %w", db.Map(err))
	}
	sent := 0
	var first error
	for _, id := range ids {
		var did bool
		err := db.InTx(ctx, d, func(tx *db.Tx) error {
			var err error
			did, err = remind(ctx, tx, client, id, now)
			return err
		})
		if err != nil && first == nil {
			first = fmt.Errorf("due reminder %d: %w", id, err)
		}
		if err == nil && did {
			sent++
		}
	}
	return sent, first
}

func remind(ctx context.Context, tx *db.Tx, client *jobs.Client, id int64, now time.Time) (bool, error) {
	r, err := scanReminder(tx.QueryRowContext(ctx, `SELECT id, user_id, ref, link, due_at, sent_3d, sent_1d
		FROM due_reminders WHERE id = $1`, id))
	if err != nil {
		return false, db.Map(err)
	}
	left := r.Due.Sub(now)
	update := `UPDATE due_reminders SET sent_3d = TRUE WHERE id = $1 AND sent_3d = FALSE`
	switch {
	case left <= 0:
		return false, nil
	case left <= 24*time.Hour && !r.Sent1d:
		update = `UPDATE due_reminders SET sent_3d = TRUE, sent_1d = TRUE WHERE id = $1 AND sent_1d = FALSE`
	case left <= 72*time.Hour && !r.Sent3d:
	default:
		return false, nil
	}
	res, err := tx.ExecContext(ctx, update, id)
	if err != nil {
		return false, db.Map(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // another run sent it
	}
	days := max(1, int(math.Ceil(left.Hours()/24)))
	_, err = create(ctx, tx, client, Event{UserID: r.UserID, Kind: InfoDue, Ref: r.Ref, Link: r.Link, At: now,
		Data: map[string]string{"Days": strconv.Itoa(days), "Due": r.Due.Format(time.RFC3339)}})
	return err == nil, err
}

// Periodic returns the periodic jobs of notifications: the digests, looked at every 10 minutes
// (a digest leaves within 10 minutes of its hour), and the due-date reminders every 15. River
// runs periodic jobs on the elected leader only, so with several instances each runs once.
func Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return DigestArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "notify.digest"}),
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ReminderArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "notify.reminders"}),
	}
}

// Sweep removes what notifications no longer need: records of pushes older than a month (far
// beyond any retry) and reminders whose date passed a week ago. For the periodic sweeper.
func Sweep(ctx context.Context, q db.Querier, now time.Time) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM push_deliveries WHERE sent_at < $1`, now.AddDate(0, -1, 0).UTC()); err != nil {
		return fmt.Errorf("sweep push deliveries: %w", db.Map(err))
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM due_reminders WHERE due_at < $1`, now.AddDate(0, 0, -7).UTC()); err != nil {
		return fmt.Errorf("sweep due reminders: %w", db.Map(err))
	}
	return nil
}
