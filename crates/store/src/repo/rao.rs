//! Registration-office operators.

use crate::{Conn, RaoRecord, StoreError};
use rinnova_domain::HolderId;

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

/// Records an identity check.
pub async fn insert_identity_check(
    c: &mut Conn,
    r: &crate::IdentityCheckRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO identity_checks (id, holder_id, rao_id, document_type, document_number, \
         certificate_id, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&r.id)
    .bind(r.holder_id.as_str())
    .bind(&r.rao_id)
    .bind(&r.document_type)
    .bind(&r.document_number)
    .bind(&r.certificate_id)
    .bind(r.checked_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Holders by exact user-id or codice fiscale (upper case).
pub async fn find_holders(
    c: &mut Conn,
    query: &str,
) -> Result<Vec<crate::HolderRecord>, StoreError> {
    Ok(sqlx::query_as(crate::repo::holders::select_holders!(
        "WHERE user_id = $1 OR codice_fiscale = $1 ORDER BY user_id LIMIT 50"
    ))
    .bind(query)
    .fetch_all(c)
    .await?)
}

/// Sets a holder's role data (changed at the desk before a new certificate).
pub async fn set_role(c: &mut Conn, holder_id: &HolderId, role: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE holders SET role_title = $1 WHERE id = $2")
        .bind(role)
        .bind(holder_id.as_str())
        .execute(c)
        .await?;
    Ok(())
}
