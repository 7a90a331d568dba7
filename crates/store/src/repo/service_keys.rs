//! Secrets the service generates once and every instance shares.

use crate::{Conn, StoreError};

/// The secret named `name`; `fresh` is stored first if there is none yet (the first instance
/// to get here wins, the others read its value).
pub async fn get_or_create(
    c: &mut Conn,
    name: &str,
    fresh: &[u8],
    now: i64,
) -> Result<Vec<u8>, StoreError> {
    sqlx::query(
        "INSERT INTO service_keys (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT secret FROM service_keys WHERE name = $1")
            .bind(name)
            .fetch_one(c)
            .await?,
    )
}

/// Forgets the secret named `name` (a software key that moved into a token).
pub async fn remove(c: &mut Conn, name: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM service_keys WHERE name = $1")
        .bind(name)
        .execute(c)
        .await?;
    Ok(())
}
