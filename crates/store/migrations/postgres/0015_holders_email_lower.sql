-- Issue 7: the e-mail checks (is this address another holder's; the accounts of an address
-- and codice fiscale, SPEC A2/A4) compare lower(email): index that expression, not the column.
DROP INDEX holders_email;
CREATE INDEX holders_email_lower ON holders (lower(email));
