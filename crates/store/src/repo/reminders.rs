//! Renewal reminders (SPEC N1): the certificates near expiry and the reminders recorded for
//! them.

use crate::{Conn, StoreError};
use rinnova_domain::{CertificateId, HolderId};

/// What the reminder rule needs of a certificate (no DER: the sweep reads many).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: CertificateId,
    pub holder_id: HolderId,
    pub kind: String,
    pub serial_hex: String,
    pub status: String,
    pub not_after: i64,
    pub device_expires_at: Option<i64>,
    pub renewals_on_device: i64,
}

/// Active certificates expiring in `[from, to)`, by expiry.
pub async fn candidates(c: &mut Conn, from: i64, to: i64) -> Result<Vec<Candidate>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, holder_id, kind, serial_hex, status, not_after, device_expires_at, renewals_on_device \
         FROM certificates WHERE not_after >= $1 AND not_after < $2 AND status = 'active' ORDER BY not_after",
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await?)
}

/// The reminders recorded for active certificates expiring in `[from, to)`.
pub async fn recorded(
    c: &mut Conn,
    from: i64,
    to: i64,
) -> Result<Vec<(CertificateId, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT r.certificate_id, r.reminder FROM certificates c JOIN reminders r ON r.certificate_id = c.id \
         WHERE c.not_after >= $1 AND c.not_after < $2 AND c.status = 'active'",
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await?)
}

/// The reminders recorded for one certificate.
pub async fn of_certificate(
    c: &mut Conn,
    certificate_id: &CertificateId,
) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT reminder FROM reminders WHERE certificate_id = $1")
            .bind(certificate_id.as_str())
            .fetch_all(c)
            .await?,
    )
}

/// Records a reminder unless it is recorded already; true when this call recorded it.
pub async fn record(
    c: &mut Conn,
    certificate_id: &CertificateId,
    reminder: &str,
    now: i64,
    outbox_id: Option<&str>,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO reminders (certificate_id, reminder, recorded_at, outbox_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (certificate_id, reminder) DO NOTHING",
    )
    .bind(certificate_id.as_str())
    .bind(reminder)
    .bind(now)
    .bind(outbox_id)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}
