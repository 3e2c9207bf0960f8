-- +goose Up
-- Applications (C2–C5, D1–D5): a citizen's application for a service of the catalogue, from the
-- draft to the decision; its log of events; its attached files; and the per-year counters that
-- number applications when they are sent. The service (its fields, documents and workflow) lives in
-- the catalogue files, not here: service_id names it.
-- AUTOINCREMENT: SQLite would otherwise give the id of a deleted draft to the next application,
-- and the audit log, which names applications by id, would mix the two.
CREATE TABLE applications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    number            TEXT UNIQUE, -- ОПВК-2026-0000123; NULL while a draft (UNIQUE allows many NULLs)
    user_id           INTEGER NOT NULL REFERENCES users (id),
    service_id        TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'registration', 'expertise',
                          'decision', 'info_requested', 'approved', 'refused', 'withdrawn')),
    stage_before_info TEXT NOT NULL DEFAULT '', -- the stage an answer to an information request returns to
    data              TEXT NOT NULL DEFAULT '{}', -- the form's values, JSON {"field": "value"}
    search            TEXT NOT NULL DEFAULT '', -- number, service and values in lower case, for «Мои обращения» search
    submitted_at      TIMESTAMP,
    consent_at        TIMESTAMP, -- consent to personal-data processing given with the submission (C4)
    deadline          DATE, -- end of the review period, in working days from submission
    info_requested_at TIMESTAMP,
    info_due          DATE,
    decided_at        TIMESTAMP, -- when it reached approved, refused or withdrawn
    result            TEXT NOT NULL DEFAULT '', -- approved, refused or withdrawn once final
    version           INTEGER NOT NULL DEFAULT 1, -- optimistic locking, ETags
    idempotency_key   TEXT, -- of the submission: a repeated «Отправить» finds the first result
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX applications_idempotency ON applications (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- «Мои обращения» and the dashboard: one user's rows, newest activity first, optionally by status or
-- service; every list reads a range of one user's rows, never the whole table.
CREATE INDEX applications_user_updated ON applications (user_id, updated_at DESC, id DESC);
CREATE INDEX applications_user_status ON applications (user_id, status, updated_at DESC);
CREATE INDEX applications_user_service ON applications (user_id, service_id, updated_at DESC);
CREATE INDEX applications_user_submitted ON applications (user_id, submitted_at);
-- The officers' queue: applications in work, nearest deadline first, of one status or of all. Only
-- the rows in work are indexed: decided applications, the great majority over the years, cost the
-- queue nothing.
CREATE INDEX applications_queue_status ON applications (status, deadline, id)
    WHERE status NOT IN ('draft', 'approved', 'refused', 'withdrawn');
CREATE INDEX applications_queue ON applications (deadline, id)
    WHERE status NOT IN ('draft', 'approved', 'refused', 'withdrawn');

-- The log of an application (D3): transitions with their comments, officers' comments, files added
-- and clarifications. Rows are only ever added.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL CHECK (kind IN ('transition', 'comment', 'attachment', 'clarification')),
    from_status    TEXT NOT NULL DEFAULT '',
    to_status      TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL,
    actor_id       INTEGER, -- NULL: the system
    public_comment TEXT NOT NULL DEFAULT '', -- shown to the applicant
    internal_note  TEXT NOT NULL DEFAULT '', -- officers only
    due_date       DATE, -- of an information request
    attachment_id  INTEGER
);
CREATE INDEX application_events_application ON application_events (application_id, id);

-- Files attached to an application; the bytes are in storage under storage_key.
CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, as above
    application_id INTEGER NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL, -- a document kind of the catalogue: pts, passport, dkp …
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size           INTEGER NOT NULL CHECK (size > 0),
    sha256         TEXT NOT NULL,
    storage_key    TEXT NOT NULL UNIQUE,
    uploaded_by    INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX attachments_application ON attachments (application_id, id);

-- The last application number given in each year. Submitting updates the year's row in its own
-- transaction: the row lock orders concurrent submissions, and a rolled-back submission gives its
-- number back, so users never see a gap.
CREATE TABLE number_sequences (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- +goose Down
DROP TABLE number_sequences;
DROP TABLE attachments;
DROP TABLE application_events;
DROP TABLE applications;
