//! "Non riesci ad accedere?" (SPEC A2): recovery of a forgotten user-id or password, proven by
//! the registered e-mail (a single-use link, valid for minutes) and then the registered mobile
//! (an SMS code). A request always gets the same answer, whether or not an account matches;
//! requests are throttled per client address and per account typed. A new password meets the
//! stated policy, ends every session of the holder and lifts a login lock.

use crate::auth::audit;
use crate::i18n::Lang;
use crate::notify;
use crate::util::{blocking, hash_password, new_id, random_token, secs, sha256, verify_password};
use crate::{App, AppError, Ctx};
use rinnova_domain::holder::mask_number;
use rinnova_domain::sms_otp::Purpose;
use rinnova_domain::{CodiceFiscale, Email, UserId, password};
use rinnova_store::repo::recovery::RecoveryRecord;
use rinnova_store::{HolderRecord, StoreError, repo};
use serde::Serialize;
use utoipa::ToSchema;

const HOUR: i64 = 3600;

/// What is being recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryPurpose {
    Password,
    UserId,
}

impl RecoveryPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::UserId => "user_id",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "password" => Some(Self::Password),
            "user_id" => Some(Self::UserId),
            _ => None,
        }
    }
}

/// A recovery link, as its page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecoveryView {
    pub purpose: RecoveryPurpose,
    /// The registered mobile, masked (`••• ••• 4567`).
    pub mobile_hint: String,
    /// Whether the SMS code was sent.
    pub code_sent: bool,
}

/// A recovery completed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recovered {
    pub purpose: RecoveryPurpose,
    pub user_id: String,
}

impl App {
    /// Counts a recovery request against the client address and the account typed; refuses
    /// past the limits. The counts do not depend on whether the account exists.
    async fn throttle_recovery(&self, account: &str, ctx: &Ctx) -> Result<(), AppError> {
        let now = secs(self.now());
        let cfg = self.config();
        let mut tx = self.store().begin().await?;
        let mut buckets = vec![(
            format!("recover:acct:{}", account.trim().to_lowercase()),
            cfg.max_recoveries_per_account,
        )];
        if let Some(ip) = &ctx.ip {
            buckets.push((format!("recover:addr:{ip}"), cfg.max_recoveries_per_address));
        }
        for (bucket, max) in &buckets {
            let n = repo::recovery::hit(&mut tx, bucket, now, now - HOUR).await?;
            if n > *max {
                let oldest = repo::recovery::oldest_since(&mut tx, bucket, now - HOUR)
                    .await?
                    .unwrap_or(now);
                tx.commit().await.map_err(StoreError::from)?;
                return Err(AppError::RecoveryThrottled {
                    minutes: ((oldest + HOUR - now + 59) / 60).max(1),
                });
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// "Ho dimenticato la password": user-id and registered e-mail. When both match, a link
    /// goes to that e-mail; the answer is the same either way.
    pub async fn request_password_reset(
        &self,
        user_id: &str,
        email: &str,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        self.throttle_recovery(user_id, ctx).await?;
        let (Ok(uid), Ok(email)) = (UserId::parse(user_id), Email::parse(email)) else {
            return Ok(());
        };
        let mut conn = self.store().conn().await?;
        let holder = repo::holders::by_user_id(&mut conn, uid.as_str())
            .await?
            .filter(|h| h.email.eq_ignore_ascii_case(email.as_str()));
        drop(conn);
        self.start_recovery(holder.as_ref(), RecoveryPurpose::Password, ctx)
            .await
    }

    /// "Ho dimenticato lo user-id": codice fiscale and registered e-mail.
    pub async fn request_user_id_reminder(
        &self,
        codice_fiscale: &str,
        email: &str,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        self.throttle_recovery(email, ctx).await?;
        let (Ok(cf), Ok(email)) = (CodiceFiscale::parse(codice_fiscale), Email::parse(email))
        else {
            return Ok(());
        };
        let mut conn = self.store().conn().await?;
        let holders =
            repo::holders::by_email_and_cf(&mut conn, email.as_str(), &cf.to_string()).await?;
        drop(conn);
        // One person may hold several user-ids: a link for each (each shows its own).
        if holders.is_empty() {
            return self
                .start_recovery(None, RecoveryPurpose::UserId, ctx)
                .await;
        }
        for h in &holders {
            self.start_recovery(Some(h), RecoveryPurpose::UserId, ctx)
                .await?;
        }
        Ok(())
    }

    async fn start_recovery(
        &self,
        holder: Option<&HolderRecord>,
        purpose: RecoveryPurpose,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let now = secs(self.now());
        let mut tx = self.store().begin().await?;
        let Some(h) = holder else {
            audit(
                &mut tx,
                now,
                "anonymous",
                crate::audit::AuditAction::RecoveryRequestUnmatched,
                None,
                ctx,
                Some(purpose.as_str().into()),
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(());
        };
        let token = random_token()?;
        let id: String = new_id();
        let minutes = self.config().recovery_link_minutes.max(1);
        repo::recovery::insert(
            &mut tx,
            &RecoveryRecord {
                id: id.clone(),
                token_hash: sha256(token.as_bytes()).to_vec(),
                purpose: purpose.as_str().into(),
                holder_id: h.id.clone(),
                created_at: now,
                expires_at: now + minutes * 60,
                sms_sent_at: None,
                used_at: None,
                ip: ctx.ip.clone(),
            },
        )
        .await?;
        repo::recovery::retire_others(&mut tx, &h.id, &id, now).await?;
        let lang = Lang::parse(&h.lang);
        let link = format!(
            "{}/recover/{token}",
            self.config().public_url.trim_end_matches('/')
        );
        let (subject, body) = match purpose {
            RecoveryPurpose::Password => (
                "email-recover-password-subject",
                "email-recover-password-body",
            ),
            RecoveryPurpose::UserId => (
                "email-recover-user-id-subject",
                "email-recover-user-id-body",
            ),
        };
        notify::email(
            &mut tx,
            h,
            lang.t(subject),
            lang.t_args(
                body,
                &[
                    ("name", format!("{} {}", h.given_name, h.surname)),
                    ("link", link),
                    ("minutes", minutes.to_string()),
                ],
            ),
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            &h.user_id,
            crate::audit::AuditAction::RecoveryRequested,
            None,
            ctx,
            Some(purpose.as_str().into()),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    async fn live_recovery(
        &self,
        c: &mut rinnova_store::Conn,
        token: &str,
    ) -> Result<(RecoveryRecord, HolderRecord, RecoveryPurpose), AppError> {
        let now = secs(self.now());
        let r = repo::recovery::live(c, &sha256(token.as_bytes()), now)
            .await?
            .ok_or(AppError::RecoveryLinkInvalid)?;
        let h = repo::holders::by_id(c, &r.holder_id)
            .await?
            .ok_or(AppError::RecoveryLinkInvalid)?;
        let purpose = RecoveryPurpose::parse(&r.purpose)
            .ok_or_else(|| AppError::Internal(format!("recovery purpose {}", r.purpose).into()))?;
        Ok((r, h, purpose))
    }

    /// The page of a recovery link. Opening it changes nothing (mail scanners open links).
    pub async fn recovery(&self, token: &str) -> Result<RecoveryView, AppError> {
        let mut conn = self.store().conn().await?;
        let (r, h, purpose) = self.live_recovery(&mut conn, token).await?;
        Ok(RecoveryView {
            purpose,
            mobile_hint: mask_number(&h.mobile),
            code_sent: r.sms_sent_at.is_some(),
        })
    }

    /// Sends (or resends, within the SMS limits) the code to the registered mobile.
    pub async fn recovery_send_code(
        &self,
        token: &str,
        ctx: &Ctx,
    ) -> Result<RecoveryView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (r, h, purpose) = self.live_recovery(&mut tx, token).await?;
        let resend = r.sms_sent_at.is_some();
        self.send_sms_code(
            &mut tx,
            &h,
            &h.mobile,
            Purpose::recovery(&r.id),
            "sms-otp-recovery",
            resend,
            now,
        )
        .await?;
        repo::recovery::sms_sent(&mut tx, &r.id, secs(now)).await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::RecoveryCodeSent,
            None,
            ctx,
            None,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(RecoveryView {
            purpose,
            mobile_hint: mask_number(&h.mobile),
            code_sent: true,
        })
    }

    /// Completes a recovery with the SMS code: shows the user-id, and for a password recovery
    /// sets the new password (typed twice, checked against the policy before the code is
    /// spent), ends every session and lifts the login lock. The link is then used up.
    pub async fn complete_recovery(
        &self,
        token: &str,
        code: &str,
        new_password: Option<(&str, &str)>,
        ctx: &Ctx,
    ) -> Result<Recovered, AppError> {
        let now = self.now();
        let mut conn = self.store().conn().await?;
        let (r, h, purpose) = self.live_recovery(&mut conn, token).await?;
        drop(conn);
        let new_hash = match (purpose, new_password) {
            (RecoveryPurpose::Password, Some((new, again))) => {
                let personal = [
                    h.user_id.as_str(),
                    h.given_name.as_str(),
                    h.surname.as_str(),
                    h.codice_fiscale.as_str(),
                ];
                password::check(new, again, &personal)?;
                let (typed, old) = (new.to_owned(), h.password_hash.clone());
                if blocking(move || verify_password(&typed, &old)).await? {
                    return Err(password::WeakPassword::Unchanged.into());
                }
                let (typed, kdf) = (new.to_owned(), self.config().password_kdf);
                Some(blocking(move || hash_password(&typed, kdf)).await??)
            }
            (RecoveryPurpose::Password, None) => {
                return Err(password::WeakPassword::TooShort.into());
            }
            (RecoveryPurpose::UserId, _) => None,
        };
        let mut tx = self.store().begin().await?;
        let verdict = self
            .check_sms_code(&mut tx, &h, &Purpose::recovery(&r.id), code, now)
            .await?;
        if let Err(e) = verdict {
            // The attempt is counted (persisted) before the refusal is answered.
            tx.commit().await.map_err(StoreError::from)?;
            return Err(e);
        }
        if !repo::recovery::use_up(&mut tx, &r.id, secs(now)).await? {
            return Err(AppError::RecoveryLinkInvalid);
        }
        let lang = Lang::parse(&h.lang);
        if let Some(hash) = &new_hash {
            repo::holders::set_password(&mut tx, &h.id, hash).await?;
            let ended = repo::sessions::delete_of_holder(&mut tx, &h.id).await?;
            repo::sessions::login_succeeded(&mut tx, &h.user_id).await?;
            audit(
                &mut tx,
                secs(now),
                &h.user_id,
                crate::audit::AuditAction::PasswordReset,
                None,
                ctx,
                Some(format!("sessions ended: {ended}")),
            )
            .await?;
            notify::email(
                &mut tx,
                &h,
                lang.t("email-password-changed-subject"),
                lang.t_args(
                    "email-password-changed-body",
                    &[("name", format!("{} {}", h.given_name, h.surname))],
                ),
                secs(now),
            )
            .await?;
        } else {
            audit(
                &mut tx,
                secs(now),
                &h.user_id,
                crate::audit::AuditAction::UserIdRecovered,
                None,
                ctx,
                None,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Recovered {
            purpose,
            user_id: h.user_id,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mobile_is_masked_to_its_last_four_digits() {
        assert_eq!(
            rinnova_domain::holder::mask_number("+393331234567"),
            "••• ••• 4567"
        );
        assert_eq!(rinnova_domain::holder::mask_number("12"), "••• ••• 12");
    }
}
