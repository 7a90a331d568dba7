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
