package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/messaging"
)

// sendCode issues a one-time code for purpose and queues its message in tx, so that the code
// exists and leaves together or not at all. The text is in the user's language.
func (s *Server) sendCode(r *http.Request, tx *db.Tx, u account.User, p account.Purpose, ch account.Channel, now time.Time) error {
	ctx := r.Context()
	code, _, err := account.IssueCode(ctx, tx, u.ID, p, ch, account.CodeTTL, false, now)
	if err != nil {
		return err
	}
	data := map[string]string{"Code": code, "Minutes": fmt.Sprint(int(account.CodeTTL.Minutes()))}
	msg := messaging.SendArgs{
		Key:      fmt.Sprintf("%s:%d:%d", p, u.ID, now.UnixNano()),
		NotAfter: now.Add(account.CodeTTL),
	}
	prefix := "msg." + string(p)
	switch ch {
	case account.SMS:
		msg.Channel, msg.To = messaging.ChannelSMS, u.Phone
		msg.Text = s.cat.T(u.Lang, prefix+".sms", data)
	default:
		msg.Channel, msg.To = messaging.ChannelEmail, u.Email
		msg.Subject = s.cat.T(u.Lang, prefix+".subject", data)
		msg.Text = s.cat.T(u.Lang, prefix+".text", data)
	}
	if err := messaging.Enqueue(ctx, s.jobs, tx.Tx, msg); err != nil {
		return err
	}
	return audit.Record(ctx, tx, s.entry(r, u.ID, "auth.code_sent", userTarget(u.ID), audit.OK,
		map[string]string{"purpose": string(p), "channel": string(ch)}))
}
