//! Prepaid accounts (SPEC §5 step 5, seed 004): the account's user-id and password pay a
//! renewal from its Diritti (CNS) or Tariffa (other kinds) purse. The credit is reserved when
//! the request is made, debited only when the new certificate is issued, released if the
//! renewal ends otherwise. The smart-card client uses the same accounts.

use crate::auth::{Check, audit};
use crate::payment::AtPayment;
use crate::renewal::commit;
use crate::util::{blocking, hash_password, new_id, secs};
use crate::views::RenewalView;
use crate::{App, AppError, Ctx};
use jiff::Timestamp;
use rinnova_domain::prepaid::{Entry, Ledger, Movement, PrepaidError, Purse};
use rinnova_domain::{
    CertificateKind, DomainError, HolderId, Money, PaymentMethod, RenewalId, UserId,
};
use rinnova_store::{Conn, PaymentRecord, PrepaidAccountRecord, PrepaidEntryRecord, Store, repo};

fn entry_of(r: &PrepaidEntryRecord) -> Result<Entry, AppError> {
    let bad = || AppError::Internal(format!("prepaid ledger line {} is malformed", r.seq).into());
    Ok(Entry {
        purse: Purse::parse(&r.purse).ok_or_else(bad)?,
        movement: Movement::parse(&r.movement).ok_or_else(bad)?,
        amount: Money::from_cents(r.amount_cents).map_err(|_| bad())?,
        renewal: r.renewal_id.clone(),
    })
}

async fn ledger(c: &mut Conn, account_id: &str) -> Result<Vec<Entry>, AppError> {
    repo::prepaid::entries(c, account_id)
        .await?
        .iter()
        .map(entry_of)
        .collect()
}

async fn append(
    c: &mut Conn,
    account_id: &str,
    e: &Entry,
    note: Option<String>,
    now: i64,
) -> Result<(), AppError> {
    repo::prepaid::append(
        c,
        &PrepaidEntryRecord {
            seq: 0,
            account_id: account_id.into(),
            purse: e.purse.as_str().into(),
            movement: e.movement.as_str().into(),
            amount_cents: e.amount.cents(),
            renewal_id: e.renewal.clone(),
            note,
            created_at: now,
        },
    )
    .await?;
    Ok(())
}

/// A prepaid account's purses: (balance, available) in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Balances {
    pub diritti: (i64, i64),
    pub tariffa: (i64, i64),
}

/// Creates a prepaid account (CA staff, from the command line).
pub async fn create_account(
    store: &Store,
    now: Timestamp,
    kdf: rinnova_ca::KdfParams,
    user_id: &str,
    password: &str,
    name: &str,
    op: &crate::Operator,
) -> Result<String, AppError> {
    let uid = UserId::parse(user_id)?;
    if password.chars().count() < 12 {
        return Err(AppError::Invalid(DomainError::MissingField));
    }
    let pw = password.to_owned();
    let hash = blocking(move || hash_password(&pw, kdf)).await??;
    let id: String = new_id();
    let mut tx = store.begin().await?;
    repo::prepaid::insert_account(
        &mut tx,
        &PrepaidAccountRecord {
            id: id.clone(),
            user_id: uid.as_str().into(),
            password_hash: hash,
            name: name.into(),
            created_at: secs(now),
        },
    )
    .await?;
    audit(
        &mut tx,
        secs(now),
        &op.actor,
        crate::audit::AuditAction::PrepaidAccountCreated,
        Some(&id),
        &op.ctx,
        Some(uid.as_str().into()),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

/// Adds money to a purse (a payment received by the CA for the account).
pub async fn top_up(
    store: &Store,
    now: Timestamp,
    user_id: &str,
    purse: Purse,
    amount: Money,
    note: Option<String>,
    op: &crate::Operator,
) -> Result<Balances, AppError> {
    if amount == Money::ZERO {
        return Err(AppError::Invalid(DomainError::MissingField));
    }
    let uid = UserId::parse(user_id)?;
    let mut tx = store.begin().await?;
    let account = repo::prepaid::by_user_id(&mut tx, uid.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let e = Entry {
        purse,
        movement: Movement::TopUp,
        amount,
        renewal: None,
    };
    append(&mut tx, &account.id, &e, note.clone(), secs(now)).await?;
    audit(
        &mut tx,
        secs(now),
        &op.actor,
        crate::audit::AuditAction::PrepaidTopUp,
        Some(&account.id),
        &op.ctx,
        Some(format!(
            "{} {} cents {}",
            purse.as_str(),
            amount.cents(),
            note.unwrap_or_default()
        )),
    )
    .await?;
    let b = balances_of(&ledger(&mut tx, &account.id).await?);
    commit(tx).await?;
    Ok(b)
}

fn balances_of(entries: &[Entry]) -> Balances {
    let l = Ledger(entries);
    Balances {
        diritti: (l.balance(Purse::Diritti), l.available(Purse::Diritti)),
        tariffa: (l.balance(Purse::Tariffa), l.available(Purse::Tariffa)),
    }
}

/// An account's purses.
pub async fn balances(store: &Store, user_id: &str) -> Result<Balances, AppError> {
    let uid = UserId::parse(user_id)?;
    let mut c = store.conn().await?;
    let account = repo::prepaid::by_user_id(&mut c, uid.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(balances_of(&ledger(&mut c, &account.id).await?))
}

impl App {
    pub(crate) async fn verify_prepaid(
        &self,
        user_id: &str,
        password: &str,
        // What the attempt is for, in the audit trail: a renewal's id or a card's serial.
        subject: &str,
        ctx: &Ctx,
    ) -> Result<PrepaidAccountRecord, AppError> {
        let uid = UserId::parse(user_id).map_err(|_| AppError::PrepaidLoginFailed)?;
        let account =
            repo::prepaid::by_user_id(&mut *self.store().conn().await?, uid.as_str()).await?;
        let key = format!("prepaid:{}", uid.as_str());
        let hash = account.as_ref().map(|a| a.password_hash.clone());
        match self
            .throttled_check(&key, hash, password, subject, ctx)
            .await?
        {
            Check::Locked { minutes } => Err(AppError::LoginLocked { minutes }),
            Check::Wrong => Err(AppError::PrepaidLoginFailed),
            Check::Right => account.ok_or(AppError::PrepaidLoginFailed),
        }
    }

    /// Step 5 with a prepaid account: its credentials, then the price is reserved on the purse
    /// for the certificate's kind; not enough available credit stops with the amounts. The
    /// reservation becomes a debit when the new certificate is issued.
    pub async fn pay_with_prepaid(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        account_user_id: &str,
        password: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        // Checked before the credentials (no Argon2id work for a renewal that cannot pay), and
        // again in the transaction that pays.
        if let AtPayment::Passed(v) = self
            .at_payment(&mut *self.store().conn().await?, holder_id, renewal_id)
            .await?
        {
            return Ok(*v);
        }
        let account = self
            .verify_prepaid(account_user_id, password, renewal_id.as_str(), ctx)
            .await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = match self.at_payment(&mut tx, holder_id, renewal_id).await? {
            AtPayment::Passed(v) => return Ok(*v),
            AtPayment::Due(due) => *due,
        };
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let kind = CertificateKind::parse(&cert.kind)
            .ok_or_else(|| AppError::Internal("certificate kind".into()))?;
        if let Err(e) = self
            .reserve_prepaid(&mut tx, &account, &rec.id, kind, now)
            .await?
        {
            audit(
                &mut tx,
                secs(now),
                &format!("prepaid:{}", account.user_id),
                crate::audit::AuditAction::PrepaidRefused,
                Some(rec.id.as_str()),
                ctx,
                Some(e.code().to_owned()),
            )
            .await?;
            commit(tx).await?;
            return Err(AppError::Prepaid(e));
        }
        let actor = format!("prepaid:{}", account.user_id);
        let rec = self
            .transition(&mut tx, &rec, &rinnova_domain::Event::Paid, now, |_| {})
            .await?;
        audit(
            &mut tx,
            secs(now),
            &actor,
            crate::audit::AuditAction::PrepaidReserved,
            Some(rec.id.as_str()),
            ctx,
            Some(format!(
                "{} cents on {}",
                self.config().prices.price(kind).gross.cents(),
                Purse::for_kind(kind).as_str()
            )),
        )
        .await?;
        self.send_expected_code(&mut tx, &h, &rec, now).await?;
        let v = self.view_after_send(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Reserves the price of a `kind` renewal on the account's purse for it (Diritti for CNS,
    /// Tariffa for the rest) and records the payment as reserved; not enough available credit is
    /// the inner error, and then nothing was written. A second call for the same renewal adds
    /// nothing to the ledger.
    pub(crate) async fn reserve_prepaid(
        &self,
        c: &mut Conn,
        account: &PrepaidAccountRecord,
        renewal_id: &RenewalId,
        kind: CertificateKind,
        now: Timestamp,
    ) -> Result<Result<(), PrepaidError>, AppError> {
        let amount = self.config().prices.price(kind).gross;
        let entries = ledger(c, &account.id).await?;
        let reserve = match Ledger(&entries).reserve(renewal_id, kind, amount) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(e) = &reserve {
            append(c, &account.id, e, None, secs(now)).await?;
        }
        repo::payments::insert(
            c,
            &PaymentRecord {
                renewal_id: renewal_id.into(),
                method: PaymentMethod::Prepaid.as_str().into(),
                // Debited only when the certificate is issued.
                status: "reserved".into(),
                amount_cents: amount.cents(),
                reference: account.user_id.clone(),
                created_at: secs(now),
                settled_at: None,
            },
        )
        .await?;
        Ok(Ok(()))
    }

    /// The end of a renewal paid from a prepaid account: debit on success, release otherwise.
    /// Called in the transaction that issues the certificate (or ends the renewal); a second
    /// call does nothing.
    pub(crate) async fn close_prepaid(
        &self,
        c: &mut Conn,
        renewal_id: &RenewalId,
        succeeded: bool,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let Some(payment) = repo::payments::of_renewal(c, renewal_id)
            .await?
            .filter(|p| p.method == PaymentMethod::Prepaid.as_str() && p.status == "reserved")
        else {
            return Ok(());
        };
        let account = repo::prepaid::by_user_id(c, &payment.reference)
            .await?
            .ok_or_else(|| AppError::Internal("prepaid account missing".into()))?;
        let entries = ledger(c, &account.id).await?;
        let l = Ledger(&entries);
        let line = if succeeded {
            l.debit(renewal_id)
        } else {
            l.release(renewal_id)
        }
        .map_err(|e: PrepaidError| AppError::Internal(e.into()))?;
        if let Some(e) = &line {
            append(c, &account.id, e, None, secs(now)).await?;
        }
        if succeeded {
            repo::payments::settle_reserved(c, renewal_id, secs(now)).await?;
        } else {
            repo::payments::release_reserved(c, renewal_id).await?;
        }
        audit(
            c,
            secs(now),
            &format!("prepaid:{}", account.user_id),
            if succeeded {
                crate::audit::AuditAction::PrepaidDebited
            } else {
                crate::audit::AuditAction::PrepaidReleased
            },
            Some(renewal_id.as_str()),
            ctx,
            Some(format!("{} cents", payment.amount_cents)),
        )
        .await
    }
}
