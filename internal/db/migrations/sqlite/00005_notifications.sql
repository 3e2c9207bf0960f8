-- +goose Up
-- Notifications (E1–E4). A notification is written in the transaction of the change that causes
-- it (the outbox); its title and body are rendered once, in the user's language at that moment,
-- so the list shows what was sent even after the catalogue's wording changes.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    subject_type TEXT NOT NULL DEFAULT '', -- application, account
    subject_ref  TEXT NOT NULL DEFAULT '', -- e.g. the application's number
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    link         TEXT NOT NULL DEFAULT '', -- a path inside the cabinet
    created_at   TIMESTAMP NOT NULL,
    read_at      TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, id);
-- The header's counter runs on every page of a signed-in user: this partial index keeps it a
-- count of the few unread rows, however long the history grows.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- One row per notification and external channel: where its delivery stands. last_error holds
-- the sender's reason with addresses and numbers removed, never personal data.
CREATE TABLE notification_deliveries (
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    state           TEXT NOT NULL CHECK (state IN ('digest', 'queued', 'sent', 'delivered_to_gateway', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    digest_id       INTEGER,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_digest ON notification_deliveries (digest_id) WHERE digest_id IS NOT NULL;
CREATE INDEX notification_deliveries_waiting ON notification_deliveries (state) WHERE state = 'digest';
-- Failures, for the administrators' view of what could not be delivered.
CREATE INDEX notification_deliveries_failed ON notification_deliveries (updated_at) WHERE state = 'failed';

-- A daily digest: the notifications of a day for one user and channel, sent as one message.
CREATE TABLE notification_digests (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Which kinds of event reach the user by which channel. A user without rows has the defaults;
-- the settings page writes the whole matrix.
CREATE TABLE notification_preferences (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (user_id, kind, channel)
);

-- Per user: frequency and digest hour of each channel, quiet hours for SMS and push (minutes
-- after local midnight, from = to meaning none), the time zone they are in, and the categories
-- of service to be told about (comma-separated; empty: all).
CREATE TABLE notification_settings (
    user_id           INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_frequency   TEXT NOT NULL CHECK (email_frequency IN ('immediate', 'daily_digest')),
    email_digest_hour INTEGER NOT NULL CHECK (email_digest_hour BETWEEN 0 AND 23),
    sms_frequency     TEXT NOT NULL CHECK (sms_frequency IN ('immediate', 'daily_digest')),
    sms_digest_hour   INTEGER NOT NULL CHECK (sms_digest_hour BETWEEN 0 AND 23),
    push_frequency    TEXT NOT NULL CHECK (push_frequency IN ('immediate', 'daily_digest')),
    push_digest_hour  INTEGER NOT NULL CHECK (push_digest_hour BETWEEN 0 AND 23),
    quiet_from        INTEGER NOT NULL CHECK (quiet_from BETWEEN 0 AND 1439),
    quiet_to          INTEGER NOT NULL CHECK (quiet_to BETWEEN 0 AND 1439),
    time_zone         TEXT NOT NULL,
    categories        TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMP NOT NULL
);

-- Web Push subscriptions, one per browser. The endpoint is the push service's URL for that
-- browser; p256dh and auth are the browser's keys that the payload is encrypted to (RFC 8291).
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Push messages the push service accepted, per job key and subscription: a retried push job
-- skips the browsers it already reached.
CREATE TABLE push_deliveries (
    message_key     TEXT NOT NULL,
    subscription_id INTEGER NOT NULL,
    sent_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (message_key, subscription_id)
);
CREATE INDEX push_deliveries_sent_at ON push_deliveries (sent_at);

-- One row: what every instance must share. The VAPID key pair is made on the first start and
-- kept, since browsers' subscriptions are bound to its public key; the base URL makes links in
-- messages absolute.
CREATE TABLE notify_site (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    vapid_public_key  TEXT NOT NULL,
    vapid_private_key TEXT NOT NULL,
    base_url          TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL
);

-- Reminders of a due date for information an officer requested, 3 days and 1 day before.
-- The applications layer fills it (ScheduleDueReminder); a periodic job sends them.
CREATE TABLE due_reminders (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ref        TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    due_at     TIMESTAMP NOT NULL,
    sent_3d    INTEGER NOT NULL DEFAULT 0 CHECK (sent_3d IN (0, 1)),
    sent_1d    INTEGER NOT NULL DEFAULT 0 CHECK (sent_1d IN (0, 1)),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, ref)
);
CREATE INDEX due_reminders_due ON due_reminders (due_at) WHERE sent_1d = 0;

-- +goose Down
DROP TABLE due_reminders;
DROP TABLE notify_site;
DROP TABLE push_deliveries;
DROP TABLE push_subscriptions;
DROP TABLE notification_settings;
DROP TABLE notification_preferences;
DROP TABLE notification_digests;
DROP TABLE notification_deliveries;
DROP TABLE notifications;
