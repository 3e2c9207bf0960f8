package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// smsTimeout bounds one request to the gateway, answer included.
const smsTimeout = 10 * time.Second

// GatewaySMS sends text messages through an HTTP gateway that takes
// POST {"to": "+7…", "text": "…"} as application/json and answers 2xx when it accepts them.
type GatewaySMS struct {
	url      string // without user information
	host     string // the only part of the URL put in errors: the query may hold an API key
	user     string
	password string
	auth     bool
	client   *http.Client
}

// NewGatewaySMS builds a client for the OPVK_SMS_URL gateway. User information in the URL
// (https://user:password@host/path) is sent as HTTP basic authentication and never logged.
func NewGatewaySMS(rawURL string) (*GatewaySMS, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url's own error quotes the whole URL, password included.
		return nil, errors.New("OPVK_SMS_URL is not a valid URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("OPVK_SMS_URL must be an absolute http(s) URL")
	}
	g := &GatewaySMS{host: u.Host}
	if u.User != nil {
		g.auth = true
		g.user = u.User.Username()
		g.password, _ = u.User.Password()
		u.User = nil
	}
	g.url = u.String()
	g.client = &http.Client{
		Timeout: smsTimeout,
		// A gateway that redirects is misconfigured; following it would post the message, and
		// perhaps the credentials, somewhere nobody chose.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return g, nil
}

// SendSMS posts m to the gateway. A 2xx answer means accepted. 400 and 422 (the gateway says this
// message is wrong) and a number not in E.164 form are ErrRejected; any other answer or a network
// failure is an error worth retrying. Errors carry the status, never the text: it may be a code.
func (g *GatewaySMS) SendSMS(ctx context.Context, m SMS) error {
	if !e164.MatchString(m.To) {
		return fmt.Errorf("sms recipient is not an E.164 number: %w", ErrRejected)
	}
	body, err := json.Marshal(struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}{m.To, m.Text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms gateway %s: %w", g.host, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if g.auth {
		req.SetBasicAuth(g.user, g.password)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		// Do's *url.Error repeats the URL; keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("sms gateway %s: %w", g.host, err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body itself is not needed.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	err = fmt.Errorf("sms gateway %s answered %s", g.host, resp.Status)
	if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnprocessableEntity {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return err
}
