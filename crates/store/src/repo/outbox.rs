//! The transactional outbox of SMS and e-mail.

use crate::{Conn, OutboxRecord, StoreError};
use rinnova_domain::HolderId;

/// Queues a message (inside the caller's transaction).
pub async fn push(c: &mut Conn, m: &OutboxRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, holder_id, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error, html) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&m.id)
    .bind(&m.channel)
    .bind(&m.recipient)
    .bind(&m.holder_id)
    .bind(&m.subject)
    .bind(&m.body)
    .bind(m.created_at)
    .bind(m.attempts)
    .bind(m.next_attempt_at)
    .bind(m.sent_at)
    .bind(&m.last_error)
    .bind(&m.html)
    .execute(c)
    .await?;
    Ok(())
}

/// Claims up to `limit` due messages of `channel` (oldest first) with a lease: their next
/// attempt moves to `lease_until`, so another worker (or instance) does not take them
/// meanwhile; a crashed worker's claim expires. One statement; the caller's write transaction
/// keeps two claimers from reading the same due rows.
pub async fn claim_due_batch(
    c: &mut Conn,
    channel: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<OutboxRecord>, StoreError> {
    let mut claimed: Vec<OutboxRecord> = sqlx::query_as(
        "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM outbox WHERE channel = $2 AND sent_at IS NULL AND gave_up_at IS NULL \
          AND next_attempt_at <= $3 ORDER BY next_attempt_at, seq LIMIT $4) \
         RETURNING *",
    )
    .bind(lease_until)
    .bind(channel)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    claimed.sort_by_key(|m| m.seq);
    Ok(claimed)
}

/// Marks messages delivered, in one statement.
pub async fn mark_sent(c: &mut Conn, ids: &[String], now: i64) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    // `$2, $3, …`: numbered placeholders, which both backends read.
    let list: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id IN ({})",
        list.join(", ")
    );
    // Not kept prepared: one text per batch size would crowd the connection's statement cache.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(now);
    for id in ids {
        q = q.bind(id);
    }
    q.execute(c).await?;
    Ok(())
}

/// Keeps claimed messages reserved until `until` (their sends are still under way).
pub async fn extend_lease(c: &mut Conn, ids: &[String], until: i64) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id IN ({}) \
         AND sent_at IS NULL AND gave_up_at IS NULL",
        marks.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(until);
    for id in ids {
        q = q.bind(id);
    }
    q.execute(c).await?;
    Ok(())
}

/// Schedules a retry after a failed delivery.
/// Replaces a message's text and HTML part (a delivered SMS keeps its text without the code
/// it carried, a delivered e-mail without the one-time link).
pub async fn redact_body(
    c: &mut Conn,
    id: &str,
    body: &str,
    html: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET body = $1, html = $2 WHERE id = $3")
        .bind(body)
        .bind(html)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn mark_failed(
    c: &mut Conn,
    id: &str,
    error: &str,
    retry_at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Abandons a message: the server refused it for good, or it failed too many times.
pub async fn give_up(c: &mut Conn, id: &str, error: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET last_error = $1, gave_up_at = $2 WHERE id = $3")
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// The newest messages, optionally of one holder (demo outbox page).
pub async fn recent(
    c: &mut Conn,
    holder_id: Option<&HolderId>,
    limit: i64,
) -> Result<Vec<OutboxRecord>, StoreError> {
    Ok(match holder_id {
        Some(h) => {
            sqlx::query_as("SELECT * FROM outbox WHERE holder_id = $1 ORDER BY seq DESC LIMIT $2")
                .bind(h)
                .bind(limit)
                .fetch_all(c)
                .await?
        }
        None => {
            sqlx::query_as("SELECT * FROM outbox ORDER BY seq DESC LIMIT $1")
                .bind(limit)
                .fetch_all(c)
                .await?
        }
    })
}

/// The newest messages of the holder with login `user_id` (demo outbox page), in one statement.
pub async fn recent_of_user(
    c: &mut Conn,
    user_id: &str,
    limit: i64,
) -> Result<Vec<OutboxRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT o.* FROM outbox o JOIN holders h ON h.id = o.holder_id \
         WHERE h.user_id = $1 ORDER BY o.seq DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Messages waiting to be delivered, per channel (the queue depth in `/metrics`).
pub async fn pending_by_channel(c: &mut Conn) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT channel, COUNT(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL \
         GROUP BY channel ORDER BY channel",
    )
    .fetch_all(c)
    .await?)
}

/// Whether a message was delivered (`None`: there is no such message).
pub async fn delivered(c: &mut Conn, id: &str) -> Result<Option<bool>, StoreError> {
    let row: Option<Option<i64>> = sqlx::query_scalar("SELECT sent_at FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?;
    Ok(row.map(|sent| sent.is_some()))
}
