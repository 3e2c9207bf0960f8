package notify

import (
	"slices"
	"strings"

	"github.com/opvk/cabinet/internal/messaging"
)

// Kind is the kind of event a notification tells about. Its value is stored and is the stem of
// its texts in the message catalogue (notify.kind.<kind with _ for .>).
type Kind string

// The kinds of event (E1).
const (
	StageChanged    Kind = "application.stage_changed"  // Data: Stage
	InfoRequested   Kind = "application.info_requested" // Data: Due (optional, YYYY-MM-DD)
	InfoDue         Kind = "application.info_due"       // Data: Days, Due; sent by Reminders
	Decision        Kind = "application.decision"       // Data: Decision
	Message         Kind = "application.message"        // no data: the message itself stays in the cabinet
	Overdue         Kind = "application.overdue"
	NewSignIn       Kind = "security.new_sign_in"
	PasswordChanged Kind = "security.password_changed"
	PasskeyAdded    Kind = "security.passkey_added"
)

// Kinds lists every kind in the order the settings page shows them.
func Kinds() []Kind {
	return []Kind{StageChanged, InfoRequested, InfoDue, Decision, Message, Overdue,
		NewSignIn, PasswordChanged, PasskeyAdded}
}

// Known reports whether k is one of Kinds.
func (k Kind) Known() bool { return slices.Contains(Kinds(), k) }

// Security reports whether k is about the account's security. Such notifications cannot be
// switched off: a user must hear of a sign-in they did not make, and an attacker who got in must
// not be able to silence the alert first.
func (k Kind) Security() bool { return strings.HasPrefix(string(k), "security.") }

// SubjectType is what the notification is about: "application" or "account".
func (k Kind) SubjectType() string {
	if k.Security() {
		return "account"
	}
	return "application"
}

// msgID is the stem of the kind's texts in the catalogue.
func (k Kind) msgID() string { return "notify.kind." + strings.ReplaceAll(string(k), ".", "_") }

// required lists the Data keys the texts of k need; Notify refuses an event without them, so a
// caller's mistake shows in its tests rather than as "<no value>" in a citizen's e-mail.
func (k Kind) required() []string {
	switch k {
	case StageChanged:
		return []string{"Stage"}
	case InfoDue:
		return []string{"Days", "Due"}
	case Decision:
		return []string{"Decision"}
	}
	return nil
}

// Channel is a way a notification leaves the cabinet. The cabinet itself is not a channel: every
// notification is shown there.
type Channel string

// The external channels (E2).
const (
	Email Channel = messaging.ChannelEmail
	SMS   Channel = messaging.ChannelSMS
	Push  Channel = "push"
)

// Channels lists the external channels in the order the settings page shows them.
func Channels() []Channel { return []Channel{Email, SMS, Push} }

// Frequency is how often a channel delivers: at once, or once a day in a digest.
type Frequency string

// The frequencies.
const (
	Immediate   Frequency = "immediate"
	DailyDigest Frequency = "daily_digest"
)

// State is where the delivery of a notification by one channel stands.
type State string

// The delivery states.
const (
	StateDigest    State = "digest"               // waiting for the user's daily digest
	StateQueued    State = "queued"               // a job will send it (perhaps after quiet hours, or retrying)
	StateSent      State = "sent"                 // the mail server or push service accepted it
	StateDelivered State = "delivered_to_gateway" // the SMS gateway accepted it
	StateFailed    State = "failed"               // given up; LastError says why
)
