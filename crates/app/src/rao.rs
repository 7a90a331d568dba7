//! Registration-office operators (RAO, SPEC §5 step 5, seed 002 §6). At the desk, an RAO types
//! their own username and password into the holder's wizard and presses Verify: the renewal is
//! approved and paid by the office. Then it is finished at once at the desk, or interrupted:
//! the holder's next login opens the renewal where it stopped.

use crate::auth::{Check, audit};
use crate::payment::AtPayment;
use crate::renewal::commit;
use crate::util::{blocking, hash_password, new_id, secs};
use crate::views::RenewalView;
use crate::{App, AppError, Ctx};
use jiff::Timestamp;
use rinnova_domain::{CertificateKind, DomainError, HolderId, PaymentMethod, RenewalId};
use rinnova_store::{RaoRecord, Store, repo};

/// An operator's login name: 3 to 64 of `a-z 0-9 . _ -`, case ignored.
pub fn normalise_username(typed: &str) -> Option<String> {
    let u = typed.trim().to_ascii_lowercase();
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
    ((3..=64).contains(&u.len()) && u.bytes().all(allowed)).then_some(u)
}

/// A new operator account (CA staff, from the command line).
#[derive(Debug, Clone)]
pub struct NewRao {
    pub username: String,
    pub password: rinnova_domain::secret::Secret,
    pub name: String,
    pub office: String,
}

/// Creates an operator account.
pub async fn create_rao(
    store: &Store,
    now: Timestamp,
    kdf: rinnova_ca::KdfParams,
    r: &NewRao,
    op: &crate::Operator,
) -> Result<String, AppError> {
    let username = normalise_username(&r.username).ok_or(AppError::RaoLoginFailed)?;
    if r.password.expose().chars().count() < 12 {
        return Err(AppError::Invalid(DomainError::MissingField));
    }
    let password = r.password.clone();
    let hash = blocking(move || hash_password(password.expose(), kdf)).await??;
    let id: String = new_id();
    let mut tx = store.begin().await?;
    repo::rao::insert(
        &mut tx,
        &RaoRecord {
            id: id.clone(),
            username: username.clone(),
            password_hash: hash,
            name: r.name.clone(),
            office: r.office.clone(),
            created_at: secs(now),
            disabled_at: None,
        },
    )
    .await?;
    audit(
        &mut tx,
        secs(now),
        &op.actor,
        crate::audit::AuditAction::RaoCreated,
        Some(&id),
        &op.ctx,
        Some(format!("{username}, {}", r.office)),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

impl App {
    /// Checks an operator's credentials typed in a holder's wizard. Wrong tries are counted
    /// per holder (and per client address), not per operator: a holder typing wrong passwords
    /// locks their own wizard, never the operator out of every other (issue 18 item 12).
    async fn verify_rao(
        &self,
        username: &str,
        password: &str,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        ctx: &Ctx,
    ) -> Result<RaoRecord, AppError> {
        let Some(username) = normalise_username(username) else {
            return Err(AppError::RaoLoginFailed);
        };
        let rao = repo::rao::by_username(&mut *self.store().conn().await?, &username)
            .await?
            .filter(|r| r.disabled_at.is_none());
        let key = format!("rao-in-wizard:{holder_id}");
        let hash = rao.as_ref().map(|r| r.password_hash.clone());
        match self
            .throttled_check(&key, hash, password, renewal_id.as_str(), ctx)
            .await?
        {
            Check::Locked { minutes } => Err(AppError::RaoLocked { minutes }),
            Check::Wrong => Err(AppError::RaoLoginFailed),
            Check::Right => rao.ok_or(AppError::RaoLoginFailed),
        }
    }

    /// Step 5 by an RAO at the desk: their credentials approve the renewal, which the office
    /// pays. Verifying again after that answers with the renewal as it is.
    pub async fn pay_by_rao(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        username: &str,
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
        let rao = self
            .verify_rao(username, password, holder_id, renewal_id, ctx)
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
        let amount = self.config().prices.price(kind).gross;
        let actor = format!("rao:{}", rao.username);
        audit(
            &mut tx,
            secs(now),
            &actor,
            crate::audit::AuditAction::RaoVerified,
            Some(rec.id.as_str()),
            ctx,
            Some(format!("{} ({}) for {}", rao.name, rao.office, h.user_id)),
        )
        .await?;
        self.settle(
            &mut tx,
            &rec,
            &actor,
            PaymentMethod::Rao,
            amount,
            &format!("{} ({})", rao.name, rao.office),
            true,
            now,
            ctx,
        )
        .await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_username;

    #[test]
    fn operator_usernames() {
        assert_eq!(
            normalise_username(" Rao.Roma-1 ").as_deref(),
            Some("rao.roma-1")
        );
        for bad in ["", "ab", "rao roma", "rào", &"x".repeat(65)] {
            assert_eq!(normalise_username(bad), None, "{bad:?}");
        }
    }
}
