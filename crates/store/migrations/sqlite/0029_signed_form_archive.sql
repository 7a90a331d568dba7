-- Issue 21: a signed renewal form is PAdES B-LTA; its last document time-stamp must be renewed
-- (a new store of validation data and a new document time-stamp) before the certificate of the
-- unit that made it ends. lta_until: that certificate's end (Unix seconds). NULL: a form signed
-- before (B-B or B-T), kept as it was.
ALTER TABLE signed_forms ADD COLUMN lta_until INTEGER;
CREATE INDEX signed_forms_lta_until ON signed_forms (lta_until) WHERE lta_until IS NOT NULL;
