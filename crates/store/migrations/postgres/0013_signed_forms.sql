-- PostgreSQL twin of ../sqlite/0013_signed_forms.sql (same statements, PostgreSQL types).
-- Issue 5: the renewal form signed at step 4 (PAdES B-B) is the evidence of the request.
CREATE TABLE signed_forms (
    renewal_id TEXT PRIMARY KEY REFERENCES renewals(id),
    pdf        BYTEA NOT NULL,
    signed_at  BIGINT NOT NULL
);
