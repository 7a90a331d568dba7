//! Login sessions and login failures.

use crate::{Conn, SessionRecord, StoreError};
use rinnova_domain::HolderId;

/// Inserts a session.
pub async fn insert(c: &mut Conn, s: &SessionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, holder_id, kind, csrf, lang, created_at, expires_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&s.id_hash)
    .bind(s.holder_id.as_str())
    .bind(&s.kind)
    .bind(&s.csrf)
    .bind(&s.lang)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(s.last_seen_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A live session by the hash of its token.
pub async fn get(
    c: &mut Conn,
    id_hash: &[u8],
    now: i64,
) -> Result<Option<SessionRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now)
            .fetch_optional(c)
            .await?,
    )
}

/// A live session with its holder's user id, in one statement (read on every request).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionWithUser {
    #[sqlx(flatten)]
    pub session: SessionRecord,
    pub user_id: String,
}

/// [`get`] joined with the holder's user id.
pub async fn get_with_user(
    c: &mut Conn,
    id_hash: &[u8],
    now: i64,
) -> Result<Option<SessionWithUser>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT s.*, h.user_id FROM sessions s JOIN holders h ON h.id = s.holder_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Slides a session's idle expiry.
pub async fn touch(
    c: &mut Conn,
    id_hash: &[u8],
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(now)
        .bind(expires_at)
        .bind(id_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// Sets a session's language.
pub async fn set_lang(c: &mut Conn, id_hash: &[u8], lang: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET lang = $1 WHERE id_hash = $2")
        .bind(lang)
        .bind(id_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete(c: &mut Conn, id_hash: &[u8]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes expired sessions.
pub async fn purge_expired(c: &mut Conn, now: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(c)
        .await?
        .rows_affected())
}

/// Failures counted against `key` and `other` (user-ids or client addresses): (key, failures,
/// last failure), both in one statement.
pub async fn login_failures(
    c: &mut Conn,
    key: &str,
    other: Option<&str>,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT user_id, failures, last_at FROM login_failures WHERE user_id = $1 OR user_id = $2",
    )
    .bind(key)
    .bind(other.unwrap_or(key))
    .fetch_all(c)
    .await?)
}

/// Records a failed login for `key` (a user-id, or a client address); failures older than
/// `since` are forgotten, so a lock lifts with time and the count restarts.
pub async fn login_failed(c: &mut Conn, key: &str, now: i64, since: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_failures (user_id, failures, last_at) VALUES ($1, 1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET failures = CASE WHEN login_failures.last_at < $3 THEN 1 \
         ELSE login_failures.failures + 1 END, last_at = $2",
    )
    .bind(key)
    .bind(now)
    .bind(since)
    .execute(c)
    .await?;
    Ok(())
}

/// Clears failures after a successful login.
pub async fn login_succeeded(c: &mut Conn, user_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends every session of a holder (after a password reset); returns how many.
pub async fn delete_of_holder(c: &mut Conn, holder_id: &HolderId) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE holder_id = $1")
        .bind(holder_id.as_str())
        .execute(c)
        .await?
        .rows_affected())
}
