-- PostgreSQL twin of ../sqlite/0026_seal_chain.sql.
-- Issue 21: the audit seals form a chain of their own. Each seal names the previous one (the
-- SHA-256 of the message it signed), inside what it signs, so a removed seal is found by the
-- next; NULL: a seal made before this migration.
ALTER TABLE audit_seals ADD COLUMN prev_seal BYTEA;
