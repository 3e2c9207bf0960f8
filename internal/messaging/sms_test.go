package messaging

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

func mustGatewaySMS(t *testing.T, rawURL string) *GatewaySMS {
	t.Helper()
	g, err := NewGatewaySMS(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGatewaySMS posts a Russian text to the gateway with basic authentication taken from the URL.
func TestGatewaySMS(t *testing.T) {
	gw := messagingtest.StartSMSGateway(t)
	u := strings.Replace(gw.URL(), "://", "://opvk:s3cret@", 1)
	m := SMS{To: "+79161234567", Text: "Код для входа в ГИС ОПВК: 482913. Никому его не сообщайте."}
	if err := mustGatewaySMS(t, u).SendSMS(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := gw.Messages()
	if len(got) != 1 {
		t.Fatalf("gateway received %d messages, want 1", len(got))
	}
	want := messagingtest.ReceivedSMS{To: m.To, Text: m.Text, User: "opvk", Password: "s3cret"}
	if got[0] != want {
		t.Errorf("gateway received %+v, want %+v", got[0], want)
	}
}

// TestGatewaySMSErrors tells the gateway's refusals (ErrRejected) from its failures (retryable),
// and keeps the password and the text out of every error.
func TestGatewaySMSErrors(t *testing.T) {
	gw := messagingtest.StartSMSGateway(t)
	g := mustGatewaySMS(t, strings.Replace(gw.URL(), "://", "://opvk:s3cret@", 1))
	ctx := context.Background()
	m := SMS{To: "+79161234567", Text: "код 482913"}
	for _, tc := range []struct {
		status   int
		rejected bool
	}{
		{http.StatusInternalServerError, false},
		{http.StatusServiceUnavailable, false},
		{http.StatusTooManyRequests, false},
		{http.StatusUnauthorized, false},
		{http.StatusBadRequest, true},
		{http.StatusUnprocessableEntity, true},
	} {
		gw.SetStatus(tc.status)
		err := g.SendSMS(ctx, m)
		if err == nil {
			t.Errorf("gateway answered %d: no error", tc.status)
			continue
		}
		if errors.Is(err, ErrRejected) != tc.rejected {
			t.Errorf("gateway answered %d: err = %v, rejected %v, want %v", tc.status, err, errors.Is(err, ErrRejected), tc.rejected)
		}
		if !strings.Contains(err.Error(), http.StatusText(tc.status)) {
			t.Errorf("gateway answered %d: err = %v, want the status in it", tc.status, err)
		}
		if s := err.Error(); strings.Contains(s, "s3cret") || strings.Contains(s, "482913") {
			t.Errorf("error repeats the password or the text: %v", err)
		}
	}
	gw.SetStatus(0)

	for _, to := range []string{"89161234567", "+7 916 123-45-67", "+0123456789", ""} {
		if err := g.SendSMS(ctx, SMS{To: to, Text: "x"}); !errors.Is(err, ErrRejected) {
			t.Errorf("SendSMS to %q: err = %v, want ErrRejected", to, err)
		}
	}
	if n := len(gw.Messages()); n != 0 {
		t.Errorf("gateway received %d messages, want 0", n)
	}
}

// TestGatewaySMSUnreachable fails with a retryable error that does not repeat the URL's secrets.
func TestGatewaySMSUnreachable(t *testing.T) {
	gw := messagingtest.StartSMSGateway(t)
	u := strings.Replace(gw.URL(), "://", "://opvk:s3cret@", 1) + "?api_key=k3y"
	g := mustGatewaySMS(t, u)
	gw.Close()
	err := g.SendSMS(context.Background(), SMS{To: "+79161234567", Text: "x"})
	if err == nil || errors.Is(err, ErrRejected) {
		t.Fatalf("gateway closed: err = %v, want a retryable error", err)
	}
	if s := err.Error(); strings.Contains(s, "s3cret") || strings.Contains(s, "k3y") {
		t.Errorf("error repeats a secret of the URL: %v", err)
	}
}

// TestNewGatewaySMS refuses what is not an http(s) URL without repeating the password.
func TestNewGatewaySMS(t *testing.T) {
	for _, bad := range []string{"ftp://u:s3cret@gw.example.ru", "https://u:s3cret%zz@gw.example.ru", "/relative", ""} {
		_, err := NewGatewaySMS(bad)
		if err == nil {
			t.Errorf("NewGatewaySMS(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("NewGatewaySMS(%q) error repeats the password: %v", bad, err)
		}
	}
}
