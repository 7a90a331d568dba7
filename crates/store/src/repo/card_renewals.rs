//! Renewals requested by smart cards: what the card sent, and when it stored the result.

use crate::{CardRenewalRecord, Conn, StoreError};
use rinnova_domain::{CertificateId, RenewalId};

/// Records a card's request. The same old certificate and new key twice is a unique violation.
pub async fn insert(c: &mut Conn, r: &CardRenewalRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO card_renewals (renewal_id, certificate_id, public_key, request, proof, \
         stored_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.renewal_id.as_str())
    .bind(r.certificate_id.as_str())
    .bind(&r.public_key)
    .bind(&r.request)
    .bind(&r.proof)
    .bind(r.stored_at)
    .bind(r.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The request for an old certificate with a given new key, if one was made.
pub async fn by_key(
    c: &mut Conn,
    certificate_id: &CertificateId,
    public_key: &[u8],
) -> Result<Option<CardRenewalRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM card_renewals WHERE certificate_id = $1 AND public_key = $2")
            .bind(certificate_id.as_str())
            .bind(public_key)
            .fetch_optional(c)
            .await?,
    )
}

/// A card renewal by its renewal's id.
pub async fn by_id(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<CardRenewalRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM card_renewals WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_optional(c)
            .await?,
    )
}

/// Records that the card stored the new certificate (the first time only).
pub async fn mark_stored(
    c: &mut Conn,
    renewal_id: &RenewalId,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE card_renewals SET stored_at = $1 WHERE renewal_id = $2 AND stored_at IS NULL",
    )
    .bind(now)
    .bind(renewal_id.as_str())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
