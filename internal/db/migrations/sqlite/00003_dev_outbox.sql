-- +goose Up
-- The dev outbox: in dev mode every e-mail and SMS is also written here, so that a newcomer reads
-- one-time codes and activation links on /dev/outbox without a mail server. Prod never writes it.
CREATE TABLE dev_outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    body_text   TEXT NOT NULL DEFAULT '',
    body_html   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

-- Messages the mail server or SMS gateway has accepted, by the sender's idempotency key. A send job
-- retried after it had in fact sent (a crash before River recorded the job as done) finds its key
-- here and does not send again. No recipient or text: the job row already holds them for a while,
-- this table outlives it and keeps no personal data.
CREATE TABLE message_deliveries (
    message_key TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,
    sent_at     TIMESTAMP NOT NULL
);
CREATE INDEX message_deliveries_sent_at ON message_deliveries (sent_at);

-- +goose Down
DROP TABLE message_deliveries;
DROP TABLE dev_outbox;
