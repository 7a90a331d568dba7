-- PostgreSQL twin of ../sqlite/0001_foundation.sql (same statements, PostgreSQL types).
-- rinnova foundation schema. Timestamps are Unix seconds (UTC); portable SQL only, so that the
-- PostgreSQL migrations are the same statements with PostgreSQL types.

CREATE TABLE organisations (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    payment_mode      TEXT NOT NULL,
    approval_required BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE holders (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    surname         TEXT NOT NULL,
    codice_fiscale  TEXT NOT NULL,
    iut             TEXT NOT NULL UNIQUE,
    email           TEXT NOT NULL,
    mobile          TEXT NOT NULL,
    residence       TEXT NOT NULL,
    role_title      TEXT,
    organisation_id TEXT REFERENCES organisations(id),
    lang            TEXT NOT NULL DEFAULT 'it',
    created_at      BIGINT NOT NULL
);
CREATE INDEX holders_cf ON holders(codice_fiscale);

-- Hardware or app token (SPEC O2); a holder without one gets SMS codes.
CREATE TABLE tokens (
    holder_id    TEXT PRIMARY KEY REFERENCES holders(id),
    kind         TEXT NOT NULL,
    algorithm    TEXT NOT NULL,
    digits       BIGINT NOT NULL,
    step_seconds BIGINT NOT NULL,
    secret       BYTEA NOT NULL,
    last_counter BIGINT,
    drift_steps  BIGINT NOT NULL DEFAULT 0
);

-- Remote-signature keys, sealed under the holder's PIN (SPEC O3).
CREATE TABLE credentials (
    id             TEXT PRIMARY KEY,
    holder_id      TEXT NOT NULL REFERENCES holders(id),
    public_key     BYTEA NOT NULL,
    sealed_private BYTEA NOT NULL,
    failed_pins    BIGINT NOT NULL DEFAULT 0,
    blocked_at     BIGINT,
    retired_at     BIGINT,
    created_at     BIGINT NOT NULL
);

CREATE TABLE certificates (
    id                 TEXT PRIMARY KEY,
    holder_id          TEXT NOT NULL REFERENCES holders(id),
    credential_id      TEXT REFERENCES credentials(id),
    kind               TEXT NOT NULL,
    serial_hex         TEXT NOT NULL UNIQUE,
    der                BYTEA NOT NULL,
    not_before         BIGINT NOT NULL,
    not_after          BIGINT NOT NULL,
    status             TEXT NOT NULL,
    superseded_by      TEXT REFERENCES certificates(id),
    status_changed_at  BIGINT,
    device_expires_at  BIGINT,
    renewals_on_device BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL
);
CREATE INDEX certificates_holder ON certificates(holder_id);

CREATE TABLE renewals (
    id                      TEXT PRIMARY KEY,
    holder_id               TEXT NOT NULL REFERENCES holders(id),
    certificate_id          TEXT NOT NULL REFERENCES certificates(id),
    step                    TEXT NOT NULL,
    payment_mode            TEXT NOT NULL,
    approval_required       BIGINT NOT NULL,
    documents_hash          BYTEA,
    activation_otp_verified BIGINT NOT NULL DEFAULT 0,
    version                 BIGINT NOT NULL DEFAULT 0,
    consented_at            BIGINT,
    signature               BYTEA,
    signed_at               BIGINT,
    new_certificate_id      TEXT REFERENCES certificates(id),
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);
-- At most one renewal in progress per certificate: a double "Rinnova" cannot start two.
CREATE UNIQUE INDEX renewals_one_open ON renewals(certificate_id)
    WHERE step NOT IN ('completed', 'cancelled');
CREATE INDEX renewals_holder ON renewals(holder_id);

-- Exactly the documents shown at step 3, kept as evidence.
CREATE TABLE renewal_documents (
    renewal_id TEXT NOT NULL REFERENCES renewals(id),
    name       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    sha256     BYTEA NOT NULL,
    pdf        BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (renewal_id, name)
);

-- SMS codes (SPEC O1): one live challenge per holder and operation; a resend replaces it.
CREATE TABLE otp_challenges (
    id           TEXT PRIMARY KEY,
    holder_id    TEXT NOT NULL REFERENCES holders(id),
    purpose      TEXT NOT NULL,
    code_hash    BYTEA NOT NULL,
    expires_at   BIGINT NOT NULL,
    attempts     BIGINT NOT NULL,
    sends        BIGINT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    consumed     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    UNIQUE (holder_id, purpose)
);

-- Server-side sessions; only the hash of the cookie or bearer token is stored.
CREATE TABLE sessions (
    id_hash      BYTEA PRIMARY KEY,
    holder_id    TEXT NOT NULL REFERENCES holders(id),
    kind         TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    lang         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_holder ON sessions(holder_id);

CREATE TABLE login_failures (
    user_id    TEXT PRIMARY KEY,
    failures   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL
);

-- Transactional outbox: written in the same transaction as the change that causes it.
CREATE TABLE outbox (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    holder_id       TEXT REFERENCES holders(id),
    subject         TEXT,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);
CREATE INDEX outbox_holder ON outbox(holder_id, seq);

CREATE TABLE audit (
    seq        BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT,
    ip         TEXT,
    request_id TEXT,
    detail     TEXT
);

-- The CA's certificates and sealed keys (one row).
CREATE TABLE ca_material (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    material   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
