package messaging

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/jobs"
)

// MaxAttempts is how many times a message is tried before River discards it. With retryDelay
// the attempts spread over about six and a half hours: enough to ride out a mail relay that is
// down for a night's maintenance, so a notification is not lost. One-time codes must not arrive
// hours late, when they mean nothing and confuse; they set SendArgs.NotAfter instead of lowering
// this number.
const MaxAttempts = 15

// SendArgs is the job that sends one message. The caller inserts it with Enqueue in the same
// transaction as the change that asks for the message, so a rolled-back change sends nothing and
// a committed one always gets its message, even across a restart.
//
// The arguments, and with them the message text, stay in River's job table until River's cleaner
// removes finished jobs (a day after completion by default).
type SendArgs struct {
	Channel string `json:"channel"` // ChannelEmail or ChannelSMS
	To      string `json:"to"`      // e-mail address, or E.164 number for SMS
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	// Key names this message for ever, such as "otp:1234" (the code row's id) or
	// "activation:42": a second Enqueue with the same key is skipped, and a message already
	// delivered under it is not sent again. It is stored and logged, so it must hold no secret:
	// never the code itself.
	Key string `json:"key" river:"unique"`
	// NotAfter, when set, is the moment the message stops being worth sending, such as the expiry
	// of the code it carries; an attempt after it gives up instead of sending.
	NotAfter time.Time `json:"not_after,omitzero"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "messaging.send" }

// InsertOpts implements river.JobArgsWithInsertOpts, so that every insert of SendArgs, through
// Enqueue or not, is unique by Key and tried MaxAttempts times.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: MaxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true, // only Key is tagged river:"unique"
			// Every state, not River's default, which leaves out cancelled and discarded: a key
			// whose message was given up must not be sent by a later Enqueue either.
			ByState: rivertype.JobStates(),
		},
	}
}

// validate checks what a caller controls; problems are apperr.Invalid, a programming error of
// the caller rather than something to retry.
func (a SendArgs) validate() error {
	var problems []string
	switch a.Channel {
	case ChannelEmail:
		if !strings.Contains(a.To, "@") {
			problems = append(problems, "To is not an e-mail address")
		}
	case ChannelSMS:
		if !e164.MatchString(a.To) {
			problems = append(problems, "To is not an E.164 number")
		}
	default:
		problems = append(problems, fmt.Sprintf("channel %q is neither email nor sms", a.Channel))
	}
	if a.Key == "" {
		problems = append(problems, "Key is empty")
	}
	if a.Text == "" {
		problems = append(problems, "Text is empty")
	}
	if len(problems) > 0 {
		return fmt.Errorf("message %q: %s: %w", a.Key, strings.Join(problems, "; "), apperr.Invalid)
	}
	return nil
}

// Enqueue inserts the job that sends args, in tx, the caller's own transaction: the message
// leaves only if tx commits. A key that was enqueued before is skipped without an error (the
// message is already on its way, or was sent). Invalid args are apperr.Invalid.
func Enqueue(ctx context.Context, client *jobs.Client, tx *sql.Tx, args SendArgs) error {
	return EnqueueAt(ctx, client, tx, args, time.Time{})
}

// EnqueueAt is Enqueue for a message that must not leave before at, such as a notification held
// until the user's quiet hours end; a zero at sends as soon as possible. The key's uniqueness and
// the attempts are those of Enqueue: River merges these options with SendArgs.InsertOpts.
func EnqueueAt(ctx context.Context, client *jobs.Client, tx *sql.Tx, args SendArgs, at time.Time) error {
	if err := args.validate(); err != nil {
		return err
	}
	var opts *river.InsertOpts
	if !at.IsZero() {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	if _, err := client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue message %q: %w", args.Key, db.Map(err))
	}
	return nil
}

// Worker sends the messages of SendArgs jobs; register it with
// river.AddWorker(workers, &messaging.Worker{…}). A failed send returns an error and River tries
// again later (see MaxAttempts); a message refused for good (ErrRejected) or past its NotAfter is
// cancelled at once.
//
// Delivery is at least once. Before sending, the Worker looks for the job's Key in
// message_deliveries and skips a message already delivered; right after the server accepts it, it
// writes the key there. So a retry after the send succeeded but River had not yet recorded the job
// as done (River records completions in batches a moment later; a crash or a lost database
// connection there would run the job again) sends nothing. What remains is the instant between
// the server's acceptance and that write: a crash exactly then sends the message twice. No SMTP
// client can close it, since the server's "250 OK" and our database cannot commit together.
type Worker struct {
	river.WorkerDefaults[SendArgs]
	DB     *db.DB
	Mailer Mailer    // nil: e-mail jobs fail and are retried until a sender is configured
	SMS    SMSSender // nil: likewise for SMS
	Logger *slog.Logger
	Now    func() time.Time
	// Backoff says how long to wait after failed attempt n (1, 2, …); nil: retryDelay. Tests
	// shorten it.
	Backoff func(attempt int) time.Duration
}

// retryDelay doubles from 10 s up to an hour: quick retries for a server that blinked, spaced-out
// ones for an outage.
func retryDelay(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// NextRetry implements river.Worker with the messaging schedule, in place of River's default
// (attempt⁴ seconds), whose late gaps are longer than a message is worth.
func (w *Worker) NextRetry(job *river.Job[SendArgs]) time.Time {
	delay := retryDelay
	if w.Backoff != nil {
		delay = w.Backoff
	}
	return time.Now().Add(delay(job.Attempt))
}

// Timeout implements river.Worker: one SMTP session or gateway request, with room to spare.
func (w *Worker) Timeout(*river.Job[SendArgs]) time.Duration { return 2 * time.Minute }

// Work implements river.Worker.
func (w *Worker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	if !a.NotAfter.IsZero() && !w.now().Before(a.NotAfter) {
		return river.JobCancel(fmt.Errorf("message %q expired unsent at %s", a.Key, a.NotAfter.UTC().Format(time.RFC3339)))
	}
	sent, err := delivered(ctx, w.DB, a.Key)
	if err != nil {
		return err
	}
	if sent {
		return nil
	}
	if err := w.send(ctx, a); err != nil {
		if errors.Is(err, ErrRejected) {
			return river.JobCancel(fmt.Errorf("message %q: %w", a.Key, err))
		}
		return fmt.Errorf("message %q: %w", a.Key, err)
	}
	// Not ctx: a worker stopped right after the server accepted the message has a cancelled ctx,
	// and losing this row then is exactly what would make the retry send it a second time.
	if err := recordDelivery(context.WithoutCancel(ctx), w.DB, a, w.now()); err != nil {
		// The message is out. Failing the job now would send it again, so the job succeeds and the
		// lost row only weakens the guard against a later duplicate.
		w.logger().ErrorContext(ctx, "message sent, but its delivery not recorded", "key", a.Key, "err", err)
	}
	return nil
}

func (w *Worker) send(ctx context.Context, a SendArgs) error {
	switch a.Channel {
	case ChannelEmail:
		if w.Mailer == nil {
			return errors.New("no e-mail sender configured (OPVK_SMTP_URL)")
		}
		return w.Mailer.SendEmail(ctx, Email{To: a.To, Subject: a.Subject, Text: a.Text, HTML: a.HTML})
	case ChannelSMS:
		if w.SMS == nil {
			return errors.New("no SMS sender configured (OPVK_SMS_URL)")
		}
		return w.SMS.SendSMS(ctx, SMS{To: a.To, Text: a.Text})
	}
	return fmt.Errorf("channel %q: %w", a.Channel, ErrRejected)
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

func delivered(ctx context.Context, q db.Querier, key string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM message_deliveries WHERE message_key = $1`, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("message %q: look up delivery: %w", key, db.Map(err))
	}
	return n > 0, nil
}

func recordDelivery(ctx context.Context, q db.Querier, a SendArgs, now time.Time) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO message_deliveries (message_key, channel, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT (message_key) DO NOTHING`, a.Key, a.Channel, now.UTC())
	return db.Map(err)
}

// PruneDeliveries deletes the delivery records older than before and returns how many. A key
// pruned can be sent again if it is enqueued again, so before must lie well beyond any time a
// caller might repeat a key and beyond River's retention of finished jobs; a month is plenty.
func PruneDeliveries(ctx context.Context, q db.Querier, before time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM message_deliveries WHERE sent_at < $1`, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune message deliveries: %w", db.Map(err))
	}
	return res.RowsAffected()
}
