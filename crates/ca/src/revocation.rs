//! Revocation status (SPEC X1): the CRL (RFC 5280) and OCSP responses (RFC 6960) signed by the
//! issuing CA. The store says which certificates are revoked; this module encodes and signs.

use crate::authority::Ca;
use crate::error::CaError;
use aws_lc_rs::digest;
use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
use der::{Decode, Encode};
use jiff::Timestamp;
use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

/// Why a certificate was revoked (the RFC 5280 reason codes a CA of holders uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Unspecified,
    KeyCompromise,
    /// The issuing CA's key was compromised (for a subordinate CA on the root CRL).
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    /// Suspension: the certificate is on hold.
    CertificateHold,
    PrivilegeWithdrawn,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::CertificateHold,
        Reason::PrivilegeWithdrawn,
    ];

    /// The stored and command-line name (`key_compromise`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "key_compromise",
            Self::CaCompromise => "ca_compromise",
            Self::AffiliationChanged => "affiliation_changed",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessation_of_operation",
            Self::CertificateHold => "certificate_hold",
            Self::PrivilegeWithdrawn => "privilege_withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.replace('-', "_").to_ascii_lowercase();
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    fn rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::CaCompromise => R::CaCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::CertificateHold => R::CertificateHold,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
        }
    }

    fn crl_reason(self) -> CrlReason {
        match self {
            Self::Unspecified => CrlReason::Unspecified,
            Self::KeyCompromise => CrlReason::KeyCompromise,
            Self::CaCompromise => CrlReason::CaCompromise,
            Self::AffiliationChanged => CrlReason::AffiliationChanged,
            Self::Superseded => CrlReason::Superseded,
            Self::CessationOfOperation => CrlReason::CessationOfOperation,
            Self::CertificateHold => CrlReason::CertificateHold,
            Self::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }
}

/// A revoked certificate, as the CRL and OCSP tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub serial_hex: String,
    pub at: Timestamp,
    pub reason: Reason,
}

/// What the CA knows of a serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Good,
    Revoked {
        at: Timestamp,
        reason: Reason,
    },
    /// Not a certificate of this CA.
    Unknown,
}

/// The stored form of a serial number: lower-case hex of its value, without leading zero
/// bytes (the DER sign byte).
pub fn serial_hex(serial: &x509_cert::serial_number::SerialNumber) -> String {
    let bytes = serial.as_bytes();
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].iter().map(|b| format!("{b:02x}")).collect()
}

/// A serial as a person types it (`4A:0F…`, spaces around) in its stored form.
pub fn normalise_serial(typed: &str) -> String {
    typed.trim().replace(':', "").to_ascii_lowercase()
}

fn serial(hex: &str) -> Result<SerialNumber, CaError> {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| CaError::Certificate(format!("serial {hex:?} is not hex")))?;
    Ok(SerialNumber::from_slice(&bytes))
}

fn offset(t: Timestamp) -> Result<time::OffsetDateTime, CaError> {
    time::OffsetDateTime::from_unix_timestamp(t.as_second())
        .map_err(|e| CaError::Certificate(e.to_string()))
}

fn gtime(t: Timestamp) -> Result<OcspGeneralizedTime, CaError> {
    let secs = u64::try_from(t.as_second())
        .map_err(|_| CaError::Certificate("time before 1970".into()))?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map(OcspGeneralizedTime)
        .map_err(|e| CaError::Certificate(e.to_string()))
}

fn der_err(e: der::Error) -> CaError {
    CaError::Certificate(format!("DER: {e}"))
}

/// The OID of the OCSP nonce extension.
const NONCE: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const SHA1: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// One certificate asked about in an OCSP request.
#[derive(Debug, Clone)]
pub struct OcspQuestion {
    cert_id: CertId,
    /// Lower-case hex of the serial, as the store keeps it.
    pub serial_hex: String,
    /// Whether the request names this CA as the issuer (otherwise the answer is "unknown").
    pub ours: bool,
}

/// A parsed OCSP request.
#[derive(Debug, Clone)]
pub struct OcspQuestions {
    pub questions: Vec<OcspQuestion>,
    nonce: Option<Extension>,
}

/// A CRL by `issuer` (the issuing CA's, or the root's: `RootCa::crl`).
pub(crate) fn sign_crl(
    issuer: &rcgen::Issuer<'static, crate::ca_key::CaKey>,
    number: u64,
    this_update: Timestamp,
    next_update: Timestamp,
    revoked: &[Revoked],
) -> Result<Vec<u8>, CaError> {
    let revoked_certs = revoked
        .iter()
        .map(|r| {
            Ok(RevokedCertParams {
                serial_number: serial(&r.serial_hex)?,
                revocation_time: offset(r.at)?,
                reason_code: Some(r.reason.rcgen()),
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>, CaError>>()?;
    let params = CertificateRevocationListParams {
        this_update: offset(this_update)?,
        next_update: offset(next_update)?,
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(issuer)?.der().to_vec())
}

/// The answer to a request that cannot be parsed: `malformedRequest`.
pub fn ocsp_malformed() -> Vec<u8> {
    OcspResponse::malformed_request()
        .to_der()
        .unwrap_or_else(|_| vec![0x30, 0x03, 0x0a, 0x01, 0x01])
}

impl Ca {
    /// A CRL listing `revoked`, numbered `number`, valid from `this_update` to `next_update`.
    pub fn crl(
        &self,
        number: u64,
        this_update: Timestamp,
        next_update: Timestamp,
        revoked: &[Revoked],
    ) -> Result<Vec<u8>, CaError> {
        sign_crl(self.issuer(), number, this_update, next_update, revoked)
    }

    /// The issuing CA's certificate, parsed, and its subject name (DER): what CertIDs hash.
    fn issuing_certificate(&self) -> Result<(x509_cert::Certificate, Vec<u8>), CaError> {
        let issuing =
            x509_cert::Certificate::from_der(&self.material().issuing_cert_der).map_err(der_err)?;
        let name_der = issuing.tbs_certificate.subject.to_der().map_err(der_err)?;
        Ok((issuing, name_der))
    }

    /// Parses an OCSP request and says, for each certificate asked about, whether this CA is
    /// its issuer (by the hashes of our name and key: SHA-1, SHA-256, SHA-384 or SHA-512; a
    /// CertID hashed otherwise is answered `unknown`).
    pub fn ocsp_questions(&self, request_der: &[u8]) -> Result<OcspQuestions, CaError> {
        let req = OcspRequest::from_der(request_der).map_err(der_err)?;
        let (issuing, name_der) = self.issuing_certificate()?;
        let key = issuing
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let list = &req.tbs_request.request_list;
        if list.is_empty() || list.len() > 20 {
            return Err(CaError::Certificate(
                "0 or more than 20 certificates asked".into(),
            ));
        }
        let questions = list
            .iter()
            .map(|r| {
                let id = &r.req_cert;
                let alg = match id.hash_algorithm.oid {
                    SHA1 => Some(&digest::SHA1_FOR_LEGACY_USE_ONLY),
                    SHA256 => Some(&digest::SHA256),
                    SHA384 => Some(&digest::SHA384),
                    SHA512 => Some(&digest::SHA512),
                    _ => None,
                };
                let ours = alg.is_some_and(|alg| {
                    digest::digest(alg, &name_der).as_ref() == id.issuer_name_hash.as_bytes()
                        && digest::digest(alg, key).as_ref() == id.issuer_key_hash.as_bytes()
                });
                let serial_hex = serial_hex(&id.serial_number);
                OcspQuestion {
                    cert_id: id.clone(),
                    serial_hex,
                    ours,
                }
            })
            .collect();
        let nonce = req
            .tbs_request
            .request_extensions
            .as_ref()
            .and_then(|exts| exts.iter().find(|e| e.extn_id == NONCE).cloned());
        Ok(OcspQuestions { questions, nonce })
    }

    /// The question an OCSP request would ask about `cert_der` (one of this CA's
    /// certificates, a holder's or a unit's): a SHA-256 CertID. For the answers a signed
    /// document keeps as its own evidence (PAdES B-LT), asked by the CA itself.
    pub fn ocsp_question_for(&self, cert_der: &[u8]) -> Result<OcspQuestions, CaError> {
        let cert = x509_cert::Certificate::from_der(cert_der).map_err(der_err)?;
        let (issuing, name_der) = self.issuing_certificate()?;
        if cert.tbs_certificate.issuer != issuing.tbs_certificate.subject {
            return Err(CaError::Certificate("not a certificate of this CA".into()));
        }
        let key = issuing
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let hash = |b: &[u8]| OctetString::new(digest::digest(&digest::SHA256, b).as_ref());
        let serial = cert.tbs_certificate.serial_number;
        Ok(OcspQuestions {
            questions: vec![OcspQuestion {
                cert_id: CertId {
                    hash_algorithm: AlgorithmIdentifierOwned {
                        oid: SHA256,
                        parameters: Some(Null.into()),
                    },
                    issuer_name_hash: hash(&name_der).map_err(der_err)?,
                    issuer_key_hash: hash(key).map_err(der_err)?,
                    serial_number: serial.clone(),
                },
                serial_hex: serial_hex(&serial),
                ours: true,
            }],
            nonce: None,
        })
    }

    /// The signed OCSP response (`successful`, a BasicOCSPResponse signed by the delegated
    /// `responder`, whose certificate it carries) for `answers`, one status per question,
    /// produced at `now` and valid for an hour.
    pub fn ocsp_answer(
        &self,
        responder: &crate::delegate::Delegate,
        q: &OcspQuestions,
        answers: &[Status],
        now: Timestamp,
    ) -> Result<Vec<u8>, CaError> {
        let responder_cert =
            x509_cert::Certificate::from_der(&responder.cert_der).map_err(der_err)?;
        let key = responder_cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let key_hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, key);
        let next = now
            .checked_add(jiff::SignedDuration::from_hours(1))
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        let responses = q
            .questions
            .iter()
            .zip(answers)
            .map(|(question, status)| {
                let cert_status = match status {
                    Status::Good if question.ours => CertStatus::good(),
                    Status::Revoked { at, reason } if question.ours => {
                        CertStatus::revoked(RevokedInfo {
                            revocation_time: gtime(*at)?,
                            revocation_reason: Some(reason.crl_reason()),
                        })
                    }
                    _ => CertStatus::Unknown(Null),
                };
                Ok(SingleResponse {
                    cert_id: question.cert_id.clone(),
                    cert_status,
                    this_update: gtime(now)?,
                    next_update: Some(gtime(next)?),
                    single_extensions: None,
                })
            })
            .collect::<Result<Vec<_>, CaError>>()?;
        let tbs = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(OctetString::new(key_hash.as_ref()).map_err(der_err)?),
            produced_at: gtime(now)?,
            responses,
            response_extensions: q.nonce.clone().map(|n| vec![n]),
        };
        let signature = responder
            .key
            .sign_message(&tbs.to_der().map_err(der_err)?)?;
        let signature_algorithm = match self.material().config.algorithm {
            crate::CaAlgorithm::EcdsaP256 => AlgorithmIdentifierOwned {
                oid: der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                parameters: None,
            },
            crate::CaAlgorithm::Rsa3072 => AlgorithmIdentifierOwned {
                oid: der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
                parameters: Some(der::Any::from(Null)),
            },
        };
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm,
            signature: BitString::from_bytes(&signature).map_err(der_err)?,
            certs: Some(vec![responder_cert]),
        };
        OcspResponse::successful(basic)
            .and_then(|r| r.to_der())
            .map_err(der_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x1_reasons_round_trip_and_accept_dashes() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
            assert_eq!(Reason::parse(&r.as_str().replace('_', "-")), Some(r));
        }
        assert_eq!(Reason::parse("Key-Compromise"), Some(Reason::KeyCompromise));
        assert_eq!(Reason::parse("remove_from_crl"), None);
    }

    #[test]
    fn x1_serials_are_hex() {
        assert!(serial("40ab").is_ok());
        assert!(serial("4g").is_err());
        assert!(serial("abc").is_err(), "odd length");
    }
}
