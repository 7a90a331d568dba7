//! Issuance of a remote-signature certificate and its storage with the new credential: the one
//! place where a key and a certificate enter the database together.

use crate::util::{new_id, secs};
use crate::{App, AppError};
use jiff::Timestamp;
use rinnova_ca::{CredentialKey, HolderSubject, IssuedCertificate};
use rinnova_domain::{CertificateKind, CodiceFiscale};
use rinnova_store::{CertificateRecord, Conn, CredentialRecord, HolderRecord, repo};

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
    ) -> Result<(String, IssuedCertificate), AppError> {
        let issued = self.ca().issue_qualified(
            &holder_subject(h)?,
            CertificateKind::RemoteSignature,
            &key.public_key,
            not_before,
        )?;
        let credential_id = new_id();
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
        let id = new_id();
        repo::certificates::insert(
            c,
            &CertificateRecord {
                id: id.clone(),
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
            },
        )
        .await?;
        Ok((id, issued))
    }
}
