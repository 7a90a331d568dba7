//! Editing contact data at step 2 (SPEC §5, seed 001): e-mail, mobile and residence. The holder
//! re-enters the portal password, types the new value, and confirms with an SMS code, sent to
//! the new number when the mobile changes. An e-mail or mobile of a person with another codice
//! fiscale is refused without saying whose it is, and a renewal whose current contact data is
//! shared that way stays blocked at step 2 until it changes. Role data is read-only.

use crate::auth::{Check, audit};
use crate::i18n::Lang;
use crate::renewal::{commit, to_domain};
use crate::util::{new_id, secs};
use crate::views::RenewalView;
use crate::{App, AppError, Ctx, notify};
use rinnova_domain::sms_otp::Purpose;
use rinnova_domain::{DomainError, Email, HolderId, Mobile, RenewalId, RenewalStep};
use rinnova_store::{Conn, ContactChangeRecord, HolderRecord, repo};

/// What can be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Email,
    Mobile,
    Residence,
}

impl ContactField {
    pub fn parse(s: &str) -> Option<ContactField> {
        match s {
            "email" => Some(Self::Email),
            "mobile" => Some(Self::Mobile),
            "residence" => Some(Self::Residence),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Mobile => "mobile",
            Self::Residence => "residence",
        }
    }
}

/// The value in its stored form, or why it is not acceptable.
fn normalise(field: ContactField, typed: &str) -> Result<String, AppError> {
    Ok(match field {
        ContactField::Email => Email::parse(typed)?.as_str().to_owned(),
        ContactField::Mobile => Mobile::parse(typed)?.as_str().to_owned(),
        ContactField::Residence => {
            let r = typed.split_whitespace().collect::<Vec<_>>().join(" ");
            if r.len() < 5 || r.len() > 200 {
                return Err(AppError::Invalid(DomainError::MissingField));
            }
            r
        }
    })
}

impl App {
    /// Whether the holder's current e-mail or mobile also belongs to another person; the
    /// renewal cannot leave step 2 until it is changed.
    pub(crate) async fn contact_conflict(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
    ) -> Result<Option<AppError>, AppError> {
        let shared =
            repo::holders::contact_shared(c, &h.email, &h.mobile, &h.codice_fiscale).await?;
        Ok(shared.map(|field| AppError::ContactShared {
            field: field.to_owned(),
            current: true,
        }))
    }

    /// Step 2, first half: password, then the new value; an SMS code goes to the mobile (the
    /// new one, when the mobile changes).
    pub async fn request_contact_change(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        field: ContactField,
        typed: &str,
        password: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let value = normalise(field, typed)?;
        let (rec, h, cert) = {
            let mut c = self.store().conn().await?;
            let (rec, h, cert) = self.load(&mut c, holder_id, renewal_id).await?;
            let d = to_domain(&rec)?;
            if d.step != RenewalStep::CheckData {
                return Err(DomainError::WrongStep(d.step.as_str()).into());
            }
            (rec, h, cert)
        };
        match self
            .throttled_check(
                &h.user_id,
                Some(h.password_hash.clone()),
                password,
                rec.id.as_str(),
                ctx,
            )
            .await?
        {
            Check::Right => {}
            Check::Wrong => return Err(AppError::WrongPassword),
            Check::Locked { minutes } => return Err(AppError::LoginLocked { minutes }),
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        if field != ContactField::Residence
            && repo::holders::contact_taken_by_other(
                &mut tx,
                field.as_str(),
                &value,
                &h.codice_fiscale,
            )
            .await?
        {
            audit(
                &mut tx,
                secs(now),
                &h.user_id,
                crate::audit::AuditAction::ContactChangeRefused,
                Some(rec.id.as_str()),
                ctx,
                Some(format!("{} belongs to another person", field.as_str())),
            )
            .await?;
            commit(tx).await?;
            return Err(AppError::ContactShared {
                field: field.as_str().to_owned(),
                current: false,
            });
        }
        let old = match field {
            ContactField::Email => h.email.clone(),
            ContactField::Mobile => h.mobile.clone(),
            ContactField::Residence => h.residence.clone(),
        };
        let change = ContactChangeRecord {
            id: new_id(),
            holder_id: h.id.clone(),
            renewal_id: rec.id.clone(),
            field: field.as_str().into(),
            old_value: old,
            new_value: value.clone(),
            created_at: secs(now),
            applied_at: None,
        };
        repo::holders::insert_contact_change(&mut tx, &change).await?;
        let to = if field == ContactField::Mobile {
            value.as_str()
        } else {
            h.mobile.as_str()
        };
        self.send_sms_code(
            &mut tx,
            &h,
            to,
            Purpose::contact_change(&change.id),
            "sms-otp-contact",
            false,
            now,
        )
        .await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::ContactChangeRequested,
            Some(rec.id.as_str()),
            ctx,
            Some(field.as_str().into()),
        )
        .await?;
        let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Step 2, second half: the SMS code applies the pending change.
    pub async fn confirm_contact_change(
        &self,
        holder_id: &HolderId,
        renewal_id: &RenewalId,
        code: &str,
        ctx: &Ctx,
    ) -> Result<RenewalView, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        if let Some(reason) = self.stopped_by(&rec, &cert, now)? {
            return self.end_renewal(tx, &rec, reason, now, ctx).await;
        }
        let change = repo::holders::pending_contact_change(&mut tx, &h.id)
            .await?
            .filter(|c| c.renewal_id == rec.id)
            .ok_or(AppError::Otp(
                rinnova_domain::sms_otp::OtpError::NotRequested,
            ))?;
        let purpose = Purpose::contact_change(&change.id);
        if let Err(e) = self
            .check_sms_code(&mut tx, &h, &purpose, code, now)
            .await?
        {
            audit(
                &mut tx,
                secs(now),
                &h.user_id,
                crate::audit::AuditAction::OtpFailed,
                Some(rec.id.as_str()),
                ctx,
                Some(format!("contact {}", e.code())),
            )
            .await?;
            commit(tx).await?;
            return Err(e);
        }
        // The value might have been taken meanwhile.
        if change.field != "residence"
            && repo::holders::contact_taken_by_other(
                &mut tx,
                &change.field,
                &change.new_value,
                &h.codice_fiscale,
            )
            .await?
        {
            return Err(AppError::ContactShared {
                field: change.field.clone(),
                current: false,
            });
        }
        repo::holders::apply_contact_change(&mut tx, &change, secs(now)).await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::ContactChanged,
            Some(rec.id.as_str()),
            ctx,
            Some(change.field.clone()),
        )
        .await?;
        if change.field == "email" {
            // The old address hears of the change: if it was not its owner, they can react.
            let lang = Lang::parse(&h.lang);
            let old = HolderRecord {
                email: change.old_value.clone(),
                ..h.clone()
            };
            notify::email(
                &mut tx,
                &old,
                lang.t("email-contact-changed-subject"),
                lang.t_args(
                    "email-contact-changed-body",
                    &[
                        ("name", h.given_name.clone()),
                        ("email", change.new_value.clone()),
                    ],
                ),
                secs(now),
            )
            .await?;
        }
        let (rec, h, cert) = self.load(&mut tx, holder_id, renewal_id).await?;
        let v = self.view_with(&mut tx, &rec, &h, &cert).await?;
        commit(tx).await?;
        Ok(v)
    }
}
