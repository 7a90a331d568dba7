-- PostgreSQL twin of ../sqlite/0008_payroll.sql (same statements, PostgreSQL types).
-- Certificates an organisation pays through payroll (seed 000): one charge per completed
-- renewal or per new certificate issued at an RAO desk, listed per organisation for export.
CREATE TABLE payroll_charges (
    -- the renewal's id, or the desk identity check's id
    reference       TEXT PRIMARY KEY,
    -- 'renewal' or 'desk'
    origin          TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    holder_id       TEXT NOT NULL REFERENCES holders(id),
    kind            TEXT NOT NULL,
    net_cents       BIGINT NOT NULL,
    vat_cents       BIGINT NOT NULL,
    gross_cents     BIGINT NOT NULL,
    charged_at      BIGINT NOT NULL,
    exported_at     BIGINT
);
CREATE INDEX payroll_charges_organisation ON payroll_charges(organisation_id, charged_at);
