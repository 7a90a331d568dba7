//! Renewal reminders (SPEC N1–N2): the sweep that finds the certificates due a reminder, and
//! the sending that records each reminder and queues its e-mail in one transaction, so each
//! goes exactly once whatever crashes or runs twice; the signed link of each e-mail opens that
//! certificate's renewal after login.

use crate::auth::audit;
use crate::home::{rome_date, stored_facts};
use crate::i18n::Lang;
use crate::notify;
use crate::util::{secs, ts};
use crate::views::RenewalView;
use crate::{App, AppError, Ctx, links};
use rinnova_domain::reminder::{Reminder, due};
use rinnova_domain::window::{CertificateFacts, assess};
use rinnova_domain::{CertificateId, HolderId};
use rinnova_store::StoreError;
use rinnova_store::repo::{self, reminders::Candidate};
use std::collections::HashMap;

const DAY: i64 = 86_400;

/// A last notice still goes this long after a window closed (the service was down meanwhile);
/// certificates that closed earlier, before rinnova ran, get none.
const LATE_NOTICE_DAYS: i64 = 30;

/// Reminders sent per transaction: each reminder is still atomic with its e-mail, and a crash
/// loses at most the uncommitted batch, which the next sweep sends.
const BATCH: usize = 256;

/// One certificate due a reminder.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub certificate: Candidate,
    pub send: Reminder,
    /// Thresholds passed unsent: recorded without an e-mail.
    pub skip: Vec<Reminder>,
}

/// What a sweep found.
#[derive(Debug, Clone, Default)]
pub struct Sweep {
    /// Certificates near expiry that were examined.
    pub examined: usize,
    pub due: Vec<DueReminder>,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub examined: usize,
    pub due: usize,
    /// E-mails queued (fewer than `due` when another sweep got there first).
    pub sent: usize,
    /// Unfinished renewals ended because their certificate can no longer be renewed (SPEC W2).
    pub renewals_ended: usize,
}

fn facts(c: &Candidate) -> Result<CertificateFacts, AppError> {
    stored_facts(
        &c.kind,
        &c.status,
        c.not_after,
        c.device_expires_at,
        c.renewals_on_device,
    )
}

fn parse_key(k: &str) -> Option<Reminder> {
    if k == "closed" {
        return Some(Reminder::WindowClosed);
    }
    k.strip_prefix("days-")?
        .parse()
        .ok()
        .map(Reminder::DaysLeft)
}

impl App {
    /// The certificates due a reminder now; reads only (`rinnova reminders run --dry-run`).
    pub async fn due_reminders(&self) -> Result<Sweep, AppError> {
        let now = self.now();
        let n = secs(now);
        let policy = &self.config().reminders;
        let ahead = i64::from(policy.days.iter().copied().max().unwrap_or(0)) + 2;
        let (from, to) = (n - LATE_NOTICE_DAYS * DAY, n + ahead * DAY);
        let mut conn = self.store().conn().await?;
        let candidates = repo::reminders::candidates(&mut conn, from, to).await?;
        let mut recorded: HashMap<CertificateId, Vec<Reminder>> = HashMap::new();
        for (cert, key) in repo::reminders::recorded(&mut conn, from, to).await? {
            if let Some(r) = parse_key(&key) {
                recorded.entry(cert).or_default().push(r);
            }
        }
        drop(conn);
        let mut sweep = Sweep {
            examined: candidates.len(),
            due: Vec::new(),
        };
        for c in candidates {
            let done = recorded.get(&c.id).map_or(&[][..], Vec::as_slice);
            if let Some(d) = due(&facts(&c)?, &self.config().window, policy, done, now) {
                sweep.due.push(DueReminder {
                    certificate: c,
                    send: d.send,
                    skip: d.skip,
                });
            }
        }
        Ok(sweep)
    }

    /// Finds the due reminders and sends them: each recorded (unique per certificate and
    /// reminder) in the same transaction as its e-mail.
    pub async fn send_reminders(&self) -> Result<SweepReport, AppError> {
        let renewals_ended = self.end_stopped_renewals(&crate::Ctx::default()).await?;
        let sweep = self.due_reminders().await?;
        let mut report = SweepReport {
            examined: sweep.examined,
            due: sweep.due.len(),
            sent: 0,
            renewals_ended,
        };
        for batch in sweep.due.chunks(BATCH) {
            let now = secs(self.now());
            let mut tx = self.store().begin().await?;
            // The batch's holders in one statement (a holder may have several certificates).
            let mut ids: Vec<&HolderId> = batch.iter().map(|d| &d.certificate.holder_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let holders: HashMap<HolderId, rinnova_store::HolderRecord> =
                repo::holders::by_ids(&mut tx, &ids)
                    .await?
                    .into_iter()
                    .map(|h| (h.id.clone(), h))
                    .collect();
            for d in batch {
                let cert = &d.certificate.id;
                for s in &d.skip {
                    repo::reminders::record(&mut tx, cert, &s.key(), now, None).await?;
                }
                let key = d.send.key();
                let Some(h) = holders.get(&d.certificate.holder_id) else {
                    // No one to write to: recorded, so that no sweep tries again.
                    repo::reminders::record(&mut tx, cert, &key, now, None).await?;
                    continue;
                };
                // The reminder is recorded with the id of the message that sends it; the
                // message is queued only if this sweep recorded it.
                let id: String = crate::util::new_id();
                if !repo::reminders::record(&mut tx, cert, &key, now, Some(&id)).await? {
                    continue; // another sweep (or instance) sent it
                }
                let (subject, body) = self.reminder_text(h, d)?;
                notify::email_as(&mut tx, id, &h.email, h, subject, body, now).await?;
                report.sent += 1;
            }
            tx.commit().await.map_err(StoreError::from)?;
        }
        if report.sent > 0 {
            tracing::info!(
                sent = report.sent,
                due = report.due,
                "renewal reminders queued"
            );
        }
        Ok(report)
    }

    fn reminder_text(
        &self,
        h: &rinnova_store::HolderRecord,
        d: &DueReminder,
    ) -> Result<(String, String), AppError> {
        let lang = Lang::parse(&h.lang);
        let c = &d.certificate;
        let name = format!("{} {}", h.given_name, h.surname);
        let kind = lang.t(&format!("cert-kind-{}", c.kind));
        let expiry = lang.date_iso(&rome_date(ts(c.not_after)));
        let base = self.config().public_url.trim_end_matches('/').to_owned();
        Ok(match d.send {
            Reminder::DaysLeft(_) => {
                let r = assess(&facts(c)?, &self.config().window, self.now())
                    .map_err(AppError::NotRenewable)?;
                let last_day = r
                    .window
                    .expiry_date
                    .yesterday()
                    .map_err(|e| AppError::Internal(e.into()))?
                    .to_string();
                let link = format!(
                    "{base}/r/{}",
                    links::sign(self.link_key(), &c.id, c.not_after)
                );
                let days = r.days_left.to_string();
                let subject = if r.days_left <= 1 {
                    lang.t("email-reminder-subject-last")
                } else {
                    lang.t_args("email-reminder-subject", &[("days", days.clone())])
                };
                // Card certificates renew with the card client, not on the portal: no link.
                let body_key =
                    if c.kind == rinnova_domain::CertificateKind::RemoteSignature.as_str() {
                        "email-reminder-body"
                    } else {
                        "email-reminder-card-body"
                    };
                (
                    subject,
                    lang.t_args(
                        body_key,
                        &[
                            ("name", name),
                            ("kind", kind),
                            ("serial", c.serial_hex.clone()),
                            ("date", expiry),
                            ("days", days),
                            ("last", last_day),
                            ("link", link),
                        ],
                    ),
                )
            }
            Reminder::WindowClosed => (
                lang.t("email-closed-subject"),
                lang.t_args(
                    "email-closed-body",
                    &[
                        ("name", name),
                        ("kind", kind),
                        ("serial", c.serial_hex.clone()),
                        ("date", expiry),
                        ("home", format!("{base}/")),
                    ],
                ),
            ),
        })
    }

    /// The link of a reminder e-mail, opened by a logged-in holder: the renewal of the
    /// certificate it names (started now, or the one in progress).
    pub async fn open_reminder_link(
        &self,
        holder_id: &HolderId,
        token: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = secs(self.now());
        let cert_id =
            links::verify(self.link_key(), token, now).map_err(|_| AppError::LinkInvalid)?;
        let mut conn = self.store().conn().await?;
        let cert = repo::certificates::by_id(&mut conn, &cert_id)
            .await?
            .ok_or(AppError::LinkInvalid)?;
        if cert.holder_id != holder_id {
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                now,
                holder_id.as_str(),
                crate::audit::AuditAction::ReminderLinkOtherAccount,
                Some(cert_id.as_str()),
                ctx,
                None,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Err(AppError::LinkOtherAccount);
        }
        drop(conn);
        self.start_renewal(holder_id, &cert_id, ctx).await
    }
}
