//! The shop: promo codes, orders, provider notifications, imported bank entries.

use crate::{BankEntryRecord, Conn, OrderRecord, PromoRecord, StoreError};
use rinnova_domain::RenewalId;

/// Inserts a promo code.
pub async fn insert_promo(c: &mut Conn, p: &PromoRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO promo_codes (code, discount_kind, discount_value, valid_from, valid_until, \
         kind, max_uses, uses, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&p.code)
    .bind(&p.discount_kind)
    .bind(p.discount_value)
    .bind(p.valid_from)
    .bind(p.valid_until)
    .bind(&p.kind)
    .bind(p.max_uses)
    .bind(p.uses)
    .bind(p.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A promo code.
pub async fn promo(c: &mut Conn, code: &str) -> Result<Option<PromoRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM promo_codes WHERE code = $1")
        .bind(code)
        .fetch_optional(c)
        .await?)
}

/// Whether a renewal holds a use of a promo code.
pub async fn promo_held(
    c: &mut Conn,
    code: &str,
    renewal_id: &RenewalId,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM promo_uses WHERE promo_code = $1 AND renewal_id = $2",
    )
    .bind(code)
    .bind(renewal_id.as_str())
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// Reserves one use of a promo code for a renewal, if one is left: the count is raised only
/// while below the code's limit, in one statement, so concurrent orders cannot overdraw it.
/// Returns whether the use was reserved.
pub async fn reserve_promo(
    c: &mut Conn,
    code: &str,
    renewal_id: &RenewalId,
    now: i64,
) -> Result<bool, StoreError> {
    let raised = sqlx::query(
        "UPDATE promo_codes SET uses = uses + 1 \
         WHERE code = $1 AND (max_uses IS NULL OR uses < max_uses)",
    )
    .bind(code)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1;
    if raised {
        sqlx::query(
            "INSERT INTO promo_uses (promo_code, renewal_id, reserved_at) VALUES ($1, $2, $3)",
        )
        .bind(code)
        .bind(renewal_id.as_str())
        .bind(now)
        .execute(c)
        .await?;
    }
    Ok(raised)
}

/// Gives back the promo uses a renewal holds, but that of `keep` (the code it was paid with).
/// Returns the codes given back.
pub async fn release_promos(
    c: &mut Conn,
    renewal_id: &RenewalId,
    keep: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let held: Vec<String> =
        sqlx::query_scalar("SELECT promo_code FROM promo_uses WHERE renewal_id = $1")
            .bind(renewal_id.as_str())
            .fetch_all(&mut *c)
            .await?;
    let mut released = Vec::new();
    for code in held.into_iter().filter(|h| Some(h.as_str()) != keep) {
        sqlx::query("DELETE FROM promo_uses WHERE promo_code = $1 AND renewal_id = $2")
            .bind(&code)
            .bind(renewal_id.as_str())
            .execute(&mut *c)
            .await?;
        sqlx::query("UPDATE promo_codes SET uses = uses - 1 WHERE code = $1 AND uses > 0")
            .bind(&code)
            .execute(&mut *c)
            .await?;
        released.push(code);
    }
    Ok(released)
}

/// Inserts an order.
pub async fn insert_order(c: &mut Conn, o: &OrderRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO orders (id, renewal_id, kind, method, status, net_cents, vat_cents, \
         gross_cents, vat_bp, promo_code, provider, provider_ref, remittance_ref, created_at, \
         updated_at, paid_at, checkout_url, checkout_expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&o.id)
    .bind(o.renewal_id.as_str())
    .bind(&o.kind)
    .bind(&o.method)
    .bind(&o.status)
    .bind(o.net_cents)
    .bind(o.vat_cents)
    .bind(o.gross_cents)
    .bind(o.vat_bp)
    .bind(&o.promo_code)
    .bind(&o.provider)
    .bind(&o.provider_ref)
    .bind(&o.remittance_ref)
    .bind(o.created_at)
    .bind(o.updated_at)
    .bind(o.paid_at)
    .bind(&o.checkout_url)
    .bind(o.checkout_expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// An order by id.
pub async fn order(c: &mut Conn, id: &str) -> Result<Option<OrderRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM orders WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// A renewal's most recent order.
pub async fn last_order(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Option<OrderRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM orders WHERE renewal_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(renewal_id.as_str())
    .fetch_optional(c)
    .await?)
}

/// Bank-transfer orders still awaiting their money.
pub async fn pending_transfers(c: &mut Conn) -> Result<Vec<OrderRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM orders WHERE method = 'bank_transfer' AND status = 'pending' ORDER BY created_at",
    )
    .fetch_all(c)
    .await?)
}

/// Moves an order from one status to another: true if it was in `from`.
pub async fn set_order_status(
    c: &mut Conn,
    id: &str,
    from: &[&str],
    to: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let current: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    let Some(current) = current else {
        return Ok(false);
    };
    if !from.contains(&current.as_str()) {
        return Ok(false);
    }
    let paid_at = (to == "paid").then_some(now);
    let done = sqlx::query(
        "UPDATE orders SET status = $1, updated_at = $2, paid_at = COALESCE($3, paid_at) \
         WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(now)
    .bind(paid_at)
    .bind(id)
    .bind(&current)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the provider reference of an order's checkout, its page and how long it lasts.
pub async fn set_provider_ref(
    c: &mut Conn,
    id: &str,
    provider: &str,
    provider_ref: &str,
    checkout: Option<(&str, i64)>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE orders SET provider = $1, provider_ref = $2, checkout_url = $3, \
         checkout_expires_at = $4 WHERE id = $5",
    )
    .bind(provider)
    .bind(provider_ref)
    .bind(checkout.map(|(u, _)| u))
    .bind(checkout.map(|(_, t)| t))
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Records a provider notification: false if it was seen before.
pub async fn first_event(
    c: &mut Conn,
    event_id: &str,
    order_id: &str,
    outcome: &str,
    now: i64,
) -> Result<bool, StoreError> {
    // ON CONFLICT rather than catching the error: on PostgreSQL a failed statement would
    // abort the whole transaction.
    let done = sqlx::query(
        "INSERT INTO provider_events (event_id, order_id, outcome, received_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(order_id)
    .bind(outcome)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a bank entry was imported before.
pub async fn bank_entry(
    c: &mut Conn,
    entry_ref: &str,
) -> Result<Option<BankEntryRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM bank_entries WHERE entry_ref = $1")
            .bind(entry_ref)
            .fetch_optional(c)
            .await?,
    )
}

/// Records a bank entry and what was done with it.
pub async fn insert_bank_entry(c: &mut Conn, e: &BankEntryRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO bank_entries (entry_ref, amount_cents, currency, booking_date, remittance, \
         debtor, order_id, outcome, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&e.entry_ref)
    .bind(e.amount_cents)
    .bind(&e.currency)
    .bind(&e.booking_date)
    .bind(&e.remittance)
    .bind(&e.debtor)
    .bind(&e.order_id)
    .bind(&e.outcome)
    .bind(e.imported_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The open orders of a renewal (placed, not paid, declined or cancelled), newest first.
pub async fn open_orders(
    c: &mut Conn,
    renewal_id: &RenewalId,
) -> Result<Vec<OrderRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM orders WHERE renewal_id = $1 AND status = 'open' \
         ORDER BY created_at DESC, id DESC",
    )
    .bind(renewal_id.as_str())
    .fetch_all(c)
    .await?)
}

/// Bank-transfer orders no longer awaiting money (paid, cancelled, refund due): a transfer that
/// still names one of them is to be given back.
pub async fn closed_transfers(c: &mut Conn) -> Result<Vec<OrderRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM orders WHERE method = 'bank_transfer' AND status <> 'pending' \
         ORDER BY created_at",
    )
    .fetch_all(c)
    .await?)
}

/// What arrived so far for a pending transfer, in transfers that did not cover it alone.
pub async fn received_for(c: &mut Conn, order_id: &str) -> Result<i64, StoreError> {
    let sum: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(amount_cents) AS BIGINT) FROM bank_entries \
         WHERE order_id = $1 AND outcome = 'underpaid'",
    )
    .bind(order_id)
    .fetch_one(c)
    .await?;
    Ok(sum.unwrap_or(0))
}

/// Orders whose money is to be given back (paid after their renewal was paid another way, or a
/// cancelled transfer that had received some), oldest first.
pub async fn orders_to_refund(c: &mut Conn) -> Result<Vec<OrderRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM orders WHERE status = 'refund_due' ORDER BY updated_at, id")
            .fetch_all(c)
            .await?,
    )
}

/// Bank entries with money to give back on their own: a transfer for an order already paid or
/// cancelled (`refund`), or one that paid more than its order (`overpaid`).
pub async fn entries_to_refund(c: &mut Conn) -> Result<Vec<BankEntryRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM bank_entries WHERE outcome IN ('refund', 'overpaid') \
         ORDER BY imported_at, entry_ref",
    )
    .fetch_all(c)
    .await?)
}

/// What a transfer order received in entries that did not settle it (short or late ones).
pub async fn received_unsettled(c: &mut Conn, order_id: &str) -> Result<i64, StoreError> {
    let sum: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(amount_cents) AS BIGINT) FROM bank_entries \
         WHERE order_id = $1 AND outcome IN ('underpaid', 'late')",
    )
    .bind(order_id)
    .fetch_one(c)
    .await?;
    Ok(sum.unwrap_or(0))
}
