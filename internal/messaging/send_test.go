package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

// rig is River working SendArgs on one database, sending to test servers.
type rig struct {
	d       *db.DB
	runner  *jobs.Runner
	smtp    *messagingtest.SMTPServer
	sms     *messagingtest.SMSGateway
	events  <-chan *river.Event
	backlog []*river.Event // events read but not yet waited for
}

// forEachDB runs fn on a fresh rig per database.
func forEachDB(t *testing.T, fn func(t *testing.T, r *rig)) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) { fn(t, startRig(t, dialect)) })
	}
}

func startRig(t *testing.T, dialect db.Dialect) *rig {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler) // River logs every failed attempt, which these tests cause
	// jobs.New needs the SQLite file's path for River's own connection, which dbtest keeps to itself.
	path := filepath.Join(t.TempDir(), "messaging.db")
	var d *db.DB
	var err error
	if dialect == db.SQLite {
		d, err = db.OpenSQLite(ctx, path)
	} else {
		d, err = db.OpenPostgres(ctx, dbtest.PostgresURL(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, d, quiet); err != nil {
		t.Fatal(err)
	}
	r := &rig{d: d, smtp: messagingtest.StartSMTP(t), sms: messagingtest.StartSMSGateway(t)}
	workers := river.NewWorkers()
	river.AddWorker(workers, &Worker{
		DB: d, Mailer: mustSMTPMailer(t, r.smtp.URL()), SMS: mustGatewaySMS(t, r.sms.URL()), Logger: quiet,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond },
	})
	r.runner, err = jobs.New(d, path, jobs.Options{Workers: workers, Work: true, Logger: quiet, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := r.runner.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	r.events = events
	if err := r.runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.runner.Stop(ctx); err != nil {
			t.Errorf("stop River: %v", err)
		}
		cancel()
	})
	return r
}

func (r *rig) enqueue(t *testing.T, args SendArgs) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, r.d, func(tx *db.Tx) error { return Enqueue(ctx, r.runner.Client, tx.Tx, args) })
	if err != nil {
		t.Fatal(err)
	}
}

// waitJob returns the next event of kind for the job with key, waiting up to 20 s for it. Events
// of other jobs are kept for later calls, since jobs run concurrently and finish in any order.
func (r *rig) waitJob(t *testing.T, key string, kind river.EventKind) *river.Event {
	t.Helper()
	match := func(ev *river.Event) bool {
		var a SendArgs
		if err := json.Unmarshal(ev.Job.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		return a.Key == key && ev.Kind == kind
	}
	for i, ev := range r.backlog {
		if match(ev) {
			r.backlog = append(r.backlog[:i], r.backlog[i+1:]...)
			return ev
		}
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-r.events:
			if match(ev) {
				return ev
			}
			r.backlog = append(r.backlog, ev)
		case <-deadline:
			t.Fatalf("job %s: no %s event within 20 s", key, kind)
		}
	}
}

func (r *rig) jobCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := r.d.QueryRowContext(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'messaging.send'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func codeEmail(key string) SendArgs {
	return SendArgs{Channel: ChannelEmail, To: russianEmail.To, Subject: russianEmail.Subject,
		Text: russianEmail.Text, HTML: russianEmail.HTML, Key: key}
}

// TestEnqueueDelivers sends an e-mail and an SMS enqueued in one committed transaction, each once,
// and nothing for a transaction rolled back.
func TestEnqueueDelivers(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		sms := SendArgs{Channel: ChannelSMS, To: "+79161234567", Text: "Код для входа: 482913", Key: "otp:2"}
		err := db.InTx(ctx, r.d, func(tx *db.Tx) error {
			if err := Enqueue(ctx, r.runner.Client, tx.Tx, codeEmail("otp:1")); err != nil {
				return err
			}
			return Enqueue(ctx, r.runner.Client, tx.Tx, sms)
		})
		if err != nil {
			t.Fatal(err)
		}
		errRollback := errors.New("roll back")
		err = db.InTx(ctx, r.d, func(tx *db.Tx) error {
			if err := Enqueue(ctx, r.runner.Client, tx.Tx, SendArgs{Channel: ChannelEmail, To: "other@example.ru", Text: "x", Key: "otp:3"}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the rollback", err)
		}

		r.waitJob(t, "otp:1", river.EventKindJobCompleted)
		r.waitJob(t, "otp:2", river.EventKindJobCompleted)
		got := r.smtp.WaitFor(t, russianEmail.To, time.Second)
		if got.Subject != russianEmail.Subject || got.Text != russianEmail.Text || got.HTML != russianEmail.HTML {
			t.Errorf("received %q / %q / %q, want the message as enqueued", got.Subject, got.Text, got.HTML)
		}
		if m := r.sms.WaitFor(t, sms.To, time.Second); m.Text != sms.Text {
			t.Errorf("SMS text = %q, want %q", m.Text, sms.Text)
		}
		if n, m := len(r.smtp.Messages()), len(r.sms.Messages()); n != 1 || m != 1 {
			t.Errorf("delivered %d e-mails and %d SMS, want 1 and 1 (nothing from the rolled-back transaction)", n, m)
		}
		if n := r.jobCount(t); n != 2 {
			t.Errorf("%d send jobs, want 2", n)
		}
	})
}

// TestEnqueueSameKeyOnce delivers a key once however often it is enqueued: while its job waits,
// and after it has completed.
func TestEnqueueSameKeyOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		r.enqueue(t, codeEmail("activation:42"))
		// The key alone decides, not the content: a second request for the same message is the
		// same message, even if its text was rendered differently.
		again := codeEmail("activation:42")
		again.Text = "другой текст"
		r.enqueue(t, again)
		r.waitJob(t, "activation:42", river.EventKindJobCompleted)
		r.enqueue(t, codeEmail("activation:42"))
		// A different key after it, as a marker: once it is delivered, a duplicate would have been too.
		r.enqueue(t, SendArgs{Channel: ChannelEmail, To: "marker@example.ru", Text: "x", Key: "marker"})
		r.waitJob(t, "marker", river.EventKindJobCompleted)
		if got := r.smtp.MessagesTo(russianEmail.To); len(got) != 1 || got[0].Text != russianEmail.Text {
			t.Errorf("delivered %d times, want once, with the first text", len(got))
		}
		if n := r.jobCount(t); n != 2 {
			t.Errorf("%d send jobs, want 2 (one per key)", n)
		}
	})
}

// TestDeliveredOnceAfterSMTPComesBack keeps retrying while the mail server is down and delivers
// exactly once when it is back.
func TestDeliveredOnceAfterSMTPComesBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		r.smtp.SetDown(true)
		r.enqueue(t, codeEmail("otp:7"))
		r.waitJob(t, "otp:7", river.EventKindJobFailed)
		ev := r.waitJob(t, "otp:7", river.EventKindJobFailed)
		if ev.Job.Attempt < 2 {
			t.Errorf("second failure at attempt %d, want 2 or more", ev.Job.Attempt)
		}
		if n := len(r.smtp.Messages()); n != 0 {
			t.Fatalf("server down, yet %d messages received", n)
		}
		r.smtp.SetDown(false)
		ev = r.waitJob(t, "otp:7", river.EventKindJobCompleted)
		r.smtp.WaitFor(t, russianEmail.To, time.Second)
		r.enqueue(t, SendArgs{Channel: ChannelEmail, To: "marker@example.ru", Text: "x", Key: "marker"})
		r.waitJob(t, "marker", river.EventKindJobCompleted)
		if n := len(r.smtp.MessagesTo(russianEmail.To)); n != 1 {
			t.Errorf("delivered %d times, want once", n)
		}
		if ev.Job.Attempt < 3 {
			t.Errorf("completed at attempt %d, want after at least two failures", ev.Job.Attempt)
		}
	})
}

// TestWorkerSkipsDeliveredKey is the crash between sending and River recording the job as done:
// the key is in message_deliveries, so the retried job completes without sending again.
func TestWorkerSkipsDeliveredKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		if err := recordDelivery(ctx, r.d, codeEmail("otp:9"), time.Now()); err != nil {
			t.Fatal(err)
		}
		r.enqueue(t, codeEmail("otp:9"))
		r.waitJob(t, "otp:9", river.EventKindJobCompleted)
		if n := len(r.smtp.Messages()); n != 0 {
			t.Errorf("sent %d messages for a key already delivered, want 0", n)
		}
		// And a normal delivery leaves its key behind.
		r.enqueue(t, codeEmail("otp:10"))
		r.waitJob(t, "otp:10", river.EventKindJobCompleted)
		if ok, err := delivered(ctx, r.d, "otp:10"); err != nil || !ok {
			t.Errorf("delivered(otp:10) = %v, %v; want true", ok, err)
		}
	})
}

// TestWorkerGivesUp cancels, after one attempt, a message past its NotAfter and one whose
// recipient the server refuses.
func TestWorkerGivesUp(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		expired := codeEmail("otp:expired")
		expired.NotAfter = time.Now().Add(-time.Minute)
		r.enqueue(t, expired)
		ev := r.waitJob(t, "otp:expired", river.EventKindJobCancelled)
		if ev.Job.Attempt != 1 {
			t.Errorf("expired message cancelled at attempt %d, want 1", ev.Job.Attempt)
		}

		r.smtp.RejectRecipient("nobody@example.ru")
		r.enqueue(t, SendArgs{Channel: ChannelEmail, To: "nobody@example.ru", Text: "x", Key: "otp:nobody"})
		ev = r.waitJob(t, "otp:nobody", river.EventKindJobCancelled)
		if ev.Job.Attempt != 1 {
			t.Errorf("refused message cancelled at attempt %d, want 1", ev.Job.Attempt)
		}

		fresh := codeEmail("otp:fresh")
		fresh.NotAfter = time.Now().Add(time.Hour)
		r.enqueue(t, fresh)
		r.waitJob(t, "otp:fresh", river.EventKindJobCompleted)
		if n := len(r.smtp.Messages()); n != 1 {
			t.Errorf("delivered %d messages, want only the fresh one", n)
		}
	})
}

// TestEnqueueInvalid refuses what cannot be sent before it reaches the queue.
func TestEnqueueInvalid(t *testing.T) {
	ok := SendArgs{Channel: ChannelSMS, To: "+79161234567", Text: "x", Key: "k"}
	if err := ok.validate(); err != nil {
		t.Fatalf("validate(%+v) = %v", ok, err)
	}
	for _, tc := range []struct {
		name string
		edit func(*SendArgs)
	}{
		{"no key", func(a *SendArgs) { a.Key = "" }},
		{"no text", func(a *SendArgs) { a.Text = "" }},
		{"unknown channel", func(a *SendArgs) { a.Channel = "fax" }},
		{"national number", func(a *SendArgs) { a.To = "89161234567" }},
		{"e-mail without @", func(a *SendArgs) { a.Channel = ChannelEmail; a.To = "ivanov" }},
	} {
		a := ok
		tc.edit(&a)
		if err := a.validate(); !errors.Is(err, apperr.Invalid) {
			t.Errorf("%s: validate = %v, want apperr.Invalid", tc.name, err)
		}
	}
}

// TestRetryDelay spaces attempts from 10 s, doubling, up to an hour.
func TestRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{5, 160 * time.Second},
		{9, 2560 * time.Second},
		{10, time.Hour},
		{MaxAttempts, time.Hour},
		{1000, time.Hour},
	} {
		if got := retryDelay(tc.attempt); got != tc.want {
			t.Errorf("retryDelay(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
}
