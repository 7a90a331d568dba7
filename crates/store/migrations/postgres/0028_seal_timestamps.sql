-- Issue 21: each audit seal is time-stamped (RFC 3161): the TimeStampResp over the SHA-256 of
-- the message the seal signed, from the CA's time-stamping unit. NULL: a seal made before.
ALTER TABLE audit_seals ADD COLUMN timestamp_token BYTEA;
