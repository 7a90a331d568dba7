-- PostgreSQL twin of ../sqlite/0006_approval.sql (same statements, PostgreSQL types).
-- Organisation approval (SPEC §5 step 6, seed 001): the organisation's registration manager
-- (CDRL) approves or rejects its people's renewals in their own area (SPEC A3).
CREATE TABLE cdrl_accounts (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    username        TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT
);
CREATE INDEX cdrl_accounts_organisation ON cdrl_accounts(organisation_id);

-- Sessions of staff areas (CDRL; RAO later): not holders, so not in the holders' sessions.
CREATE TABLE staff_sessions (
    id_hash      BYTEA PRIMARY KEY,
    role         TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    lang         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

-- The decision on a renewal: one per renewal.
CREATE TABLE approvals (
    renewal_id TEXT PRIMARY KEY REFERENCES renewals(id),
    decided_by TEXT NOT NULL REFERENCES cdrl_accounts(id),
    decision   TEXT NOT NULL,
    reason     TEXT,
    decided_at BIGINT NOT NULL
);
