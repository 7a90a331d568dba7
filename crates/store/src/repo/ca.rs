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

/// A subordinate CA certificate the root issued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubordinateCert {
    pub serial_hex: String,
    pub subject: String,
    pub der: Vec<u8>,
    pub not_after: i64,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub reason: Option<String>,
}

/// Keeps a subordinate certificate (once: the same serial again changes nothing).
pub async fn put_subordinate(c: &mut Conn, s: &SubordinateCert) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO subordinate_certs (serial_hex, subject, der, not_after, issued_at, revoked_at, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (serial_hex) DO NOTHING",
    )
    .bind(&s.serial_hex)
    .bind(&s.subject)
    .bind(&s.der)
    .bind(s.not_after)
    .bind(s.issued_at)
    .bind(s.revoked_at)
    .bind(&s.reason)
    .execute(c)
    .await?;
    Ok(())
}

/// Every subordinate certificate, oldest first.
pub async fn subordinates(c: &mut Conn) -> Result<Vec<SubordinateCert>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM subordinate_certs ORDER BY issued_at, serial_hex")
            .fetch_all(c)
            .await?,
    )
}

/// Marks a subordinate revoked unless it is already; says whether it was marked.
pub async fn revoke_subordinate(
    c: &mut Conn,
    serial_hex: &str,
    at: i64,
    reason: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE subordinate_certs SET revoked_at = $2, reason = $3 \
         WHERE serial_hex = $1 AND revoked_at IS NULL",
    )
    .bind(serial_hex)
    .bind(at)
    .bind(reason)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A root CRL.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RootCrl {
    pub number: i64,
    pub der: Vec<u8>,
    pub this_update: i64,
    pub next_update: i64,
}

/// The newest root CRL, if one was issued.
pub async fn latest_root_crl(c: &mut Conn) -> Result<Option<RootCrl>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM root_crls ORDER BY number DESC LIMIT 1")
            .fetch_optional(c)
            .await?,
    )
}

/// Keeps a root CRL; its number must be new.
pub async fn put_root_crl(c: &mut Conn, r: &RootCrl) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO root_crls (number, der, this_update, next_update) VALUES ($1, $2, $3, $4)",
    )
    .bind(r.number)
    .bind(&r.der)
    .bind(r.this_update)
    .bind(r.next_update)
    .execute(c)
    .await?;
    Ok(())
}
