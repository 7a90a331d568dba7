//! Access recovery (SPEC A2): single-use e-mail links, and request counters for throttling.

use crate::{Conn, StoreError};
use rinnova_domain::HolderId;

/// A recovery in progress.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecoveryRecord {
    pub id: String,
    pub token_hash: Vec<u8>,
    /// `password` or `user_id`.
    pub purpose: String,
    pub holder_id: HolderId,
    pub created_at: i64,
    pub expires_at: i64,
    pub sms_sent_at: Option<i64>,
    pub used_at: Option<i64>,
    pub ip: Option<String>,
}

/// Stores a new recovery.
pub async fn insert(c: &mut Conn, r: &RecoveryRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO recoveries (id, token_hash, purpose, holder_id, created_at, expires_at, sms_sent_at, used_at, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.token_hash)
    .bind(&r.purpose)
    .bind(&r.holder_id)
    .bind(r.created_at)
    .bind(r.expires_at)
    .bind(r.sms_sent_at)
    .bind(r.used_at)
    .bind(&r.ip)
    .execute(c)
    .await?;
    Ok(())
}

/// The unused, unexpired recovery of a link.
pub async fn live(
    c: &mut Conn,
    token_hash: &[u8],
    now: i64,
) -> Result<Option<RecoveryRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM recoveries WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Notes that the SMS code was sent.
pub async fn sms_sent(c: &mut Conn, id: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE recoveries SET sms_sent_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Uses a recovery up; false if it was used meanwhile (a concurrent submit).
pub async fn use_up(c: &mut Conn, id: &str, now: i64) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE recoveries SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Ends every other live recovery of a holder (a newer link replaces older ones).
pub async fn retire_others(
    c: &mut Conn,
    holder_id: &HolderId,
    keep: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE recoveries SET used_at = $1 WHERE holder_id = $2 AND id <> $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(holder_id.as_str())
    .bind(keep)
    .execute(c)
    .await?;
    Ok(())
}

/// Counts one event in `bucket` and returns how many it holds since `since` (this one
/// included); events older than a day are dropped on the way.
pub async fn hit(c: &mut Conn, bucket: &str, now: i64, since: i64) -> Result<i64, StoreError> {
    sqlx::query("DELETE FROM rate_events WHERE bucket = $1 AND at < $2")
        .bind(bucket)
        .bind(now - 86_400)
        .execute(&mut *c)
        .await?;
    sqlx::query("INSERT INTO rate_events (bucket, at) VALUES ($1, $2)")
        .bind(bucket)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM rate_events WHERE bucket = $1 AND at >= $2")
            .bind(bucket)
            .bind(since)
            .fetch_one(c)
            .await?,
    )
}

/// The oldest event of `bucket` since `since` (when a throttle lifts).
pub async fn oldest_since(
    c: &mut Conn,
    bucket: &str,
    since: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT MIN(at) FROM rate_events WHERE bucket = $1 AND at >= $2")
            .bind(bucket)
            .bind(since)
            .fetch_one(c)
            .await?,
    )
}
