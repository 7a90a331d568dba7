-- Issue 20: what the root CA signs besides its own certificate, kept for its CRL — the
-- subordinate CA certificates it issued (the service's issuing CA among them) and whether it
-- revoked them — and every root CRL, the newest served at /ca/root-crl.der.
CREATE TABLE subordinate_certs (
    serial_hex  TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    der         BYTEA NOT NULL,
    not_after   BIGINT NOT NULL,
    issued_at   BIGINT NOT NULL,
    revoked_at  BIGINT,
    reason      TEXT
);
CREATE TABLE root_crls (
    number       BIGINT PRIMARY KEY,
    der          BYTEA NOT NULL,
    this_update  BIGINT NOT NULL,
    next_update  BIGINT NOT NULL
);
