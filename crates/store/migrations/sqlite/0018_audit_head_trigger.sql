-- Issue 7: the audit chain's head follows each chained row as it is appended (a trigger), in
-- the row's own statement instead of a statement of its own per audited transaction. Rows
-- without a hash (written before the chain existed) are chained, and the head set, by migrate.
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit WHEN NEW.row_hash IS NOT NULL
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.row_hash WHERE id = 1;
END;
