//! Issued certificates.

use crate::{CertificateRecord, Conn, StoreError};
use rinnova_domain::{CertificateId, HolderId};

/// Inserts a certificate.
pub async fn insert(c: &mut Conn, r: &CertificateRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO certificates (id, holder_id, credential_id, kind, serial_hex, der, not_before, not_after, \
         status, superseded_by, status_changed_at, device_expires_at, renewals_on_device, created_at, \
         distributor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(r.id.as_str())
    .bind(r.holder_id.as_str())
    .bind(&r.credential_id)
    .bind(&r.kind)
    .bind(&r.serial_hex)
    .bind(&r.der)
    .bind(r.not_before)
    .bind(r.not_after)
    .bind(&r.status)
    .bind(&r.superseded_by)
    .bind(r.status_changed_at)
    .bind(r.device_expires_at)
    .bind(r.renewals_on_device)
    .bind(r.created_at)
    .bind(&r.distributor_id)
    .execute(c)
    .await?;
    Ok(())
}

/// Columns of a certificate row.
const COLUMNS: usize = 15;
/// Rows per statement in [`insert_many`]: 15 parameters each, well under SQLite's and
/// PostgreSQL's limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 64;

/// Inserts many certificates with multi-row statements, in the caller's transaction: the group
/// commit of a batch issuance costs one commit and a few statements, not one of each per
/// certificate.
pub async fn insert_many(c: &mut Conn, rows: &[CertificateRecord]) -> Result<(), StoreError> {
    // SQLite resolves a numbered parameter by a linear search of the statement's names, so
    // a long statement binds in quadratic time; its anonymous `?` binds in order instead.
    let anonymous = c.backend_name() == "SQLite";
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO certificates (id, holder_id, credential_id, kind, serial_hex, der, not_before, not_after, \
             status, superseded_by, status_changed_at, device_expires_at, renewals_on_device, created_at, \
             distributor_id) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for col in 1..=COLUMNS {
                if col > 1 {
                    sql.push_str(", ");
                }
                if anonymous {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&(i * COLUMNS + col).to_string());
                }
            }
            sql.push(')');
        }
        // Only placeholders are generated here; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.id.as_str())
                .bind(r.holder_id.as_str())
                .bind(&r.credential_id)
                .bind(&r.kind)
                .bind(&r.serial_hex)
                .bind(&r.der)
                .bind(r.not_before)
                .bind(r.not_after)
                .bind(&r.status)
                .bind(&r.superseded_by)
                .bind(r.status_changed_at)
                .bind(r.device_expires_at)
                .bind(r.renewals_on_device)
                .bind(r.created_at)
                .bind(&r.distributor_id);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// A certificate by id.
pub async fn by_id(
    c: &mut Conn,
    id: &CertificateId,
) -> Result<Option<CertificateRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM certificates WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c)
        .await?)
}

/// A holder's certificates, newest expiry first.
pub async fn of_holder(
    c: &mut Conn,
    holder_id: &HolderId,
) -> Result<Vec<CertificateRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM certificates WHERE holder_id = $1 ORDER BY not_after DESC, id",
    )
    .bind(holder_id.as_str())
    .fetch_all(c)
    .await?)
}

/// Marks `id` superseded by `new_id`, if it is still active. Returns whether it changed.
pub async fn supersede(
    c: &mut Conn,
    id: &CertificateId,
    new_id: &CertificateId,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE certificates SET status = 'superseded', superseded_by = $1, status_changed_at = $2 \
         WHERE id = $3 AND status = 'active'",
    )
    .bind(new_id.as_str())
    .bind(now)
    .bind(id.as_str())
    .execute(&mut *c)
    .await?;
    // Superseded counts as revoked (reason "superseded"): the CRL must be issued again.
    crate::repo::revocation::mark_stale(c).await?;
    Ok(done.rows_affected() == 1)
}

impl CertificateRecord {
    /// This certificate as [`supersede`] leaves it (for a caller that superseded it and goes
    /// on without reading it back).
    pub fn superseded(self, new_id: &CertificateId, now: i64) -> CertificateRecord {
        CertificateRecord {
            status: "superseded".into(),
            superseded_by: Some(new_id.clone()),
            status_changed_at: Some(now),
            ..self
        }
    }
}

/// A certificate by serial (lower-case hex).
pub async fn by_serial(
    c: &mut Conn,
    serial_hex: &str,
) -> Result<Option<CertificateRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM certificates WHERE serial_hex = $1")
            .bind(serial_hex)
            .fetch_optional(c)
            .await?,
    )
}

/// Counts certificates (benchmarks, tests).
pub async fn count(c: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(c)
        .await?)
}

/// The certificate that `id` superseded (the one it renewed), if any.
pub async fn renewed_by(
    c: &mut Conn,
    id: &CertificateId,
) -> Result<Option<CertificateRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM certificates WHERE superseded_by = $1")
            .bind(id.as_str())
            .fetch_optional(c)
            .await?,
    )
}
