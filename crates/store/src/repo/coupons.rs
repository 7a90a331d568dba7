//! Coupon batches and their codes.

use crate::{Conn, CouponBatchRecord, CouponRecord, StoreError};
use rinnova_domain::RenewalId;

/// Inserts a batch and its codes (one transaction is the caller's).
pub async fn insert_batch(
    c: &mut Conn,
    batch: &CouponBatchRecord,
    codes: &[String],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO coupon_batches (id, issuer_kind, issuer_id, kind, expires_at, size, note, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&batch.id)
    .bind(&batch.issuer_kind)
    .bind(&batch.issuer_id)
    .bind(&batch.kind)
    .bind(batch.expires_at)
    .bind(batch.size)
    .bind(&batch.note)
    .bind(&batch.created_by)
    .bind(batch.created_at)
    .execute(&mut *c)
    .await?;
    for code in codes {
        sqlx::query("INSERT INTO coupons (code, batch_id) VALUES ($1, $2)")
            .bind(code)
            .bind(&batch.id)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

const SELECT: &str = "SELECT c.code, c.batch_id, c.used_by, c.used_at, b.issuer_kind, b.issuer_id, \
     b.kind, b.expires_at FROM coupons c JOIN coupon_batches b ON b.id = c.batch_id";

/// A coupon with its batch's terms.
pub async fn by_code(c: &mut Conn, code: &str) -> Result<Option<CouponRecord>, StoreError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.code = $1")))
            .bind(code)
            .fetch_optional(c)
            .await?,
    )
}

/// The coupon a renewal used, if any.
pub async fn used_by(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<CouponRecord>, StoreError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.used_by = $1"
    )))
    .bind(renewal_id.as_str())
    .fetch_optional(c)
    .await?)
}

/// Marks the coupon used by `renewal_id`, only if nobody used it: true if this call did. The
/// condition in the statement, not a prior read, decides, so two concurrent uses cannot both
/// win (and the unique `used_by` stops one renewal from using two coupons).
pub async fn mark_used(
    c: &mut Conn,
    code: &str,
    renewal_id: &RenewalId,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE coupons SET used_by = $1, used_at = $2 WHERE code = $3 AND used_by IS NULL",
    )
    .bind(renewal_id.as_str())
    .bind(now)
    .bind(code)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The codes of a batch, with their use.
pub async fn of_batch(c: &mut Conn, batch_id: &str) -> Result<Vec<CouponRecord>, StoreError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.batch_id = $1 ORDER BY c.code"
    )))
    .bind(batch_id)
    .fetch_all(c)
    .await?)
}
