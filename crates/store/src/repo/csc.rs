//! The CSC API's records (issue 22): registered signing applications, their access tokens,
//! and signature activation data.

use crate::{Conn, StoreError};

/// A registered signing application.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRecord {
    pub id: String,
    pub name: String,
    pub secret_hash: Vec<u8>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A signature activation data, as stored (see migration 0030).
#[derive(Clone, sqlx::FromRow)]
pub struct SadRecord {
    pub id: Vec<u8>,
    pub credential_id: String,
    pub holder_id: String,
    pub client_id: Option<String>,
    pub hash_algo: String,
    /// The digests still signable, one after the other (all of `hash_algo`'s length).
    pub digests: Vec<u8>,
    pub remaining: i64,
    pub pin_sealed: Vec<u8>,
    pub expires_at: i64,
    pub created_at: i64,
}

impl std::fmt::Debug for SadRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SadRecord")
            .field("credential_id", &self.credential_id)
            .field("remaining", &self.remaining)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Registers a client. Fails if the name is taken.
pub async fn insert_client(c: &mut Conn, r: &ClientRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO csc_clients (id, name, secret_hash, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&r.id)
    .bind(&r.name)
    .bind(&r.secret_hash)
    .bind(r.created_at)
    .bind(r.revoked_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A client by id.
pub async fn client(c: &mut Conn, id: &str) -> Result<Option<ClientRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM csc_clients WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// Every client, by name.
pub async fn clients(c: &mut Conn) -> Result<Vec<ClientRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM csc_clients ORDER BY name")
        .fetch_all(c)
        .await?)
}

/// Revokes a client by name and ends its tokens. Returns whether it was live.
pub async fn revoke_client(c: &mut Conn, name: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE csc_clients SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(name)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1;
    sqlx::query(
        "DELETE FROM csc_client_tokens WHERE client_id IN \
         (SELECT id FROM csc_clients WHERE name = $1)",
    )
    .bind(name)
    .execute(c)
    .await?;
    Ok(done)
}

/// Stores a client's access token (its hash); forgets the expired ones.
pub async fn insert_client_token(
    c: &mut Conn,
    token_hash: &[u8],
    client_id: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM csc_client_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO csc_client_tokens (token_hash, client_id, expires_at, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(client_id)
    .bind(expires_at)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// The live client an unexpired token was given to.
pub async fn client_of_token(
    c: &mut Conn,
    token_hash: &[u8],
    now: i64,
) -> Result<Option<ClientRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT k.* FROM csc_client_tokens t JOIN csc_clients k ON k.id = t.client_id \
         WHERE t.token_hash = $1 AND t.expires_at > $2 AND k.revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Ends a client's token. Returns whether there was one.
pub async fn delete_client_token(c: &mut Conn, token_hash: &[u8]) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("DELETE FROM csc_client_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(c)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Stores a new SAD; forgets those expired before `forget_before`.
pub async fn insert_sad(c: &mut Conn, r: &SadRecord, forget_before: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM csc_sads WHERE expires_at < $1")
        .bind(forget_before)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO csc_sads (id, credential_id, holder_id, client_id, hash_algo, digests, \
         remaining, pin_sealed, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&r.id)
    .bind(&r.credential_id)
    .bind(&r.holder_id)
    .bind(&r.client_id)
    .bind(&r.hash_algo)
    .bind(&r.digests)
    .bind(r.remaining)
    .bind(&r.pin_sealed)
    .bind(r.expires_at)
    .bind(r.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A SAD by its hash.
pub async fn sad(c: &mut Conn, id: &[u8]) -> Result<Option<SadRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM csc_sads WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// Spends part of a SAD, if it is still as `old` was read and unexpired: what is left is
/// stored, or the SAD removed when nothing is. Returns whether this call spent it (two
/// requests with one SAD: one wins).
pub async fn spend_sad(
    c: &mut Conn,
    old: &SadRecord,
    digests_left: &[u8],
    remaining: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = if remaining <= 0 || digests_left.is_empty() {
        sqlx::query(
            "DELETE FROM csc_sads WHERE id = $1 AND digests = $2 AND remaining = $3 \
             AND expires_at > $4",
        )
        .bind(&old.id)
        .bind(&old.digests)
        .bind(old.remaining)
        .bind(now)
        .execute(c)
        .await?
    } else {
        sqlx::query(
            "UPDATE csc_sads SET digests = $1, remaining = $2 WHERE id = $3 AND digests = $4 \
             AND remaining = $5 AND expires_at > $6",
        )
        .bind(digests_left)
        .bind(remaining)
        .bind(&old.id)
        .bind(&old.digests)
        .bind(old.remaining)
        .bind(now)
        .execute(c)
        .await?
    };
    Ok(done.rows_affected() == 1)
}

/// Replaces a SAD by a new one with the same scope and a later expiry
/// (`credentials/extendTransaction`), if it is still as `old` was read and unexpired.
pub async fn extend_sad(
    c: &mut Conn,
    old: &SadRecord,
    new: &SadRecord,
    now: i64,
) -> Result<bool, StoreError> {
    let gone = sqlx::query(
        "DELETE FROM csc_sads WHERE id = $1 AND digests = $2 AND remaining = $3 \
         AND expires_at > $4",
    )
    .bind(&old.id)
    .bind(&old.digests)
    .bind(old.remaining)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1;
    if gone {
        insert_sad(c, new, now).await?;
    }
    Ok(gone)
}

/// Voids every SAD of a credential (blocked, retired).
pub async fn void_sads_of(c: &mut Conn, credential_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM csc_sads WHERE credential_id = $1")
        .bind(credential_id)
        .execute(c)
        .await?;
    Ok(())
}
