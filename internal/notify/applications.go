package notify

import (
	"context"
	"time"

	"github.com/opvk/cabinet/internal/application"
	services "github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/jobs"
)

// ForApplications returns the applications store's OnEvent hook: it tells the applicant, in the
// transaction of the change, what the office did with their application — a new stage, a request
// for information (with its due-date reminders), a decision, a message. What the applicants do
// themselves (sending, answering, withdrawing, writing) tells nobody but the office, so it is
// not announced to them.
func ForApplications(client *jobs.Client, cat *services.Catalog) func(ctx context.Context, tx *db.Tx, a application.Application, h application.Happened) error {
	return func(ctx context.Context, tx *db.Tx, a application.Application, h application.Happened) error {
		if h.ActorID == a.UserID {
			if h.From == services.InfoRequested {
				// The answer is in: the reminders of the request have nothing left to remind.
				return CancelDueReminder(ctx, tx, a.UserID, a.Number)
			}
			return nil
		}
		ev := Event{UserID: a.UserID, Ref: a.Number, Link: "/applications/" + a.Number, Data: map[string]string{}}
		svc, err := cat.Service(a.ServiceID)
		if err == nil {
			ev.Category = string(svc.Category)
		}
		label := func(st services.Status) {
			if svc != nil {
				ev.Data["Stage"], ev.Data["Stage.en"] = svc.StatusLabel(st, "ru"), svc.StatusLabel(st, "en")
			} else {
				ev.Data["Stage"], ev.Data["Stage.en"] = st.Label("ru"), st.Label("en")
			}
		}
		switch {
		case h.Message != nil:
			if !h.Message.FromStaff {
				return nil
			}
			ev.Kind = Message
		case h.To == services.InfoRequested:
			ev.Kind = InfoRequested
			if !a.InfoDue.IsZero() {
				ev.Data["Due"] = a.InfoDue.Format(time.DateOnly)
				if err := ScheduleDueReminder(ctx, tx, a.UserID, a.Number, ev.Link, a.InfoDue); err != nil {
					return err
				}
			}
		case h.To.Final():
			ev.Kind = Decision
			label(h.To)
			ev.Data["Decision"], ev.Data["Decision.en"] = ev.Data["Stage"], ev.Data["Stage.en"]
		default:
			ev.Kind = StageChanged
			label(h.To)
		}
		return Notify(ctx, tx, client, ev)
	}
}
