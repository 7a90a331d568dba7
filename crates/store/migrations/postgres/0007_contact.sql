-- PostgreSQL twin of ../sqlite/0007_contact.sql (same statements, PostgreSQL types).
-- Changes of contact data at step 2 (SPEC §5, seed 001): pending until the SMS code confirms
-- them; the history stays as evidence.
CREATE TABLE contact_changes (
    id         TEXT PRIMARY KEY,
    holder_id  TEXT NOT NULL REFERENCES holders(id),
    renewal_id TEXT NOT NULL REFERENCES renewals(id),
    -- 'email', 'mobile' or 'residence'
    field      TEXT NOT NULL,
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    applied_at BIGINT
);
CREATE INDEX contact_changes_holder ON contact_changes(holder_id, created_at);
CREATE INDEX holders_email ON holders(email);
CREATE INDEX holders_mobile ON holders(mobile);
