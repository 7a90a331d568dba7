//! Organisation managers (CDRL), staff sessions and approval decisions.

use crate::{ApprovalRecord, CdrlRecord, Conn, RenewalRecord, StaffSessionRecord, StoreError};
use rinnova_domain::RenewalId;

/// Inserts a manager.
pub async fn insert(c: &mut Conn, r: &CdrlRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cdrl_accounts (id, organisation_id, username, password_hash, name, email, \
         created_at, disabled_at, lang) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.organisation_id)
    .bind(&r.username)
    .bind(&r.password_hash)
    .bind(&r.name)
    .bind(&r.email)
    .bind(r.created_at)
    .bind(r.disabled_at)
    .bind(&r.lang)
    .execute(c)
    .await?;
    Ok(())
}

/// Records the language a manager logged in with (their notices use it).
pub async fn set_lang(c: &mut Conn, id: &str, lang: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE cdrl_accounts SET lang = $1 WHERE id = $2 AND lang <> $1")
        .bind(lang)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A manager by login name.
pub async fn by_username(c: &mut Conn, username: &str) -> Result<Option<CdrlRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM cdrl_accounts WHERE username = $1")
            .bind(username)
            .fetch_optional(c)
            .await?,
    )
}

/// A manager by id.
pub async fn by_id(c: &mut Conn, id: &str) -> Result<Option<CdrlRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM cdrl_accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// An organisation's active managers.
pub async fn of_organisation(c: &mut Conn, org: &str) -> Result<Vec<CdrlRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM cdrl_accounts WHERE organisation_id = $1 AND disabled_at IS NULL ORDER BY username",
    )
    .bind(org)
    .fetch_all(c)
    .await?)
}

/// Renewals of an organisation's people waiting for its approval, oldest first.
pub async fn pending(c: &mut Conn, org: &str) -> Result<Vec<RenewalRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT r.* FROM renewals r JOIN holders h ON h.id = r.holder_id \
         WHERE h.organisation_id = $1 AND r.step = 'approval' ORDER BY r.updated_at, r.id",
    )
    .bind(org)
    .fetch_all(c)
    .await?)
}

/// Records a decision. A second decision on the same renewal fails with a unique violation.
pub async fn insert_decision(c: &mut Conn, a: &ApprovalRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO approvals (renewal_id, decided_by, decision, reason, decided_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.renewal_id.as_str())
    .bind(&a.decided_by)
    .bind(&a.decision)
    .bind(&a.reason)
    .bind(a.decided_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The decision on a renewal.
pub async fn decision(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<ApprovalRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM approvals WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_optional(c)
            .await?,
    )
}

/// Opens a staff session.
pub async fn insert_session(c: &mut Conn, s: &StaffSessionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO staff_sessions (id_hash, role, account_id, csrf, lang, created_at, \
         expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&s.id_hash)
    .bind(&s.role)
    .bind(&s.account_id)
    .bind(&s.csrf)
    .bind(&s.lang)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(s.last_seen_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A live staff session, its idle expiry slid forward.
pub async fn session(
    c: &mut Conn,
    id_hash: &[u8],
    now: i64,
    idle: i64,
) -> Result<Option<StaffSessionRecord>, StoreError> {
    let s: Option<StaffSessionRecord> =
        sqlx::query_as("SELECT * FROM staff_sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?;
    if s.is_some() {
        sqlx::query(
            "UPDATE staff_sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3",
        )
        .bind(now)
        .bind(now + idle)
        .bind(id_hash)
        .execute(c)
        .await?;
    }
    Ok(s)
}

/// Ends a staff session.
pub async fn delete_session(c: &mut Conn, id_hash: &[u8]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(c)
        .await?;
    Ok(())
}
