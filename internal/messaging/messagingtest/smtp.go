// Package messagingtest runs real, in-process servers for tests that send mail and SMS: an SMTP
// server and an HTTP SMS gateway on 127.0.0.1 that record what they receive, decode it, and can
// be taken down and brought back to test retries. Any package's tests, and the browser tests,
// point the cabinet at them through OPVK_SMTP_URL and OPVK_SMS_URL.
package messagingtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the SMTP server got it, decoded.
type Received struct {
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO)
	AuthUser string   // user name given with AUTH, empty without authentication
	Subject  string   // RFC 2047 words decoded
	Text     string   // the text/plain part, transfer encoding undone, line ends as \n
	HTML     string   // the text/html part, likewise
	Header   mail.Header
	Raw      []byte // the message as sent
}

// SMTPServer is a real SMTP server (go-smtp) that accepts any authentication, or none, and keeps
// every message it receives.
type SMTPServer struct {
	srv   *smtp.Server
	url   string
	roots *x509.CertPool

	mu       sync.Mutex
	msgs     []Received
	down     bool
	rejected []string      // recipients refused with 550
	changed  chan struct{} // closed and replaced whenever a message arrives
}

// StartSMTP starts a plain-text SMTP server on 127.0.0.1 and stops it when the test ends. URL
// gives the OPVK_SMTP_URL to reach it.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	return start(t, "none")
}

// StartSMTPTLS starts an SMTP server with a certificate of its own: with implicit true, TLS from
// the first byte (smtps://); otherwise plain with STARTTLS. RootCAs holds the certificate a client
// must trust.
func StartSMTPTLS(t testing.TB, implicit bool) *SMTPServer {
	t.Helper()
	if implicit {
		return start(t, "tls")
	}
	return start(t, "starttls")
}

func start(t testing.TB, security string) *SMTPServer {
	t.Helper()
	s := &SMTPServer{changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true // tests authenticate over plain connections too
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	// Not t.Logf: connections may still be closing after the test has ended.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	addr := ln.Addr().String()
	switch security {
	case "none":
		s.url = "smtp://" + addr + "?tls=none"
	case "starttls":
		cfg, roots := selfSigned(t)
		s.srv.TLSConfig, s.roots = cfg, roots
		s.url = "smtp://" + addr + "?tls=starttls"
	case "tls":
		cfg, roots := selfSigned(t)
		s.roots = roots
		ln = tls.NewListener(ln, cfg)
		s.url = "smtps://" + addr
	}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// URL is the OPVK_SMTP_URL of the server, such as smtp://127.0.0.1:PORT?tls=none. To test
// authentication, put any user and password in it.
func (s *SMTPServer) URL() string { return s.url }

// RootCAs is the pool that trusts the server's certificate; nil for StartSMTP.
func (s *SMTPServer) RootCAs() *x509.CertPool { return s.roots }

// Close stops the server before the test ends, so that connections are refused.
func (s *SMTPServer) Close() { _ = s.srv.Close() }

// SetDown takes the server down (true) or brings it back (false). While down it keeps listening
// but answers every new session, and any message of a session already open, with a transient
// 421/451 error, as a mail server in trouble does, so clients retry later.
func (s *SMTPServer) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// RejectRecipient makes the server refuse RCPT TO addr with a permanent 550, as for a mailbox
// that does not exist.
func (s *SMTPServer) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = append(s.rejected, addr)
}

func (s *SMTPServer) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// Messages returns a copy of every message received so far, oldest first.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// MessagesTo returns the messages received so far for recipient to (compared without case).
func (s *SMTPServer) MessagesTo(to string) []Received {
	var out []Received
	for _, m := range s.Messages() {
		if hasRecipient(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor returns the first message for recipient to, waiting up to timeout for it to arrive;
// past the timeout it fails the test.
func (s *SMTPServer) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if hasRecipient(m.To, to) {
				s.mu.Unlock()
				return m
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no e-mail for %s within %s (%d other messages)", to, timeout, len(s.Messages()))
		}
	}
}

func hasRecipient(list []string, to string) bool {
	return slices.ContainsFunc(list, func(r string) bool { return strings.EqualFold(r, to) })
}

func (s *SMTPServer) add(m Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

var errDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available, try again later"}

func (s *SMTPServer) newSession(*smtp.Conn) (smtp.Session, error) {
	if s.isDown() {
		return nil, errDown
	}
	return &session{srv: s}, nil
}

// session is one client connection; it implements smtp.AuthSession.
type session struct {
	srv  *SMTPServer
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	accept := func(user string) error { ss.user = user; return nil }
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, _ string) error { return accept(user) }), nil
	case sasl.Login:
		return newLoginServer(accept), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.isDown() {
		return errDown
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	refused := hasRecipient(ss.srv.rejected, to)
	ss.srv.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.srv.isDown() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Cannot parse message: " + err.Error()}
	}
	m.From, m.To, m.AuthUser = ss.from, slices.Clone(ss.to), ss.user
	ss.srv.add(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (user name, then password, each base64 in a
// challenge round), which go-sasl implements only for clients.
type loginServer struct {
	step   int
	user   string
	accept func(user string) error
}

func newLoginServer(accept func(string) error) *loginServer { return &loginServer{accept: accept} }

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if response != nil { // user name sent with the AUTH command
			l.user = string(response)
			l.step = 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(response)
		l.step = 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.accept(l.user)
	}
	return nil, true, errors.New("unexpected AUTH LOGIN response")
}

// Parse decodes a raw RFC 5322 message into a Received: the subject's encoded words, and the
// first text/plain and text/html parts at any depth of multipart nesting, with quoted-printable
// or base64 undone and line ends turned into \n. Parts in charsets other than UTF-8 are left as
// they are: the cabinet sends only UTF-8.
func Parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	r := Received{Header: msg.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &r)
	return r, err
}

func walk(contentType, encoding string, body io.Reader, r *Received) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart, not NextPart: NextPart undoes quoted-printable silently but not base64,
			// and this decoder handles both the same way.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, r); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips the line breaks itself
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
	return nil
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a day, and the pool
// that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "messagingtest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, roots
}
