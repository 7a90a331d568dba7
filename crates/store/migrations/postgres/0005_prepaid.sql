-- PostgreSQL twin of ../sqlite/0005_prepaid.sql (same statements, PostgreSQL types).
-- Prepaid accounts (seed 004): two purses kept as an append-only ledger.
CREATE TABLE prepaid_accounts (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE prepaid_entries (
    seq          BIGSERIAL PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES prepaid_accounts(id),
    -- 'diritti' or 'tariffa'
    purse        TEXT NOT NULL,
    -- 'top_up', 'reserve', 'debit', 'release'
    movement     TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    renewal_id   TEXT REFERENCES renewals(id),
    note         TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX prepaid_entries_account ON prepaid_entries(account_id, seq);
-- A renewal is reserved, debited and released at most once each, whatever the application does.
CREATE UNIQUE INDEX prepaid_entries_once ON prepaid_entries(renewal_id, movement)
    WHERE renewal_id IS NOT NULL;
