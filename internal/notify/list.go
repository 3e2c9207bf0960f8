package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
)

// Notification is one notification in the user's list.
type Notification struct {
	ID          int64
	UserID      int64
	Kind        Kind
	SubjectType string
	Ref         string
	Title       string
	Body        string
	Link        string
	CreatedAt   time.Time
	ReadAt      *time.Time // nil: unread
	// Deliveries is where each external channel stands, in the order of Channels; a channel that
	// was not used is absent.
	Deliveries []Delivery
}

// Delivery is the state of a notification's delivery by one channel.
type Delivery struct {
	Channel   Channel
	State     State
	Attempts  int
	LastError string // why it failed or is being retried, with no personal data
	UpdatedAt time.Time
}

// Filter selects notifications for List.
type Filter struct {
	Kind   Kind // empty: every kind
	Offset int
	Limit  int // 1–100; default 20
}

// List returns the user's notifications newest first, as f selects, with the number that match
// f without the paging.
func List(ctx context.Context, q db.Querier, userID int64, f Filter) ([]Notification, int, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	f.Offset = max(f.Offset, 0)
	var total int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND ($2 = '' OR kind = $2)`,
		userID, f.Kind).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("count notifications: %w", db.Map(err))
	}
	rows, err := q.QueryContext(ctx, `
		SELECT id, user_id, kind, subject_type, subject_ref, title, body, link, created_at, read_at
		FROM notifications WHERE user_id = $1 AND ($2 = '' OR kind = $2)
		ORDER BY id DESC LIMIT $3 OFFSET $4`, userID, f.Kind, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", db.Map(err))
	}
	defer rows.Close()
	var out []Notification
	index := map[int64]int{}
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.SubjectType, &n.Ref, &n.Title, &n.Body, &n.Link,
			&n.CreatedAt, &n.ReadAt); err != nil {
			return nil, 0, fmt.Errorf("list notifications: %w", err)
		}
		index[n.ID] = len(out)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", db.Map(err))
	}
	rows.Close()
	if len(out) == 0 {
		return out, total, nil
	}
	// The page's ids: a range, since the list is ordered by id; cheaper than an IN list.
	drows, err := q.QueryContext(ctx, `
		SELECT d.notification_id, d.channel, d.state, d.attempts, d.last_error, d.updated_at
		FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE n.user_id = $1 AND d.notification_id BETWEEN $2 AND $3
		ORDER BY d.notification_id, CASE d.channel WHEN 'email' THEN 1 WHEN 'sms' THEN 2 ELSE 3 END`,
		userID, out[len(out)-1].ID, out[0].ID)
	if err != nil {
		return nil, 0, fmt.Errorf("list deliveries: %w", db.Map(err))
	}
	defer drows.Close()
	for drows.Next() {
		var id int64
		var d Delivery
		if err := drows.Scan(&id, &d.Channel, &d.State, &d.Attempts, &d.LastError, &d.UpdatedAt); err != nil {
			return nil, 0, fmt.Errorf("list deliveries: %w", err)
		}
		if i, ok := index[id]; ok {
			out[i].Deliveries = append(out[i].Deliveries, d)
		}
	}
	if err := drows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list deliveries: %w", db.Map(err))
	}
	return out, total, nil
}

// UnreadCount returns how many of the user's notifications are unread: the header's counter. It
// reads only the partial index of unread rows.
func UnreadCount(ctx context.Context, q db.Querier, userID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread notifications: %w", db.Map(err))
	}
	return n, nil
}

// MarkRead marks notification id of user read. A notification of someone else is
// apperr.NotFound, as if it did not exist; one already read stays as it was.
func MarkRead(ctx context.Context, tx *db.Tx, userID, id int64, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL`,
		now.UTC(), id, userID)
	if err != nil {
		return fmt.Errorf("mark notification %d read: %w", id, db.Map(err))
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return Signal(ctx, tx, userID)
	}
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE id = $1 AND user_id = $2`, id, userID).Scan(&exists); err != nil {
		return fmt.Errorf("mark notification %d read: %w", id, db.Map(err))
	}
	if exists == 0 {
		return fmt.Errorf("notification %d: %w", id, apperr.NotFound)
	}
	return nil
}

// MarkAllRead marks every unread notification of user read and returns how many.
func MarkAllRead(ctx context.Context, tx *db.Tx, userID int64, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, now.UTC(), userID)
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", db.Map(err))
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		return n, Signal(ctx, tx, userID)
	}
	return 0, nil
}

// Failure is a delivery given up for good, for the administrators' view.
type Failure struct {
	NotificationID int64
	UserID         int64
	Kind           Kind
	Channel        Channel
	Attempts       int
	Reason         string
	At             time.Time
}

// Failures returns the newest limit deliveries that failed for good, newest first.
func Failures(ctx context.Context, q db.Querier, limit int) ([]Failure, error) {
	limit = max(1, min(limit, 500))
	rows, err := q.QueryContext(ctx, `
		SELECT n.id, n.user_id, n.kind, d.channel, d.attempts, d.last_error, d.updated_at
		FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
		WHERE d.state = 'failed' ORDER BY d.updated_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("failed deliveries: %w", db.Map(err))
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		if err := rows.Scan(&f.NotificationID, &f.UserID, &f.Kind, &f.Channel, &f.Attempts, &f.Reason, &f.At); err != nil {
			return nil, fmt.Errorf("failed deliveries: %w", err)
		}
		out = append(out, f)
	}
	return out, db.Map(rows.Err())
}
