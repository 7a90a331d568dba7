//! The CA itself: a root and an issuing CA, their keys sealed at rest under a passphrase, and
//! issuance of qualified certificates.

use crate::ca_key::{CaKey, ISSUING_KEY_LABEL, ROOT_KEY_LABEL};
use crate::device::HolderPublicKey;
use crate::hsm::Hsm;
use crate::profile::{self, HolderSubject, ProfileUrls};
use crate::seal::{self, KdfParams};
use crate::{CaError, random_bytes};
use der::asn1::ObjectIdentifier as Oid;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rcgen::{
    BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use rinnova_domain::CertificateKind;
use std::sync::Arc;

/// The CA's key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaAlgorithm {
    /// ECDSA on P-256 with SHA-256 (default).
    EcdsaP256,
    /// RSA 3072 with PKCS#1 v1.5 SHA-256.
    Rsa3072,
}

impl CaAlgorithm {
    pub(crate) fn generate(self) -> Result<KeyPair, CaError> {
        Ok(match self {
            Self::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            Self::Rsa3072 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)?
            }
        })
    }

    pub(crate) fn signature_algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Self::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Self::Rsa3072 => &rcgen::PKCS_RSA_SHA256,
        }
    }
}

/// What `ca init` needs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CaConfig {
    pub algorithm: CaAlgorithm,
    pub organization: String,
    /// EN 319 412-1 organisation identifier, e.g. `VATIT-12345678901`.
    pub organization_identifier: String,
    pub root_common_name: String,
    pub issuing_common_name: String,
    /// The CA's own certificate policy OID.
    pub policy_oid: String,
    pub urls: ProfileUrls,
}

impl CaConfig {
    /// A demonstration CA under `base_url`.
    pub fn demo(base_url: &str) -> Self {
        Self {
            algorithm: CaAlgorithm::EcdsaP256,
            organization: "Rinnova Demo Trust Services S.p.A.".into(),
            organization_identifier: "VATIT-00000000000".into(),
            root_common_name: "Rinnova Demo Root CA".into(),
            issuing_common_name: "Rinnova Demo Qualified Signature CA".into(),
            // A placeholder under the private-enterprise arc: a real CA configures its registered OID.
            policy_oid: "1.3.6.1.4.1.99999.1.1".into(),
            urls: ProfileUrls::under(base_url),
        }
    }
}

/// Where the CA's private keys are.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CaKeyLocation {
    /// Sealed in the material under the CA passphrase (before issue 20, and software keys).
    #[default]
    Sealed,
    /// In PKCS#11 tokens, by label: the root's key on a token of its own that `serve` never
    /// opens, the issuing CA's on the service's token.
    Tokens {
        root_token: String,
        issuing_token: String,
    },
}

/// The CA's certificates and where its keys are, as persisted.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct CaMaterial {
    pub config: CaConfig,
    pub root_cert_der: Vec<u8>,
    pub issuing_cert_der: Vec<u8>,
    /// Empty when the keys are in tokens.
    #[serde(default)]
    pub root_key_sealed: Vec<u8>,
    #[serde(default)]
    pub issuing_key_sealed: Vec<u8>,
    #[serde(default)]
    pub keys: CaKeyLocation,
}

impl std::fmt::Debug for CaMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaMaterial")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A certificate just issued.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub der: Vec<u8>,
    /// Lower-case hex of the serial number.
    pub serial_hex: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

/// An opened CA, ready to issue.
pub struct Ca {
    material: CaMaterial,
    issuer: Issuer<'static, CaKey>,
    template: profile::QualifiedTemplate,
}

pub(crate) fn offset(ts: Timestamp) -> Result<time::OffsetDateTime, CaError> {
    time::OffsetDateTime::from_unix_timestamp(ts.as_second())
        .map_err(|e| CaError::Certificate(e.to_string()))
}

pub(crate) fn years_after(ts: Timestamp, years: i64) -> Result<Timestamp, CaError> {
    ts.to_zoned(TimeZone::UTC)
        .checked_add(years.years())
        .map(|z| z.timestamp())
        .map_err(|e| CaError::Certificate(e.to_string()))
}

/// Parses a dotted OID. Arcs must fit 32 bits: const-oid 0.9 overflows on larger ones.
fn parse_oid(s: &str) -> Result<Oid, CaError> {
    let bad = || {
        CaError::Certificate(format!(
            "policy OID {s:?} is not a dotted OID with 32-bit arcs"
        ))
    };
    if s.split('.').count() < 2 || s.split('.').any(|arc| arc.parse::<u32>().is_err()) {
        return Err(bad());
    }
    Oid::new(s).map_err(|_| bad())
}

/// A random positive serial of 127 bits (RFC 5280 §4.1.2.2: at most 20 octets).
pub(crate) fn random_serial() -> Result<(SerialNumber, String), CaError> {
    let mut bytes: [u8; 16] = random_bytes()?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok((SerialNumber::from_slice(&bytes), hex))
}

/// The root's self-signed certificate (20 years) and the issuing CA's (10 years, signed by
/// the root), both from `now`.
fn certify(
    config: &CaConfig,
    root_key: &impl rcgen::SigningKey,
    issuing_key: &impl rcgen::SigningKey,
    now: Timestamp,
) -> Result<(Vec<u8>, Vec<u8>), CaError> {
    let mut root = CertificateParams::default();
    root.distinguished_name = profile::ca_name(
        &config.organization,
        &config.organization_identifier,
        &config.root_common_name,
    )?;
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    root.not_before = offset(now)?;
    root.not_after = offset(years_after(now, 20)?)?;
    root.serial_number = Some(random_serial()?.0);
    let root_cert = root.self_signed(root_key)?;

    let mut issuing = CertificateParams::default();
    issuing.distinguished_name = profile::ca_name(
        &config.organization,
        &config.organization_identifier,
        &config.issuing_common_name,
    )?;
    issuing.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    issuing.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    issuing.use_authority_key_identifier_extension = true;
    // Where relying parties learn that the root revoked it.
    issuing.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
        uris: vec![config.urls.root_crl()],
    }];
    // And where the root's certificate is (issue 21).
    issuing.custom_extensions = vec![crate::profile::ca_aia(&config.urls)?];
    issuing.not_before = offset(now)?;
    issuing.not_after = offset(years_after(now, 10)?)?;
    issuing.serial_number = Some(random_serial()?.0);
    let root_issuer = Issuer::new(root, root_key);
    let issuing_cert = issuing.signed_by(issuing_key, &root_issuer)?;
    Ok((root_cert.der().to_vec(), issuing_cert.der().to_vec()))
}

impl Ca {
    /// Creates a root and an issuing CA valid from `now`, keys sealed under `passphrase`.
    pub fn init(
        config: &CaConfig,
        passphrase: &[u8],
        kdf: KdfParams,
        now: Timestamp,
    ) -> Result<CaMaterial, CaError> {
        parse_oid(&config.policy_oid)?;
        let root_key = config.algorithm.generate()?;
        let issuing_key = config.algorithm.generate()?;
        let (root_cert_der, issuing_cert_der) = certify(config, &root_key, &issuing_key, now)?;
        Ok(CaMaterial {
            config: config.clone(),
            root_cert_der,
            issuing_cert_der,
            root_key_sealed: seal::seal(&root_key.serialize_der(), passphrase, kdf)?,
            issuing_key_sealed: seal::seal(&issuing_key.serialize_der(), passphrase, kdf)?,
            keys: CaKeyLocation::Sealed,
        })
    }

    /// The key ceremony's CA part: generates the root key in the root's token and the issuing
    /// key in the service's token (sensitive, never extractable), and certifies both from
    /// `now`. Nothing secret is returned: the material names the tokens.
    pub fn init_in_tokens(
        config: &CaConfig,
        root_token: &Arc<Hsm>,
        service_token: &Arc<Hsm>,
        now: Timestamp,
    ) -> Result<CaMaterial, CaError> {
        parse_oid(&config.policy_oid)?;
        if Arc::ptr_eq(root_token, service_token) || root_token.label() == service_token.label() {
            return Err(CaError::Hsm(
                "the root's key needs a token of its own, which serve never opens".into(),
            ));
        }
        let root_key = CaKey::Token(root_token.generate_ca_key(ROOT_KEY_LABEL, config.algorithm)?);
        let issuing_key =
            CaKey::Token(service_token.generate_ca_key(ISSUING_KEY_LABEL, config.algorithm)?);
        let (root_cert_der, issuing_cert_der) = certify(config, &root_key, &issuing_key, now)?;
        Ok(CaMaterial {
            config: config.clone(),
            root_cert_der,
            issuing_cert_der,
            root_key_sealed: Vec::new(),
            issuing_key_sealed: Vec::new(),
            keys: CaKeyLocation::Tokens {
                root_token: root_token.label().into(),
                issuing_token: service_token.label().into(),
            },
        })
    }

    /// `rinnova keys migrate`: moves the keys of a CA sealed in software (before issue 20) into
    /// tokens — the root's into `root_token`, the issuing CA's into `service_token` — and
    /// returns the material that names them there, the sealed copies dropped. Each imported key
    /// is checked against its certificate. Safe to run again after an interruption.
    pub fn migrate_to_tokens(
        material: &CaMaterial,
        passphrase: &[u8],
        root_token: &Arc<Hsm>,
        service_token: &Arc<Hsm>,
    ) -> Result<CaMaterial, CaError> {
        if material.keys != CaKeyLocation::Sealed {
            return Err(CaError::Hsm("the CA's keys are in tokens already".into()));
        }
        if root_token.label() == service_token.label() {
            return Err(CaError::Hsm(
                "the root's key needs a token of its own, which serve never opens".into(),
            ));
        }
        let algorithm = material.config.algorithm;
        for (sealed, cert, token, label) in [
            (
                &material.root_key_sealed,
                &material.root_cert_der,
                root_token,
                ROOT_KEY_LABEL,
            ),
            (
                &material.issuing_key_sealed,
                &material.issuing_cert_der,
                service_token,
                ISSUING_KEY_LABEL,
            ),
        ] {
            let pkcs8 = seal::open(sealed, passphrase)?;
            let key = CaKey::Token(token.import_ca_key(label, algorithm, &pkcs8)?);
            let (_, parsed) = x509_parser::parse_x509_certificate(cert)
                .map_err(|e| CaError::Certificate(e.to_string()))?;
            if parsed.public_key().subject_public_key.data.as_ref() != key.public_key_bytes() {
                return Err(CaError::Hsm(format!(
                    "the key imported as {label:?} is not its certificate's"
                )));
            }
        }
        Ok(CaMaterial {
            root_key_sealed: Vec::new(),
            issuing_key_sealed: Vec::new(),
            keys: CaKeyLocation::Tokens {
                root_token: root_token.label().into(),
                issuing_token: service_token.label().into(),
            },
            ..material.clone()
        })
    }

    /// Opens the issuing CA with the passphrase (keys sealed in software).
    pub fn open(material: CaMaterial, passphrase: &[u8]) -> Result<Ca, CaError> {
        if material.keys != CaKeyLocation::Sealed {
            return Err(CaError::Hsm(
                "the CA's keys are in a token: set keys.backend = \"pkcs11\"".into(),
            ));
        }
        let pkcs8 = seal::open(&material.issuing_key_sealed, passphrase)?;
        let key = KeyPair::from_pkcs8_der_and_sign_algo(
            &pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_slice()),
            material.config.algorithm.signature_algorithm(),
        )?;
        Self::with_key(material, CaKey::Software(key))
    }

    /// Opens the issuing CA whose key is in `service_token`.
    pub fn open_in_token(material: CaMaterial, service_token: &Arc<Hsm>) -> Result<Ca, CaError> {
        match &material.keys {
            CaKeyLocation::Tokens { issuing_token, .. }
                if issuing_token == service_token.label() => {}
            CaKeyLocation::Tokens { issuing_token, .. } => {
                return Err(CaError::Hsm(format!(
                    "the issuing CA's key is in token {issuing_token:?}, not {:?}",
                    service_token.label()
                )));
            }
            CaKeyLocation::Sealed => {
                return Err(CaError::Hsm(
                    "the CA's keys are sealed in the database, not in the token".into(),
                ));
            }
        }
        let key = service_token.ca_key(ISSUING_KEY_LABEL, material.config.algorithm)?;
        Self::with_key(material, CaKey::Token(key))
    }

    fn with_key(material: CaMaterial, key: CaKey) -> Result<Ca, CaError> {
        let issuer = Issuer::from_ca_cert_der(
            &pki_types::CertificateDer::from(material.issuing_cert_der.as_slice()),
            key,
        )?;
        let policy = parse_oid(&material.config.policy_oid)?;
        let template = profile::QualifiedTemplate::new(policy, &material.config.urls)?;
        Ok(Ca {
            material,
            issuer,
            template,
        })
    }

    /// The issuing CA as rcgen signs with it (CRLs).
    pub(crate) fn issuer(&self) -> &Issuer<'static, CaKey> {
        &self.issuer
    }

    /// The persisted material (certificates and sealed keys).
    pub fn material(&self) -> &CaMaterial {
        &self.material
    }

    /// Issues a qualified certificate for `public_key`, valid exactly 3 years from `not_before`
    /// (a new certificate's validity runs from activation: STANDARDS.md).
    pub fn issue_qualified(
        &self,
        subject: &HolderSubject,
        kind: CertificateKind,
        public_key: &HolderPublicKey,
        not_before: Timestamp,
    ) -> Result<IssuedCertificate, CaError> {
        let mut params = self.template.params(subject, kind)?;
        let not_after = years_after(not_before, 3)?;
        params.not_before = offset(not_before)?;
        params.not_after = offset(not_after)?;
        let (serial, serial_hex) = random_serial()?;
        params.serial_number = Some(serial);
        let cert = params.signed_by(public_key, &self.issuer)?;
        Ok(IssuedCertificate {
            der: cert.der().to_vec(),
            serial_hex,
            not_before,
            not_after,
        })
    }

    /// PEM of the root and issuing certificates.
    pub fn chain_pem(&self) -> (String, String) {
        (
            pem("CERTIFICATE", &self.material.root_cert_der),
            pem("CERTIFICATE", &self.material.issuing_cert_der),
        )
    }
}

/// PEM text of a DER object.
pub fn pem(label: &str, der: &[u8]) -> String {
    ::pem::encode_config(
        &::pem::Pem::new(label, der.to_vec()),
        ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF),
    )
}

/// Whether `signature` over `msg` was made by the key of the certificate `cert_der` (the
/// issuing CA's, for audit seals): ECDSA P-256 / SHA-256 or RSA PKCS#1 v1.5 / SHA-256.
pub fn verify_signed_by(cert_der: &[u8], msg: &[u8], signature: &[u8]) -> bool {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
    };
    use der::Decode;
    let Ok(cert) = x509_cert::Certificate::from_der(cert_der) else {
        return false;
    };
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let Some(key) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    let alg = spki.algorithm.oid.to_string();
    match alg.as_str() {
        "1.2.840.10045.2.1" => UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key)
            .verify(msg, signature)
            .is_ok(),
        "1.2.840.113549.1.1.1" => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key)
            .verify(msg, signature)
            .is_ok(),
        _ => false,
    }
}
