//! The holder's home page: each certificate, its expiry, whether renewal is open and the days
//! left (SPEC W5).

use crate::i18n::Lang;
use crate::util::ts;
use crate::views::{
    CertificateView, EndedView, HolderView, HomeView, NotRenewableView, OpenRenewal, RenewedBy,
};
use crate::{App, AppError};
use jiff::Timestamp;
use rinnova_domain::window::{self, CertificateFacts};
use rinnova_domain::{
    CertificateId, CertificateKind, CertificateStatus, HolderId, NotRenewable, RenewalStep,
    WindowPolicy,
};
use rinnova_store::{CertificateRecord, Conn, HolderRecord, RenewalRecord, repo};

impl App {
    /// The home page of a holder.
    pub async fn home(&self, holder_id: &HolderId) -> Result<HomeView, AppError> {
        let now = self.now();
        let mut conn = self.store().conn().await?;
        let holder = repo::holders::by_id(&mut conn, holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let holder_view = holder_view(&holder);
        let lang = Lang::parse(&holder.lang);
        let payroll =
            holder_view.organisation.is_some() && organisation_pays(&mut conn, &holder).await?;
        let mut certificates = Vec::new();
        for c in repo::certificates::of_holder(&mut conn, holder_id).await? {
            certificates.push(
                certificate_view(&mut conn, &c, &self.config().window, now, lang, payroll).await?,
            );
        }
        Ok(HomeView {
            holder: holder_view,
            certificates,
        })
    }
}

impl App {
    /// A holder's certificate as PEM (the holder can download their own certificates).
    pub async fn certificate_pem(
        &self,
        holder_id: &HolderId,
        certificate_id: &CertificateId,
    ) -> Result<String, AppError> {
        let mut conn = self.store().conn().await?;
        let c = repo::certificates::by_id(&mut conn, certificate_id)
            .await?
            .filter(|c| c.holder_id == holder_id)
            .ok_or(AppError::NotFound)?;
        Ok(rinnova_ca::authority::pem("CERTIFICATE", &c.der))
    }
}

async fn organisation_pays(conn: &mut Conn, h: &HolderRecord) -> Result<bool, AppError> {
    Ok(match &h.organisation_id {
        Some(id) => repo::holders::organisation(conn, id)
            .await?
            .is_some_and(|o| o.payment_mode == "organisation"),
        None => false,
    })
}

/// The holder as shown.
pub(crate) fn holder_view(h: &HolderRecord) -> HolderView {
    let mobile_masked = rinnova_domain::Mobile::parse(&h.mobile)
        .map(|m| m.masked())
        .unwrap_or_default();
    HolderView {
        user_id: h.user_id.clone(),
        given_name: h.given_name.clone(),
        surname: h.surname.clone(),
        codice_fiscale: h.codice_fiscale.clone(),
        iut: h.iut.clone(),
        email: h.email.clone(),
        mobile: h.mobile.clone(),
        mobile_masked,
        residence: h.residence.clone(),
        role: h.role_title.clone(),
        organisation: h.organisation_name.clone(),
        lang: h.lang.clone(),
        otp_channel: if h.has_token() { "token" } else { "sms" }.into(),
    }
}

/// The window facts of a stored certificate.
pub(crate) fn facts(c: &CertificateRecord) -> Result<CertificateFacts, AppError> {
    stored_facts(
        &c.kind,
        &c.status,
        c.not_after,
        c.device_expires_at,
        c.renewals_on_device,
    )
}

/// The window rule's facts from stored columns (a whole certificate row, or the reminder
/// sweep's lean one).
pub(crate) fn stored_facts(
    kind: &str,
    status: &str,
    not_after: i64,
    device_expires_at: Option<i64>,
    renewals_on_device: i64,
) -> Result<CertificateFacts, AppError> {
    Ok(CertificateFacts {
        kind: CertificateKind::parse(kind)
            .ok_or_else(|| AppError::Internal(format!("kind {kind}").into()))?,
        status: CertificateStatus::parse(status)
            .ok_or_else(|| AppError::Internal(format!("status {status}").into()))?,
        not_after: ts(not_after),
        device_expires_at: device_expires_at.map(ts),
        renewals_on_device: u32::try_from(renewals_on_device).unwrap_or(u32::MAX),
    })
}

pub(crate) fn rome_date(t: Timestamp) -> String {
    t.to_zoned(window::ca_time_zone()).date().to_string()
}

/// A certificate as shown, with its renewal window at `now`.
pub(crate) async fn certificate_view(
    conn: &mut Conn,
    c: &CertificateRecord,
    policy: &WindowPolicy,
    now: Timestamp,
    lang: Lang,
    payroll: bool,
) -> Result<CertificateView, AppError> {
    let open = repo::renewals::open_for_certificate(conn, &c.id).await?;
    let mut v = certificate_view_with(conn, c, open, policy, now, lang, payroll).await?;
    credential_state(conn, c, &mut v).await?;
    Ok(v)
}

/// Marks a certificate whose signing credential is blocked (SPEC O3): status `blocked`.
/// (A renewal's own pages need it only at the signature.)
pub(crate) async fn credential_state(
    conn: &mut Conn,
    c: &CertificateRecord,
    v: &mut CertificateView,
) -> Result<(), AppError> {
    if c.status == CertificateStatus::Active.as_str()
        && let Some(cred) = &c.credential_id
    {
        v.credential_blocked = repo::holders::credential(conn, cred)
            .await?
            .is_some_and(|k| k.blocked_at.is_some());
        if v.credential_blocked && v.status == CertificateStatus::Active.as_str() {
            v.status = "blocked".into();
        }
    }
    Ok(())
}

/// [`certificate_view`] with the certificate's open renewal already known (a renewal that is
/// neither completed nor cancelled is its certificate's only open one).
pub(crate) async fn certificate_view_with(
    conn: &mut Conn,
    c: &CertificateRecord,
    open: Option<RenewalRecord>,
    policy: &WindowPolicy,
    now: Timestamp,
    lang: Lang,
    payroll: bool,
) -> Result<CertificateView, AppError> {
    let renewed_by = match &c.superseded_by {
        Some(id) => repo::certificates::by_id(conn, id).await?,
        None => None,
    };
    let no_open = open.is_none();
    let mut v = certificate_view_of(c, open, renewed_by.as_ref(), policy, now, lang, payroll)?;
    if no_open && c.superseded_by.is_none() {
        v.last_renewal_ended = repo::renewals::last_ending_of_certificate(conn, &c.id)
            .await?
            .map(|e| ended_view(&e.reason, e.detail, e.refund_due != 0, lang));
    }
    Ok(v)
}

/// Why a renewal ended, as the holder reads it (SPEC W3).
pub(crate) fn ended_view(
    reason: &str,
    detail: Option<String>,
    refund_due: bool,
    lang: Lang,
) -> EndedView {
    let rule = NotRenewable::from_name(reason);
    let code = rule.map(|r| AppError::NotRenewable(r).code().to_owned());
    let mut text = match rule {
        Some(r) => {
            // "…si è interrotto: il periodo…" — the rule's own sentence, after a colon.
            let why = lang.error(&AppError::NotRenewable(r));
            let mut chars = why.chars();
            let why = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => why,
            };
            lang.t_args("renewal-ended-window", &[("why", why)])
        }
        None if reason == crate::ending::REJECTED => lang.t_args(
            "renewal-ended-rejected",
            &[("reason", detail.clone().unwrap_or_default())],
        ),
        None => lang.t("renewal-ended-other"),
    };
    if refund_due {
        text.push(' ');
        text.push_str(&lang.t("renewal-ended-refund"));
    }
    EndedView {
        reason: reason.into(),
        code,
        text,
        detail,
        refund_due,
    }
}

/// [`certificate_view_with`] with the certificate that superseded `c` (if any) known too.
pub(crate) fn certificate_view_of(
    c: &CertificateRecord,
    open: Option<RenewalRecord>,
    renewed_by: Option<&CertificateRecord>,
    policy: &WindowPolicy,
    now: Timestamp,
    lang: Lang,
    payroll: bool,
) -> Result<CertificateView, AppError> {
    let f = facts(c)?;
    let assessed = window::assess(&f, policy, now);
    let renewed_by = renewed_by.map(|n| RenewedBy {
        certificate_id: n.id.clone(),
        expiry_date: rome_date(ts(n.not_after)),
    });
    let (renewable, days_left, not_renewable) = match assessed {
        Ok(r) => (true, Some(r.days_left), None),
        Err(reason) => {
            let e = AppError::NotRenewable(reason);
            let opens_on = match reason {
                NotRenewable::NotYetOpen { opens_on } => Some(opens_on.to_string()),
                _ => None,
            };
            (
                false,
                None,
                Some(NotRenewableView {
                    code: e.code().into(),
                    reason: lang.error(&e),
                    opens_on,
                    needs_new_certificate: reason.needs_new_certificate(),
                }),
            )
        }
    };
    // A certificate past its expiry is shown as expired whatever the register says (it changes
    // no more once expired).
    let status = if c.status == CertificateStatus::Active.as_str() && now >= ts(c.not_after) {
        "expired".to_owned()
    } else {
        c.status.clone()
    };
    Ok(CertificateView {
        id: c.id.clone(),
        kind: c.kind.clone(),
        serial: c.serial_hex.clone(),
        status,
        not_before: ts(c.not_before).to_string(),
        not_after: ts(c.not_after).to_string(),
        expiry_date: rome_date(ts(c.not_after)),
        renewable,
        days_left,
        last_day: days_left == Some(1),
        not_renewable,
        open_renewal: open
            .and_then(|r| RenewalStep::parse(&r.step).map(|step| OpenRenewal { id: r.id, step })),
        renewed_by,
        payroll,
        last_renewal_ended: None,
        credential_blocked: false,
    })
}
