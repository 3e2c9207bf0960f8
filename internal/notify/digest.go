package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/messaging"
)

// DigestArgs is the periodic job that sends the daily digests that are due.
type DigestArgs struct{}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "notify.digest" }

// DigestWorker runs DigestArgs: SendDigests at the time of the run.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	DB  *db.DB
	Now func() time.Time // nil: time.Now
}

// Work implements river.Worker.
func (w *DigestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	_, err := SendDigests(ctx, w.DB, river.ClientFromContext[*sql.Tx](ctx), now(w.Now))
	return err
}

func now(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

// errTaken rolls back a digest whose notifications another run took first.
var errTaken = errors.New("digest taken by another run")

// SendDigests queues every daily digest due at now: for each user and channel with notifications
// waiting for a digest, if the user's digest hour has passed since the oldest of them, one
// message with all those made before that hour. Each digest is one transaction that hands its
// notifications over and queues the message, so a digest is sent once even if two runs overlap.
// It returns how many digests it queued; a failure for one user does not stop the others.
func SendDigests(ctx context.Context, d *db.DB, client *jobs.Client, now time.Time) (int, error) {
	type pending struct {
		user int64
		ch   Channel
	}
	rows, err := d.QueryContext(ctx, `SELECT DISTINCT n.user_id, d.channel
		FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.state = 'digest'`)
	if err != nil {
		return 0, fmt.Errorf("pending digests: %w", db.Map(err))
	}
	var todo []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.user, &p.ch); err != nil {
			rows.Close()
			return 0, fmt.Errorf("pending digests: %w", err)
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("pending digests: %w", db.Map(err))
	}
	sent := 0
	var first error
	for _, p := range todo {
		var queued bool
		err := db.InTx(ctx, d, func(tx *db.Tx) error {
			var err error
			queued, err = digest(ctx, tx, client, p.user, p.ch, now)
			return err
		})
		switch {
		case errors.Is(err, errTaken):
		case err != nil && first == nil:
			first = fmt.Errorf("digest of user %d by %s: %w", p.user, p.ch, err)
		case err == nil && queued:
			sent++
		}
	}
	return sent, first
}

// digest queues the digest of user by ch if it is due.
func digest(ctx context.Context, tx *db.Tx, client *jobs.Client, userID int64, ch Channel, now time.Time) (bool, error) {
	prefs, err := LoadPreferences(ctx, tx, userID)
	if err != nil {
		return false, err
	}
	due := prefs.DigestDue(ch, now).UTC()
	rows, err := tx.QueryContext(ctx, `
		SELECT n.id, n.title, n.body, n.link, n.created_at
		FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE n.user_id = $1 AND d.channel = $2 AND d.state = 'digest' AND n.created_at < $3 ORDER BY n.id`,
		userID, ch, due)
	if err != nil {
		return false, fmt.Errorf("digest: %w", db.Map(err))
	}
	var items []Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Title, &n.Body, &n.Link, &n.CreatedAt); err != nil {
			rows.Close()
			return false, fmt.Errorf("digest: %w", err)
		}
		items = append(items, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("digest: %w", db.Map(err))
	}
	if len(items) == 0 {
		return false, nil
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO notification_digests (user_id, channel, created_at) VALUES ($1, $2, $3) RETURNING id`,
		userID, ch, now.UTC()).Scan(&id)
	if err != nil {
		return false, fmt.Errorf("digest: %w", db.Map(err))
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE notification_deliveries SET state = 'queued', digest_id = $1, updated_at = $2
		WHERE channel = $3 AND state = 'digest'
			AND notification_id IN (SELECT id FROM notifications WHERE user_id = $4 AND created_at < $5)`,
		id, now.UTC(), ch, userID, due)
	if err != nil {
		return false, fmt.Errorf("digest: %w", db.Map(err))
	}
	if n, _ := res.RowsAffected(); n != int64(len(items)) {
		return false, errTaken // on PostgreSQL a concurrent run moved some of them meanwhile
	}
	u, err := account.Get(ctx, tx, userID)
	if err != nil {
		return false, err
	}
	base, err := baseURL(ctx, tx)
	if err != nil {
		return false, err
	}
	cat, err := catalog()
	if err != nil {
		return false, err
	}
	lang, loc := i18n.Supported(u.Lang), prefs.Location()
	var at time.Time
	if ch != Email {
		if end, quiet := prefs.QuietUntil(now); quiet {
			at = end
		}
	}
	key := deliveryKey("digest", id, ch)
	subject := cat.N(lang, "notify.digest.subject", len(items))
	switch ch {
	case Email:
		if u.Email == "" {
			return true, recordAttempt(ctx, tx, "digest", id, ch, StateFailed, 0, errors.New("no e-mail address"), now)
		}
		list := make([]emailItem, len(items))
		for i, n := range items {
			list[i] = emailItem{Title: n.Title, Text: n.Body, URL: absolute(base, n.Link), Time: i18n.DateTime(lang, n.CreatedAt, loc)}
		}
		m, err := email(lang, base, subject, list)
		if err != nil {
			return false, err
		}
		m.To, m.Key = u.Email, key
		return true, messaging.EnqueueAt(ctx, client, tx.Tx, m, at)
	case SMS:
		if u.Phone == "" {
			return true, recordAttempt(ctx, tx, "digest", id, ch, StateFailed, 0, errors.New("no phone number"), now)
		}
		text := cat.N(lang, "notify.digest.sms", len(items)) + " " + absolute(base, "/notifications")
		return true, messaging.EnqueueAt(ctx, client, tx.Tx, messaging.SendArgs{Channel: messaging.ChannelSMS,
			To: u.Phone, Text: text, Key: key}, at)
	default:
		return true, enqueuePush(ctx, client, tx, PushArgs{DigestID: id}, at)
	}
}
