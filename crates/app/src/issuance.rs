//! Issuance of a remote-signature certificate and its storage with the new credential: the one
//! place where a key and a certificate enter the database together.

use crate::auth::audit;
use crate::i18n::Lang;
use crate::notify;
use crate::util::{new_id, secs};
use crate::{App, AppError, Ctx};
use jiff::Timestamp;
use rinnova_ca::{CredentialKey, HolderSubject, IssuedCertificate};
use rinnova_domain::window::ca_time_zone;
use rinnova_domain::{
    CertificateId, CertificateKind, CodiceFiscale, CredentialId, Event, PaymentMode,
};
use rinnova_store::{CertificateRecord, Conn, CredentialRecord, HolderRecord, RenewalRecord, repo};

/// The subject of a holder's qualified certificate (organisation only with its consent, which
/// this foundation does not record yet).
pub(crate) fn holder_subject(h: &HolderRecord) -> Result<HolderSubject, AppError> {
    Ok(HolderSubject {
        given_name: h.given_name.clone(),
        surname: h.surname.clone(),
        codice_fiscale: CodiceFiscale::parse(&h.codice_fiscale)?,
        iut: h.iut.clone(),
        title: h.role_title.clone(),
        organization: None,
    })
}

impl App {
    /// Issues a 3-year certificate for `key`, valid from `not_before`, and stores it (active)
    /// with its credential. A renewed certificate stays with the distributor that sold the
    /// first one. Returns the new certificate's id and the certificate.
    pub(crate) async fn issue_and_store(
        &self,
        c: &mut Conn,
        h: &HolderRecord,
        key: &CredentialKey,
        distributor_id: Option<&str>,
        not_before: Timestamp,
        now: Timestamp,
    ) -> Result<(CertificateRecord, IssuedCertificate), AppError> {
        let issued = self.ca().issue_qualified(
            &holder_subject(h)?,
            CertificateKind::RemoteSignature,
            &key.public_key,
            not_before,
        )?;
        let credential_id: CredentialId = new_id();
        repo::holders::insert_credential(
            c,
            &CredentialRecord {
                id: credential_id.clone(),
                holder_id: h.id.clone(),
                public_key: key.public_key.raw.clone(),
                sealed_private: key.sealed_private.clone(),
                failed_pins: 0,
                blocked_at: None,
                retired_at: None,
                created_at: secs(now),
            },
        )
        .await?;
        let stored = CertificateRecord {
            id: new_id(),
            holder_id: h.id.clone(),
            credential_id: Some(credential_id),
            kind: CertificateKind::RemoteSignature.as_str().into(),
            serial_hex: issued.serial_hex.clone(),
            der: issued.der.clone(),
            not_before: secs(issued.not_before),
            not_after: secs(issued.not_after),
            status: "active".into(),
            superseded_by: None,
            status_changed_at: None,
            device_expires_at: None,
            renewals_on_device: 0,
            created_at: secs(now),
            distributor_id: distributor_id.map(str::to_owned),
        };
        repo::certificates::insert(c, &stored).await?;
        Ok((stored, issued))
    }

    /// The end of any renewal once its new certificate is stored, in the caller's transaction:
    /// the old certificate superseded, a prepaid reservation debited, an organisation paying
    /// through payroll charged, the renewal completed, both facts audited, the holder e-mailed.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one fact of the completed renewal"
    )]
    pub(crate) async fn complete_renewal(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        h: &HolderRecord,
        old: &CertificateRecord,
        new_cert_id: &CertificateId,
        issued: &IssuedCertificate,
        now: Timestamp,
        ctx: &Ctx,
    ) -> Result<RenewalRecord, AppError> {
        if !repo::certificates::supersede(c, &old.id, new_cert_id, secs(now)).await? {
            return Err(AppError::Conflict);
        }
        // Only a renewal the holder pays has a payment step, hence a prepaid reservation.
        if rec.payment_mode == PaymentMode::Holder.as_str() {
            self.close_prepaid(c, &rec.id, true, now, ctx).await?;
        }
        self.charge_payroll(c, rec, h, &old.kind, now).await?;
        let rec = self
            .transition(c, rec, &Event::Activated, now, |r| {
                r.new_certificate_id = Some(new_cert_id.clone())
            })
            .await?;
        for (action, serial) in [
            (
                crate::audit::AuditAction::CertificateIssued,
                &issued.serial_hex,
            ),
            (
                crate::audit::AuditAction::CertificateSuperseded,
                &old.serial_hex,
            ),
        ] {
            audit(
                c,
                secs(now),
                &h.user_id,
                action,
                Some(rec.id.as_str()),
                ctx,
                Some(format!("serial {serial}")),
            )
            .await?;
        }
        let lang = Lang::parse(&h.lang);
        let expiry = lang.date(issued.not_after.to_zoned(ca_time_zone()).date());
        let body = lang.t_args(
            "email-renewed-body",
            &[
                ("name", format!("{} {}", h.given_name, h.surname)),
                ("serial", issued.serial_hex.clone()),
                ("date", expiry),
            ],
        );
        notify::email(c, h, lang.t("email-renewed-subject"), body, secs(now)).await?;
        Ok(rec)
    }
}
