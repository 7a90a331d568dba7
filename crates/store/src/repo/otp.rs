//! SMS code challenges.

use crate::{Conn, OtpRecord, StoreError};
use rinnova_domain::HolderId;

/// The live challenge of a holder for a purpose.
pub async fn get(
    c: &mut Conn,
    holder_id: &HolderId,
    purpose: &str,
) -> Result<Option<OtpRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM otp_challenges WHERE holder_id = $1 AND purpose = $2")
            .bind(holder_id.as_str())
            .bind(purpose)
            .fetch_optional(c)
            .await?,
    )
}

/// Inserts or replaces the challenge of (holder, purpose). A replaced row keeps its
/// `created_at` (when the holder first asked for a code for this purpose).
pub async fn put(c: &mut Conn, r: &OtpRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO otp_challenges (id, holder_id, purpose, code_hash, expires_at, attempts, sends, last_sent_at, consumed, created_at, message_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (holder_id, purpose) DO UPDATE SET id = excluded.id, code_hash = excluded.code_hash, \
         expires_at = excluded.expires_at, attempts = excluded.attempts, sends = excluded.sends, \
         last_sent_at = excluded.last_sent_at, consumed = excluded.consumed, message_id = excluded.message_id",
    )
    .bind(&r.id)
    .bind(r.holder_id.as_str())
    .bind(&r.purpose)
    .bind(&r.code_hash)
    .bind(r.expires_at)
    .bind(r.attempts)
    .bind(r.sends)
    .bind(r.last_sent_at)
    .bind(r.consumed)
    .bind(r.created_at)
    .bind(&r.message_id)
    .execute(c)
    .await?;
    Ok(())
}

/// Records an attempt's outcome.
pub async fn record_attempt(
    c: &mut Conn,
    id: &str,
    attempts: i64,
    consumed: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE otp_challenges SET attempts = $1, consumed = $2 WHERE id = $3")
        .bind(attempts)
        .bind(consumed)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}
