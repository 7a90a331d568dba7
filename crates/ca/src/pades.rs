//! The CMS part of a PAdES baseline B-B signature (ETSI EN 319 142-1, CAdES detached, RFC 5652):
//! the signed attributes (content type, message digest of the PDF's byte ranges, ESS
//! signing-certificate-v2) and the SignedData around the signature the holder's device makes
//! over them. No signing-time attribute: PAdES puts the time in the signature dictionary.

use crate::error::CaError;
use aws_lc_rs::digest;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode, Sequence};
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::spki::AlgorithmIdentifierOwned;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
const SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// ESSCertIDv2 with the default hash (SHA-256) and no issuerSerial (RFC 5035).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

/// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn der_err(e: der::Error) -> CaError {
    CaError::Certificate(format!("DER: {e}"))
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CaError> {
    let mut values: SetOfVec<AttributeValue> = SetOfVec::new();
    values.insert(value).map_err(der_err)?;
    Ok(Attribute { oid, values })
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    }
}

/// The signed attributes for a detached signature over content with SHA-256 digest
/// `content_digest`, by the holder of `signer_cert_der`; their DER (a SET) is what the
/// holder's key signs.
pub fn signed_attributes(
    content_digest: &[u8],
    signer_cert_der: &[u8],
) -> Result<Vec<u8>, CaError> {
    signed_attributes_for(ID_DATA, content_digest, signer_cert_der)
}

/// [`signed_attributes`] for content of type `content_type` (a time-stamp token's TSTInfo).
pub(crate) fn signed_attributes_for(
    content_type: ObjectIdentifier,
    content_digest: &[u8],
    signer_cert_der: &[u8],
) -> Result<Vec<u8>, CaError> {
    let cert_hash = digest::digest(&digest::SHA256, signer_cert_der);
    let signing_cert = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(cert_hash.as_ref()).map_err(der_err)?,
        }],
    };
    let mut attrs: SetOfVec<Attribute> = SetOfVec::new();
    attrs
        .insert(attribute(
            CONTENT_TYPE,
            Any::encode_from(&content_type).map_err(der_err)?,
        )?)
        .map_err(der_err)?;
    attrs
        .insert(attribute(
            MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(content_digest).map_err(der_err)?)
                .map_err(der_err)?,
        )?)
        .map_err(der_err)?;
    attrs
        .insert(attribute(
            SIGNING_CERTIFICATE_V2,
            Any::encode_from(&signing_cert).map_err(der_err)?,
        )?)
        .map_err(der_err)?;
    attrs.to_der().map_err(der_err)
}

/// The CMS ContentInfo (SignedData, detached) carrying `signed_attributes_der`, the holder's
/// ECDSA P-256 `signature` over them, the signer's certificate and `chain` (issuing CA…).
pub fn signed_data(
    signer_cert_der: &[u8],
    chain: &[&[u8]],
    signed_attributes_der: &[u8],
    signature: &[u8],
) -> Result<Vec<u8>, CaError> {
    signed_data_timestamped(
        signer_cert_der,
        chain,
        signed_attributes_der,
        signature,
        None,
    )
}

/// [`signed_data`] with, when given, the signature's time-stamp token (a TimeStampToken,
/// ContentInfo DER, over the SHA-256 of `signature`) as the unsigned attribute
/// id-aa-signatureTimeStampToken: PAdES baseline B-T (issue 21).
pub fn signed_data_timestamped(
    signer_cert_der: &[u8],
    chain: &[&[u8]],
    signed_attributes_der: &[u8],
    signature: &[u8],
    signature_time_stamp: Option<&[u8]>,
) -> Result<Vec<u8>, CaError> {
    let unsigned = signature_time_stamp
        .map(|token| -> Result<_, CaError> {
            let mut set: SetOfVec<Attribute> = SetOfVec::new();
            set.insert(attribute(
                SIGNATURE_TIME_STAMP_TOKEN,
                Any::from_der(token).map_err(der_err)?,
            )?)
            .map_err(der_err)?;
            Ok(set)
        })
        .transpose()?;
    signed_data_for(
        None,
        signer_cert_der,
        chain,
        signed_attributes_der,
        signature,
        AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        },
        true,
        unsigned,
    )
}

/// [`signed_data`] with, when `content` is given, its type and DER encapsulated (a time-stamp
/// token: RFC 5652 version 3), signed with `signature_algorithm`.
#[expect(
    clippy::too_many_arguments,
    reason = "each is one part of the SignedData; the callers are the two in this crate"
)]
pub(crate) fn signed_data_for(
    content: Option<(ObjectIdentifier, &[u8])>,
    signer_cert_der: &[u8],
    chain: &[&[u8]],
    signed_attributes_der: &[u8],
    signature: &[u8],
    signature_algorithm: AlgorithmIdentifierOwned,
    with_certificates: bool,
    unsigned_attrs: Option<SetOfVec<Attribute>>,
) -> Result<Vec<u8>, CaError> {
    let signer = x509_cert::Certificate::from_der(signer_cert_der).map_err(der_err)?;
    let attrs =
        cms::signed_data::SignedAttributes::from_der(signed_attributes_der).map_err(der_err)?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: signer.tbs_certificate.issuer.clone(),
        serial_number: signer.tbs_certificate.serial_number.clone(),
    });
    let info = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: sha256_alg(),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(der_err)?,
        unsigned_attrs,
    };
    let mut certs: SetOfVec<CertificateChoices> = SetOfVec::new();
    certs
        .insert(CertificateChoices::Certificate(signer))
        .map_err(der_err)?;
    for c in chain {
        certs
            .insert(CertificateChoices::Certificate(
                x509_cert::Certificate::from_der(c).map_err(der_err)?,
            ))
            .map_err(der_err)?;
    }
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_alg()).map_err(der_err)?;
    let mut infos = SetOfVec::new();
    infos.insert(info).map_err(der_err)?;
    let (version, encap_content_info) = match content {
        None => (
            CmsVersion::V1,
            EncapsulatedContentInfo {
                econtent_type: ID_DATA,
                econtent: None,
            },
        ),
        Some((econtent_type, der)) => (
            CmsVersion::V3,
            EncapsulatedContentInfo {
                econtent_type,
                econtent: Some(
                    Any::encode_from(&OctetString::new(der).map_err(der_err)?).map_err(der_err)?,
                ),
            },
        ),
    };
    let sd = SignedData {
        version,
        digest_algorithms,
        encap_content_info,
        certificates: with_certificates.then_some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&sd).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}
