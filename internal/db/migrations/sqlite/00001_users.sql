-- +goose Up
-- Users of every role. Identity (passwords, codes, passkeys, ЕСИА links) arrives in its own tables.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('individual', 'legal')),
    full_name   TEXT NOT NULL,
    inn         TEXT NOT NULL DEFAULT '',
    snils       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    org_name    TEXT NOT NULL DEFAULT '',
    org_inn     TEXT NOT NULL DEFAULT '',
    org_ogrn    TEXT NOT NULL DEFAULT '',
    roles       TEXT NOT NULL DEFAULT 'citizen', -- comma-separated: citizen, representative, officer, admin
    lang        TEXT NOT NULL DEFAULT 'ru',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email <> '';
CREATE UNIQUE INDEX users_phone ON users (phone) WHERE phone <> '';
CREATE INDEX users_inn ON users (inn) WHERE inn <> '';

-- +goose Down
DROP TABLE users;
