package messaging

import (
	"context"
	"errors"
	"regexp"
)

// Email is one e-mail to one recipient. Text is what every mail client can show; HTML, when set,
// travels beside it as the alternative that capable clients prefer, so both must say the same.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// SMS is one text message. To is an E.164 number such as +79161234567.
type SMS struct {
	To   string
	Text string
}

// Mailer sends e-mail. SendEmail returns nil once the mail server has accepted the message; an
// error wrapping ErrRejected means it was refused for good, any other error may pass on a retry.
type Mailer interface {
	SendEmail(ctx context.Context, e Email) error
}

// SMSSender sends text messages, with the same error contract as Mailer.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// ErrRejected marks a message that the server refused for good (an unknown mailbox, a malformed
// number): sending it again cannot succeed, so the Worker gives up at once instead of retrying
// for hours.
var ErrRejected = errors.New("message rejected permanently")

// The channels of SendArgs.Channel and of the dev outbox.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// e164 is a number in international format: a plus, a country code that does not start with 0,
// and at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
