-- PostgreSQL twin of ../sqlite/0009_desk.sql (same statements, PostgreSQL types).
-- The RAO desk (seeds 000, 002, 004): identity checks done in person before a new certificate.
CREATE TABLE identity_checks (
    id              TEXT PRIMARY KEY,
    holder_id       TEXT NOT NULL REFERENCES holders(id),
    rao_id          TEXT NOT NULL REFERENCES rao_accounts(id),
    document_type   TEXT NOT NULL,
    document_number TEXT NOT NULL,
    certificate_id  TEXT REFERENCES certificates(id),
    checked_at      BIGINT NOT NULL
);
CREATE INDEX identity_checks_holder ON identity_checks(holder_id, checked_at);
