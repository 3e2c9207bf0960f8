package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/messaging"
)

type outboxPage struct {
	basePage
	Entries []messaging.OutboxEntry
}

// showOutbox lists the messages the cabinet sent (dev mode only).
func (s *Server) showOutbox(w http.ResponseWriter, r *http.Request) error {
	entries, err := messaging.ListOutbox(r.Context(), s.db, 100)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "dev/outbox", &outboxPage{Entries: entries})
}

// outboxJSON is the same list for scripts and tests; times are ISO 8601 UTC.
func (s *Server) outboxJSON(w http.ResponseWriter, r *http.Request) error {
	entries, err := messaging.ListOutbox(r.Context(), s.db, 100)
	if err != nil {
		return err
	}
	type item struct {
		Channel   string `json:"channel"`
		To        string `json:"to"`
		Subject   string `json:"subject,omitempty"`
		Text      string `json:"text"`
		CreatedAt string `json:"created_at"`
	}
	out := make([]item, 0, len(entries))
	for _, e := range entries {
		out = append(out, item{Channel: e.Channel, To: e.Recipient, Subject: e.Subject, Text: e.Text, CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339)})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}
