package messaging

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

// TestOutboxRecordsOnly keeps e-mail and SMS in dev_outbox when no real sender is configured, and
// lists them newest first.
func TestOutboxRecordsOnly(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		o := &Outbox{DB: d, Now: func() time.Time { return now }}
		if err := o.SendEmail(ctx, russianEmail); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
		sms := SMS{To: "+79161234567", Text: "Код: 482913"}
		if err := o.SendSMS(ctx, sms); err != nil {
			t.Fatal(err)
		}

		got, err := ListOutbox(ctx, d, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("ListOutbox returned %d entries, want 2", len(got))
		}
		wantSMS := OutboxEntry{ID: got[0].ID, Channel: ChannelSMS, Recipient: sms.To, Text: sms.Text, CreatedAt: now}
		wantEmail := OutboxEntry{ID: got[1].ID, Channel: ChannelEmail, Recipient: russianEmail.To,
			Subject: russianEmail.Subject, Text: russianEmail.Text, HTML: russianEmail.HTML, CreatedAt: now.Add(-time.Second)}
		for i, want := range []OutboxEntry{wantSMS, wantEmail} {
			g := got[i]
			if !g.CreatedAt.Equal(want.CreatedAt) {
				t.Errorf("entry %d CreatedAt = %v, want %v", i, g.CreatedAt, want.CreatedAt)
			}
			g.CreatedAt = want.CreatedAt
			if g != want {
				t.Errorf("entry %d = %+v, want %+v", i, g, want)
			}
		}
		if got[0].ID <= got[1].ID {
			t.Errorf("ids %d, %d: want newest first", got[0].ID, got[1].ID)
		}

		one, err := ListOutbox(ctx, d, 1)
		if err != nil || len(one) != 1 || one[0].Channel != ChannelSMS {
			t.Errorf("ListOutbox(limit 1) = %+v, %v; want the SMS alone", one, err)
		}
	})
}

// TestOutboxForwards records and then sends through the real senders, and records even when the
// real sender fails, so a newcomer can read the code while the mail server is down.
func TestOutboxForwards(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := messagingtest.StartSMTP(t)
		gw := messagingtest.StartSMSGateway(t)
		o := &Outbox{DB: d, Mailer: mustSMTPMailer(t, srv.URL()), SMS: mustGatewaySMS(t, gw.URL())}
		if err := o.SendEmail(ctx, russianEmail); err != nil {
			t.Fatal(err)
		}
		if err := o.SendSMS(ctx, SMS{To: "+79161234567", Text: "Код: 482913"}); err != nil {
			t.Fatal(err)
		}
		if n, m := len(srv.Messages()), len(gw.Messages()); n != 1 || m != 1 {
			t.Errorf("real senders got %d e-mails and %d SMS, want 1 and 1", n, m)
		}

		srv.SetDown(true)
		if err := o.SendEmail(ctx, russianEmail); err == nil || errors.Is(err, ErrRejected) {
			t.Errorf("SendEmail with the server down: err = %v, want a retryable error", err)
		}
		got, err := ListOutbox(ctx, d, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Errorf("dev outbox has %d entries, want 3 (one per attempt)", len(got))
		}
	})
}

// TestFromConfig wraps the senders in the dev outbox in dev mode only.
func TestFromConfig(t *testing.T) {
	d := dbtest.SQLite(t)
	srv := messagingtest.StartSMTP(t)
	c := config.Default()
	c.SMTPURL = srv.URL()

	m, s, err := FromConfig(c, d)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := m.(*Outbox)
	if !ok || s != SMSSender(o) || o.Mailer == nil || o.SMS != nil {
		t.Errorf("dev: FromConfig = %T, %T; want the Outbox around SMTP and no SMS sender", m, s)
	}

	c.Env = config.Prod
	m, s, err = FromConfig(c, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*SMTPMailer); !ok || s != nil {
		t.Errorf("prod: FromConfig = %T, %T; want *SMTPMailer and nil", m, s)
	}

	c.SMTPURL = "smtp://u:s3cret@mail.example.ru?tls=maybe"
	if _, _, err := FromConfig(c, d); err == nil {
		t.Error("FromConfig accepted a wrong OPVK_SMTP_URL")
	}
}
