//! Payroll charges of organisation-paid certificates.

use crate::{Conn, PayrollChargeRecord, PayrollLine, StoreError};

/// Records a charge (once per reference: a repeat is ignored).
pub async fn charge(c: &mut Conn, p: &PayrollChargeRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payroll_charges (reference, origin, organisation_id, holder_id, kind, net_cents, \
         vat_cents, gross_cents, charged_at, exported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(&p.reference)
    .bind(&p.origin)
    .bind(&p.organisation_id)
    .bind(p.holder_id.as_str())
    .bind(&p.kind)
    .bind(p.net_cents)
    .bind(p.vat_cents)
    .bind(p.gross_cents)
    .bind(p.charged_at)
    .bind(p.exported_at)
    .execute(c)
    .await?;
    Ok(())
}

/// An organisation's charges in `[from, until)`, oldest first.
pub async fn lines(
    c: &mut Conn,
    organisation_id: &str,
    from: i64,
    until: i64,
) -> Result<Vec<PayrollLine>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT p.reference, p.origin, p.charged_at, h.surname, h.given_name, h.codice_fiscale, h.iut, \
         p.kind, p.net_cents, p.vat_cents, p.gross_cents \
         FROM payroll_charges p JOIN holders h ON h.id = p.holder_id \
         WHERE p.organisation_id = $1 AND p.charged_at >= $2 AND p.charged_at < $3 \
         ORDER BY p.charged_at, p.reference",
    )
    .bind(organisation_id)
    .bind(from)
    .bind(until)
    .fetch_all(c)
    .await?)
}

/// Marks charges as exported.
pub async fn mark_exported(
    c: &mut Conn,
    organisation_id: &str,
    from: i64,
    until: i64,
    now: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE payroll_charges SET exported_at = $1 WHERE organisation_id = $2 \
         AND charged_at >= $3 AND charged_at < $4 AND exported_at IS NULL",
    )
    .bind(now)
    .bind(organisation_id)
    .bind(from)
    .bind(until)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}
