-- +goose Up
-- Identity: local credentials, one-time codes, sessions, throttling, ЕСИА links, passkeys, consents
-- and the audit log.
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active'; -- pending (not activated), active
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN second_factor TEXT NOT NULL DEFAULT 'sms'; -- sms, email, totp
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0; -- a TOTP code is accepted once
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;

CREATE TABLE identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX identities_user ON identities (user_id, provider);

CREATE TABLE consents (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL, -- terms, personal_data
    version     TEXT NOT NULL,
    accepted_at TIMESTAMPTZ NOT NULL,
    ip          TEXT NOT NULL DEFAULT ''
);

CREATE TABLE user_documents (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL, -- identity, ownership, …
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_documents_user ON user_documents (user_id);

CREATE TABLE one_time_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL, -- activation, login, recovery
    channel    TEXT NOT NULL, -- sms, email
    code_hash  TEXT NOT NULL,
    link_hash  TEXT NOT NULL DEFAULT '', -- activation links carry a long token as well
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX one_time_codes_user ON one_time_codes (user_id, purpose);
CREATE INDEX one_time_codes_link ON one_time_codes (link_hash) WHERE link_hash <> '';

CREATE TABLE recovery_codes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY, -- SHA-256 of the cookie's token: a stolen table opens no session
    user_id      BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    method       TEXT NOT NULL DEFAULT '', -- password+sms, password+totp, passkey, esia …
    ended_at     TIMESTAMPTZ,
    ended_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A sign-in or registration in progress (password checked, code awaited; ЕСИА state; passkey
-- challenge). The browser holds only a random token.
CREATE TABLE auth_flows (
    id_hash    TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    BIGINT,
    data       TEXT NOT NULL DEFAULT '{}',
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_flows_expires ON auth_flows (expires_at);

-- Failed attempts per address and per account, shared by every instance.
CREATE TABLE throttles (
    key             TEXT PRIMARY KEY, -- ip:203.0.113.5, login:+79161234567
    failures        INTEGER NOT NULL DEFAULT 0,
    last_failure_at TIMESTAMPTZ NOT NULL,
    blocked_until   TIMESTAMPTZ NOT NULL
);

CREATE TABLE webauthn_credentials (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    credential_id BYTEA NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL, -- the library's credential record, JSON
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

-- The audit log: append-only and hash-chained (each row carries the hash of the one before), so
-- a removed or altered row breaks the chain. No foreign keys: it outlives what it records.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor_id   BIGINT,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL DEFAULT 'ok',
    details    TEXT NOT NULL DEFAULT '{}',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_at ON audit_log (at);
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE webauthn_credentials;
DROP TABLE throttles;
DROP TABLE auth_flows;
DROP TABLE sessions;
DROP TABLE recovery_codes;
DROP TABLE one_time_codes;
DROP TABLE user_documents;
DROP TABLE consents;
DROP TABLE identities;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN locked_at;
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN second_factor;
ALTER TABLE users DROP COLUMN password_hash;
ALTER TABLE users DROP COLUMN status;
