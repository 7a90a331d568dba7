//! Organisation approval (SPEC §5 step 6, seed 001; A3). An organisation either requires its
//! registration manager's (CDRL) approval of each renewal or renews automatically. The CDRL logs
//! in to their own area, sees the pending requests of their organisation's people with their
//! data, and approves or rejects with a reason; the holder is told by e-mail.
//!
//! The server alone decides: the workflow refuses activation before approval whatever a client
//! sends (a renewal approval bypass was CVE-2021-20179 in Dogtag PKI), and a CDRL reaches only
//! their own organisation's renewals.

use crate::auth::audit;
use crate::ending::REJECTED;
use crate::home::rome_date;
use crate::i18n::Lang;
use crate::rao::normalise_username;
use crate::renewal::{commit, to_domain};
use crate::util::{blocking, hash_password, new_id, secs, ts};
use crate::{App, AppError, Ctx, notify};
use jiff::Timestamp;
use rinnova_domain::{DomainError, Email, Event, RenewalId, RenewalStep};
use rinnova_store::{ApprovalRecord, CdrlRecord, Conn, RenewalRecord, Store, repo};
use serde::Serialize;
use utoipa::ToSchema;

/// A CDRL's session, as the area needs it.
#[derive(Debug, Clone)]
pub struct CdrlSession {
    pub account_id: String,
    pub username: String,
    pub name: String,
    pub organisation_id: String,
    pub organisation: String,
    pub csrf: String,
    pub lang: Lang,
}

/// A request waiting for the CDRL, with what they need to decide.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalView {
    #[schema(value_type = String)]
    pub renewal_id: RenewalId,
    pub requested_on: String,
    pub given_name: String,
    pub surname: String,
    pub codice_fiscale: String,
    pub iut: String,
    pub email: String,
    pub mobile: String,
    pub role: Option<String>,
    /// `remote_signature`, `card_signature` or `cns`: a card's request renews a certificate
    /// on the holder's smart card.
    pub certificate_kind: String,
    pub certificate_serial: String,
    pub expiry_date: String,
}

/// A new CDRL account (CA staff, from the command line).
#[derive(Debug, Clone)]
pub struct NewCdrl {
    pub organisation_id: String,
    pub username: String,
    pub password: rinnova_domain::secret::Secret,
    pub name: String,
    pub email: String,
}

/// Creates a CDRL account.
pub async fn create_cdrl(
    store: &Store,
    now: Timestamp,
    kdf: rinnova_ca::KdfParams,
    n: &NewCdrl,
) -> Result<String, AppError> {
    let username = normalise_username(&n.username).ok_or(AppError::StaffLoginFailed)?;
    let email = Email::parse(&n.email)?;
    if n.password.expose().chars().count() < 12 {
        return Err(AppError::Invalid(DomainError::MissingField));
    }
    let pw = n.password.clone();
    let hash = blocking(move || hash_password(pw.expose(), kdf)).await??;
    let id: String = new_id();
    let mut tx = store.begin().await?;
    repo::holders::organisation(&mut tx, &n.organisation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    repo::cdrl::insert(
        &mut tx,
        &CdrlRecord {
            id: id.clone(),
            organisation_id: n.organisation_id.clone(),
            username,
            password_hash: hash,
            name: n.name.clone(),
            email: email.as_str().into(),
            created_at: secs(now),
            disabled_at: None,
            // Until their first login, which records the language they use.
            lang: Lang::It.code().into(),
        },
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

impl App {
    /// A CDRL logs in to their area (throttled like holder logins). Returns the session token.
    pub async fn cdrl_login(
        &self,
        username: &str,
        password: &str,
        lang: Lang,
        ctx: &Ctx,
    ) -> Result<String, AppError> {
        let username = normalise_username(username).ok_or(AppError::StaffLoginFailed)?;
        let account = repo::cdrl::by_username(&mut *self.store().conn().await?, &username)
            .await?
            .filter(|a| a.disabled_at.is_none())
            .map(|a| (a.id, a.password_hash));
        let id = account.as_ref().map(|(id, _)| id.clone());
        let token = self
            .staff_login("cdrl", &username, password, account, lang, ctx)
            .await?;
        if let Some(id) = id {
            // Their notices of requests to approve are written in it.
            let mut tx = self.store().begin().await?;
            repo::cdrl::set_lang(&mut tx, &id, lang.code()).await?;
            commit(tx).await?;
        }
        Ok(token)
    }

    /// The CDRL behind a session token.
    pub async fn cdrl_session(&self, token: &str) -> Result<CdrlSession, AppError> {
        let s = self.staff_session("cdrl", token).await?;
        let mut tx = self.store().begin().await?;
        let a = repo::cdrl::by_id(&mut tx, &s.account_id)
            .await?
            .filter(|a| a.disabled_at.is_none())
            .ok_or(AppError::Unauthenticated)?;
        let org = repo::holders::organisation(&mut tx, &a.organisation_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        commit(tx).await?;
        Ok(CdrlSession {
            account_id: a.id,
            username: a.username,
            name: a.name,
            organisation_id: org.id,
            organisation: org.name,
            csrf: s.csrf,
            lang: Lang::parse(&s.lang),
        })
    }

    /// Ends a CDRL session.
    pub async fn cdrl_logout(&self, token: &str) -> Result<(), AppError> {
        self.staff_logout(token).await
    }

    /// The requests of the CDRL's organisation waiting for a decision.
    pub async fn pending_approvals(
        &self,
        cdrl: &CdrlSession,
    ) -> Result<Vec<ApprovalView>, AppError> {
        let mut c = self.store().conn().await?;
        let mut out = Vec::new();
        for r in repo::cdrl::pending(&mut c, &cdrl.organisation_id).await? {
            let h = repo::holders::by_id(&mut c, &r.holder_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let cert = repo::certificates::by_id(&mut c, &r.certificate_id)
                .await?
                .ok_or(AppError::NotFound)?;
            out.push(ApprovalView {
                renewal_id: r.id,
                requested_on: rome_date(ts(r.signed_at.unwrap_or(r.updated_at))),
                given_name: h.given_name,
                surname: h.surname,
                codice_fiscale: h.codice_fiscale,
                iut: h.iut,
                email: h.email,
                mobile: h.mobile,
                role: h.role_title,
                certificate_kind: cert.kind,
                certificate_serial: cert.serial_hex,
                expiry_date: rome_date(ts(cert.not_after)),
            });
        }
        Ok(out)
    }

    /// The CDRL approves or rejects (a reason is required to reject). Only renewals of their
    /// own organisation's people are within reach; another's answer "not found", as if absent.
    /// Deciding the same way again is answered as done; the other way, refused.
    pub async fn decide(
        &self,
        cdrl: &CdrlSession,
        renewal_id: &RenewalId,
        approve: bool,
        reason: Option<&str>,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if !approve && reason.is_none() {
            return Err(AppError::Invalid(DomainError::MissingField));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let rec = repo::renewals::by_id(&mut tx, renewal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let h = repo::holders::by_id(&mut tx, &rec.holder_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if h.organisation_id.as_deref() != Some(cdrl.organisation_id.as_str()) {
            return Err(AppError::NotFound);
        }
        let decision = if approve { "approved" } else { "rejected" };
        if let Some(done) = repo::cdrl::decision(&mut tx, &rec.id).await? {
            return if done.decision == decision {
                Ok(())
            } else {
                Err(AppError::Conflict)
            };
        }
        let d = to_domain(&rec)?;
        if d.step != RenewalStep::Approval {
            return Err(DomainError::WrongStep(d.step.as_str()).into());
        }
        if approve {
            let cert = repo::certificates::by_id(&mut tx, &rec.certificate_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
                return self.end_renewal(tx, &rec, reason, now, ctx).await;
            }
        }
        repo::cdrl::insert_decision(
            &mut tx,
            &ApprovalRecord {
                renewal_id: rec.id.clone(),
                decided_by: cdrl.account_id.clone(),
                decision: decision.into(),
                reason: reason.map(str::to_owned),
                decided_at: secs(now),
            },
        )
        .await?;
        let rec = if approve {
            self.transition(&mut tx, &rec, &Event::Approved, now, |_| {})
                .await?
        } else {
            // The holder reads why on the renewal page and on home (and in the e-mail below).
            self.record_ending(&mut tx, &rec, REJECTED, reason, now, ctx)
                .await?
        };
        let actor = format!("cdrl:{}", cdrl.username);
        audit(
            &mut tx,
            secs(now),
            &actor,
            if approve {
                crate::audit::AuditAction::Approved
            } else {
                crate::audit::AuditAction::Rejected
            },
            Some(rec.id.as_str()),
            ctx,
            reason.map(str::to_owned),
        )
        .await?;
        if approve
            && repo::card_renewals::by_id(&mut tx, &rec.id)
                .await?
                .is_some()
        {
            // A smart card's request: its proof stood for the activation codes, so the
            // certificate is issued now, for the card client to download (C3).
            self.issue_card_renewal(&mut tx, &rec, &h, now, ctx).await?;
            return commit(tx).await;
        }
        // The first activation code is sent when the holder comes to the step and asks for it
        // (issue 18 item 4: sent now, it expired before they logged in).
        let lang = Lang::parse(&h.lang);
        let (subject, body) = if approve {
            (
                lang.t("email-approved-subject"),
                lang.t_args(
                    "email-approved-body",
                    &[
                        ("name", h.given_name.clone()),
                        ("organisation", cdrl.organisation.clone()),
                        (
                            "link",
                            format!("{}/renewals/{}", self.config().public_url, rec.id),
                        ),
                    ],
                ),
            )
        } else {
            (
                lang.t("email-rejected-subject"),
                lang.t_args(
                    "email-rejected-body",
                    &[
                        ("name", h.given_name.clone()),
                        ("organisation", cdrl.organisation.clone()),
                        ("reason", reason.unwrap_or_default().to_owned()),
                    ],
                ),
            )
        };
        notify::email(&mut tx, &h, subject, body, secs(now)).await?;
        commit(tx).await
    }

    /// Tells the organisation's managers that a request waits for them.
    pub(crate) async fn notify_cdrl(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let Some(h) = repo::holders::by_id(c, &rec.holder_id).await? else {
            return Ok(());
        };
        let Some(org) = h.organisation_id.as_deref() else {
            return Ok(());
        };
        for m in repo::cdrl::of_organisation(c, org).await? {
            let lang = Lang::parse(&m.lang);
            notify::staff_email(
                c,
                &m.email,
                lang,
                lang.t("email-approval-subject"),
                lang.t_args(
                    "email-approval-body",
                    &[
                        ("name", m.name.clone()),
                        ("holder", format!("{} {}", h.given_name, h.surname)),
                        ("link", format!("{}/cdrl", self.config().public_url)),
                    ],
                ),
                secs(now),
            )
            .await?;
        }
        Ok(())
    }
}
