-- PostgreSQL twin of ../sqlite/0003_shop.sql (same statements, PostgreSQL types).
-- The shop (SPEC §5 step 5, seed 002): promo codes, orders, provider notifications and the
-- bank statement entries already imported.

CREATE TABLE promo_codes (
    code           TEXT PRIMARY KEY,
    -- 'percent' (basis points) or 'fixed' (cents)
    discount_kind  TEXT NOT NULL,
    discount_value BIGINT NOT NULL,
    valid_from     BIGINT NOT NULL,
    valid_until    BIGINT NOT NULL,
    kind           TEXT,
    max_uses       BIGINT,
    uses           BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

-- An order for a renewal, priced when it was placed. A renewal may have several (a declined
-- card, then a bank transfer) but is paid once: the payments table has one row per renewal.
CREATE TABLE orders (
    id             TEXT PRIMARY KEY,
    renewal_id     TEXT NOT NULL REFERENCES renewals(id),
    kind           TEXT NOT NULL,
    -- 'card', 'paypal' or 'bank_transfer'
    method         TEXT NOT NULL,
    -- 'open' (at the provider), 'pending' (bank transfer awaited), 'paid', 'declined',
    -- 'cancelled', 'refund_due' (paid after the renewal was paid another way)
    status         TEXT NOT NULL,
    net_cents      BIGINT NOT NULL,
    vat_cents      BIGINT NOT NULL,
    gross_cents    BIGINT NOT NULL,
    vat_bp         BIGINT NOT NULL,
    promo_code     TEXT REFERENCES promo_codes(code),
    provider       TEXT,
    provider_ref   TEXT UNIQUE,
    remittance_ref TEXT UNIQUE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    paid_at        BIGINT
);
CREATE INDEX orders_renewal ON orders(renewal_id, created_at);

-- Each provider notification is acted on once, however often it is delivered.
CREATE TABLE provider_events (
    event_id    TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders(id),
    outcome     TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Each bank statement entry is looked at once, however often the statement is imported.
CREATE TABLE bank_entries (
    entry_ref    TEXT PRIMARY KEY,
    amount_cents BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    booking_date TEXT,
    remittance   TEXT NOT NULL,
    debtor       TEXT,
    order_id     TEXT REFERENCES orders(id),
    -- 'settled', 'overpaid', 'underpaid', 'unmatched', 'late' (renewal no longer at payment)
    outcome      TEXT NOT NULL,
    imported_at  BIGINT NOT NULL
);
