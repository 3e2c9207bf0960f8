package messaging

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Outbox is the dev outbox: a Mailer and SMSSender that first writes every message to the
// dev_outbox table, where /dev/outbox shows it, and then hands it to the real sender when one is
// configured. A newcomer can therefore sign up and read the one-time code without a mail server.
// Only dev mode uses it: the table holds codes and personal data in clear.
//
// The row is written before the real send, so a message is readable even while the mail server is
// down; a message retried after a failed send therefore appears once per attempt.
type Outbox struct {
	DB     *db.DB
	Mailer Mailer    // real e-mail sender; nil: record only
	SMS    SMSSender // real SMS sender; nil: record only
	Now    func() time.Time
}

// OutboxEntry is one message kept in the dev outbox.
type OutboxEntry struct {
	ID        int64
	Channel   string // ChannelEmail or ChannelSMS
	Recipient string
	Subject   string // empty for SMS
	Text      string
	HTML      string
	CreatedAt time.Time
}

// SendEmail records e, then sends it through o.Mailer when set.
func (o *Outbox) SendEmail(ctx context.Context, e Email) error {
	if err := o.record(ctx, ChannelEmail, e.To, e.Subject, e.Text, e.HTML); err != nil {
		return err
	}
	if o.Mailer == nil {
		return nil
	}
	return o.Mailer.SendEmail(ctx, e)
}

// SendSMS records m, then sends it through o.SMS when set.
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	if err := o.record(ctx, ChannelSMS, m.To, "", m.Text, ""); err != nil {
		return err
	}
	if o.SMS == nil {
		return nil
	}
	return o.SMS.SendSMS(ctx, m)
}

func (o *Outbox) record(ctx context.Context, channel, to, subject, text, html string) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	_, err := o.DB.ExecContext(ctx, `
		INSERT INTO dev_outbox (channel, recipient, subject, body_text, body_html, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		channel, to, subject, text, html, now().UTC())
	if err != nil {
		return fmt.Errorf("record %s in the dev outbox: %w", channel, db.Map(err))
	}
	return nil
}

// ListOutbox returns the newest limit messages of the dev outbox, newest first. limit is clamped
// to 1…500.
func ListOutbox(ctx context.Context, q db.Querier, limit int) ([]OutboxEntry, error) {
	limit = max(1, min(limit, 500))
	// By id, not created_at: ids grow with every insert, while two messages may share a timestamp.
	rows, err := q.QueryContext(ctx, `
		SELECT id, channel, recipient, subject, body_text, body_html, created_at
		FROM dev_outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list dev outbox: %w", db.Map(err))
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		if err := rows.Scan(&e.ID, &e.Channel, &e.Recipient, &e.Subject, &e.Text, &e.HTML, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("list dev outbox: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dev outbox: %w", db.Map(err))
	}
	return out, nil
}
