package messaging

import (
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
)

// FromConfig builds the senders that c asks for: SMTP when OPVK_SMTP_URL is set, the HTTP gateway
// when OPVK_SMS_URL is set. In dev both are wrapped in an Outbox on d, so every message is also
// readable on /dev/outbox, with or without a real sender. A nil result means the channel has no
// sender (prod without the variable): its jobs fail and are retried until one is configured.
func FromConfig(c config.Config, d *db.DB) (Mailer, SMSSender, error) {
	var mailer Mailer
	var sms SMSSender
	if c.SMTPURL != "" {
		m, err := NewSMTPMailer(c.SMTPURL, c.MailFrom)
		if err != nil {
			return nil, nil, err
		}
		mailer = m
	}
	if c.SMSURL != "" {
		g, err := NewGatewaySMS(c.SMSURL)
		if err != nil {
			return nil, nil, err
		}
		sms = g
	}
	if c.Env == config.Dev {
		o := &Outbox{DB: d, Mailer: mailer, SMS: sms}
		return o, o, nil
	}
	return mailer, sms, nil
}
