//! Certification requests from smart cards (seed 004, SPEC C2): a PKCS#10 request signed by the
//! new key made on the card, and a proof — a signature by the old certificate's key over the
//! request — that the holder of the old certificate asks.

use crate::authority::verify_signed_by;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use der::{Decode, Encode};

/// What a proof signs: a fixed context, then the request. The context keeps a proof from
/// being mistaken for (or made from) a signature over any other document.
pub const PROOF_CONTEXT: &[u8] = b"rinnova card renewal request v1\n";

const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

/// The message the old key signs for a request.
pub fn proof_message(request_der: &[u8]) -> Vec<u8> {
    [PROOF_CONTEXT, request_der].concat()
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request is not a PKCS#10 certification request")]
    Malformed,
    #[error("the request's key is not an ECDSA P-256 key signing with SHA-256")]
    UnsupportedKey,
    #[error("the request's signature does not verify with its own key")]
    BadSignature,
    #[error("the proof is not a signature by the old certificate's key over the request")]
    BadProof,
    #[error("the request's subject differs from the old certificate's")]
    SubjectChanged,
    #[error("the request reuses the old certificate's key")]
    SameKey,
}

/// A request that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The new public key: the uncompressed P-256 point.
    pub public_key: Vec<u8>,
}

fn key_of(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> Result<&[u8], RequestError> {
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
    if spki.algorithm.oid.to_string() != EC_PUBLIC_KEY
        || curve.map(|c| c.to_string()).as_deref() != Some(P256)
    {
        return Err(RequestError::UnsupportedKey);
    }
    spki.subject_public_key
        .as_bytes()
        .ok_or(RequestError::UnsupportedKey)
}

/// Checks a card's request for the renewal of `old_der`: a well-formed PKCS#10 request for a
/// P-256 key, signed by that key (possession), with the old certificate's subject unchanged, a
/// key different from the old one, and `proof` made by the old certificate's key over it.
pub fn verify(
    request_der: &[u8],
    proof: &[u8],
    old_der: &[u8],
) -> Result<VerifiedRequest, RequestError> {
    let req =
        x509_cert::request::CertReq::from_der(request_der).map_err(|_| RequestError::Malformed)?;
    let old = x509_cert::Certificate::from_der(old_der).map_err(|_| RequestError::Malformed)?;
    let key = key_of(&req.info.public_key)?;
    if req.algorithm.oid.to_string() != ECDSA_WITH_SHA256 {
        return Err(RequestError::UnsupportedKey);
    }
    let info = req.info.to_der().map_err(|_| RequestError::Malformed)?;
    let signature = req.signature.as_bytes().ok_or(RequestError::Malformed)?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key)
        .verify(&info, signature)
        .map_err(|_| RequestError::BadSignature)?;
    if !verify_signed_by(old_der, &proof_message(request_der), proof) {
        return Err(RequestError::BadProof);
    }
    let same_subject = req.info.subject.to_der().ok() == old.tbs_certificate.subject.to_der().ok();
    if !same_subject {
        return Err(RequestError::SubjectChanged);
    }
    if old
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .as_bytes()
        == Some(key)
    {
        return Err(RequestError::SameKey);
    }
    Ok(VerifiedRequest {
        public_key: key.to_vec(),
    })
}

/// Builds the request a card sends to renew `old_der`: the old certificate's subject, exactly,
/// and the new key, which signs it. (The card client calls this with a key that signs on the
/// card; tests with a software key.)
pub fn request_for(
    old_der: &[u8],
    new_key: &impl rcgen::SigningKey,
) -> Result<Vec<u8>, crate::CaError> {
    use der::Tagged;
    use rcgen::{DistinguishedName, DnType, DnValue};
    let bad =
        |what: &str| crate::CaError::Certificate(format!("old certificate's subject: {what}"));
    let old = x509_cert::Certificate::from_der(old_der)?;
    let mut dn = DistinguishedName::new();
    for rdn in old.tbs_certificate.subject.0.iter() {
        let [atv] = rdn.0.as_slice() else {
            return Err(bad("a multi-valued name"));
        };
        let arcs: Vec<u64> = atv.oid.arcs().map(u64::from).collect();
        let text = std::str::from_utf8(atv.value.value()).map_err(|_| bad("not text"))?;
        let value = match atv.value.tag() {
            der::Tag::PrintableString => DnValue::PrintableString(
                rcgen::string::PrintableString::try_from(text).map_err(|_| bad("printable"))?,
            ),
            der::Tag::Utf8String => DnValue::Utf8String(text.to_owned()),
            _ => return Err(bad("an unsupported string type")),
        };
        dn.push(DnType::from_oid(&arcs), value);
    }
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = dn;
    Ok(params.serialize_request(new_key)?.der().to_vec())
}
