-- PostgreSQL twin of ../sqlite/0029_signed_form_archive.sql (same statements, PostgreSQL types).
ALTER TABLE signed_forms ADD COLUMN lta_until BIGINT;
CREATE INDEX signed_forms_lta_until ON signed_forms (lta_until) WHERE lta_until IS NOT NULL;
