package messagingtest

import (
	"bytes"
	"net/http"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

// TestParse decodes a message as other mailers write it: base64 and quoted-printable parts nested
// in multipart/mixed, and a subject in B-encoded words.
func TestParse(t *testing.T) {
	raw := strings.ReplaceAll(`From: =?UTF-8?B?0JPQmNChINCe0J/QktCa?= <noreply@opvk.example>
To: a@example.ru
Subject: =?UTF-8?B?0JrQvtC0INC/0L7QtNGC0LLQtdGA0LbQtNC10L3QuNGP?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

0JLQsNGIINC60L7QtDogNDgy
OTEz
--inner
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p class=3D"c">=D0=9A=D0=BE=D0=B4: 482913</p>
--inner--
--outer
Content-Type: application/pdf
Content-Transfer-Encoding: base64

JVBERi0=
--outer--
`, "\n", "\r\n")
	got, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"Subject", got.Subject, "Код подтверждения"},
		{"Text", got.Text, "Ваш код: 482913"},
		{"HTML", got.HTML, "<p class=\"c\">Код: 482913</p>"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

// TestSMTPServerAuthLogin accepts AUTH LOGIN, which go-sasl offers only to clients.
func TestSMTPServerAuthLogin(t *testing.T) {
	s := StartSMTP(t)
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	c, err := mail.NewClient(u.Hostname(), mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS),
		mail.WithSMTPAuth(mail.SMTPAuthLoginNoEnc), mail.WithUsername("robot"), mail.WithPassword("pw"))
	if err != nil {
		t.Fatal(err)
	}
	m := mail.NewMsg()
	_ = m.From("noreply@opvk.example")
	_ = m.To("a@example.ru")
	m.Subject("login")
	m.SetBodyString(mail.TypeTextPlain, "x")
	if err := c.DialAndSend(m); err != nil {
		t.Fatal(err)
	}
	if got := s.WaitFor(t, "A@example.ru", time.Second); got.AuthUser != "robot" {
		t.Errorf("AuthUser = %q, want robot", got.AuthUser)
	}
}

// TestSMTPServerDown refuses with a transient 4xx while down, and accepts again once up.
func TestSMTPServerDown(t *testing.T) {
	s := StartSMTP(t)
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL(), "smtp://"), "?tls=none")
	send := func() error {
		return smtp.SendMail(addr, nil, "noreply@opvk.example", []string{"a@example.ru"},
			[]byte("Subject: x\r\n\r\nbody\r\n"))
	}
	s.SetDown(true)
	err := send()
	if err == nil || !strings.Contains(err.Error(), "421") {
		t.Errorf("down: SendMail = %v, want a 421", err)
	}
	s.SetDown(false)
	if err := send(); err != nil {
		t.Errorf("up: SendMail = %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	s.RejectRecipient("a@example.ru")
	if err := send(); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("rejected recipient: SendMail = %v, want a 550", err)
	}
}

// TestSMSGatewayRefusesMalformed answers 4xx to what is not the JSON POST, and keeps nothing.
func TestSMSGatewayRefusesMalformed(t *testing.T) {
	g := StartSMSGateway(t)
	for _, tc := range []struct {
		method, ctype, body string
		want                int
	}{
		{http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{http.MethodPost, "text/plain", `{"to":"+79161234567","text":"x"}`, http.StatusUnsupportedMediaType},
		{http.MethodPost, "application/json", `{"to":"+79161234567"}`, http.StatusBadRequest},
		{http.MethodPost, "application/json", `{"phone":"+79161234567","text":"x"}`, http.StatusBadRequest},
		{http.MethodPost, "application/json; charset=utf-8", `{"to":"+79161234567","text":"x"}`, http.StatusOK},
	} {
		req, _ := http.NewRequest(tc.method, g.URL(), bytes.NewBufferString(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s %s: status %d, want %d", tc.method, tc.ctype, tc.body, resp.StatusCode, tc.want)
		}
	}
	if n := len(g.MessagesTo("+79161234567")); n != 1 {
		t.Errorf("%d messages kept, want 1", n)
	}
}
