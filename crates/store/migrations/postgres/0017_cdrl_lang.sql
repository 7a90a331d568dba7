-- The language an organisation manager (CDRL) last used in their area: the notices of requests
-- to approve are written in it (Italian until their first login).
ALTER TABLE cdrl_accounts ADD COLUMN lang TEXT NOT NULL DEFAULT 'it';
