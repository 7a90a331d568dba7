//! Renewals and the documents shown during them.

use crate::{
    CertificateRecord, Conn, DocumentRecord, EndingRecord, HolderRecord, RenewalRecord,
    SignAttemptRecord, StoreError,
};
use rinnova_domain::{CertificateId, CredentialId, HolderId, RenewalId};

/// Inserts a renewal. Fails with a unique violation if one is already open for the certificate.
pub async fn insert(c: &mut Conn, r: &RenewalRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO renewals (id, holder_id, certificate_id, step, payment_mode, approval_required, \
         documents_hash, activation_otp_verified, version, consented_at, signature, signed_at, \
         new_certificate_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(r.id.as_str())
    .bind(r.holder_id.as_str())
    .bind(r.certificate_id.as_str())
    .bind(&r.step)
    .bind(&r.payment_mode)
    .bind(r.approval_required)
    .bind(&r.documents_hash)
    .bind(r.activation_otp_verified)
    .bind(r.version)
    .bind(r.consented_at)
    .bind(&r.signature)
    .bind(r.signed_at)
    .bind(&r.new_certificate_id)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A renewal by id.
pub async fn by_id(c: &mut Conn, id: &RenewalId) -> Result<Option<RenewalRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM renewals WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c)
        .await?)
}

/// The holder's columns beside a renewal's (prefixed: both tables have `id`, `created_at`…).
#[derive(sqlx::FromRow)]
struct HolderColumns {
    h_id: HolderId,
    h_user_id: String,
    h_password_hash: String,
    h_given_name: String,
    h_surname: String,
    h_codice_fiscale: String,
    h_iut: String,
    h_email: String,
    h_mobile: String,
    h_residence: String,
    h_role_title: Option<String>,
    h_organisation_id: Option<String>,
    h_lang: String,
    h_created_at: i64,
    h_payment_mode: Option<String>,
    h_organisation_name: Option<String>,
    h_tokens: i64,
}

impl HolderColumns {
    fn into_record(self) -> HolderRecord {
        HolderRecord {
            id: self.h_id,
            user_id: self.h_user_id,
            password_hash: self.h_password_hash,
            given_name: self.h_given_name,
            surname: self.h_surname,
            codice_fiscale: self.h_codice_fiscale,
            iut: self.h_iut,
            email: self.h_email,
            mobile: self.h_mobile,
            residence: self.h_residence,
            role_title: self.h_role_title,
            organisation_id: self.h_organisation_id,
            lang: self.h_lang,
            created_at: self.h_created_at,
            payment_mode: self.h_payment_mode,
            organisation_name: self.h_organisation_name,
            tokens: self.h_tokens,
        }
    }
}

/// The certificate's columns beside a renewal's (prefixed, as [`HolderColumns`]).
#[derive(sqlx::FromRow)]
struct CertificateColumns {
    c_id: CertificateId,
    c_holder_id: HolderId,
    c_credential_id: Option<CredentialId>,
    c_kind: String,
    c_serial_hex: String,
    c_der: Vec<u8>,
    c_not_before: i64,
    c_not_after: i64,
    c_status: String,
    c_superseded_by: Option<CertificateId>,
    c_status_changed_at: Option<i64>,
    c_device_expires_at: Option<i64>,
    c_renewals_on_device: i64,
    c_created_at: i64,
    c_distributor_id: Option<String>,
}

impl CertificateColumns {
    fn into_record(self) -> CertificateRecord {
        CertificateRecord {
            id: self.c_id,
            holder_id: self.c_holder_id,
            credential_id: self.c_credential_id,
            kind: self.c_kind,
            serial_hex: self.c_serial_hex,
            der: self.c_der,
            not_before: self.c_not_before,
            not_after: self.c_not_after,
            status: self.c_status,
            superseded_by: self.c_superseded_by,
            status_changed_at: self.c_status_changed_at,
            device_expires_at: self.c_device_expires_at,
            renewals_on_device: self.c_renewals_on_device,
            created_at: self.c_created_at,
            distributor_id: self.c_distributor_id,
        }
    }
}

/// A renewal of `holder_id` with its holder and the certificate it renews, in one statement
/// (every step of the wizard reads all three); `None` when the renewal is not theirs.
pub async fn for_step(
    c: &mut Conn,
    renewal_id: &RenewalId,
    holder_id: &HolderId,
) -> Result<Option<(RenewalRecord, HolderRecord, CertificateRecord)>, StoreError> {
    use sqlx::FromRow;
    let row = sqlx::query(
        "SELECT r.*, \
         h.id AS h_id, h.user_id AS h_user_id, \
         h.password_hash AS h_password_hash, h.given_name AS h_given_name, \
         h.surname AS h_surname, h.codice_fiscale AS h_codice_fiscale, \
         h.iut AS h_iut, h.email AS h_email, h.mobile AS h_mobile, \
         h.residence AS h_residence, h.role_title AS h_role_title, \
         h.organisation_id AS h_organisation_id, h.lang AS h_lang, \
         h.created_at AS h_created_at, h.payment_mode AS h_payment_mode, \
         (SELECT name FROM organisations o WHERE o.id = h.organisation_id) \
         AS h_organisation_name, \
         CAST((SELECT COUNT(*) FROM tokens t WHERE t.holder_id = h.id) AS BIGINT) AS h_tokens, \
         c.id AS c_id, c.holder_id AS c_holder_id, c.credential_id AS c_credential_id, \
         c.kind AS c_kind, c.serial_hex AS c_serial_hex, c.der AS c_der, \
         c.not_before AS c_not_before, c.not_after AS c_not_after, c.status AS c_status, \
         c.superseded_by AS c_superseded_by, c.status_changed_at AS c_status_changed_at, \
         c.device_expires_at AS c_device_expires_at, \
         c.renewals_on_device AS c_renewals_on_device, c.created_at AS c_created_at, \
         c.distributor_id AS c_distributor_id \
         FROM renewals r JOIN holders h ON h.id = r.holder_id \
         JOIN certificates c ON c.id = r.certificate_id \
         WHERE r.id = $1 AND r.holder_id = $2",
    )
    .bind(renewal_id.as_str())
    .bind(holder_id.as_str())
    .fetch_optional(c)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some((
        RenewalRecord::from_row(&row)?,
        HolderColumns::from_row(&row)?.into_record(),
        CertificateColumns::from_row(&row)?.into_record(),
    )))
}

/// The renewal in progress for a certificate, if any.
pub async fn open_for_certificate(
    c: &mut Conn,
    certificate_id: &CertificateId,
) -> Result<Option<RenewalRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM renewals WHERE certificate_id = $1 AND step NOT IN ('completed', 'cancelled')",
    )
    .bind(certificate_id.as_str())
    .fetch_optional(c)
    .await?)
}

/// A holder's renewals, newest first.
pub async fn of_holder(
    c: &mut Conn,
    holder_id: &HolderId,
) -> Result<Vec<RenewalRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM renewals WHERE holder_id = $1 ORDER BY created_at DESC, id")
            .bind(holder_id.as_str())
            .fetch_all(c)
            .await?,
    )
}

/// Writes a renewal's new state if nobody changed it since `r.version - 1` was read
/// (optimistic concurrency). Returns whether the write happened.
pub async fn update(c: &mut Conn, r: &RenewalRecord) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE renewals SET step = $1, documents_hash = $2, activation_otp_verified = $3, version = $4, \
         consented_at = $5, signature = $6, signed_at = $7, new_certificate_id = $8, updated_at = $9 \
         WHERE id = $10 AND version = $11",
    )
    .bind(&r.step)
    .bind(&r.documents_hash)
    .bind(r.activation_otp_verified)
    .bind(r.version)
    .bind(r.consented_at)
    .bind(&r.signature)
    .bind(r.signed_at)
    .bind(&r.new_certificate_id)
    .bind(r.updated_at)
    .bind(r.id.as_str())
    .bind(r.version - 1)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores (or replaces) a document shown at step 3. Its content is stored once however many
/// renewals show it (the general conditions are one PDF per language).
pub async fn put_document(c: &mut Conn, d: &DocumentRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO document_blobs (sha256, pdf) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&d.sha256)
    .bind(&d.pdf)
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "INSERT INTO renewal_documents (renewal_id, name, lang, sha256, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (renewal_id, name) DO UPDATE \
         SET lang = excluded.lang, sha256 = excluded.sha256, created_at = excluded.created_at",
    )
    .bind(d.renewal_id.as_str())
    .bind(&d.name)
    .bind(&d.lang)
    .bind(&d.sha256)
    .bind(d.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A stored document.
pub async fn document(
    c: &mut Conn,
    renewal_id: &RenewalId,
    name: &str,
) -> Result<Option<DocumentRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT d.renewal_id, d.name, d.lang, d.sha256, b.pdf, d.created_at \
         FROM renewal_documents d JOIN document_blobs b ON b.sha256 = d.sha256 \
         WHERE d.renewal_id = $1 AND d.name = $2",
    )
    .bind(renewal_id.as_str())
    .bind(name)
    .fetch_optional(c)
    .await?)
}

/// Stores the signed renewal form (step 4's evidence); `lta_until`: when the certificate of
/// the unit that made its last document time-stamp ends (None: no document time-stamp).
pub async fn put_signed_form(
    c: &mut Conn,
    renewal_id: &RenewalId,
    pdf: &[u8],
    signed_at: i64,
    lta_until: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO signed_forms (renewal_id, pdf, signed_at, lta_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (renewal_id) DO NOTHING",
    )
    .bind(renewal_id.as_str())
    .bind(pdf)
    .bind(signed_at)
    .bind(lta_until)
    .execute(c)
    .await?;
    Ok(())
}

/// Up to `limit` signed forms whose last document time-stamp's unit certificate ends before
/// `before`, soonest first: (renewal id, lta_until).
pub async fn forms_to_restamp(
    c: &mut Conn,
    before: i64,
    limit: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT renewal_id, lta_until FROM signed_forms \
         WHERE lta_until IS NOT NULL AND lta_until < $1 ORDER BY lta_until, renewal_id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Replaces a signed form by its extension (new revisions appended) if its `lta_until` is
/// still `was` (no other instance extended it meanwhile); whether it did.
pub async fn restamp_signed_form(
    c: &mut Conn,
    renewal_id: &str,
    was: i64,
    pdf: &[u8],
    lta_until: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE signed_forms SET pdf = $1, lta_until = $2 WHERE renewal_id = $3 AND lta_until = $4",
    )
    .bind(pdf)
    .bind(lta_until)
    .bind(renewal_id)
    .bind(was)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The signed renewal form of a renewal.
pub async fn signed_form(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT pdf FROM signed_forms WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_optional(c)
            .await?,
    )
}

/// The signed forms of a holder's renewals: (renewal id, signed at), newest first.
pub async fn signed_forms_of_holder(
    c: &mut Conn,
    holder_id: &HolderId,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT f.renewal_id, f.signed_at FROM signed_forms f JOIN renewals r ON r.id = f.renewal_id \
         WHERE r.holder_id = $1 ORDER BY f.signed_at DESC",
    )
    .bind(holder_id.as_str())
    .fetch_all(c)
    .await?)
}

/// Records why a renewal ended (once: a second ending of the same renewal changes nothing).
pub async fn put_ending(c: &mut Conn, e: &EndingRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO renewal_endings (renewal_id, reason, detail, refund_due, ended_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (renewal_id) DO NOTHING",
    )
    .bind(e.renewal_id.as_str())
    .bind(&e.reason)
    .bind(&e.detail)
    .bind(e.refund_due)
    .bind(e.ended_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Why a renewal ended, if it ended without a new certificate.
pub async fn ending(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<EndingRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM renewal_endings WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_optional(c)
            .await?,
    )
}

/// How the last renewal of a certificate ended, if it ended without a new certificate.
pub async fn last_ending_of_certificate(
    c: &mut Conn,
    certificate_id: &CertificateId,
) -> Result<Option<EndingRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT e.* FROM renewal_endings e JOIN renewals r ON r.id = e.renewal_id \
         WHERE r.certificate_id = $1 ORDER BY e.ended_at DESC, r.created_at DESC LIMIT 1",
    )
    .bind(certificate_id.as_str())
    .fetch_optional(c)
    .await?)
}

/// Renewals whose money is to be given back, oldest first.
pub async fn refunds_due(c: &mut Conn) -> Result<Vec<EndingRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM renewal_endings WHERE refund_due = 1 ORDER BY ended_at, renewal_id",
    )
    .fetch_all(c)
    .await?)
}

/// Unfinished renewals whose certificate is no longer active, or expires (or its device does)
/// before `before`: those that may have to end now. Oldest first, `limit` at most.
pub async fn unfinished_near_end(
    c: &mut Conn,
    before: i64,
    limit: i64,
) -> Result<Vec<RenewalRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT r.* FROM renewals r JOIN certificates c ON c.id = r.certificate_id \
         WHERE r.step NOT IN ('completed', 'cancelled') \
         AND (c.status <> 'active' OR c.not_after < $1 OR c.device_expires_at < $1) \
         ORDER BY r.created_at, r.id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// The signature in progress of a renewal, if any.
pub async fn sign_attempt(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<SignAttemptRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM sign_attempts WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_optional(c)
            .await?,
    )
}

/// Records (or takes over) the signature in progress of a renewal.
pub async fn put_sign_attempt(c: &mut Conn, a: &SignAttemptRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_attempts (renewal_id, code_hash, valid_until, held_until) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (renewal_id) DO UPDATE SET \
         code_hash = excluded.code_hash, valid_until = excluded.valid_until, \
         held_until = excluded.held_until",
    )
    .bind(a.renewal_id.as_str())
    .bind(&a.code_hash)
    .bind(a.valid_until)
    .bind(a.held_until)
    .execute(c)
    .await?;
    Ok(())
}

/// Ends the signature in progress of a renewal (its outcome is recorded).
pub async fn clear_sign_attempt(c: &mut Conn, renewal_id: &RenewalId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_attempts WHERE renewal_id = $1")
        .bind(renewal_id.as_str())
        .execute(c)
        .await?;
    Ok(())
}
