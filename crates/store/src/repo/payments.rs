//! The payment of each renewal: one row per renewal, so nothing is paid twice.

use crate::{Conn, PaymentRecord, StoreError};
use rinnova_domain::RenewalId;

/// Records a payment. A second payment of the same renewal fails with a unique violation.
pub async fn insert(c: &mut Conn, p: &PaymentRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payments (renewal_id, method, status, amount_cents, reference, created_at, \
         settled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.renewal_id.as_str())
    .bind(&p.method)
    .bind(&p.status)
    .bind(p.amount_cents)
    .bind(&p.reference)
    .bind(p.created_at)
    .bind(p.settled_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The payment of a renewal.
pub async fn of_renewal(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<PaymentRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM payments WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_optional(c)
            .await?,
    )
}

/// Settles a pending payment: true if this call did.
pub async fn settle(c: &mut Conn, renewal_id: &RenewalId, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payments SET status = 'settled', settled_at = $1 WHERE renewal_id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(renewal_id.as_str())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A prepaid reservation becomes a settled payment (the certificate was issued).
pub async fn settle_reserved(
    c: &mut Conn,
    renewal_id: &RenewalId,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payments SET status = 'settled', settled_at = $1 WHERE renewal_id = $2 AND status = 'reserved'",
    )
    .bind(now)
    .bind(renewal_id.as_str())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A prepaid reservation given back (the renewal ended without a certificate).
pub async fn release_reserved(c: &mut Conn, renewal_id: &RenewalId) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payments SET status = 'released' WHERE renewal_id = $1 AND status = 'reserved'",
    )
    .bind(renewal_id.as_str())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a pending bank transfer's payment (staff cancelled its order): the renewal may be
/// paid another way. Returns whether one was removed.
pub async fn cancel_pending(
    c: &mut Conn,
    renewal_id: &RenewalId,
    reference: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "DELETE FROM payments WHERE renewal_id = $1 AND status = 'pending' AND reference = $2",
    )
    .bind(renewal_id.as_str())
    .bind(reference)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}
