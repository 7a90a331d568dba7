-- Issue 20, one key one purpose: OCSP answers are signed by a delegated responder whose
-- short-lived certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck) the issuing CA renews
-- before it expires; every certificate issued to it is kept.
CREATE TABLE ocsp_responder_certs (
    serial_hex  TEXT PRIMARY KEY,
    der         BYTEA NOT NULL,
    public_key  BYTEA NOT NULL,
    not_before  BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ocsp_responder_certs_not_after ON ocsp_responder_certs(not_after);
