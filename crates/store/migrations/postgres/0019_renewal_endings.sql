-- Why a renewal ended without a new certificate (SPEC W2/W3, issue 18): its certificate's window
-- closed, or it expired, was revoked, suspended or replaced meanwhile (`reason` is the window
-- rule's name), or the organisation rejected it (`rejected`, with the CDRL's words in
-- `detail`). A renewal that had been paid is flagged for refund until staff settle it.
CREATE TABLE renewal_endings (
    renewal_id  TEXT PRIMARY KEY REFERENCES renewals(id),
    reason      TEXT NOT NULL,
    detail      TEXT,
    refund_due  BIGINT NOT NULL DEFAULT 0,
    ended_at    BIGINT NOT NULL
);

-- A signature of the renewal form in progress (issue 18): the one-time code is spent when the
-- PIN is about to be tried, and this row lets a retry of that same request with that same code
-- (after a crash between the two) finish the step instead of asking for a new code. It is
-- removed when the outcome is recorded; `held_until` keeps a second request with the same code
-- from trying another PIN while the first is under way.
CREATE TABLE sign_attempts (
    renewal_id  TEXT PRIMARY KEY REFERENCES renewals(id),
    code_hash   BYTEA NOT NULL,
    valid_until BIGINT NOT NULL,
    held_until  BIGINT NOT NULL
);
