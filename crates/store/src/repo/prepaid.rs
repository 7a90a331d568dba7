//! Prepaid accounts and their ledgers.

use crate::{Conn, PrepaidAccountRecord, PrepaidEntryRecord, StoreError};

/// Inserts an account.
pub async fn insert_account(c: &mut Conn, a: &PrepaidAccountRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO prepaid_accounts (id, user_id, password_hash, name, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&a.id)
    .bind(&a.user_id)
    .bind(&a.password_hash)
    .bind(&a.name)
    .bind(a.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// An account by its login user-id.
pub async fn by_user_id(
    c: &mut Conn,
    user_id: &str,
) -> Result<Option<PrepaidAccountRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM prepaid_accounts WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(c)
            .await?,
    )
}

/// An account by id.
pub async fn by_id(c: &mut Conn, id: &str) -> Result<Option<PrepaidAccountRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM prepaid_accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?,
    )
}

/// An account's ledger, oldest first.
pub async fn entries(
    c: &mut Conn,
    account_id: &str,
) -> Result<Vec<PrepaidEntryRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM prepaid_entries WHERE account_id = $1 ORDER BY seq")
            .bind(account_id)
            .fetch_all(c)
            .await?,
    )
}

/// Appends a ledger line.
pub async fn append(c: &mut Conn, e: &PrepaidEntryRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO prepaid_entries (account_id, purse, movement, amount_cents, renewal_id, note, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&e.account_id)
    .bind(&e.purse)
    .bind(&e.movement)
    .bind(e.amount_cents)
    .bind(&e.renewal_id)
    .bind(&e.note)
    .bind(e.created_at)
    .execute(c)
    .await?;
    Ok(())
}
