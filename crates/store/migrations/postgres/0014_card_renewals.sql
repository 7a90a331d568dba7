-- PostgreSQL twin of ../sqlite/0014_card_renewals.sql (same statements, PostgreSQL types).
-- Issue 6: renewals requested by the smart-card client (seed 004, SPEC C2-C5). The renewal
-- itself is a row of `renewals` (so payments, prepaid lines, approvals, history and the desk
-- see it); this row keeps what the card sent, as evidence, and when the card stored the result.
CREATE TABLE card_renewals (
    renewal_id     TEXT PRIMARY KEY REFERENCES renewals(id),
    -- the certificate renewed (the old one)
    certificate_id TEXT NOT NULL REFERENCES certificates(id),
    -- the new key, made on the card: the uncompressed P-256 point
    public_key     BYTEA NOT NULL,
    -- the PKCS#10 request and the old key's signature over it, as received
    request        BYTEA NOT NULL,
    proof          BYTEA NOT NULL,
    stored_at      BIGINT,
    created_at     BIGINT NOT NULL
);
-- One request per old certificate and new key: sending it again answers with the same renewal.
CREATE UNIQUE INDEX card_renewals_key ON card_renewals(certificate_id, public_key);
