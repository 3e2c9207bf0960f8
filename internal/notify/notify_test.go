package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/messaging"
)

// stageChanged is the event of the applications layer when an application moves on.
func stageChanged(userID int64) Event {
	return Event{UserID: userID, Kind: StageChanged, Ref: "2026-000123", Link: "/applications/2026-000123",
		Category: "vehicles", Data: map[string]string{"Stage": "Экспертиза", "Stage.en": "Expert review"}}
}

// TestStageChangeEmailInUserLanguage delivers the e-mail of a stage change through a real SMTP
// server, in Russian to a Russian speaker and in English to an English one, with a link to the
// application and no personal data, and records it as sent on the notification.
func TestStageChangeEmailInUserLanguage(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ru := mustUser(t, r.d, "ru", "maria@example.ru", "")
		en := mustUser(t, r.d, "en", "john@example.com", "")
		idRu := r.notify(t, stageChanged(ru))
		idEn := r.notify(t, stageChanged(en))
		r.waitJob(t, deliveryKey("notif", idRu, Email), river.EventKindJobCompleted)
		r.waitJob(t, deliveryKey("notif", idEn, Email), river.EventKindJobCompleted)

		link := testBase + "/applications/2026-000123"
		for _, tc := range []struct {
			to, subject, text string
		}{
			{"maria@example.ru", "Заявление № 2026-000123: новый этап", "Заявление перешло на этап «Экспертиза»."},
			{"john@example.com", "Application 2026-000123: new stage", "Your application has moved to the stage “Expert review”."},
		} {
			m := r.smtp.WaitFor(t, tc.to, 5*time.Second)
			if m.Subject != tc.subject {
				t.Errorf("%s: subject %q, want %q", tc.to, m.Subject, tc.subject)
			}
			for _, part := range []string{m.Text, m.HTML} {
				if !strings.Contains(part, tc.text) || !strings.Contains(part, link) {
					t.Errorf("%s: a part lacks %q or the link %s:\n%s", tc.to, tc.text, link, part)
				}
				if strings.Contains(part, "Иванова") || strings.Contains(part, tc.to) {
					t.Errorf("%s: the e-mail carries personal data:\n%s", tc.to, part)
				}
			}
			if !strings.Contains(m.HTML, `href="`+link+`"`) || !strings.Contains(m.HTML, testBase+"/profile/notifications") {
				t.Errorf("%s: HTML lacks the links:\n%s", tc.to, m.HTML)
			}
		}
		for _, id := range []int64{idRu, idEn} {
			if d := deliveries(t, r.d, id)[Email]; d.State != StateSent || d.Attempts != 1 || d.LastError != "" {
				t.Errorf("notification %d e-mail delivery = %+v, want sent at the first attempt", id, d)
			}
		}
		list, total, err := List(context.Background(), r.d, en, Filter{})
		if err != nil || total != 1 || list[0].Title != "Application 2026-000123: new stage" || list[0].ReadAt != nil {
			t.Errorf("List(en) = %+v, %d, %v; want the unread English notification", list, total, err)
		}
	})
}

// TestDecisionSMS sends the SMS of a decision (on by default) to the gateway, in the user's
// language, and records it as delivered to the gateway.
func TestDecisionSMS(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		u := mustUser(t, r.d, "ru", "", "+79161234567")
		id := r.notify(t, Event{UserID: u, Kind: Decision, Ref: "2026-000124", Link: "/applications/2026-000124",
			Data: map[string]string{"Decision": "одобрено"}})
		r.waitJob(t, deliveryKey("notif", id, SMS), river.EventKindJobCompleted)
		m := r.sms.WaitFor(t, "+79161234567", 5*time.Second)
		want := "ГИС ОПВК: по заявлению № 2026-000124 принято решение. Документ — в личном кабинете. " + testBase + "/applications/2026-000124"
		if m.Text != want {
			t.Errorf("SMS = %q, want %q", m.Text, want)
		}
		got := deliveries(t, r.d, id)
		if got[SMS].State != StateDelivered {
			t.Errorf("SMS delivery = %+v, want delivered to the gateway", got[SMS])
		}
		if _, ok := got[Email]; ok {
			t.Errorf("an e-mail delivery for a user without an address: %+v", got[Email])
		}
	})
}

// TestChannelSwitchedOff sends nothing by a channel the user switched off, while the cabinet
// still shows the notification; and the e-mail of a security kind cannot be switched off.
func TestChannelSwitchedOff(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		u := mustUser(t, r.d, "ru", "maria@example.ru", "+79161234567")
		p := DefaultPreferences()
		p.Enabled[StageChanged][Email] = false
		p.Enabled[NewSignIn][Email] = false // a forged form: ignored
		if err := SavePreferences(ctx, r.d, u, p, time.Now()); err != nil {
			t.Fatal(err)
		}
		off := r.notify(t, stageChanged(u))
		alert := r.notify(t, Event{UserID: u, Kind: NewSignIn, Link: "/profile/security"})
		r.waitJob(t, deliveryKey("notif", alert, Email), river.EventKindJobCompleted)
		if got := deliveries(t, r.d, off); len(got) != 0 {
			t.Errorf("stage change switched off, yet deliveries %+v", got)
		}
		if n := count(t, r.d, `SELECT count(*) FROM river_job WHERE kind = 'messaging.send'`); n != 1 {
			t.Errorf("%d send jobs, want only the security alert's", n)
		}
		msgs := r.smtp.Messages()
		if len(msgs) != 1 || msgs[0].Subject != "Вход в личный кабинет с нового устройства" {
			t.Errorf("received %d e-mails (%v), want the security alert only", len(msgs), msgs)
		}
		if len(r.sms.Messages()) != 0 {
			t.Errorf("SMS sent for kinds whose SMS is off by default")
		}
		if n, err := UnreadCount(ctx, r.d, u); err != nil || n != 2 {
			t.Errorf("UnreadCount = %d, %v; want both notifications in the cabinet", n, err)
		}
	})
}

// TestRolledBackNotifiesNobody: a change that is rolled back leaves no notification, no job and
// no message.
func TestRolledBackNotifiesNobody(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		u := mustUser(t, r.d, "ru", "maria@example.ru", "+79161234567")
		errChange := errors.New("the change failed")
		err := db.InTx(ctx, r.d, func(tx *db.Tx) error {
			if err := Notify(ctx, tx, r.runner.Client, Event{UserID: u, Kind: Decision, Ref: "1",
				Data: map[string]string{"Decision": "отказ"}}); err != nil {
				return err
			}
			return errChange
		})
		if !errors.Is(err, errChange) {
			t.Fatalf("InTx = %v, want the change's error", err)
		}
		// A committed marker after it: once its e-mail is out, the other would have been too.
		marker := r.notify(t, stageChanged(mustUser(t, r.d, "ru", "marker@example.ru", "")))
		r.waitJob(t, deliveryKey("notif", marker, Email), river.EventKindJobCompleted)
		if n := count(t, r.d, `SELECT count(*) FROM notifications WHERE user_id = $1`, u); n != 0 {
			t.Errorf("%d notifications after the rollback, want 0", n)
		}
		if n := len(r.smtp.MessagesTo("maria@example.ru")) + len(r.sms.Messages()); n != 0 {
			t.Errorf("%d messages after the rollback, want 0", n)
		}
		if n := count(t, r.d, `SELECT count(*) FROM river_job`); n != 1 {
			t.Errorf("%d jobs, want the marker's only", n)
		}
	})
}

// TestSMTPDownThenUp keeps an e-mail while the mail server is down, shows the retry on the
// notification, and delivers it once when the server is back; the SMS of the same event is not
// held back meanwhile.
func TestSMTPDownThenUp(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		u := mustUser(t, r.d, "ru", "maria@example.ru", "+79161234567")
		r.smtp.SetDown(true)
		id := r.notify(t, Event{UserID: u, Kind: Decision, Ref: "2026-000125", Data: map[string]string{"Decision": "одобрено"}})
		key := deliveryKey("notif", id, Email)
		r.waitJob(t, key, river.EventKindJobFailed)
		r.waitJob(t, key, river.EventKindJobFailed)
		r.sms.WaitFor(t, "+79161234567", 5*time.Second) // the other channel went on
		d := deliveries(t, r.d, id)[Email]
		if d.State != StateQueued || d.Attempts < 2 || d.LastError == "" || strings.Contains(d.LastError, "maria@") {
			t.Errorf("e-mail delivery while down = %+v, want queued, retried, with a reason and no address", d)
		}
		if n := len(r.smtp.Messages()); n != 0 {
			t.Fatalf("server down, yet %d e-mails received", n)
		}
		r.smtp.SetDown(false)
		r.waitJob(t, key, river.EventKindJobCompleted)
		marker := r.notify(t, stageChanged(mustUser(t, r.d, "ru", "marker@example.ru", "")))
		r.waitJob(t, deliveryKey("notif", marker, Email), river.EventKindJobCompleted)
		if n := len(r.smtp.MessagesTo("maria@example.ru")); n != 1 {
			t.Errorf("delivered %d times, want once", n)
		}
		if d := deliveries(t, r.d, id)[Email]; d.State != StateSent || d.LastError != "" {
			t.Errorf("e-mail delivery after recovery = %+v, want sent", d)
		}
	})
}

// TestPermanentFailureKept gives up on an address the server refuses and keeps the reason,
// without the address, for the administrators.
func TestPermanentFailureKept(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		u := mustUser(t, r.d, "ru", "nobody@example.ru", "")
		r.smtp.RejectRecipient("nobody@example.ru")
		id := r.notify(t, stageChanged(u))
		r.waitJob(t, deliveryKey("notif", id, Email), river.EventKindJobCancelled)
		fails, err := Failures(context.Background(), r.d, 10)
		if err != nil || len(fails) != 1 {
			t.Fatalf("Failures = %+v, %v; want one", fails, err)
		}
		f := fails[0]
		if f.NotificationID != id || f.Channel != Email || f.Reason == "" || strings.Contains(f.Reason, "nobody@") {
			t.Errorf("failure = %+v, want this e-mail with a reason and no address", f)
		}
	})
}

// blockingMailer sends through the real mailer and then holds the job until its context is
// cancelled: the worker is stopped between the send and what follows it.
type blockingMailer struct {
	real messaging.Mailer
	sent chan struct{}
}

func (m blockingMailer) SendEmail(ctx context.Context, e messaging.Email) error {
	if err := m.real.SendEmail(ctx, e); err != nil {
		return err
	}
	close(m.sent)
	<-ctx.Done()
	return nil
}

// TestExactlyOnceAfterKill stops the worker (cancels its context) right after the mail server
// accepted the message and before the delivery is recorded; the job is then run again as after
// a crash, by a new worker. The mail server has the message once.
func TestExactlyOnceAfterKill(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, dialect)
			real, err := messaging.NewSMTPMailer(r.smtp.URL(), "noreply@opvk.example")
			if err != nil {
				t.Fatal(err)
			}
			sent := make(chan struct{})
			r.start(t, blockingMailer{real: real, sent: sent})
			u := mustUser(t, r.d, "ru", "maria@example.ru", "")
			id := r.notify(t, stageChanged(u))
			select {
			case <-sent:
			case <-time.After(20 * time.Second):
				t.Fatal("the message was not sent")
			}
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := r.runner.Client.StopAndCancel(stopCtx); err != nil {
				t.Logf("stop: %v", err)
			}
			cancel()
			r.stop()
			// As after a crash: River had not recorded the job as done, and its rescuer makes it
			// available again.
			if _, err := r.d.ExecContext(ctx, `UPDATE river_job SET state = 'available', finalized_at = NULL,
				scheduled_at = $1 WHERE kind = 'messaging.send'`, time.Now().Add(-time.Second).UTC()); err != nil {
				t.Fatal(err)
			}
			r.start(t, nil)
			r.waitJob(t, deliveryKey("notif", id, Email), river.EventKindJobCompleted)
			if n := len(r.smtp.MessagesTo("maria@example.ru")); n != 1 {
				t.Errorf("the mail server received the message %d times, want once", n)
			}
			if d := deliveries(t, r.d, id)[Email]; d.State != StateSent {
				t.Errorf("e-mail delivery = %+v, want sent", d)
			}
		})
	}
}

// TestQuietHoldsSMS holds the SMS until the user's quiet hours end, while the e-mail of the same
// event leaves at once; when the time comes, the SMS is delivered.
func TestQuietHoldsSMS(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		u := mustUser(t, r.d, "ru", "maria@example.ru", "+79161234567")
		p := DefaultPreferences()
		local := time.Now().In(p.Location())
		minute := local.Hour()*60 + local.Minute()
		p.QuietFrom, p.QuietTo = (minute+24*60-60)%(24*60), (minute+60)%(24*60) // from an hour ago to an hour ahead
		if err := SavePreferences(ctx, r.d, u, p, time.Now()); err != nil {
			t.Fatal(err)
		}
		id := r.notify(t, Event{UserID: u, Kind: Decision, Ref: "2026-000126", Data: map[string]string{"Decision": "одобрено"}})
		r.waitJob(t, deliveryKey("notif", id, Email), river.EventKindJobCompleted)
		var at time.Time
		var state string
		err := r.d.QueryRowContext(ctx, `SELECT scheduled_at, state FROM river_job WHERE kind = 'messaging.send'
			AND id = (SELECT max(id) FROM river_job WHERE kind = 'messaging.send')`).Scan(&at, &state)
		if err != nil {
			t.Fatal(err)
		}
		end, _ := p.QuietUntil(time.Now())
		if state != "scheduled" || at.Sub(end).Abs() > time.Minute {
			t.Errorf("SMS job %s at %v, want scheduled at the end of the quiet hours %v", state, at, end)
		}
		if n := len(r.sms.Messages()); n != 0 {
			t.Fatalf("%d SMS during the quiet hours, want 0", n)
		}
		if d := deliveries(t, r.d, id)[SMS]; d.State != StateQueued {
			t.Errorf("SMS delivery = %+v, want queued", d)
		}
		// The quiet hours end.
		if _, err := r.d.ExecContext(ctx, `UPDATE river_job SET scheduled_at = $1 WHERE state = 'scheduled'`,
			time.Now().Add(-time.Second).UTC()); err != nil {
			t.Fatal(err)
		}
		r.waitJob(t, deliveryKey("notif", id, SMS), river.EventKindJobCompleted)
		r.sms.WaitFor(t, "+79161234567", 5*time.Second)
	})
}

// TestNotifyInvalid refuses events the texts cannot be made of.
func TestNotifyInvalid(t *testing.T) {
	for _, ev := range []Event{
		{UserID: 1, Kind: "application.unknown"},
		{UserID: 0, Kind: Overdue},
		{UserID: 1, Kind: StageChanged, Ref: "1"},
		{UserID: 1, Kind: Overdue, Link: "https://evil.example/"},
		{UserID: 1, Kind: Overdue, Link: "//evil.example/"},
	} {
		if err := ev.validate(); !errors.Is(err, apperr.Invalid) {
			t.Errorf("validate(%+v) = %v, want apperr.Invalid", ev, err)
		}
	}
	if err := stageChanged(1).validate(); err != nil {
		t.Errorf("validate(stage change) = %v", err)
	}
}

// TestEveryKindHasTexts renders every kind in both languages without a missing message or field.
func TestEveryKindHasTexts(t *testing.T) {
	data := map[string]string{"Stage": "Экспертиза", "Decision": "одобрено", "Days": "3", "Due": "2026-03-10"}
	for _, lang := range []string{"ru", "en"} {
		for _, k := range Kinds() {
			got, err := render(lang, Event{Kind: k, Ref: "2026-000123", Link: "/applications/2026-000123", Data: data},
				time.UTC, testBase)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{got.Title, got.Body, got.SMS} {
				if s == "" || strings.Contains(s, "⟦") || strings.Contains(s, "<no value>") {
					t.Errorf("%s %s: text %q", lang, k, s)
				}
			}
		}
	}
	got, _ := render("ru", Event{Kind: InfoDue, Ref: "1", Data: data}, time.UTC, testBase)
	if want := "До окончания срока ответа на запрос сведений осталось 3 дня. Если вы уже ответили, ничего делать не нужно."; got.Body != want {
		t.Errorf("info_due body = %q, want %q", got.Body, want)
	}
	if want := "Заявление № 1: ответьте до 10 марта 2026 г."; got.Title != want {
		t.Errorf("info_due title = %q, want %q", got.Title, want)
	}
}

// TestRedact keeps a sender's reason without addresses, numbers and endpoints.
func TestRedact(t *testing.T) {
	in := "550 5.1.1 <maria.ivanova@example.ru>: no such mailbox; sms to +7 916 123-45-67 refused; POST https://fcm.googleapis.com/fcm/send/abc: 410"
	got := Redact(in)
	for _, bad := range []string{"maria", "916", "fcm.googleapis"} {
		if strings.Contains(got, bad) {
			t.Errorf("Redact kept %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, "no such mailbox") || !strings.Contains(got, "410") {
		t.Errorf("Redact lost the reason: %s", got)
	}
	if n := len([]rune(Redact(strings.Repeat("x", 1000)))); n > 301 {
		t.Errorf("Redact kept %d characters", n)
	}
}
