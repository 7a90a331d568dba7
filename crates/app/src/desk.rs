//! The RAO desk (seeds 000, 002, 004; A3): a registration-office operator logs in to their own
//! area, finds a holder by user-id or codice fiscale, sees their certificates and why one cannot
//! be renewed, and — where renewal is impossible (window closed, expired, device expired) or the
//! role data changed — issues a new certificate after recording the identity check done in
//! person. The holder types the new PIN at the desk; the key is sealed under it as always.

use crate::auth::audit;
use crate::home::{certificate_view, certificate_view_of, facts, holder_view};
use crate::i18n::Lang;
use crate::rao::normalise_username;
use crate::renewal::commit;
use crate::util::{blocking, new_id, secs};
use crate::views::{CertificateView, HolderView};
use crate::{App, AppError, Ctx, notify};
use rinnova_domain::window;
use rinnova_domain::{
    CertificateId, CertificateKind, CodiceFiscale, DomainError, HolderId, Pin, RenewalId, UserId,
};
use rinnova_store::{IdentityCheckRecord, repo};
use serde::Serialize;
use utoipa::ToSchema;

/// An RAO's session.
#[derive(Debug, Clone)]
pub struct RaoSession {
    pub account_id: String,
    pub username: String,
    pub name: String,
    pub office: String,
    pub csrf: String,
    pub lang: Lang,
}

/// A holder found at the desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskHolder {
    #[schema(value_type = String)]
    pub id: HolderId,
    pub holder: HolderView,
    pub certificates: Vec<CertificateView>,
    /// The newest audit entries by or about the holder (SPEC X2: the RAO's audit search).
    pub history: Vec<crate::history::HistoryEntry>,
    /// Renewal forms the holder signed (the evidence): renewal id and Rome date-time.
    pub signed_forms: Vec<(String, String)>,
}

/// The identity document shown at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    IdentityCard,
    Passport,
    DrivingLicence,
}

impl DocumentType {
    pub fn parse(s: &str) -> Option<DocumentType> {
        match s {
            "carta_identita" => Some(Self::IdentityCard),
            "passaporto" => Some(Self::Passport),
            "patente" => Some(Self::DrivingLicence),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdentityCard => "carta_identita",
            Self::Passport => "passaporto",
            Self::DrivingLicence => "patente",
        }
    }
}

/// What the RAO records and the holder types for a new certificate.
#[derive(Debug, Clone)]
pub struct NewCertificateAtDesk {
    pub document_type: DocumentType,
    pub document_number: String,
    /// New role data, when that is why a new certificate is needed.
    pub new_role: Option<String>,
    pub pin: rinnova_domain::secret::Secret,
    pub pin_confirm: rinnova_domain::secret::Secret,
}

impl App {
    /// An RAO logs in to the desk area (throttled like every login). Returns the session token.
    pub async fn rao_login(
        &self,
        username: &str,
        password: &str,
        lang: Lang,
        ctx: &Ctx,
    ) -> Result<String, AppError> {
        let username = normalise_username(username).ok_or(AppError::StaffLoginFailed)?;
        let account = repo::rao::by_username(&mut *self.store().conn().await?, &username)
            .await?
            .filter(|a| a.disabled_at.is_none())
            .map(|a| (a.id, a.password_hash));
        self.staff_login("rao", &username, password, account, lang, ctx)
            .await
    }

    /// The RAO behind a session token.
    pub async fn rao_session(&self, token: &str) -> Result<RaoSession, AppError> {
        let s = self.staff_session("rao", token).await?;
        let mut tx = self.store().begin().await?;
        let a = repo::rao::by_id(&mut tx, &s.account_id)
            .await?
            .filter(|a| a.disabled_at.is_none())
            .ok_or(AppError::Unauthenticated)?;
        commit(tx).await?;
        Ok(RaoSession {
            account_id: a.id,
            username: a.username,
            name: a.name,
            office: a.office,
            csrf: s.csrf,
            lang: Lang::parse(&s.lang),
        })
    }

    /// Ends an RAO session.
    pub async fn rao_logout(&self, token: &str) -> Result<(), AppError> {
        self.staff_logout(token).await
    }

    /// Holders with this user-id or codice fiscale, with their certificates. Every search is in
    /// the audit trail (the desk sees personal data).
    pub async fn desk_find(
        &self,
        rao: &RaoSession,
        query: &str,
        ctx: &Ctx,
    ) -> Result<Vec<DeskHolder>, AppError> {
        let q = query.trim().to_ascii_uppercase();
        // A certificate's serial (hex, colons allowed) finds its holder.
        let serial = rinnova_ca::revocation::normalise_serial(&q);
        let is_serial = serial.len() >= 16 && serial.chars().all(|c| c.is_ascii_hexdigit());
        let valid = is_serial || UserId::parse(&q).is_ok() || CodiceFiscale::parse(&q).is_ok();
        if !valid {
            return Err(AppError::Invalid(DomainError::MissingField));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let holders = if is_serial {
            match repo::certificates::by_serial(&mut tx, &serial).await? {
                Some(c) => repo::holders::by_id(&mut tx, &c.holder_id)
                    .await?
                    .into_iter()
                    .collect(),
                None => vec![],
            }
        } else {
            repo::rao::find_holders(&mut tx, &q).await?
        };
        let mut out = Vec::new();
        for h in &holders {
            let mut certificates = Vec::new();
            for c in repo::certificates::of_holder(&mut tx, &h.id).await? {
                certificates.push(
                    certificate_view(&mut tx, &c, &self.config().window, now, rao.lang, false)
                        .await?,
                );
            }
            out.push(DeskHolder {
                id: h.id.clone(),
                holder: holder_view(h),
                certificates,
                history: crate::history::of_holder(&mut tx, h, rao.lang, 30).await?,
                signed_forms: repo::renewals::signed_forms_of_holder(&mut tx, &h.id)
                    .await?
                    .into_iter()
                    .map(|(id, at)| {
                        let when = crate::util::ts(at)
                            .to_zoned(rinnova_domain::window::ca_time_zone())
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string();
                        (id, when)
                    })
                    .collect(),
            });
        }
        // One entry per holder shown, about that holder, so that what the desk saw of a
        // holder is found under their user-id (issue 21); a search that found none is
        // recorded with what was asked.
        let actor = format!("rao:{}", rao.username);
        if holders.is_empty() {
            audit(
                &mut tx,
                secs(now),
                &actor,
                crate::audit::AuditAction::DeskSearch,
                None,
                ctx,
                Some(format!("no holder for {q}")),
            )
            .await?;
        }
        for h in &holders {
            audit(
                &mut tx,
                secs(now),
                &actor,
                crate::audit::AuditAction::DeskSearch,
                Some(h.id.as_str()),
                ctx,
                Some(format!("{q} ({} of {} found)", h.user_id, holders.len())),
            )
            .await?;
        }
        commit(tx).await?;
        Ok(out)
    }

    /// The signed renewal form of a renewal (the evidence), retrieved at the desk; audited.
    pub async fn desk_evidence(
        &self,
        rao: &RaoSession,
        renewal_id: &RenewalId,
        ctx: &Ctx,
    ) -> Result<Vec<u8>, AppError> {
        let pdf = self.evidence(renewal_id).await?;
        let mut tx = self.store().begin().await?;
        audit(
            &mut tx,
            secs(self.now()),
            &format!("rao:{}", rao.username),
            crate::audit::AuditAction::EvidenceRetrieved,
            Some(renewal_id.as_str()),
            ctx,
            None,
        )
        .await?;
        commit(tx).await?;
        Ok(pdf)
    }

    /// A new remote-signature certificate at the desk, replacing `certificate_id`, after the
    /// identity check. Allowed where renewal is impossible, or when the role data changed.
    pub async fn desk_new_certificate(
        &self,
        rao: &RaoSession,
        holder_id: &HolderId,
        certificate_id: &CertificateId,
        req: &NewCertificateAtDesk,
        ctx: &Ctx,
    ) -> Result<CertificateView, AppError> {
        let number: String = req
            .document_number
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !(5..=20).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::Invalid(DomainError::MissingField));
        }
        let new_role = req
            .new_role
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let pin = Pin::parse(req.pin.expose())?;
        if req.pin.expose() != req.pin_confirm.expose() {
            return Err(AppError::Invalid(DomainError::PinMismatch));
        }
        let now = self.now();
        {
            let mut c = self.store().conn().await?;
            let cert = repo::certificates::by_id(&mut c, certificate_id)
                .await?
                .filter(|c| c.holder_id == holder_id)
                .ok_or(AppError::NotFound)?;
            if cert.kind != CertificateKind::RemoteSignature.as_str() {
                return Err(
                    DomainError::WrongStep("card certificates are issued on the card").into(),
                );
            }
            if new_role.is_none() {
                match window::assess(&facts(&cert)?, &self.config().window, now) {
                    Err(reason) if reason.needs_new_certificate() => {}
                    Err(reason) => return Err(AppError::NotRenewable(reason)),
                    // Renewable: the holder renews; a new certificate is for what renewal
                    // cannot do.
                    Ok(_) => return Err(AppError::RenewInstead),
                }
            }
        }
        let device = self.inner.device.clone();
        let key = blocking(move || device.create_key(&pin)).await??;
        let mut tx = self.store().begin().await?;
        let mut h = repo::holders::by_id(&mut tx, holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let old = repo::certificates::by_id(&mut tx, certificate_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(role) = new_role {
            repo::rao::set_role(&mut tx, &h.id, role).await?;
            h.role_title = Some(role.to_owned());
        }
        let (new, issued) = self
            .issue_and_store(&mut tx, &h, &key, old.distributor_id.as_deref(), now, now)
            .await?;
        if old.status == "active" {
            repo::certificates::supersede(&mut tx, &old.id, &new.id, secs(now)).await?;
        }
        let check_id: String = new_id();
        repo::rao::insert_identity_check(
            &mut tx,
            &IdentityCheckRecord {
                id: check_id.clone(),
                holder_id: h.id.clone(),
                rao_id: rao.account_id.clone(),
                document_type: req.document_type.as_str().into(),
                document_number: number.clone(),
                certificate_id: Some(new.id.clone()),
                checked_at: secs(now),
            },
        )
        .await?;
        audit(
            &mut tx,
            secs(now),
            &format!("rao:{}", rao.username),
            crate::audit::AuditAction::DeskNewCertificate,
            Some(h.id.as_str()),
            ctx,
            Some(format!(
                "{} ({}) checked {} {}; serial {}{}",
                rao.name,
                rao.office,
                req.document_type.as_str(),
                number,
                issued.serial_hex,
                new_role
                    .map(|r| format!("; new role {r}"))
                    .unwrap_or_default()
            )),
        )
        .await?;
        // An organisation paying through payroll is charged for the new certificate.
        self.charge_organisation(&mut tx, &check_id, "desk", &h, &old.kind, now)
            .await?;
        let lang = Lang::parse(&h.lang);
        notify::email(
            &mut tx,
            &h,
            lang.t("email-desk-subject"),
            lang.t_args(
                "email-desk-body",
                &[
                    ("name", h.given_name.clone()),
                    ("office", rao.office.clone()),
                    ("serial", issued.serial_hex.clone()),
                ],
            ),
            secs(now),
        )
        .await?;
        // Just issued: no renewal of it is open, and nothing supersedes it.
        let v = certificate_view_of(
            &new,
            None,
            None,
            &self.config().window,
            now,
            rao.lang,
            false,
        )?;
        commit(tx).await?;
        Ok(v)
    }
}
