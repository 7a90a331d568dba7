//! Smart-card certificates (seed 004, SPEC C1, W4): what the server tells the card client about
//! the certificates it read from a card, and the provisioning of demo cards.

use crate::home::{facts, rome_date};
use crate::i18n::Lang;
use crate::issuance::holder_subject;
use crate::util::{new_id, secs, ts};
use crate::{App, AppError};
use jiff::{SignedDuration, ToSpan};
use rinnova_ca::device::HolderPublicKey;
use rinnova_domain::CertificateKind;
use rinnova_domain::window::assess;
use rinnova_store::{CertificateRecord, StoreError, repo};
use serde::Serialize;
use utoipa::ToSchema;

/// A card certificate as the server knows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardCertificateStatus {
    /// Lower-case hex.
    pub serial: String,
    /// `card_signature` or `cns`; empty when the certificate is not ours.
    pub kind: String,
    pub holder: String,
    /// Expiry, a Rome date.
    pub expiry_date: String,
    pub renewable: bool,
    /// Days left to renew, when renewable.
    pub days_left: Option<i32>,
    /// Why not, when not renewable: a stable code and a translated message.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
}

fn serial_of(der: &[u8]) -> Option<String> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    Some(rinnova_ca::revocation::serial_hex(
        &cert.tbs_certificate.serial_number,
    ))
}

impl App {
    /// The status of each certificate a card client read from a card: renewable (and for how
    /// many days), or why not (C1). Certificates this CA did not issue, or that are not card
    /// certificates, are reported as such.
    pub async fn card_status(
        &self,
        certificates: &[Vec<u8>],
        lang: Lang,
    ) -> Result<Vec<CardCertificateStatus>, AppError> {
        let now = self.now();
        let mut conn = self.store().conn().await?;
        let mut out = Vec::with_capacity(certificates.len());
        for der in certificates {
            let serial = serial_of(der).unwrap_or_default();
            let stored = repo::certificates::by_serial(&mut conn, &serial)
                .await?
                .filter(|c| &c.der == der);
            let Some(c) = stored else {
                out.push(CardCertificateStatus {
                    serial,
                    kind: String::new(),
                    holder: String::new(),
                    expiry_date: String::new(),
                    renewable: false,
                    days_left: None,
                    reason_code: Some(AppError::NotFound.code().into()),
                    reason: Some(lang.t("card-not-ours")),
                });
                continue;
            };
            let holder = repo::holders::by_id(&mut conn, &c.holder_id)
                .await?
                .map(|h| format!("{} {}", h.given_name, h.surname))
                .unwrap_or_default();
            let verdict = if c.kind == CertificateKind::RemoteSignature.as_str() {
                Err(("RNV-CARD-001".to_owned(), lang.t("card-remote-certificate")))
            } else {
                assess(&facts(&c)?, &self.config().window, now).map_err(|r| {
                    let e = AppError::NotRenewable(r);
                    (e.code().to_owned(), lang.error(&e))
                })
            };
            let (renewable, days_left, reason_code, reason) = match verdict {
                Ok(r) => (true, Some(r.days_left), None, None),
                Err((code, text)) => (false, None, Some(code), Some(text)),
            };
            out.push(CardCertificateStatus {
                serial,
                kind: c.kind.clone(),
                holder,
                expiry_date: rome_date(ts(c.not_after)),
                renewable,
                days_left,
                reason_code,
                reason,
            });
        }
        Ok(out)
    }

    /// Demo and tests: issues a card's certificates to `user_id` for public keys generated on
    /// the card, expiring in `expires_in_days`; the card itself was issued when its first
    /// certificates were, and lives 6 years (W4). Returns each kind with its certificate.
    pub async fn provision_demo_card(
        &self,
        user_id: &str,
        keys: &[(CertificateKind, Vec<u8>)],
        expires_in_days: i64,
    ) -> Result<Vec<(CertificateKind, Vec<u8>)>, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let h = repo::holders::by_user_id(&mut tx, &user_id.trim().to_ascii_uppercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let not_after = now + SignedDuration::from_hours(24 * expires_in_days);
        let not_before = not_after
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_sub(3.years())
            .map_err(|e| AppError::Internal(e.to_string()))?
            .timestamp();
        let device_expires = not_before
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(6.years())
            .map_err(|e| AppError::Internal(e.to_string()))?
            .timestamp();
        let mut out = Vec::new();
        for (kind, raw) in keys {
            let issued = self.ca().issue_qualified(
                &holder_subject(&h)?,
                *kind,
                &HolderPublicKey { raw: raw.clone() },
                not_before,
            )?;
            repo::certificates::insert(
                &mut tx,
                &CertificateRecord {
                    id: new_id(),
                    holder_id: h.id.clone(),
                    credential_id: None,
                    kind: kind.as_str().into(),
                    serial_hex: issued.serial_hex.clone(),
                    der: issued.der.clone(),
                    not_before: secs(issued.not_before),
                    not_after: secs(issued.not_after),
                    status: "active".into(),
                    superseded_by: None,
                    status_changed_at: None,
                    device_expires_at: Some(secs(device_expires)),
                    renewals_on_device: 0,
                    created_at: secs(now),
                    distributor_id: None,
                },
            )
            .await?;
            out.push((*kind, issued.der));
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(out)
    }
}
