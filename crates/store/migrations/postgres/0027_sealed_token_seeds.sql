-- PostgreSQL twin of ../sqlite/0027_sealed_token_seeds.sql.
-- Issue 21: a TOTP token's seed is stored sealed under the key backend's key (in production an
-- AES key inside the HSM). 0: a seed stored in clear by an earlier version, sealed at the next
-- start.
ALTER TABLE tokens ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
