//! One-time codes for renewal steps: SMS codes (SPEC O1) or the holder's token (SPEC O2).

use crate::i18n::Lang;
use crate::util::{new_id, secs, ts};
use crate::{App, AppError, notify};
use jiff::Timestamp;
use rinnova_domain::otp::{Algorithm, TokenKind, TokenState};
use rinnova_domain::sms_otp::{Challenge, OtpError, Purpose, code_from_random};
use rinnova_domain::{HolderId, RenewalId};
use rinnova_store::{Conn, HolderRecord, OtpRecord, TokenRecord, repo};

fn to_challenge(r: &OtpRecord) -> Challenge {
    Challenge {
        id: r.id.clone(),
        purpose: Purpose::from_stored(r.purpose.clone()),
        code_hash: r.code_hash.clone(),
        expires_at: ts(r.expires_at),
        attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
        sends: u32::try_from(r.sends).unwrap_or(u32::MAX),
        last_sent_at: ts(r.last_sent_at),
        consumed: r.consumed != 0,
    }
}

fn to_record(
    c: &Challenge,
    holder_id: &HolderId,
    created_at: i64,
    message_id: String,
) -> OtpRecord {
    OtpRecord {
        id: c.id.clone(),
        holder_id: holder_id.into(),
        purpose: c.purpose.as_str().into(),
        code_hash: c.code_hash.clone(),
        expires_at: secs(c.expires_at),
        attempts: i64::from(c.attempts),
        sends: i64::from(c.sends),
        last_sent_at: secs(c.last_sent_at),
        consumed: i64::from(c.consumed),
        created_at,
        message_id: Some(message_id),
    }
}

fn token_state(t: &TokenRecord) -> Result<TokenState, AppError> {
    let kind = match t.kind.as_str() {
        "hotp" => TokenKind::Hotp,
        "totp" => TokenKind::Totp {
            step_seconds: u64::try_from(t.step_seconds).unwrap_or(30),
        },
        other => return Err(AppError::Internal(format!("token kind {other}").into())),
    };
    Ok(TokenState {
        kind,
        algorithm: Algorithm::parse(&t.algorithm)
            .ok_or_else(|| AppError::Internal("token algorithm".into()))?,
        digits: u32::try_from(t.digits).unwrap_or(6),
        last_counter: t.last_counter.and_then(|c| u64::try_from(c).ok()),
        drift_steps: t.drift_steps,
    })
}

/// Stores a token's new counter and drift, unless another request used a code of this token
/// meanwhile (then the code counts as replayed). The outer error is a storage failure.
async fn save_token(
    c: &mut Conn,
    holder_id: &HolderId,
    old: &TokenRecord,
    next: &TokenState,
) -> Result<Result<(), AppError>, AppError> {
    let counter = next
        .last_counter
        .and_then(|v| i64::try_from(v).ok())
        .unwrap_or(0);
    Ok(
        if repo::holders::advance_token(c, holder_id, old.last_counter, counter, next.drift_steps)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::Token(rinnova_domain::otp::TokenError::Replayed))
        },
    )
}

/// The SMS text key of a step's purpose suffix.
fn sms_key(step: &str) -> String {
    format!("sms-otp-{step}")
}

impl App {
    /// Sends a fresh SMS code for `step` of a renewal (replacing any earlier one), unless the
    /// holder uses a token. `resend` applies the resend limits of SPEC O1.
    pub(crate) async fn send_code(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        renewal_id: &RenewalId,
        step: &str,
        resend: bool,
        now: Timestamp,
    ) -> Result<(), AppError> {
        if h.has_token() {
            return Ok(());
        }
        let purpose = Purpose::renewal(renewal_id.as_str(), step);
        self.send_sms_code(c, h, &h.mobile, purpose, &sms_key(step), resend, now)
            .await
    }

    /// Sends a fresh SMS code for `purpose` to `mobile` (the registered number, or a new one
    /// being confirmed), replacing any earlier code for that purpose.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one fact of the code"
    )]
    pub(crate) async fn send_sms_code(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        mobile: &str,
        purpose: Purpose,
        text_key: &str,
        resend: bool,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let policy = self.config().sms_otp;
        let random: [u8; 8] = rinnova_ca::random_bytes()?;
        let code = code_from_random(random, policy.digits);
        // Only a resend depends on the code it replaces (SPEC O1 limits).
        let existing = if resend {
            repo::otp::get(c, &h.id, purpose.as_str()).await?
        } else {
            None
        };
        let challenge = match &existing {
            Some(old) => {
                // A code whose SMS never went out (still queued, or given up) is replaced
                // without counting: the holder never had it.
                let received = match &old.message_id {
                    Some(m) => repo::outbox::delivered(c, m).await?.unwrap_or(true),
                    None => true,
                };
                if let (false, Some(m)) = (received, &old.message_id) {
                    // Its code is replaced: the SMS is not sent late (a gateway back from an
                    // outage would otherwise deliver a pile of dead codes).
                    repo::outbox::give_up(c, m, "replaced by a new code", secs(now)).await?;
                }
                to_challenge(old).resend(&code, now, &policy, received)?
            }
            None => Challenge::new(new_id(), purpose.clone(), &code, now, &policy),
        };
        let message_id: String = new_id();
        // A replaced challenge keeps its first `created_at` (see `put`).
        repo::otp::put(
            c,
            &to_record(&challenge, &h.id, secs(now), message_id.clone()),
        )
        .await?;
        let lang = Lang::parse(&h.lang);
        let minutes = (policy.ttl_seconds / 60).max(1).to_string();
        let text = lang.t_args(text_key, &[("code", code), ("minutes", minutes)]);
        notify::sms_to(c, message_id, h, mobile, text, secs(now)).await
    }

    /// Checks a code for `step` of a renewal and persists the attempt (so the caller must commit
    /// even when the verdict is an error). The outer error is a failure of the check itself.
    pub(crate) async fn check_code(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        renewal_id: &RenewalId,
        step: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<Result<(), AppError>, AppError> {
        self.check_holder_code(
            c,
            h,
            &Purpose::renewal(renewal_id.as_str(), step),
            code,
            now,
        )
        .await
    }

    /// Checks a code of the holder's token, if they have one, or else the SMS code sent for
    /// `purpose`; persists the attempt (commit even on a refusal).
    pub(crate) async fn check_holder_code(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        purpose: &Purpose,
        code: &str,
        now: Timestamp,
    ) -> Result<Result<(), AppError>, AppError> {
        let token = if h.has_token() {
            repo::holders::token(c, &h.id).await?
        } else {
            None
        };
        if let Some(t) = token {
            let state = token_state(&t)?;
            let seed = self.token_seed(&t)?;
            let tolerance = self.config().token_tolerance.0;
            return Ok(match state.verify(&seed, code, now, &tolerance) {
                Ok(next) => save_token(c, &h.id, &t, &next).await?,
                Err(e) => Err(AppError::Token(e)),
            });
        }
        self.check_sms_code(c, h, purpose, code, now).await
    }

    /// Checks an SMS code for `purpose` and persists the attempt (commit even on a refusal).
    pub(crate) async fn check_sms_code(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        purpose: &Purpose,
        code: &str,
        now: Timestamp,
    ) -> Result<Result<(), AppError>, AppError> {
        let Some(record) = repo::otp::get(c, &h.id, purpose.as_str()).await? else {
            return Ok(Err(OtpError::NotRequested.into()));
        };
        let (next, verdict) =
            to_challenge(&record).verify(purpose, code, now, &self.config().sms_otp);
        repo::otp::record_attempt(
            c,
            &record.id,
            i64::from(next.attempts),
            i64::from(next.consumed),
        )
        .await?;
        Ok(verdict.map_err(AppError::from))
    }

    /// Resynchronises the holder's token with two consecutive codes (SPEC O2), when its clock
    /// or counter drifted beyond the normal window.
    pub async fn resync_token(
        &self,
        holder_id: &HolderId,
        first: &str,
        second: &str,
        ctx: &crate::Ctx,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let h = repo::holders::by_id(&mut tx, holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let t = repo::holders::token(&mut tx, holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let state = token_state(&t)?;
        let seed = self.token_seed(&t)?;
        let tolerance = self.config().token_tolerance.0;
        let outcome = match state.resync(&seed, first, second, now, &tolerance) {
            Ok(next) => save_token(&mut tx, holder_id, &t, &next).await?,
            Err(e) => Err(AppError::Token(e)),
        };
        let action = if outcome.is_ok() {
            crate::audit::AuditAction::TokenResynchronised
        } else {
            crate::audit::AuditAction::TokenResyncFailed
        };
        crate::auth::audit(
            &mut tx,
            secs(now),
            &h.user_id,
            action,
            Some(holder_id.as_str()),
            ctx,
            None,
        )
        .await?;
        tx.commit().await.map_err(rinnova_store::StoreError::from)?;
        outcome
    }

    /// Whether an SMS code for `step` was sent and is still usable.
    pub(crate) async fn code_pending(
        &self,
        c: &mut Conn,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        step: &str,
        now: Timestamp,
    ) -> Result<bool, AppError> {
        let purpose = Purpose::renewal(renewal_id.as_str(), step);
        Ok(repo::otp::get(c, holder_id, purpose.as_str())
            .await?
            .is_some_and(|r| {
                r.consumed == 0
                    && r.expires_at > secs(now)
                    && r.attempts < i64::from(self.config().sms_otp.max_attempts)
            }))
    }
}
