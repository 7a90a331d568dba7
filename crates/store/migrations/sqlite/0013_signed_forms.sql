-- Issue 5: the renewal form signed at step 4 (PAdES B-B) is the evidence of the request.
CREATE TABLE signed_forms (
    renewal_id TEXT PRIMARY KEY REFERENCES renewals(id),
    pdf        BLOB NOT NULL,
    signed_at  BIGINT NOT NULL
);
