package messagingtest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// ReceivedSMS is one message as the SMS gateway got it.
type ReceivedSMS struct {
	To   string
	Text string
	// User and Password are the HTTP basic credentials sent with it, empty without.
	User     string
	Password string
}

// SMSGateway is an HTTP SMS gateway for tests: it takes POST application/json {"to", "text"} on
// any path, answers 200 and keeps the message.
type SMSGateway struct {
	srv *httptest.Server

	mu      sync.Mutex
	msgs    []ReceivedSMS
	status  int           // when non-zero, the answer to every request, which is then not kept
	changed chan struct{} // closed and replaced whenever a message arrives
}

// StartSMSGateway starts the gateway on 127.0.0.1 and stops it when the test ends.
func StartSMSGateway(t testing.TB) *SMSGateway {
	t.Helper()
	g := &SMSGateway{changed: make(chan struct{})}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// URL is the OPVK_SMS_URL of the gateway. To test basic authentication, put a user and password
// in it.
func (g *SMSGateway) URL() string { return g.srv.URL + "/sms" }

// Close stops the gateway before the test ends, so that connections are refused.
func (g *SMSGateway) Close() { g.srv.Close() }

// SetStatus makes the gateway answer every request with status and keep nothing, as a gateway in
// trouble does (500, 503) or one that refuses the request (400); 0 makes it accept again.
func (g *SMSGateway) SetStatus(status int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = status
}

// Messages returns a copy of every message accepted so far, oldest first.
func (g *SMSGateway) Messages() []ReceivedSMS {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.msgs)
}

// MessagesTo returns the messages accepted so far for number to.
func (g *SMSGateway) MessagesTo(to string) []ReceivedSMS {
	var out []ReceivedSMS
	for _, m := range g.Messages() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor returns the first message for number to, waiting up to timeout for it to arrive; past
// the timeout it fails the test.
func (g *SMSGateway) WaitFor(t testing.TB, to string, timeout time.Duration) ReceivedSMS {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		g.mu.Lock()
		for _, m := range g.msgs {
			if m.To == to {
				g.mu.Unlock()
				return m
			}
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no SMS for %s within %s (%d other messages)", to, timeout, len(g.Messages()))
		}
	}
}

func (g *SMSGateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	status := g.status
	g.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		http.Error(w, "application/json only", http.StatusUnsupportedMediaType)
		return
	}
	var in struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.To == "" || in.Text == "" {
		http.Error(w, fmt.Sprintf("want {\"to\", \"text\"}: %v", err), http.StatusBadRequest)
		return
	}
	m := ReceivedSMS{To: in.To, Text: in.Text}
	m.User, m.Password, _ = r.BasicAuth()
	g.mu.Lock()
	g.msgs = append(g.msgs, m)
	id := len(g.msgs)
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id": %d, "status": "accepted"}`+"\n", id)
}
