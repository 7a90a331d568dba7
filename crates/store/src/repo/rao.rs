//! Registration-office operators.

use crate::{Conn, RaoRecord, StoreError};

/// Inserts an operator.
pub async fn insert(c: &mut Conn, r: &RaoRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rao_accounts (id, username, password_hash, name, office, created_at, \
         disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&r.id)
    .bind(&r.username)
    .bind(&r.password_hash)
    .bind(&r.name)
    .bind(&r.office)
    .bind(r.created_at)
    .bind(r.disabled_at)
    .execute(c)
    .await?;
    Ok(())
}

/// An operator by login name.
pub async fn by_username(c: &mut Conn, username: &str) -> Result<Option<RaoRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM rao_accounts WHERE username = $1")
            .bind(username)
            .fetch_optional(c)
            .await?,
    )
}

/// An operator by id.
pub async fn by_id(c: &mut Conn, id: &str) -> Result<Option<RaoRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM rao_accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}
