//! The renewal as the wizard shows it (`RenewalView`): built from the stored renewal, its holder
//! and certificate, as read or as the step's transaction left them.

use crate::home::{
    certificate_view, certificate_view_of, certificate_view_with, credential_state, ended_view,
    holder_view,
};
use crate::i18n::Lang;
use crate::renewal::{code_step, to_domain};
use crate::views::{ContactChangeView, OtpView, RenewalView, StepView};
use crate::{App, AppError};
use rinnova_domain::{HolderId, PaymentMode, RenewalId, RenewalStep};
use rinnova_store::{CertificateRecord, Conn, HolderRecord, RenewalRecord, repo};

impl App {
    /// A renewal as the wizard shows it.
    pub async fn renewal(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
    ) -> Result<RenewalView, AppError> {
        let mut conn = self.store().conn().await?;
        let (r, h, cert) = self.load(&mut conn, holder_id, renewal_id).await?;
        self.view_with(&mut conn, &r, &h, &cert).await
    }

    /// A renewal as the wizard shows it, with its holder and certificate (as read with it, or
    /// as this transaction left them).
    pub(crate) async fn view_with(
        &self,
        c: &mut Conn,
        r: &RenewalRecord,
        h: &HolderRecord,
        cert: &CertificateRecord,
    ) -> Result<RenewalView, AppError> {
        self.view_of(c, r, h, cert, None, false).await
    }

    /// [`App::view_with`] right after [`App::send_expected_code`] in the same transaction: an SMS
    /// holder's code was just sent, so the page says so without reading it back.
    pub(crate) async fn view_after_send(
        &self,
        c: &mut Conn,
        r: &RenewalRecord,
        h: &HolderRecord,
        cert: &CertificateRecord,
    ) -> Result<RenewalView, AppError> {
        self.view_of(c, r, h, cert, None, true).await
    }

    /// [`App::view_with`] of a renewal completed in this transaction: `old` as it is now (superseded)
    /// and `issued`, its new certificate. Neither has an open renewal.
    pub(crate) async fn view_completed(
        &self,
        c: &mut Conn,
        r: &RenewalRecord,
        h: &HolderRecord,
        old: &CertificateRecord,
        issued: &CertificateRecord,
    ) -> Result<RenewalView, AppError> {
        self.view_of(c, r, h, old, Some(issued), false).await
    }

    async fn view_of(
        &self,
        c: &mut Conn,
        r: &RenewalRecord,
        h: &HolderRecord,
        cert: &CertificateRecord,
        issued: Option<&CertificateRecord>,
        just_sent: bool,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let lang = Lang::parse(&h.lang);
        let d = to_domain(r)?;
        let policy = self.config().window;
        // An unfinished renewal is its certificate's open one: no need to look it up.
        let certificate = match issued {
            Some(n) => certificate_view_of(cert, None, Some(n), &policy, now, lang, false)?,
            None if d.step.is_final() => {
                certificate_view(c, cert, &policy, now, lang, false).await?
            }
            None => {
                let mut v =
                    certificate_view_with(c, cert, Some(r.clone()), &policy, now, lang, false)
                        .await?;
                if d.step == RenewalStep::Sign {
                    credential_state(c, cert, &mut v).await?;
                }
                v
            }
        };
        let new_certificate = match (issued, &r.new_certificate_id) {
            (Some(n), _) => Some(certificate_view_of(
                n, None, None, &policy, now, lang, false,
            )?),
            (None, Some(id)) => match repo::certificates::by_id(c, id).await? {
                Some(n) => Some(certificate_view(c, &n, &policy, now, lang, false).await?),
                None => None,
            },
            (None, None) => None,
        };
        let holder = holder_view(h);
        let purpose = code_step(&d);
        let sent = match purpose {
            Some(_) if just_sent => !h.has_token(),
            Some(step) => self.code_pending(c, &h.id, &r.id, step, now).await?,
            None => false,
        };
        let shown: Vec<RenewalStep> = RenewalStep::ALL
            .into_iter()
            .filter(|s| match s {
                // Free and organisation-paid renewals have no payment step.
                RenewalStep::Payment => d.payment_mode == PaymentMode::Holder,
                RenewalStep::Approval => d.approval_required,
                RenewalStep::Cancelled => d.step == RenewalStep::Cancelled,
                _ => true,
            })
            .collect();
        Ok(RenewalView {
            id: r.id.clone(),
            step: d.step,
            steps: shown
                .into_iter()
                .map(|s| StepView {
                    step: s,
                    done: d.has_passed(s) || d.step == RenewalStep::Completed,
                    current: s == d.step,
                })
                .collect(),
            certificate,
            otp: OtpView {
                channel: holder.otp_channel.clone(),
                purpose: purpose.map(str::to_owned),
                mobile_masked: holder.mobile_masked.clone(),
                sent,
            },
            holder,
            payment_mode: r.payment_mode.clone(),
            approval_required: r.approval_required != 0,
            documents_hash: d.documents_hash.map(hex::encode),
            activation_otp_verified: d.activation_otp_verified,
            new_certificate,
            payment: self.payment_view(c, r, &cert.kind, lang).await?,
            contact_change: match d.step {
                RenewalStep::CheckData => repo::holders::pending_contact_change(c, &h.id)
                    .await?
                    .filter(|ch| ch.renewal_id == r.id)
                    .map(|ch| ContactChangeView {
                        field: ch.field,
                        new_value: ch.new_value,
                    }),
                _ => None,
            },
            contact_blocked: if d.step == RenewalStep::CheckData {
                self.contact_conflict(c, h).await?.map(|e| lang.error(&e))
            } else {
                None
            },
            ended: match d.step {
                RenewalStep::Cancelled => repo::renewals::ending(c, &r.id)
                    .await?
                    .map(|e| ended_view(&e.reason, e.detail, e.refund_due != 0, lang)),
                // Not ended yet, but it must: the holder's next step ends it.
                _ => self
                    .stopped_by(r, cert, now)?
                    .and_then(|why| why.name())
                    .map(|why| ended_view(why, None, false, lang)),
            },
        })
    }
}
