//! A renewal that cannot go on (SPEC W2/W3). The window is checked when a renewal starts and
//! again at every step after it: once the window has closed, or the certificate expired, was
//! revoked, suspended or replaced meanwhile, no step completes. The renewal ends there, its
//! reason is kept for the holder to read (as is an organisation's rejection), a prepaid
//! reservation goes back to the account and a renewal already paid is flagged for refund.

use crate::auth::audit;
use crate::home::facts;
use crate::renewal::commit;
use crate::util::secs;
use crate::{App, AppError, Ctx};
use jiff::Timestamp;
use rinnova_domain::window::{self, NotRenewable};
use rinnova_domain::{Event, PaymentMethod, RenewalStep};
use rinnova_store::{CertificateRecord, Conn, EndingRecord, RenewalRecord, Tx, repo};

/// The stored reason of an organisation's rejection.
pub const REJECTED: &str = "rejected";

impl App {
    /// Why `rec`, unfinished, can no longer go on at `now`, if it cannot. A window
    /// that is not open (the policy changed after the renewal started) does not stop it.
    pub(crate) fn stopped_by(
        &self,
        rec: &RenewalRecord,
        cert: &CertificateRecord,
        now: Timestamp,
    ) -> Result<Option<NotRenewable>, AppError> {
        if RenewalStep::parse(&rec.step).is_none_or(RenewalStep::is_final) {
            return Ok(None);
        }
        Ok(
            match window::assess(&facts(cert)?, &self.config().window, now) {
                Ok(_) | Err(NotRenewable::NotYetOpen { .. }) => None,
                Err(reason) => Some(reason),
            },
        )
    }

    /// Ends `rec` because its certificate can no longer be renewed, commits, and answers why
    /// (the step the holder asked for does not happen).
    pub(crate) async fn end_renewal<T>(
        &self,
        mut tx: Tx,
        rec: &RenewalRecord,
        reason: NotRenewable,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<T, AppError> {
        if let Some(name) = reason.name() {
            self.record_ending(&mut tx, rec, name, None, now, ctx)
                .await?;
            commit(tx).await?;
        }
        Err(AppError::NotRenewable(reason))
    }

    /// In the caller's transaction: `rec` moves to cancelled and why is recorded; a prepaid
    /// reservation is released; a renewal already paid (shop, coupon) is flagged for refund.
    pub(crate) async fn record_ending(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        reason: &str,
        detail: Option<&str>,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<RenewalRecord, AppError> {
        let rec = self
            .transition(c, rec, &Event::Cancelled, now, |_| {})
            .await?;
        self.close_prepaid(c, &rec.id, false, now, ctx).await?;
        repo::shop::release_promos(c, &rec.id, None).await?;
        // A pending bank transfer that arrives later is flagged by the import itself.
        let paid = repo::payments::of_renewal(c, &rec.id).await?.filter(|p| {
            p.status == "settled"
                && p.method != PaymentMethod::Rao.as_str()
                && p.method != PaymentMethod::Prepaid.as_str()
        });
        repo::renewals::put_ending(
            c,
            &EndingRecord {
                renewal_id: rec.id.clone(),
                reason: reason.into(),
                detail: detail.map(str::to_owned),
                refund_due: i64::from(paid.is_some()),
                ended_at: secs(now),
            },
        )
        .await?;
        repo::renewals::clear_sign_attempt(c, &rec.id).await?;
        metrics::counter!("rinnova_renewals_total", "channel" => "any", "outcome" => reason.to_owned())
            .increment(1);
        if reason != REJECTED {
            audit(
                c,
                secs(now),
                "system",
                crate::audit::AuditAction::RenewalEnded,
                Some(rec.id.as_str()),
                ctx,
                Some(reason.into()),
            )
            .await?;
        }
        if let Some(p) = paid {
            audit(
                c,
                secs(now),
                "system",
                crate::audit::AuditAction::RefundDue,
                Some(rec.id.as_str()),
                ctx,
                Some(format!(
                    "{} {} cents, {}",
                    p.method, p.amount_cents, p.reference
                )),
            )
            .await?;
        }
        Ok(rec)
    }

    /// Ends, in batches, the unfinished renewals whose certificate can no longer be renewed
    /// (run with the reminders), so that nothing waits for the holder's next click to be
    /// refunded. Returns how many ended.
    pub async fn end_stopped_renewals(&self, ctx: &Ctx) -> Result<usize, AppError> {
        let now = self.now();
        let mut ended = 0;
        let mut conn = self.store().conn().await?;
        // The window closes at the midnight that begins the expiry date: within a day of it.
        let soon = secs(now) + 2 * 86_400;
        let candidates = repo::renewals::unfinished_near_end(&mut conn, soon, 10_000).await?;
        drop(conn);
        for r in candidates {
            let mut tx = self.store().begin().await?;
            // Read again under the write lock: the holder may be finishing it right now.
            let Some(rec) = repo::renewals::by_id(&mut tx, &r.id).await? else {
                continue;
            };
            let Some(cert) = repo::certificates::by_id(&mut tx, &rec.certificate_id).await? else {
                continue;
            };
            if let Some(name) = self
                .stopped_by(&rec, &cert, now)?
                .and_then(NotRenewable::name)
            {
                self.record_ending(&mut tx, &rec, name, None, now, ctx)
                    .await?;
                commit(tx).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }
}
