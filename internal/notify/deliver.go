package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/messaging"
)

// SendWorker is messaging's Worker with the delivery state of notifications kept up to date:
// register it in its place, river.AddWorker(workers, &notify.SendWorker{Worker: &messaging.Worker{…}}).
// The sending, the retries and the delivery key are messaging's; after each attempt at a message
// of a notification or digest, SendWorker records on the notification whether it was sent (or
// delivered to the SMS gateway), is being retried, or failed for good, and why. Messages of
// other areas (one-time codes) pass through untouched.
type SendWorker struct {
	*messaging.Worker
}

// Work implements river.Worker.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[messaging.SendArgs]) error {
	err := w.Worker.Work(ctx, job)
	prefix, id, ch, ok := parseKey(job.Args.Key)
	if !ok {
		return err
	}
	st := StateSent
	if ch == SMS {
		st = StateDelivered
	}
	if err != nil {
		st = StateQueued
		if final(job.JobRow.Attempt, job.JobRow.MaxAttempts, err) {
			st = StateFailed
		}
	}
	// Not ctx: a worker stopped just after the send must still record it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := recordAttempt(rctx, w.DB, prefix, id, ch, st, job.JobRow.Attempt, err, time.Now()); rerr != nil {
		logger(w.Logger).ErrorContext(ctx, "notification delivery state not recorded", "key", job.Args.Key, "err", rerr)
	}
	return err
}

// final reports whether err ends the job for good: River will not try it again.
func final(attempt, maxAttempts int, err error) bool {
	var cancel *river.JobCancelError
	return errors.As(err, &cancel) || attempt >= maxAttempts
}

// recordAttempt writes the outcome of one attempt on the delivery rows of the key: the one of a
// notification ("notif"), or those of every notification in a digest ("digest").
func recordAttempt(ctx context.Context, q db.Querier, prefix string, id int64, ch Channel, st State, attempt int, err error, now time.Time) error {
	reason := ""
	if err != nil {
		reason = Redact(err.Error())
	}
	where := "notification_id = $5"
	if prefix == "digest" {
		where = "digest_id = $5"
	}
	_, xerr := q.ExecContext(ctx, `UPDATE notification_deliveries SET state = $1, attempts = $2, last_error = $3, updated_at = $4
		WHERE `+where+` AND channel = $6`, st, attempt, reason, now.UTC(), id, ch)
	if xerr != nil {
		return fmt.Errorf("record delivery %s:%d:%s: %w", prefix, id, ch, db.Map(xerr))
	}
	return nil
}

var (
	emailLike = regexp.MustCompile(`[^\s<>"'@]+@[^\s<>"'@]+`)
	phoneLike = regexp.MustCompile(`\+?[0-9][0-9 ()\-]{6,}[0-9]`)
	urlLike   = regexp.MustCompile(`https?://[^\s"']+`)
)

// Redact removes from a sender's error what could identify a person, such as the recipient's
// address or number that a mail server repeats in its refusal, or a push endpoint, which is a
// browser's address, and shortens it: the reason is kept and shown to administrators (E2).
func Redact(s string) string {
	s = urlLike.ReplaceAllString(s, "<url>")
	s = emailLike.ReplaceAllString(s, "<address>")
	s = phoneLike.ReplaceAllString(s, "<number>")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
