//! Holders, their organisations, tokens and remote-signature credentials.

use crate::{Conn, CredentialRecord, HolderRecord, OrganisationRecord, StoreError, TokenRecord};
use rinnova_domain::{CredentialId, HolderId};

/// Inserts an organisation.
pub async fn insert_organisation(c: &mut Conn, o: &OrganisationRecord) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO organisations (id, name, payment_mode, approval_required) VALUES ($1, $2, $3, $4)")
        .bind(&o.id)
        .bind(&o.name)
        .bind(&o.payment_mode)
        .bind(o.approval_required)
        .execute(c)
        .await?;
    Ok(())
}

/// An organisation by id.
pub async fn organisation(
    c: &mut Conn,
    id: &str,
) -> Result<Option<OrganisationRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// Inserts a holder.
pub async fn insert(c: &mut Conn, h: &HolderRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO holders (id, user_id, password_hash, given_name, surname, codice_fiscale, iut, \
         email, mobile, residence, role_title, organisation_id, lang, created_at, payment_mode) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(h.id.as_str())
    .bind(&h.user_id)
    .bind(&h.password_hash)
    .bind(&h.given_name)
    .bind(&h.surname)
    .bind(&h.codice_fiscale)
    .bind(&h.iut)
    .bind(&h.email)
    .bind(&h.mobile)
    .bind(&h.residence)
    .bind(&h.role_title)
    .bind(&h.organisation_id)
    .bind(&h.lang)
    .bind(h.created_at)
    .bind(&h.payment_mode)
    .execute(c)
    .await?;
    Ok(())
}

/// `SELECT` of holders with what is read with them (see [`HolderRecord`]), then `$rest`
/// (after `FROM holders`): a renewal page shows the organisation and whether codes come by SMS
/// or token, so each holder read brings both rather than two more round trips.
macro_rules! select_holders {
    ($rest:literal) => {
        concat!(
            "SELECT holders.*, \
             (SELECT name FROM organisations o WHERE o.id = holders.organisation_id) \
             AS organisation_name, \
             CAST((SELECT COUNT(*) FROM tokens t WHERE t.holder_id = holders.id) AS BIGINT) \
             AS tokens FROM holders ",
            $rest
        )
    };
}
pub(crate) use select_holders;

/// A holder by login user-id.
pub async fn by_user_id(c: &mut Conn, user_id: &str) -> Result<Option<HolderRecord>, StoreError> {
    Ok(sqlx::query_as(select_holders!("WHERE user_id = $1"))
        .bind(user_id)
        .fetch_optional(c)
        .await?)
}

/// A holder by id.
pub async fn by_id(c: &mut Conn, id: &HolderId) -> Result<Option<HolderRecord>, StoreError> {
    Ok(sqlx::query_as(select_holders!("WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(c)
        .await?)
}

/// Holders by id, in one statement (a batch of reminders); ids not found are left out.
pub async fn by_ids(c: &mut Conn, ids: &[&HolderId]) -> Result<Vec<HolderRecord>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // `$1, $2, …`: numbered placeholders, which both backends read.
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!("{}WHERE id IN ({})", select_holders!(""), list.join(", "));
    // Not kept prepared: one text per batch size would crowd the connection's statement cache.
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).persistent(false);
    for id in ids {
        q = q.bind(id.as_str());
    }
    Ok(q.fetch_all(c).await?)
}

/// Sets a holder's language.
pub async fn set_lang(c: &mut Conn, id: &HolderId, lang: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE holders SET lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(id.as_str())
        .execute(c)
        .await?;
    Ok(())
}

/// Counts holders (demo seeding runs once).
pub async fn count(c: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM holders")
        .fetch_one(c)
        .await?)
}

/// Inserts a token.
pub async fn insert_token(c: &mut Conn, t: &TokenRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tokens (holder_id, kind, algorithm, digits, step_seconds, secret, last_counter, drift_steps, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t.holder_id.as_str())
    .bind(&t.kind)
    .bind(&t.algorithm)
    .bind(t.digits)
    .bind(t.step_seconds)
    .bind(&t.secret)
    .bind(t.last_counter)
    .bind(t.drift_steps)
    .bind(t.sealed)
    .execute(c)
    .await?;
    Ok(())
}

/// Tokens whose seed is not sealed by `sealer` (a sealer's code, see `TokenRecord::sealed`):
/// in clear, or sealed by another key backend.
pub async fn tokens_not_sealed_by(
    c: &mut Conn,
    sealer: i64,
) -> Result<Vec<TokenRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM tokens WHERE sealed <> $1")
        .bind(sealer)
        .fetch_all(c)
        .await?)
}

/// Replaces a token's seed (as it was, `was`) by its form sealed by `sealer`.
pub async fn reseal_token_secret(
    c: &mut Conn,
    holder_id: &HolderId,
    was: i64,
    secret: &[u8],
    sealer: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE tokens SET secret = $1, sealed = $2 WHERE holder_id = $3 AND sealed = $4",
    )
    .bind(secret)
    .bind(sealer)
    .bind(holder_id.as_str())
    .bind(was)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A holder's token, if any.
pub async fn token(c: &mut Conn, holder_id: &HolderId) -> Result<Option<TokenRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM tokens WHERE holder_id = $1")
        .bind(holder_id.as_str())
        .fetch_optional(c)
        .await?)
}

/// Records the token's new counter and drift after an accepted code. The guard on the old
/// counter makes two concurrent uses of one code accept only one.
pub async fn advance_token(
    c: &mut Conn,
    holder_id: &HolderId,
    old_counter: Option<i64>,
    new_counter: i64,
    drift_steps: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE tokens SET last_counter = $1, drift_steps = $2 WHERE holder_id = $3 \
         AND (last_counter IS NULL OR last_counter < $1) AND COALESCE(last_counter, -1) = COALESCE($4, -1)",
    )
    .bind(new_counter)
    .bind(drift_steps)
    .bind(holder_id.as_str())
    .bind(old_counter)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Inserts a credential.
pub async fn insert_credential(c: &mut Conn, r: &CredentialRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credentials (id, holder_id, public_key, sealed_private, failed_pins, blocked_at, retired_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.id.as_str())
    .bind(r.holder_id.as_str())
    .bind(&r.public_key)
    .bind(&r.sealed_private)
    .bind(r.failed_pins)
    .bind(r.blocked_at)
    .bind(r.retired_at)
    .bind(r.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A credential by id.
pub async fn credential(
    c: &mut Conn,
    id: &CredentialId,
) -> Result<Option<CredentialRecord>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM credentials WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c)
        .await?)
}

/// Records a wrong PIN; blocks the credential when `max` is reached. Returns the new count.
pub async fn pin_failed(
    c: &mut Conn,
    id: &CredentialId,
    max: i64,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query(
        "UPDATE credentials SET failed_pins = failed_pins + 1, \
         blocked_at = CASE WHEN failed_pins + 1 >= $1 THEN $2 ELSE blocked_at END WHERE id = $3",
    )
    .bind(max)
    .bind(now)
    .bind(id.as_str())
    .execute(&mut *c)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT failed_pins FROM credentials WHERE id = $1")
            .bind(id.as_str())
            .fetch_one(c)
            .await?,
    )
}

/// Resets the wrong-PIN count after a right PIN.
pub async fn pin_ok(c: &mut Conn, id: &CredentialId) -> Result<(), StoreError> {
    sqlx::query("UPDATE credentials SET failed_pins = 0 WHERE id = $1 AND blocked_at IS NULL")
        .bind(id.as_str())
        .execute(c)
        .await?;
    Ok(())
}

/// Replaces a credential's sealed key by the same key sealed anew (moved into the HSM at a
/// right PIN), unless it changed meanwhile. Returns whether it was replaced.
pub async fn reseal_credential(
    c: &mut Conn,
    id: &CredentialId,
    old: &[u8],
    new: &[u8],
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE credentials SET sealed_private = $1 \
         WHERE id = $2 AND sealed_private = $3 AND retired_at IS NULL",
    )
    .bind(new)
    .bind(id.as_str())
    .bind(old)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live credentials' keys by the first four bytes of their sealed form (the sealing's
/// magic: `RNH1` wrapped by an HSM, `RNV1` sealed in software), and the retired ones whose key
/// is still stored.
pub async fn key_census(c: &mut Conn) -> Result<(Vec<(Vec<u8>, i64)>, i64), StoreError> {
    let live: Vec<(Vec<u8>, i64)> = sqlx::query_as(
        "SELECT substr(sealed_private, 1, 4), COUNT(*) FROM credentials \
         WHERE retired_at IS NULL GROUP BY substr(sealed_private, 1, 4)",
    )
    .fetch_all(&mut *c)
    .await?;
    let retired_kept = sqlx::query_scalar(
        "SELECT COUNT(*) FROM credentials WHERE retired_at IS NOT NULL AND length(sealed_private) > 0",
    )
    .fetch_one(c)
    .await?;
    Ok((live, retired_kept))
}

/// Retires a credential replaced by a renewal's new key, and destroys the key: its sealed
/// private half is erased (a retired key never signs again; TS 119 431-1 key destruction).
pub async fn retire_credential(
    c: &mut Conn,
    id: &CredentialId,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE credentials SET retired_at = $1, sealed_private = $3 \
         WHERE id = $2 AND retired_at IS NULL",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(Vec::<u8>::new())
    .execute(c)
    .await?;
    Ok(())
}

/// Inserts a distributor (a reseller whose coupons renew the certificates it sold).
pub async fn insert_distributor(c: &mut Conn, id: &str, name: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO distributors (id, name) VALUES ($1, $2)")
        .bind(id)
        .bind(name)
        .execute(c)
        .await?;
    Ok(())
}

/// A distributor's name, if it exists.
pub async fn distributor(c: &mut Conn, id: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM distributors WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?,
    )
}

/// Whether `value` of `field` (`email` or `mobile`) belongs to a holder with another codice
/// fiscale (the same person may hold several accounts).
pub async fn contact_taken_by_other(
    c: &mut Conn,
    field: &str,
    value: &str,
    codice_fiscale: &str,
) -> Result<bool, StoreError> {
    let sql = match field {
        "email" => {
            "SELECT COUNT(*) FROM holders WHERE lower(email) = lower($1) AND codice_fiscale <> $2"
        }
        "mobile" => "SELECT COUNT(*) FROM holders WHERE mobile = $1 AND codice_fiscale <> $2",
        _ => return Ok(false),
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(value)
        .bind(codice_fiscale)
        .fetch_one(c)
        .await?;
    Ok(n > 0)
}

/// Which of a holder's e-mail and mobile also belongs to a holder with another codice fiscale
/// (`email` first), in one statement: [`contact_taken_by_other`] for both at once.
pub async fn contact_shared(
    c: &mut Conn,
    email: &str,
    mobile: &str,
    codice_fiscale: &str,
) -> Result<Option<&'static str>, StoreError> {
    let (email_shared, mobile_shared): (i64, i64) = sqlx::query_as(
        "SELECT \
         CAST((SELECT COUNT(*) FROM holders WHERE lower(email) = lower($1) AND codice_fiscale <> $3) AS BIGINT), \
         CAST((SELECT COUNT(*) FROM holders WHERE mobile = $2 AND codice_fiscale <> $3) AS BIGINT)",
    )
    .bind(email)
    .bind(mobile)
    .bind(codice_fiscale)
    .fetch_one(c)
    .await?;
    Ok(if email_shared > 0 {
        Some("email")
    } else if mobile_shared > 0 {
        Some("mobile")
    } else {
        None
    })
}

/// Records a pending change of contact data, replacing the holder's earlier pending one.
pub async fn insert_contact_change(
    c: &mut Conn,
    ch: &crate::ContactChangeRecord,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM contact_changes WHERE holder_id = $1 AND applied_at IS NULL")
        .bind(ch.holder_id.as_str())
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO contact_changes (id, holder_id, renewal_id, field, old_value, new_value, \
         created_at, applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&ch.id)
    .bind(ch.holder_id.as_str())
    .bind(ch.renewal_id.as_str())
    .bind(&ch.field)
    .bind(&ch.old_value)
    .bind(&ch.new_value)
    .bind(ch.created_at)
    .bind(ch.applied_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The holder's pending change of contact data.
pub async fn pending_contact_change(
    c: &mut Conn,
    holder_id: &HolderId,
) -> Result<Option<crate::ContactChangeRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT * FROM contact_changes WHERE holder_id = $1 AND applied_at IS NULL \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(holder_id.as_str())
    .fetch_optional(c)
    .await?)
}

/// Applies a confirmed change: the holder's field takes the new value.
pub async fn apply_contact_change(
    c: &mut Conn,
    ch: &crate::ContactChangeRecord,
    now: i64,
) -> Result<(), StoreError> {
    let sql = match ch.field.as_str() {
        "email" => "UPDATE holders SET email = $1 WHERE id = $2",
        "mobile" => "UPDATE holders SET mobile = $1 WHERE id = $2",
        _ => "UPDATE holders SET residence = $1 WHERE id = $2",
    };
    sqlx::query(sql)
        .bind(&ch.new_value)
        .bind(ch.holder_id.as_str())
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE contact_changes SET applied_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&ch.id)
        .execute(c)
        .await?;
    Ok(())
}

/// Every organisation, by name.
pub async fn organisations(c: &mut Conn) -> Result<Vec<OrganisationRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM organisations ORDER BY name, id")
            .fetch_all(c)
            .await?,
    )
}

/// Replaces a holder's portal password hash.
pub async fn set_password(c: &mut Conn, id: &HolderId, hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE holders SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.as_str())
        .execute(c)
        .await?;
    Ok(())
}

/// Holders whose registered e-mail is `email` (case-insensitive) and codice fiscale `cf`.
pub async fn by_email_and_cf(
    c: &mut Conn,
    email: &str,
    cf: &str,
) -> Result<Vec<HolderRecord>, StoreError> {
    Ok(sqlx::query_as(select_holders!(
        "WHERE lower(email) = lower($1) AND codice_fiscale = $2 ORDER BY user_id"
    ))
    .bind(email)
    .bind(cf)
    .fetch_all(c)
    .await?)
}
