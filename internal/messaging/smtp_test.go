package messaging

import (
	"context"
	"crypto/tls"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

const testFrom = "ГИС ОПВК <noreply@opvk.example>"

// russianEmail has a subject long enough to be folded into several encoded words, a text line
// longer than quoted-printable's 76 characters, and HTML with quotes and equals signs.
var russianEmail = Email{
	To:      "ivanov@example.ru",
	Subject: "Код подтверждения для входа в личный кабинет ГИС ОПВК — 482913 (действует 10 минут)",
	Text: "Здравствуйте, Иван Петрович!\n\nВаш код подтверждения: 482913. Никому его не сообщайте, " +
		"даже сотрудникам ведомства: они никогда его не спрашивают.\n\n«ГИС ОПВК»\n",
	HTML: `<p>Здравствуйте, <b>Иван Петрович</b>!</p><p class="code">Ваш код: <strong>482913</strong></p>` +
		`<p><a href="https://lk.opvk.example/activate?t=a1b2=c3">Активировать</a></p>`,
}

func mustSMTPMailer(t *testing.T, rawURL string) *SMTPMailer {
	t.Helper()
	m, err := NewSMTPMailer(rawURL, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSMTPMailerRussian sends through a real SMTP server and checks that subject, sender name,
// text and HTML arrive exactly as written.
func TestSMTPMailerRussian(t *testing.T) {
	srv := messagingtest.StartSMTP(t)
	if err := mustSMTPMailer(t, srv.URL()).SendEmail(context.Background(), russianEmail); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, russianEmail.To, 5*time.Second)
	if got.Subject != russianEmail.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, russianEmail.Subject)
	}
	if got.Text != russianEmail.Text {
		t.Errorf("Text = %q, want %q", got.Text, russianEmail.Text)
	}
	if got.HTML != russianEmail.HTML {
		t.Errorf("HTML = %q, want %q", got.HTML, russianEmail.HTML)
	}
	from, err := mail.ParseAddress(got.Header.Get("From"))
	if err != nil || from.Name != "ГИС ОПВК" || from.Address != "noreply@opvk.example" {
		t.Errorf("From = %q (%v), want ГИС ОПВК <noreply@opvk.example>", got.Header.Get("From"), err)
	}
	if got.From != "noreply@opvk.example" {
		t.Errorf("envelope sender = %q, want noreply@opvk.example", got.From)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if id := got.Header.Get("Message-ID"); !strings.HasSuffix(id, "@opvk.example>") {
		t.Errorf("Message-ID = %q, want one in the sender's domain", id)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}
}

// TestSMTPMailerTextOnly checks that a message without HTML is a single text part.
func TestSMTPMailerTextOnly(t *testing.T) {
	srv := messagingtest.StartSMTP(t)
	e := Email{To: "a@example.ru", Subject: "Тема", Text: "Только текст\n"}
	if err := mustSMTPMailer(t, srv.URL()).SendEmail(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, e.To, 5*time.Second)
	if got.Text != e.Text || got.HTML != "" {
		t.Errorf("Text, HTML = %q, %q; want %q, empty", got.Text, got.HTML, e.Text)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
}

// TestSMTPMailerAuthAndTLS authenticates over each kind of connection the URL can ask for.
func TestSMTPMailerAuthAndTLS(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *messagingtest.SMTPServer
	}{
		{"none", messagingtest.StartSMTP},
		{"starttls", func(t testing.TB) *messagingtest.SMTPServer { return messagingtest.StartSMTPTLS(t, false) }},
		{"implicit", func(t testing.TB) *messagingtest.SMTPServer { return messagingtest.StartSMTPTLS(t, true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t)
			// The user name is percent-encoded in the URL, as an address with @ must be.
			u := strings.Replace(srv.URL(), "://", "://robot%40opvk.example:p%40ss@", 1)
			m := mustSMTPMailer(t, u)
			if roots := srv.RootCAs(); roots != nil {
				m.tlsConfig = &tls.Config{ServerName: "127.0.0.1", RootCAs: roots, MinVersion: tls.VersionTLS12}
			}
			if err := m.SendEmail(context.Background(), russianEmail); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(t, russianEmail.To, 5*time.Second)
			if got.AuthUser != "robot@opvk.example" {
				t.Errorf("AuthUser = %q, want robot@opvk.example", got.AuthUser)
			}
			if got.Subject != russianEmail.Subject {
				t.Errorf("Subject = %q, want %q", got.Subject, russianEmail.Subject)
			}
		})
	}
}

// TestSMTPMailerTLSChecked refuses a server whose certificate is not trusted, and a server without
// STARTTLS when STARTTLS is asked for: never a silent fall back to plain text.
func TestSMTPMailerTLSChecked(t *testing.T) {
	tlsSrv := messagingtest.StartSMTPTLS(t, true)
	if err := mustSMTPMailer(t, tlsSrv.URL()).SendEmail(context.Background(), russianEmail); err == nil {
		t.Error("sent to a server with an untrusted certificate")
	}
	plain := messagingtest.StartSMTP(t)
	u := strings.Replace(plain.URL(), "tls=none", "tls=starttls", 1)
	if err := mustSMTPMailer(t, u).SendEmail(context.Background(), russianEmail); err == nil {
		t.Error("sent without TLS to a server that does not offer STARTTLS")
	}
	if n := len(tlsSrv.Messages()) + len(plain.Messages()); n != 0 {
		t.Errorf("servers received %d messages, want 0", n)
	}
}

// TestSMTPMailerErrors tells a refused recipient (ErrRejected, not worth retrying) from a server
// that is down (worth retrying).
func TestSMTPMailerErrors(t *testing.T) {
	srv := messagingtest.StartSMTP(t)
	m := mustSMTPMailer(t, srv.URL())
	ctx := context.Background()

	srv.RejectRecipient("nobody@example.ru")
	err := m.SendEmail(ctx, Email{To: "nobody@example.ru", Subject: "s", Text: "t"})
	if !errors.Is(err, ErrRejected) {
		t.Errorf("refused recipient: err = %v, want ErrRejected", err)
	}

	srv.SetDown(true)
	err = m.SendEmail(ctx, russianEmail)
	if err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("server down: err = %v, want a retryable error", err)
	}
	srv.SetDown(false)
	if err := m.SendEmail(ctx, russianEmail); err != nil {
		t.Errorf("server back up: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}

	err = m.SendEmail(ctx, Email{To: "not an address", Subject: "s", Text: "t"})
	if !errors.Is(err, ErrRejected) {
		t.Errorf("malformed address: err = %v, want ErrRejected", err)
	}
}

// TestNewSMTPMailer reads each form of OPVK_SMTP_URL, and never repeats the password in an error.
func TestNewSMTPMailer(t *testing.T) {
	for _, tc := range []struct {
		url      string
		security string
		addr     string
		user     string
	}{
		{"smtp://mail.example.ru", tlsStartTLS, "mail.example.ru:587", ""},
		{"smtp://u:s3cret@mail.example.ru:2525?tls=starttls", tlsStartTLS, "mail.example.ru:2525", "u"},
		{"smtp://mail.example.ru?tls=tls", tlsImplicit, "mail.example.ru:465", ""},
		{"smtps://u:s3cret@mail.example.ru", tlsImplicit, "mail.example.ru:465", "u"},
		{"smtp://127.0.0.1:25?tls=none", tlsNone, "127.0.0.1:25", ""},
		{"smtp://localhost?tls=none", tlsNone, "localhost:25", ""},
	} {
		m, err := NewSMTPMailer(tc.url, testFrom)
		if err != nil {
			t.Errorf("NewSMTPMailer(%q): %v", tc.url, err)
			continue
		}
		if m.security != tc.security || m.Addr() != tc.addr || m.user != tc.user {
			t.Errorf("NewSMTPMailer(%q) = %s %s user %q, want %s %s user %q",
				tc.url, m.security, m.Addr(), m.user, tc.security, tc.addr, tc.user)
		}
	}
	for _, bad := range []string{
		"smtp://u:s3cret@mail.example.ru?tls=maybe",
		"smtp://u:s3cret@mail.example.ru?tsl=none",
		"smtps://u:s3cret@mail.example.ru?tls=none",
		"http://u:s3cret@mail.example.ru",
		"smtp://u:s3cret@:25",
		"smtp://u:s3cret@mail.example.ru:99999",
		"smtp://u:s3cret@mail.example.ru:%zz",
		"smtp://u:s3cret%zz@mail.example.ru",
	} {
		_, err := NewSMTPMailer(bad, testFrom)
		if err == nil {
			t.Errorf("NewSMTPMailer(%q) accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("NewSMTPMailer(%q) error repeats the password: %v", bad, err)
		}
	}
	if _, err := NewSMTPMailer("smtp://mail.example.ru", "not an address"); err == nil {
		t.Error("NewSMTPMailer accepted OPVK_MAIL_FROM without an address")
	}
}

// TestSMTPMailerErrorHidesPassword checks the error of a failed send: it names the server, not the
// password.
func TestSMTPMailerErrorHidesPassword(t *testing.T) {
	srv := messagingtest.StartSMTP(t)
	u := strings.Replace(srv.URL(), "://", "://user:s3cret@", 1)
	m := mustSMTPMailer(t, u)
	srv.SetDown(true)
	err := m.SendEmail(context.Background(), russianEmail)
	if err == nil {
		t.Fatal("sent to a server that is down")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error repeats the password: %v", err)
	}
}
