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

/// A delegated OCSP responder's certificate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponderCert {
    pub serial_hex: String,
    pub der: Vec<u8>,
    pub public_key: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub created_at: i64,
}

/// The responder certificate for `public_key` that stays valid longest, if any.
pub async fn responder_cert(
    c: &mut Conn,
    public_key: &[u8],
) -> Result<Option<ResponderCert>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM ocsp_responder_certs WHERE public_key = $1 \
         ORDER BY not_after DESC LIMIT 1",
    )
    .bind(public_key)
    .fetch_optional(c)
    .await?)
}

/// Keeps a responder certificate.
pub async fn put_responder_cert(c: &mut Conn, r: &ResponderCert) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ocsp_responder_certs (serial_hex, der, public_key, not_before, not_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.serial_hex)
    .bind(&r.der)
    .bind(&r.public_key)
    .bind(r.not_before)
    .bind(r.not_after)
    .bind(r.created_at)
    .execute(c)
    .await?;
    Ok(())
}
