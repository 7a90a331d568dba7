-- PostgreSQL twin of ../sqlite/0012_revocation.sql (same statements, PostgreSQL types).
-- Issue 5: revocation status (SPEC X1). A superseded certificate counts as revoked with reason
-- "superseded" from status_changed_at; an admin's revocation names its reason.
ALTER TABLE certificates ADD COLUMN revocation_reason TEXT;
CREATE INDEX certificates_not_active ON certificates(status, not_after) WHERE status <> 'active';

-- The current CRL: regenerated when stale (a revocation happened) or old.
CREATE TABLE crl_state (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    number      BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    der         BYTEA NOT NULL,
    stale       BIGINT NOT NULL DEFAULT 0
);
