package web

import (
	"net/http"
	"strings"

	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/notify"
)

type deliveryRow struct {
	UserID   int64
	Kind     string
	Channel  string
	Attempts int
	Reason   string
	At       string
}

type deliveriesPage struct {
	basePage
	Rows []deliveryRow
}

// showDeliveries lists the notifications whose delivery was given up for good (E2), with the
// reason, so that an administrator sees a broken mail server or a dead push subscription instead
// of citizens who silently hear nothing. The reasons hold no personal data.
func (s *Server) showDeliveries(w http.ResponseWriter, r *http.Request) error {
	failures, err := notify.Failures(r.Context(), s.db, 200)
	if err != nil {
		return err
	}
	p := &deliveriesPage{basePage: s.newBase(w, r)}
	for _, f := range failures {
		p.Rows = append(p.Rows, deliveryRow{UserID: f.UserID,
			Kind:    p.T("notify.kind." + strings.ReplaceAll(string(f.Kind), ".", "_") + ".name"),
			Channel: p.T("admin.deliveries.channel_" + string(f.Channel)), Attempts: f.Attempts, Reason: f.Reason,
			At: i18n.DateTime(p.Lang, f.At, calendar.Moscow)})
	}
	return s.render(w, r, http.StatusOK, "admin/deliveries", p)
}
