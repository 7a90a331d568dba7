-- PostgreSQL twin of ../sqlite/0004_rao.sql (same statements, PostgreSQL types).
-- Registration-office operators (RAO, seed 002 §6): they verify and approve renewals at their
-- desk with their own credentials.
CREATE TABLE rao_accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL,
    office        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);
