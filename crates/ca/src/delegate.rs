//! One key, one purpose (issue 20, EN 319 411-1 §6.1.7): the issuing CA's key signs
//! certificates and CRLs only. Everything else the service signs is signed by a delegate — a key
//! of its own with a short-lived certificate from the issuing CA that names its purpose: OCSP
//! answers (RFC 6960 §4.2.2.2) and the audit trail's seals.

use crate::authority::{Ca, IssuedCertificate, offset, random_serial, verify_signed_by};
use crate::ca_key::CaKey;
use crate::{CaError, profile};
use jiff::Timestamp;
use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose};
use std::sync::Arc;

/// What a delegate key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// OCSP answers: EKU id-kp-OCSPSigning, with id-pkix-ocsp-nocheck.
    OcspResponder,
    /// The audit trail's seals: EKU id-kp-documentSigning (RFC 9336), non-repudiation.
    AuditSeal,
    /// The time-stamping unit (RFC 3161, issue 21): critical EKU id-kp-timeStamping only.
    TimeStamping,
}

/// id-kp-documentSigning (RFC 9336).
const DOCUMENT_SIGNING: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 36];
const DOCUMENT_SIGNING_OID: &str = "1.3.6.1.5.5.7.3.36";
/// id-kp-OCSPSigning.
const OCSP_SIGNING_OID: &str = "1.3.6.1.5.5.7.3.9";
/// id-kp-timeStamping.
const TIME_STAMPING_OID: &str = "1.3.6.1.5.5.7.3.8";

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 3] = [
        Purpose::OcspResponder,
        Purpose::AuditSeal,
        Purpose::TimeStamping,
    ];

    /// The name it is stored under (the database, sealed software keys, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::OcspResponder => "ocsp-responder",
            Purpose::AuditSeal => "audit-seal",
            Purpose::TimeStamping => "time-stamping",
        }
    }

    /// The label of its key in the service's token.
    pub fn key_label(self) -> &'static str {
        match self {
            Purpose::OcspResponder => "rinnova-ocsp-responder",
            Purpose::AuditSeal => "rinnova-audit-seal",
            Purpose::TimeStamping => "rinnova-tsa",
        }
    }

    /// Days its certificate is valid, and how many days before the end a new one is issued.
    /// The responder's is short (it carries id-pkix-ocsp-nocheck, so it cannot be revoked
    /// usefully); a seal's certificate only needs to cover the seals made in its time.
    pub fn validity_days(self) -> (i64, i64) {
        match self {
            Purpose::OcspResponder => (30, 10),
            Purpose::AuditSeal => (90, 30),
            // A time-stamp is checked against the certificate valid when it was made.
            Purpose::TimeStamping => (365, 60),
        }
    }

    fn common_name(self, issuing_cn: &str) -> String {
        match self {
            Purpose::OcspResponder => format!("{issuing_cn} OCSP Responder"),
            Purpose::AuditSeal => format!("{issuing_cn} Audit Seal"),
            Purpose::TimeStamping => format!("{issuing_cn} Time-Stamping Unit"),
        }
    }

    fn eku_oid(self) -> &'static str {
        match self {
            Purpose::OcspResponder => OCSP_SIGNING_OID,
            Purpose::AuditSeal => DOCUMENT_SIGNING_OID,
            Purpose::TimeStamping => TIME_STAMPING_OID,
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delegate: its key (software or in the token) and the certificate in use.
pub struct Delegate {
    pub purpose: Purpose,
    pub key: Arc<CaKey>,
    pub cert_der: Vec<u8>,
    /// Lower-case hex of the certificate's serial.
    pub serial_hex: String,
}

impl Ca {
    /// Issues a delegate's certificate for `key`: valid from `not_before` for `days` days,
    /// signed by the issuing CA, for `purpose` only.
    pub fn issue_delegate(
        &self,
        purpose: Purpose,
        key: &CaKey,
        not_before: Timestamp,
        days: i64,
    ) -> Result<IssuedCertificate, CaError> {
        let c = &self.material().config;
        let mut params = CertificateParams::default();
        params.distinguished_name = profile::ca_name(
            &c.organization,
            &c.organization_identifier,
            &purpose.common_name(&c.issuing_common_name),
        )?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.use_authority_key_identifier_extension = true;
        match purpose {
            Purpose::OcspResponder => {
                params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
                // id-pkix-ocsp-nocheck: NULL.
                params.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 48, 1, 5],
                    vec![0x05, 0x00],
                )];
            }
            Purpose::AuditSeal => {
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::ContentCommitment,
                ];
                params.extended_key_usages =
                    vec![ExtendedKeyUsagePurpose::Other(DOCUMENT_SIGNING.to_vec())];
            }
            Purpose::TimeStamping => {
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::ContentCommitment,
                ];
                // RFC 3161 §2.3: id-kp-timeStamping alone, in a critical extension (rcgen
                // writes its own EKU non-critical): SEQUENCE { OID 1.3.6.1.5.5.7.3.8 }.
                let mut eku = rcgen::CustomExtension::from_oid_content(
                    &[2, 5, 29, 37],
                    vec![
                        0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
                    ],
                );
                eku.set_criticality(true);
                params.custom_extensions = vec![eku];
            }
        }
        // Where relying parties find the status of a unit whose signatures outlive the moment
        // (time-stamps, seals): the issuing CA's OCSP responder and CRL, as for holders. The
        // responder's own certificate needs none (id-pkix-ocsp-nocheck).
        if purpose != Purpose::OcspResponder {
            params.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
                uris: vec![c.urls.crl.clone()],
            }];
            params.custom_extensions.push(crate::profile::aia(&c.urls)?);
        }
        let not_after = not_before
            .checked_add(jiff::SignedDuration::from_hours(24 * days))
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        params.not_before = offset(not_before)?;
        params.not_after = offset(not_after)?;
        let (serial, serial_hex) = random_serial()?;
        params.serial_number = Some(serial);
        let cert = params.signed_by(key, self.issuer())?;
        Ok(IssuedCertificate {
            der: cert.der().to_vec(),
            serial_hex,
            not_before,
            not_after,
        })
    }
}

/// Why a delegate's certificate is not acceptable for a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegateProblem {
    #[error("the certificate cannot be read")]
    Unreadable,
    #[error("the certificate is not signed by the issuing CA")]
    NotFromIssuer,
    #[error("the certificate is not for {0}")]
    WrongPurpose(Purpose),
    #[error("the certificate was not valid at that time")]
    OutsideValidity,
    #[error("the signature is not by the certificate's key")]
    BadSignature,
}

/// Checks that `signature` over `msg`, made at `at` (Unix seconds), is by a delegate for
/// `purpose` whose certificate `cert_der` the issuing CA (`issuing_cert_der`) signed and which
/// was valid then. Needs only public certificates.
pub fn verify_delegated(
    issuing_cert_der: &[u8],
    cert_der: &[u8],
    purpose: Purpose,
    at: i64,
    msg: &[u8],
    signature: &[u8],
) -> Result<(), DelegateProblem> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(cert_der).map_err(|_| DelegateProblem::Unreadable)?;
    if !verify_signed_by(
        issuing_cert_der,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    ) {
        return Err(DelegateProblem::NotFromIssuer);
    }
    let eku = cert
        .extended_key_usage()
        .map_err(|_| DelegateProblem::Unreadable)?
        .ok_or(DelegateProblem::WrongPurpose(purpose))?;
    let wanted = purpose.eku_oid();
    let named = eku.value.other.iter().any(|o| o.to_id_string() == wanted)
        || (purpose == Purpose::OcspResponder && eku.value.ocsp_signing)
        || (purpose == Purpose::TimeStamping && eku.value.time_stamping);
    if !named || eku.value.any {
        return Err(DelegateProblem::WrongPurpose(purpose));
    }
    let validity = cert.validity();
    if at < validity.not_before.timestamp() || at > validity.not_after.timestamp() {
        return Err(DelegateProblem::OutsideValidity);
    }
    if !verify_signed_by(cert_der, msg, signature) {
        return Err(DelegateProblem::BadSignature);
    }
    Ok(())
}
