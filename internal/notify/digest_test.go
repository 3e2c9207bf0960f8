package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// TestDigestCollectsTheDay gathers a day's events into one e-mail at the user's digest hour,
// and sends nothing before it or twice.
func TestDigestCollectsTheDay(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		u := mustUser(t, r.d, "ru", "maria@example.ru", "+79161234567")
		p := DefaultPreferences()
		p.Channels[Email] = ChannelSettings{Frequency: DailyDigest, DigestHour: 9}
		p.Channels[SMS] = ChannelSettings{Frequency: DailyDigest, DigestHour: 9}
		if err := SavePreferences(ctx, r.d, u, p, time.Now()); err != nil {
			t.Fatal(err)
		}
		msk := p.Location()
		day := time.Now().In(msk)
		at := func(d, h int) time.Time { return time.Date(day.Year(), day.Month(), day.Day()+d, h, 0, 0, 0, msk) }
		ids := []int64{
			r.notify(t, Event{UserID: u, Kind: StageChanged, Ref: "2026-000201", Link: "/applications/2026-000201",
				Data: map[string]string{"Stage": "Регистрация"}, At: at(-1, 10)}),
			r.notify(t, Event{UserID: u, Kind: Message, Ref: "2026-000201", Link: "/applications/2026-000201", At: at(-1, 15)}),
			r.notify(t, Event{UserID: u, Kind: Decision, Ref: "2026-000202", Link: "/applications/2026-000202",
				Data: map[string]string{"Decision": "одобрено"}, At: at(0, 8)}),
		}
		// A security alert is not held for the digest.
		alert := r.notify(t, Event{UserID: u, Kind: PasswordChanged, At: at(0, 8)})
		r.waitJob(t, deliveryKey("notif", alert, Email), river.EventKindJobCompleted)
		for _, id := range ids {
			if d := deliveries(t, r.d, id)[Email]; d.State != StateDigest {
				t.Errorf("notification %d: e-mail %+v, want waiting for the digest", id, d)
			}
		}

		if n, err := SendDigests(ctx, r.d, r.runner.Client, at(0, 8).Add(30*time.Minute)); err != nil || n != 0 {
			t.Fatalf("SendDigests before the hour = %d, %v; want nothing", n, err)
		}
		n, err := SendDigests(ctx, r.d, r.runner.Client, at(0, 9).Add(5*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("SendDigests at the hour = %d, %v; want the e-mail and the SMS digest", n, err)
		}
		var emailDigest, smsDigest int64
		if err := r.d.QueryRowContext(ctx, `SELECT id FROM notification_digests WHERE user_id = $1 AND channel = 'email'`, u).Scan(&emailDigest); err != nil {
			t.Fatal(err)
		}
		if err := r.d.QueryRowContext(ctx, `SELECT id FROM notification_digests WHERE user_id = $1 AND channel = 'sms'`, u).Scan(&smsDigest); err != nil {
			t.Fatal(err)
		}
		r.waitJob(t, deliveryKey("digest", emailDigest, Email), river.EventKindJobCompleted)
		r.waitJob(t, deliveryKey("digest", smsDigest, SMS), river.EventKindJobCompleted)
		// Only the decision has SMS on (the default): the SMS digest has one notification.
		if m := r.sms.Messages(); len(m) != 1 || m[0].Text != "ГИС ОПВК: 1 новое уведомление за сутки. "+testBase+"/notifications" {
			t.Errorf("SMS received %+v, want one digest of one notification", m)
		}
		if n, err := SendDigests(ctx, r.d, r.runner.Client, at(0, 9).Add(15*time.Minute)); err != nil || n != 0 {
			t.Errorf("SendDigests again = %d, %v; want nothing", n, err)
		}

		var digest []string
		for _, m := range r.smtp.MessagesTo("maria@example.ru") {
			if m.Subject != "Пароль изменён" {
				digest = append(digest, m.Subject)
				if !strings.Contains(m.Text, "Заявление № 2026-000201: новый этап") ||
					!strings.Contains(m.Text, "Заявление № 2026-000201: новое сообщение") ||
					!strings.Contains(m.Text, "Заявление № 2026-000202: принято решение") ||
					!strings.Contains(m.HTML, testBase+"/applications/2026-000202") {
					t.Errorf("the digest lacks an event:\n%s", m.Text)
				}
			}
		}
		if len(digest) != 1 || digest[0] != "3 новых уведомления за сутки" {
			t.Errorf("digests received %q, want one of three notifications", digest)
		}
		for _, id := range ids {
			if d := deliveries(t, r.d, id)[Email]; d.State != StateSent {
				t.Errorf("notification %d: e-mail %+v, want sent in the digest", id, d)
			}
		}
	})
}
