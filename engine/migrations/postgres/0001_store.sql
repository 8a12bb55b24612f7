-- Lots store, version 1 (PostgreSQL). Released: never edit this file; add a new migration instead.
-- Times: `*_at` columns ending in `_us` are UTC microseconds since 1970; `happened_at` is the
-- event's domain time (Swedish civil time, as the host gave it), ISO 8601 text.

CREATE TABLE lots_catalogs (
    hash        TEXT PRIMARY KEY,
    files       TEXT NOT NULL,       -- JSON: [[path, text], ...]
    stored_us   BIGINT NOT NULL
);

CREATE TABLE lots_definitions (
    workflow     TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    version      BIGINT NOT NULL,
    catalog_hash TEXT NOT NULL REFERENCES lots_catalogs (hash),
    PRIMARY KEY (workflow, content_hash)
);

CREATE TABLE lots_cases (
    case_id      TEXT PRIMARY KEY,
    workflow     TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    unit         TEXT NOT NULL,
    seq          BIGINT NOT NULL,   -- the sequence number of its last event
    opened_us    BIGINT NOT NULL,
    updated_us   BIGINT NOT NULL,
    FOREIGN KEY (workflow, content_hash) REFERENCES lots_definitions (workflow, content_hash)
);

CREATE TABLE lots_events (
    case_id     TEXT NOT NULL REFERENCES lots_cases (case_id),
    seq         BIGINT NOT NULL,
    format      BIGINT NOT NULL,    -- the event format it was written in (upcast on read)
    happened_at TEXT NOT NULL,
    recorded_us BIGINT NOT NULL,
    body        TEXT NOT NULL,       -- JSON of the recorded event
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE lots_outbox (
    ordinal     BIGSERIAL PRIMARY KEY,
    action_id   TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL REFERENCES lots_cases (case_id),
    seq         BIGINT NOT NULL,
    body        TEXT NOT NULL,       -- JSON of the action
    created_us  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until_us BIGINT,
    acked_us    BIGINT
);
CREATE INDEX lots_outbox_pending ON lots_outbox (acked_us, ordinal);

CREATE TABLE lots_audit (
    ordinal   BIGSERIAL PRIMARY KEY,
    at_us     BIGINT NOT NULL,
    actor     TEXT NOT NULL,         -- a pseudonymous actor id, never a name or identity number
    role      TEXT NOT NULL,
    operation TEXT NOT NULL,
    route     TEXT NOT NULL,
    case_id   TEXT,
    seq       BIGINT
);
CREATE INDEX lots_audit_case ON lots_audit (case_id, ordinal);
