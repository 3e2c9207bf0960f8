-- +goose Up
-- Official documents issued on decisions. Immutable: a correction is a new version, and the old one
-- is marked superseded, never changed otherwise or removed.
CREATE TABLE documents (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL,
    number         TEXT NOT NULL, -- the application's number
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    code           TEXT NOT NULL UNIQUE, -- long and random: the public /verify/{code}
    sha256         TEXT NOT NULL,
    size           BIGINT NOT NULL,
    storage_key    TEXT NOT NULL UNIQUE,
    applicant_name TEXT NOT NULL,
    decision       TEXT NOT NULL,
    officer_name   TEXT NOT NULL,
    issued_at      TIMESTAMPTZ NOT NULL,
    superseded_at  TIMESTAMPTZ,
    UNIQUE (application_id, version)
);

-- +goose Down
DROP TABLE documents;
