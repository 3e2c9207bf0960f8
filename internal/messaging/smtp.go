package messaging

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// smtpTimeout bounds connecting and each step of one SMTP session; a stalled server then fails
// the attempt, and the job is retried, instead of holding a worker for ever.
const smtpTimeout = 30 * time.Second

// The ways to protect the connection to the mail server, from OPVK_SMTP_URL's tls parameter.
const (
	tlsStartTLS = "starttls" // plain connect, then STARTTLS, which must succeed (port 587)
	tlsImplicit = "tls"      // TLS from the first byte (smtps://, port 465)
	tlsNone     = "none"     // no TLS: only for a relay on the same host or a test server
)

// SMTPMailer sends e-mail through one SMTP server, as multipart text and HTML in UTF-8. It opens a
// connection per message: the cabinet sends few, and nothing is shared between workers.
type SMTPMailer struct {
	host     string
	port     int
	user     string
	password string // never in an error or a log line
	security string
	from     string
	domain   string // of from, for Message-IDs
	// tlsConfig replaces the default (system roots, name checked against host); tests set it to
	// trust their own certificate.
	tlsConfig *tls.Config
}

// NewSMTPMailer builds a mailer from an OPVK_SMTP_URL value,
// smtp://[user:password@]host[:port][?tls=starttls|tls|none] or smtps://… for implicit TLS, and
// the OPVK_MAIL_FROM address ("ГИС ОПВК <noreply@opvk.example>"). Without tls=, smtp:// means
// STARTTLS, required: a server that does not offer it is an error, never a silent plain-text
// fallback. Errors name the host but never repeat the URL, which may hold the password.
func NewSMTPMailer(rawURL, from string) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url's own error quotes the whole URL, password included.
		return nil, errors.New("OPVK_SMTP_URL is not a valid URL")
	}
	m := &SMTPMailer{host: u.Hostname()}
	if m.host == "" {
		return nil, errors.New("OPVK_SMTP_URL has no host")
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return nil, fmt.Errorf("OPVK_SMTP_URL: unknown parameter %q (only tls=starttls|tls|none)", k)
		}
	}
	mode := q.Get("tls")
	switch u.Scheme {
	case "smtps":
		if mode != "" && mode != tlsImplicit {
			return nil, fmt.Errorf("OPVK_SMTP_URL: smtps:// is TLS from the start and cannot take tls=%s", mode)
		}
		m.security = tlsImplicit
	case "smtp":
		switch mode {
		case "", tlsStartTLS:
			m.security = tlsStartTLS
		case tlsImplicit, tlsNone:
			m.security = mode
		default:
			return nil, fmt.Errorf("OPVK_SMTP_URL: tls=%s, want starttls, tls or none", mode)
		}
	default:
		return nil, fmt.Errorf("OPVK_SMTP_URL: scheme %q, want smtp or smtps", u.Scheme)
	}
	m.port = map[string]int{tlsStartTLS: 587, tlsImplicit: 465, tlsNone: 25}[m.security]
	if p := u.Port(); p != "" {
		m.port, err = strconv.Atoi(p)
		if err != nil || m.port < 1 || m.port > 65535 {
			return nil, fmt.Errorf("OPVK_SMTP_URL: port %q is not a port number", p)
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.password, _ = u.User.Password()
	}
	// Checked here, once, so that a wrong OPVK_MAIL_FROM stops start-up instead of failing every job.
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("OPVK_MAIL_FROM=%q: %v", from, err)
	}
	m.from = from
	m.domain = addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	return m, nil
}

// Addr is host:port of the mail server, for logs and the readiness page.
func (s *SMTPMailer) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// SendEmail hands e to the mail server and returns nil once the server has accepted it. A
// recipient or message that the server refuses with a 5xx answer is ErrRejected; a server that is
// down, slow or answers 4xx gives a plain error worth retrying.
func (s *SMTPMailer) SendEmail(ctx context.Context, e Email) error {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("e-mail sender: %w", err)
	}
	if err := msg.To(e.To); err != nil {
		return fmt.Errorf("e-mail recipient is not an address: %w", ErrRejected)
	}
	msg.Subject(e.Subject)
	msg.SetDate()
	// A Message-ID in our own mail domain rather than go-mail's default, the machine's host name,
	// which spam filters hold against a sender.
	msg.SetMessageIDWithValue(rand.Text() + "@" + s.domain)
	msg.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	c, err := mail.NewClient(s.host, s.options()...)
	if err != nil {
		return fmt.Errorf("smtp client for %s: %w", s.Addr(), err)
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if err != nil && msg.IsDelivered() {
		// The server took the message; only the RSET or QUIT after it failed. Reporting an error
		// here would make the job send the message a second time.
		return nil
	}
	if err != nil {
		if refused(err) {
			return fmt.Errorf("send e-mail via %s: %w: %w", s.Addr(), ErrRejected, err)
		}
		return fmt.Errorf("send e-mail via %s: %w", s.Addr(), err)
	}
	return nil
}

func (s *SMTPMailer) options() []mail.Option {
	opts := []mail.Option{mail.WithPort(s.port), mail.WithTimeout(smtpTimeout)}
	switch s.security {
	case tlsImplicit:
		opts = append(opts, mail.WithSSL())
	case tlsStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case tlsNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.tlsConfig != nil {
		opts = append(opts, mail.WithTLSConfig(s.tlsConfig))
	}
	if s.user != "" {
		opts = append(opts, mail.WithUsername(s.user), mail.WithPassword(s.password))
		if s.security == tlsNone {
			// go-mail refuses PLAIN and LOGIN on a connection without TLS unless told otherwise. The
			// operator chose tls=none (a relay on localhost), so the mechanisms that send the
			// password as it is are allowed, after the ones that do not.
			opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1,
				mail.SMTPAuthCramMD5, mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc))
		} else {
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover))
		}
	}
	return opts
}

// refused reports whether the server refused this message for good: a 5xx answer to the
// recipient or to the message itself. A 5xx to MAIL FROM or AUTH is left retryable, because it
// means our configuration is wrong, and the messages should go once it is fixed.
func refused(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) || se.IsTemp() || se.ErrorCode() < 500 || se.ErrorCode() > 599 {
		return false
	}
	return se.Reason == mail.ErrSMTPRcptTo || se.Reason == mail.ErrSMTPDataClose
}
