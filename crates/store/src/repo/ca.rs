//! The CA's persisted material (JSON of certificates and sealed keys).

use crate::{Conn, StoreError};

/// The stored material, if the CA was initialised.
pub async fn get(c: &mut Conn) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT material FROM ca_material WHERE id = 1")
            .fetch_optional(c)
            .await?,
    )
}

/// Stores the material once; a second CA init on the same database is refused by the key.
pub async fn put(c: &mut Conn, material_json: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO ca_material (id, material, created_at) VALUES (1, $1, $2)")
        .bind(material_json)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Replaces the material (`rinnova keys migrate`: the same certificates, the keys now in
/// tokens).
pub async fn replace(c: &mut Conn, material_json: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE ca_material SET material = $1 WHERE id = 1")
        .bind(material_json)
        .execute(c)
        .await?;
    Ok(())
}

/// A delegate's certificate (issue 20: the OCSP responder's, the audit seal's).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DelegateCert {
    pub serial_hex: String,
    /// `ocsp-responder` or `audit-seal`.
    pub purpose: String,
    pub der: Vec<u8>,
    pub public_key: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub created_at: i64,
}

/// The certificate for `purpose` and `public_key` that stays valid longest, if any.
pub async fn delegate_cert(
    c: &mut Conn,
    purpose: &str,
    public_key: &[u8],
) -> Result<Option<DelegateCert>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM delegate_certs WHERE purpose = $1 AND public_key = $2 \
         ORDER BY not_after DESC LIMIT 1",
    )
    .bind(purpose)
    .bind(public_key)
    .fetch_optional(c)
    .await?)
}

/// Every delegate certificate, newest first.
pub async fn delegate_certs(c: &mut Conn) -> Result<Vec<DelegateCert>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM delegate_certs ORDER BY not_before DESC, serial_hex")
            .fetch_all(c)
            .await?,
    )
}

/// The delegate certificate with serial `serial_hex`, if kept.
pub async fn delegate_cert_by_serial(
    c: &mut Conn,
    serial_hex: &str,
) -> Result<Option<DelegateCert>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM delegate_certs WHERE serial_hex = $1")
            .bind(serial_hex)
            .fetch_optional(c)
            .await?,
    )
}

/// Keeps a delegate certificate.
pub async fn put_delegate_cert(c: &mut Conn, r: &DelegateCert) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO delegate_certs (serial_hex, purpose, der, public_key, not_before, not_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&r.serial_hex)
    .bind(&r.purpose)
    .bind(&r.der)
    .bind(&r.public_key)
    .bind(r.not_before)
    .bind(r.not_after)
    .bind(r.created_at)
    .execute(c)
    .await?;
    Ok(())
}
