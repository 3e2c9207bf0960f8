-- +goose Up
-- The back office (D3, H1): which services each officer works, who works each application, the
-- message thread between the applicant and the officers, and the officer's position printed on
-- official documents.

-- An officer sees and works only the applications of the services listed here for them; an officer
-- with no rows sees none (a new officer is given work explicitly, never everything by default).
-- Administrators see every service and need no rows.
CREATE TABLE officer_services (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    service_id TEXT NOT NULL,
    PRIMARY KEY (user_id, service_id)
);

-- The officer who works the application; NULL: nobody has taken it yet.
ALTER TABLE applications ADD COLUMN assignee_id INTEGER REFERENCES users (id);
-- The queue by service and by assignee, nearest deadline first, over the rows in work only (the
-- predicate is word for word the one of 00004 and of application.Queue).
CREATE INDEX applications_queue_service ON applications (service_id, deadline, id)
    WHERE status NOT IN ('draft', 'approved', 'refused', 'withdrawn');
CREATE INDEX applications_queue_assignee ON applications (assignee_id, deadline, id)
    WHERE status NOT IN ('draft', 'approved', 'refused', 'withdrawn');

-- The position printed under the officer's name on decisions («Главный специалист-эксперт»).
ALTER TABLE users ADD COLUMN position TEXT NOT NULL DEFAULT '';

-- The thread of an application: the applicant and the officers write to each other. Rows are only
-- ever added.
CREATE TABLE application_messages (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    author_id      INTEGER NOT NULL REFERENCES users (id),
    from_staff     INTEGER NOT NULL DEFAULT 0, -- 1: written by an officer for the office
    body           TEXT NOT NULL,
    at             TIMESTAMP NOT NULL
);
CREATE INDEX application_messages_application ON application_messages (application_id, id);

-- +goose Down
DROP TABLE application_messages;
ALTER TABLE users DROP COLUMN position;
DROP INDEX applications_queue_assignee;
DROP INDEX applications_queue_service;
ALTER TABLE applications DROP COLUMN assignee_id;
DROP TABLE officer_services;
