//! Revocation status (SPEC X1): which certificates are revoked, and the current CRL.

use crate::{Conn, StoreError};

/// A certificate that is not (or no longer) good.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevokedRow {
    pub serial_hex: String,
    /// `superseded`, `revoked` or `suspended`.
    pub status: String,
    pub status_changed_at: Option<i64>,
    pub revocation_reason: Option<String>,
}

/// Every unexpired certificate that is not active.
pub async fn revoked(c: &mut Conn, now: i64) -> Result<Vec<RevokedRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT serial_hex, status, status_changed_at, revocation_reason FROM certificates \
         WHERE status <> 'active' AND not_after > $1 ORDER BY status_changed_at, serial_hex",
    )
    .bind(now)
    .fetch_all(c)
    .await?)
}

/// The status of one serial, if it is ours.
pub async fn status_of(c: &mut Conn, serial_hex: &str) -> Result<Option<RevokedRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT serial_hex, status, status_changed_at, revocation_reason FROM certificates WHERE serial_hex = $1",
    )
    .bind(serial_hex)
    .fetch_optional(c)
    .await?)
}

/// Revokes a certificate (active, suspended or superseded) for `reason`; false if there is
/// no such certificate or it is revoked already.
pub async fn revoke(
    c: &mut Conn,
    serial_hex: &str,
    reason: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE certificates SET status = 'revoked', revocation_reason = $1, status_changed_at = $2 \
         WHERE serial_hex = $3 AND status <> 'revoked'",
    )
    .bind(reason)
    .bind(now)
    .bind(serial_hex)
    .execute(&mut *c)
    .await?;
    mark_stale(c).await?;
    Ok(r.rows_affected() == 1)
}

/// Marks the stored CRL out of date (a certificate's status changed).
pub async fn mark_stale(c: &mut Conn) -> Result<(), StoreError> {
    sqlx::query("UPDATE crl_state SET stale = 1 WHERE id = 1")
        .execute(c)
        .await?;
    Ok(())
}

/// The stored CRL.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CrlRow {
    pub number: i64,
    pub this_update: i64,
    pub next_update: i64,
    pub der: Vec<u8>,
    pub stale: i64,
}

pub async fn crl(c: &mut Conn) -> Result<Option<CrlRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT number, this_update, next_update, der, stale FROM crl_state WHERE id = 1",
    )
    .fetch_optional(c)
    .await?)
}

/// Stores a new CRL.
pub async fn put_crl(c: &mut Conn, r: &CrlRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO crl_state (id, number, this_update, next_update, der, stale) VALUES (1, $1, $2, $3, $4, 0) \
         ON CONFLICT (id) DO UPDATE SET number = $1, this_update = $2, next_update = $3, der = $4, stale = 0",
    )
    .bind(r.number)
    .bind(r.this_update)
    .bind(r.next_update)
    .bind(&r.der)
    .execute(c)
    .await?;
    Ok(())
}
