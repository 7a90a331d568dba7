-- Issue 22: remote signing through the Cloud Signature Consortium API.
-- Signing applications registered by the CA (`rinnova clients add NAME`); only a hash of each
-- secret is kept.
CREATE TABLE csc_clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- Access tokens given to a client by OAuth 2.0 client credentials (hashes only).
CREATE TABLE csc_client_tokens (
    token_hash BLOB PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES csc_clients(id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX csc_client_tokens_expiry ON csc_client_tokens(expires_at);

-- Signature activation data: bound to one credential and to the digests listed at
-- authorisation (SCAL2), each signable once, short-lived. The SAD itself is only with the
-- client: `id` is its hash, and the PIN it activates is sealed under a key derived from it,
-- so this table alone neither signs nor tells a PIN.
CREATE TABLE csc_sads (
    id            BLOB PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials(id),
    holder_id     TEXT NOT NULL REFERENCES holders(id),
    client_id     TEXT,
    hash_algo     TEXT NOT NULL,
    digests       BLOB NOT NULL,
    remaining     BIGINT NOT NULL,
    pin_sealed    BLOB NOT NULL,
    expires_at    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX csc_sads_expiry ON csc_sads(expires_at);
