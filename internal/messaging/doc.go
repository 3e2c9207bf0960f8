// Package messaging delivers the cabinet's e-mail and SMS: one-time codes and activation links now,
// notifications later. A caller never talks to a mail server inside a request: it calls Enqueue in
// the transaction that makes the change (the code, the account), so the message leaves only if
// that transaction commits, and a River Worker sends it afterwards, retrying while the server is
// down. Delivery is at least once; the idempotency key of each message keeps repeats to the one
// window that no SMTP client can close (see Worker).
//
// The package owns the senders (SMTP, an HTTP SMS gateway), the dev outbox that keeps a copy of
// every message in dev mode, and the message_deliveries table. Test servers for other packages'
// tests live in messagingtest.
package messaging
