-- PostgreSQL twin of ../sqlite/0010_access.sql (same statements, PostgreSQL types).
-- Issue 4: real e-mail, reminders, recovery (SPEC A1–A2, N1–N2).

-- E-mails carry an HTML alternative beside the text body; a message refused for good (the
-- server answered 5xx, or too many attempts) is given up, not retried forever.
ALTER TABLE outbox ADD COLUMN html TEXT;
ALTER TABLE outbox ADD COLUMN gave_up_at BIGINT;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(channel, sent_at, gave_up_at, next_attempt_at);

-- One row per certificate and reminder ("days-60", "closed"): the unique key makes each
-- reminder exactly once; written in the same transaction as its outbox message (NULL when the
-- threshold was passed unsent and skipped).
CREATE TABLE reminders (
    certificate_id TEXT NOT NULL REFERENCES certificates(id),
    reminder       TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    outbox_id      TEXT,
    PRIMARY KEY (certificate_id, reminder)
);
-- The sweep reads only certificates near their expiry.
CREATE INDEX certificates_expiry ON certificates(not_after);

-- Keys the service generates once and shares between instances (signed reminder links).
CREATE TABLE service_keys (
    name       TEXT PRIMARY KEY,
    secret     BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- "Non riesci ad accedere?": a recovery proven by a single-use e-mail link (only its hash is
-- kept) and then an SMS code to the registered mobile.
CREATE TABLE recoveries (
    id          TEXT PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    purpose     TEXT NOT NULL,
    holder_id   TEXT NOT NULL REFERENCES holders(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    sms_sent_at BIGINT,
    used_at     BIGINT,
    ip          TEXT
);
CREATE INDEX recoveries_holder ON recoveries(holder_id, created_at);

-- Requests counted per client address and per target, to throttle recovery and login.
CREATE TABLE rate_events (
    bucket TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events(bucket, at);
