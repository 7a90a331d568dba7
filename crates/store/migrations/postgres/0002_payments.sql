-- PostgreSQL twin of ../sqlite/0002_payments.sql (same statements, PostgreSQL types).
-- Paying for a renewal (SPEC §5 step 5): who pays, coupons, and the payment of each renewal.

-- NULL: the organisation's mode, or the CA's default for a holder without one. A contract that
-- includes its renewals sets 'free' here.
ALTER TABLE holders ADD COLUMN payment_mode TEXT;

-- Resellers that sold certificates and hand out coupons for their renewal (seed 002).
CREATE TABLE distributors (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
ALTER TABLE certificates ADD COLUMN distributor_id TEXT REFERENCES distributors(id);

CREATE TABLE coupon_batches (
    id          TEXT PRIMARY KEY,
    -- 'organisation' or 'distributor', and which one
    issuer_kind TEXT NOT NULL,
    issuer_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    size        BIGINT NOT NULL,
    note        TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A code is used at most once (used_by set once, never cleared), and a renewal uses at most
-- one code: both are enforced here, whatever the application does.
CREATE TABLE coupons (
    code     TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES coupon_batches(id),
    used_by  TEXT UNIQUE REFERENCES renewals(id),
    used_at  BIGINT
);
CREATE INDEX coupons_batch ON coupons(batch_id);

-- How each renewal was paid: one row per renewal, so nothing is ever paid twice.
CREATE TABLE payments (
    renewal_id   TEXT PRIMARY KEY REFERENCES renewals(id),
    method       TEXT NOT NULL,
    -- 'pending' (bank transfer awaiting settlement) or 'settled'
    status       TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    reference    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    settled_at   BIGINT
);
