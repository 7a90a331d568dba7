-- PostgreSQL twin of ../sqlite/0011_audit_chain.sql (same statements, PostgreSQL types).
-- Issue 5: a tamper-evident audit trail (SPEC X2). Each row holds the hash of the previous one
-- and its own; the head (last seq and hash) is one row that every appender updates, which
-- serialises appends so the chain stays linear; seals are the head signed with the CA's key.
ALTER TABLE audit ADD COLUMN prev_hash BYTEA;
ALTER TABLE audit ADD COLUMN row_hash BYTEA;
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
-- The head exists from the start, so even the first appenders queue on its row lock.
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE audit_seals (
    seq       BIGINT PRIMARY KEY,
    head_hash BYTEA NOT NULL,
    sealed_at BIGINT NOT NULL,
    signature BYTEA NOT NULL
);
CREATE INDEX audit_subject ON audit(subject, seq);
CREATE INDEX audit_actor ON audit(actor, seq);
