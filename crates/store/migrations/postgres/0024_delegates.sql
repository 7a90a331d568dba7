-- Issue 20, one key one purpose: besides the OCSP responder, the audit trail's seals get a
-- delegate key and certificate of their own. Every delegate certificate is kept, with the
-- purpose it was issued for; each seal names the certificate whose key made it (none: a seal
-- made by the issuing CA's key, before this migration).
CREATE TABLE delegate_certs (
    serial_hex  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    der         BYTEA NOT NULL,
    public_key  BYTEA NOT NULL,
    not_before  BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX delegate_certs_key ON delegate_certs(purpose, public_key, not_after);
INSERT INTO delegate_certs (serial_hex, purpose, der, public_key, not_before, not_after, created_at)
    SELECT serial_hex, 'ocsp-responder', der, public_key, not_before, not_after, created_at
    FROM ocsp_responder_certs;
DROP TABLE ocsp_responder_certs;
ALTER TABLE audit_seals ADD COLUMN signer_serial TEXT;
