//! The audit trail (append-only; chaining and signing come with the trust-services work).

use crate::{AuditRecord, Conn, StoreError};

/// One entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAudit<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub detail: Option<String>,
}

/// Appends an entry.
pub async fn append(c: &mut Conn, a: &NewAudit<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (at, actor, action, subject, ip, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.at)
    .bind(a.actor)
    .bind(a.action)
    .bind(a.subject)
    .bind(a.ip)
    .bind(a.request_id)
    .bind(&a.detail)
    .execute(c)
    .await?;
    Ok(())
}

/// Entries about a subject (e.g. a renewal id), oldest first.
pub async fn about(c: &mut Conn, subject: &str) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit WHERE subject = $1 ORDER BY seq")
            .bind(subject)
            .fetch_all(c)
            .await?,
    )
}

/// Entries by actor, oldest first.
pub async fn by_actor(c: &mut Conn, actor: &str) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit WHERE actor = $1 ORDER BY seq")
            .bind(actor)
            .fetch_all(c)
            .await?,
    )
}
