//! A time-stamping unit (RFC 3161; ETSI EN 319 421/422): it answers a `TimeStampReq` with a
//! time-stamp token — a CMS SignedData over a `TSTInfo` — signed by the TSA delegate, a key of
//! its own whose certificate the issuing CA gave for time-stamping only (critical EKU
//! id-kp-timeStamping).

use crate::delegate::Delegate;
use crate::error::CaError;
use crate::pades::{signed_attributes_for, signed_data_for};
use aws_lc_rs::digest;
use cmpv2::status::{PkiStatus, PkiStatusInfo};
use der::asn1::{GeneralizedTime, Int, Null, OctetString};
pub use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use jiff::Timestamp;
use x509_cert::spki::AlgorithmIdentifierOwned;
pub use x509_tsp::TimeStampReq;
use x509_tsp::{Accuracy, TimeStampResp, TspVersion, TstInfo};

/// id-ct-TSTInfo.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// Why a request is refused: the PKIFailureInfo bit the answer carries, and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a TimeStampReq.
    BadDataFormat,
    /// A hash algorithm this TSA does not accept (SHA-1 among them), or a hash of the wrong
    /// length for it.
    BadAlg,
    /// A policy that is not this TSA's.
    UnacceptedPolicy,
    /// Extensions (none is supported).
    UnacceptedExtension,
}

impl Refusal {
    fn words(self) -> &'static str {
        match self {
            Refusal::BadDataFormat => "not a time-stamp request (RFC 3161)",
            Refusal::BadAlg => "the message imprint must be SHA-256, SHA-384 or SHA-512",
            Refusal::UnacceptedPolicy => "this TSA does not time-stamp under that policy",
            Refusal::UnacceptedExtension => "this TSA supports no request extension",
        }
    }

    /// Its PKIFailureInfo bit (RFC 3161 §2.4.2).
    fn bit(self) -> usize {
        match self {
            Refusal::BadAlg => 0,
            Refusal::BadDataFormat => 5,
            Refusal::UnacceptedPolicy => 15,
            Refusal::UnacceptedExtension => 16,
        }
    }
}

/// PKIStatusInfo written here for refusals: `cmpv2`'s PKIFailureInfo (a flag set) encodes its
/// bits with the wrong numbers (badAlg as no bit at all), so the failure bit is set by hand.
#[derive(der::Sequence)]
struct RefusalStatus<'a> {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<der::asn1::Utf8StringRef<'a>>>,
    #[asn1(optional = "true")]
    fail_info: Option<der::asn1::BitString>,
}

/// TimeStampResp without a token.
#[derive(der::Sequence)]
struct RefusalResp<'a> {
    status: RefusalStatus<'a>,
}

fn der_err(e: der::Error) -> CaError {
    CaError::Certificate(format!("DER: {e}"))
}

/// Parses and checks a request against this TSA's `policy`.
pub fn parse_request(der: &[u8], policy: &ObjectIdentifier) -> Result<TimeStampReq, Refusal> {
    let req = TimeStampReq::from_der(der).map_err(|_| Refusal::BadDataFormat)?;
    let expected = match req.message_imprint.hash_algorithm.oid {
        SHA256 => 32,
        SHA384 => 48,
        SHA512 => 64,
        _ => return Err(Refusal::BadAlg),
    };
    if req.message_imprint.hashed_message.as_bytes().len() != expected {
        return Err(Refusal::BadAlg);
    }
    if req.req_policy.is_some_and(|p| p != *policy) {
        return Err(Refusal::UnacceptedPolicy);
    }
    if req.extensions.is_some() {
        return Err(Refusal::UnacceptedExtension);
    }
    Ok(req)
}

/// A token's serial number from 16 random bytes: a positive INTEGER written minimally, its
/// first byte 0x40..=0x7f (126 random bits; RFC 3161 asks for uniqueness up to 160 bits).
pub fn serial_from(random: [u8; 16]) -> [u8; 16] {
    let mut s = random;
    s[0] = (s[0] & 0x3f) | 0x40;
    s
}

/// The answer refusing a request.
pub fn refusal(r: Refusal) -> Result<Vec<u8>, CaError> {
    let text = der::asn1::Utf8StringRef::new(r.words()).map_err(der_err)?;
    let bit = r.bit();
    let mut bytes = vec![0u8; bit / 8 + 1];
    bytes[bit / 8] = 0x80 >> (bit % 8);
    let unused = u8::try_from(7 - bit % 8).map_err(|e| CaError::Certificate(e.to_string()))?;
    RefusalResp {
        status: RefusalStatus {
            // rejection
            status: 2,
            status_string: Some(vec![text]),
            fail_info: Some(der::asn1::BitString::new(unused, bytes).map_err(der_err)?),
        },
    }
    .to_der()
    .map_err(der_err)
}

/// The granted answer: a token over the request's message imprint, at `now` (accurate to a
/// second), numbered `serial` (made a positive minimal INTEGER by [`serial_from`]), under
/// `policy`, signed by `tsa` (whose certificate the token carries when the request asks for it).
pub fn grant(
    tsa: &Delegate,
    algorithm: crate::CaAlgorithm,
    policy: &ObjectIdentifier,
    req: &TimeStampReq,
    serial: &[u8; 16],
    now: Timestamp,
) -> Result<Vec<u8>, CaError> {
    let tst = TstInfo {
        version: TspVersion::V1,
        policy: *policy,
        message_imprint: req.message_imprint.clone(),
        serial_number: Int::new(&serial_from(*serial)).map_err(der_err)?,
        gen_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            u64::try_from(now.as_second()).map_err(|e| CaError::Certificate(e.to_string()))?,
        ))
        .map_err(der_err)?,
        accuracy: Some(Accuracy {
            seconds: Some(1),
            millis: None,
            micros: None,
        }),
        ordering: false,
        nonce: req.nonce.clone(),
        tsa: None,
        extensions: None,
    }
    .to_der()
    .map_err(der_err)?;
    let attrs = signed_attributes_for(
        ID_CT_TST_INFO,
        digest::digest(&digest::SHA256, &tst).as_ref(),
        &tsa.cert_der,
    )?;
    let signature = tsa.key.sign_message(&attrs)?;
    let signature_algorithm = match algorithm {
        crate::CaAlgorithm::EcdsaP256 => AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        },
        crate::CaAlgorithm::Rsa3072 => AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
            parameters: Some(der::Any::from(Null)),
        },
    };
    let token = signed_data_for(
        Some((ID_CT_TST_INFO, &tst)),
        &tsa.cert_der,
        &[],
        &attrs,
        &signature,
        signature_algorithm,
        req.cert_req,
        None,
    )?;
    let token = cms::content_info::ContentInfo::from_der(&token).map_err(der_err)?;
    debug_assert_eq!(token.content_type, ID_SIGNED_DATA);
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Accepted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .map_err(der_err)
}

/// The `TSTInfo` of a granted answer's token (for callers that keep the time and serial).
pub fn tst_info(response_der: &[u8]) -> Result<TstInfo, CaError> {
    let resp = TimeStampResp::from_der(response_der).map_err(der_err)?;
    let token = resp
        .time_stamp_token
        .ok_or_else(|| CaError::Certificate("the TSA granted no token".into()))?;
    let sd = cms::signed_data::SignedData::from_der(&token.content.to_der().map_err(der_err)?)
        .map_err(der_err)?;
    let content = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| CaError::Certificate("a token without TSTInfo".into()))?;
    let octets = OctetString::from_der(&content.to_der().map_err(der_err)?).map_err(der_err)?;
    TstInfo::from_der(octets.as_bytes()).map_err(der_err)
}

/// A request for a token over a SHA-256 `digest`, asking for the TSA's certificate in it.
pub fn request_for_sha256(digest: &[u8; 32]) -> Result<TimeStampReq, CaError> {
    Ok(TimeStampReq {
        version: TspVersion::V1,
        message_imprint: x509_tsp::MessageImprint {
            hash_algorithm: x509_cert::spki::AlgorithmIdentifier {
                oid: SHA256,
                parameters: Some(der::Any::from(Null)),
            },
            hashed_message: OctetString::new(digest.as_slice()).map_err(der_err)?,
        },
        req_policy: None,
        nonce: None,
        cert_req: true,
        extensions: None,
    })
}

/// What a checked token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedToken {
    /// genTime, Unix seconds.
    pub gen_time: i64,
    /// The TSTInfo serial, lower-case hex.
    pub serial_hex: String,
    /// The time-stamping unit's certificate (DER), as the token carries it.
    pub tsa_cert_der: Vec<u8>,
}

/// Checks a granted answer (`TimeStampResp`, DER) made by a time-stamping unit of this CA over
/// the SHA-256 `digest`: the imprint is that digest, the signed attributes name the TSTInfo
/// and its digest, the signature is by the certificate the token carries, which the issuing
/// CA (`issuing_cert_der`) gave for time-stamping and which was valid at genTime.
pub fn check_response(
    response_der: &[u8],
    digest: &[u8],
    issuing_cert_der: &[u8],
) -> Result<CheckedToken, String> {
    check_response_trusting(response_der, digest, TsaTrust::Issuing(issuing_cert_der))
}

/// Whom a token's time-stamping unit must come from.
#[derive(Debug, Clone, Copy)]
pub enum TsaTrust<'a> {
    /// This CA's own unit: a delegate certificate from the issuing CA (DER).
    Issuing(&'a [u8]),
    /// An outside TSA: its unit's certificate signed by one of these anchors (DER), directly
    /// or through one intermediate the token carries.
    Anchors(&'a [Vec<u8>]),
}

/// [`check_response`] for a unit trusted as `trust` says.
pub fn check_response_trusting(
    response_der: &[u8],
    digest: &[u8],
    trust: TsaTrust<'_>,
) -> Result<CheckedToken, String> {
    let resp = TimeStampResp::from_der(response_der)
        .map_err(|e| format!("not a time-stamp answer: {e}"))?;
    if resp.status.status != PkiStatus::Accepted && resp.status.status != PkiStatus::GrantedWithMods
    {
        return Err("the answer grants no token".into());
    }
    let token = resp.time_stamp_token.ok_or("the answer carries no token")?;
    if token.content_type != ID_SIGNED_DATA {
        return Err("the token is not a SignedData".into());
    }
    let sd =
        cms::signed_data::SignedData::from_der(&token.content.to_der().map_err(|e| e.to_string())?)
            .map_err(|e| format!("the token's SignedData: {e}"))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the token holds no TSTInfo")?;
    let octets = OctetString::from_der(&econtent.to_der().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let tst = TstInfo::from_der(octets.as_bytes()).map_err(|e| format!("the TSTInfo: {e}"))?;
    if tst.message_imprint.hash_algorithm.oid != SHA256
        || tst.message_imprint.hashed_message.as_bytes() != digest
    {
        return Err("the token is over another digest".into());
    }
    let info = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("the token has no signer")?;
    let attrs = info
        .signed_attrs
        .as_ref()
        .ok_or("the token has no signed attributes")?;
    let content_digest = digest::digest(&digest::SHA256, octets.as_bytes());
    let message_digest = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
    let named = attrs.iter().any(|a| {
        a.oid == message_digest
            && a.values.iter().any(|v| {
                OctetString::from_der(&v.to_der().unwrap_or_default())
                    .is_ok_and(|o| o.as_bytes() == content_digest.as_ref())
            })
    });
    if !named {
        return Err("the signed attributes do not name the TSTInfo's digest".into());
    }
    let carried = carried_certificates(&sd);
    let gen_time =
        i64::try_from(tst.gen_time.to_unix_duration().as_secs()).map_err(|e| e.to_string())?;
    let signed = attrs.to_der().map_err(|e| e.to_string())?;
    let cert_der = match trust {
        TsaTrust::Issuing(issuing_cert_der) => {
            let cert = carried
                .first()
                .ok_or("the token does not carry the TSA's certificate")?
                .clone();
            crate::delegate::verify_delegated(
                issuing_cert_der,
                &cert,
                crate::Purpose::TimeStamping,
                gen_time,
                &signed,
                info.signature.as_bytes(),
            )
            .map_err(|p| format!("{p} (time-stamping unit)"))?;
            cert
        }
        TsaTrust::Anchors(anchors) => {
            let unit = carried
                .iter()
                .find(|c| is_time_stamping_unit(c, gen_time))
                .ok_or("the token carries no time-stamping unit certificate valid at its time")?;
            let from_anchor = |c: &[u8]| anchors.iter().any(|a| signed_by(a, c));
            let chained = from_anchor(unit)
                || carried.iter().any(|i| {
                    i != unit && signed_by(i, unit) && valid_at(i, gen_time) && from_anchor(i)
                });
            if !chained {
                return Err(
                    "the time-stamping unit's certificate is not from a trusted TSA".into(),
                );
            }
            if !crate::authority::verify_signed_by(unit, &signed, info.signature.as_bytes()) {
                return Err("the signature is not by the time-stamping unit's key".into());
            }
            unit.clone()
        }
    };
    let serial = tst.serial_number.as_bytes();
    Ok(CheckedToken {
        gen_time,
        serial_hex: serial.iter().map(|b| format!("{b:02x}")).collect(),
        tsa_cert_der: cert_der,
    })
}

/// Whether `cert_der` is a time-stamping unit's certificate (RFC 3161 §2.3: the EKU
/// id-kp-timeStamping alone, critical) valid at `at`.
fn is_time_stamping_unit(cert_der: &[u8], at: i64) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let Ok((_, cert)) = X509Certificate::from_der(cert_der) else {
        return false;
    };
    let eku = match cert.extended_key_usage() {
        Ok(Some(e)) => e,
        _ => return false,
    };
    eku.critical && eku.value.time_stamping && !eku.value.any && valid_at(cert_der, at)
}

fn valid_at(cert_der: &[u8], at: i64) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    X509Certificate::from_der(cert_der).is_ok_and(|(_, c)| {
        c.validity().not_before.timestamp() <= at && at <= c.validity().not_after.timestamp()
    })
}

/// Whether `issuer_der`'s key signed `cert_der`.
fn signed_by(issuer_der: &[u8], cert_der: &[u8]) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    X509Certificate::from_der(cert_der).is_ok_and(|(_, c)| {
        crate::authority::verify_signed_by(
            issuer_der,
            c.tbs_certificate.as_ref(),
            &c.signature_value.data,
        )
    })
}

/// The token (TimeStampToken: a ContentInfo, DER) of a granted answer.
pub fn token_of(response_der: &[u8]) -> Result<Vec<u8>, CaError> {
    TimeStampResp::from_der(response_der)
        .map_err(der_err)?
        .time_stamp_token
        .ok_or_else(|| CaError::Certificate("the TSA granted no token".into()))?
        .to_der()
        .map_err(der_err)
}

/// The certificates a token (TimeStampToken, DER) carries: the unit's, and any chain.
pub fn token_certificates(token_der: &[u8]) -> Result<Vec<Vec<u8>>, CaError> {
    let token = cms::content_info::ContentInfo::from_der(token_der).map_err(der_err)?;
    let sd = cms::signed_data::SignedData::from_der(&token.content.to_der().map_err(der_err)?)
        .map_err(der_err)?;
    Ok(carried_certificates(&sd))
}

/// The X.509 certificates (DER) in a SignedData's `certificates`.
fn carried_certificates(sd: &cms::signed_data::SignedData) -> Vec<Vec<u8>> {
    sd.certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => c.to_der().ok(),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// When the first of the certificates a token carries ends (Unix seconds): the unit's, which
/// ends before its CA's. None if it carries none that can be read.
pub fn token_valid_until(token_der: &[u8]) -> Result<Option<i64>, CaError> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    Ok(token_certificates(token_der)?
        .iter()
        .filter_map(|der| {
            X509Certificate::from_der(der)
                .ok()
                .map(|(_, c)| c.validity().not_after.timestamp())
        })
        .min())
}
