-- PostgreSQL twin of ../sqlite/0027_sealed_token_seeds.sql.
-- Issue 21: a TOTP token's seed is stored sealed under the key backend's key (in production an
-- AES key inside the HSM): 0 in clear (an earlier version's), 1 sealed in software, 2 by the
-- token. A seed not sealed by the backend in use is sealed anew at the next start.
ALTER TABLE tokens ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
