//! The root CA's operations (issue 20): the only code that signs with the root's key — the root
//! CRL (the authority revocation list) and subordinate CA certificates. `serve` never opens the
//! root; `rinnova ca init`, `ca root-crl` and `ca issue-subordinate` do.

use crate::authority::{
    CaKeyLocation, CaMaterial, IssuedCertificate, offset, random_serial, years_after,
};
use crate::ca_key::{CaKey, ROOT_KEY_LABEL};
use crate::revocation::{Revoked, sign_crl};
use crate::{CaError, Hsm, seal};
use jiff::Timestamp;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, CrlDistributionPoint,
    DnType, IsCa, Issuer, KeyUsagePurpose,
};
use std::sync::Arc;

/// The root CA, opened.
pub struct RootCa {
    material: CaMaterial,
    issuer: Issuer<'static, CaKey>,
}

impl RootCa {
    /// Opens the root whose key is sealed in the database under `passphrase`.
    pub fn open_sealed(material: CaMaterial, passphrase: &[u8]) -> Result<RootCa, CaError> {
        if material.keys != CaKeyLocation::Sealed {
            return Err(CaError::Hsm(
                "the root's key is in a token: set keys.backend = \"pkcs11\"".into(),
            ));
        }
        let pkcs8 = seal::open(&material.root_key_sealed, passphrase)?;
        let key = CaKey::software_from_pkcs8(&pkcs8, material.config.algorithm)?;
        Self::with_key(material, key)
    }

    /// Opens the root whose key is in `root_token`.
    pub fn open_in_token(material: CaMaterial, root_token: &Arc<Hsm>) -> Result<RootCa, CaError> {
        match &material.keys {
            CaKeyLocation::Tokens { root_token: r, .. } if r == root_token.label() => {}
            CaKeyLocation::Tokens { root_token: r, .. } => {
                return Err(CaError::Hsm(format!(
                    "the root's key is in token {r:?}, not {:?}",
                    root_token.label()
                )));
            }
            CaKeyLocation::Sealed => {
                return Err(CaError::Hsm(
                    "the root's key is sealed in the database, not in a token".into(),
                ));
            }
        }
        let key = root_token.ca_key(ROOT_KEY_LABEL, material.config.algorithm)?;
        Self::with_key(material, CaKey::Token(key))
    }

    fn with_key(material: CaMaterial, key: CaKey) -> Result<RootCa, CaError> {
        let issuer = Issuer::from_ca_cert_der(
            &pki_types::CertificateDer::from(material.root_cert_der.as_slice()),
            key,
        )?;
        Ok(RootCa { material, issuer })
    }

    /// The root CRL: the subordinate CA certificates in `revoked`, numbered `number`, valid
    /// from `this_update` to `next_update`.
    pub fn crl(
        &self,
        number: u64,
        this_update: Timestamp,
        next_update: Timestamp,
        revoked: &[Revoked],
    ) -> Result<Vec<u8>, CaError> {
        sign_crl(&self.issuer, number, this_update, next_update, revoked)
    }

    /// Certifies the subordinate CA that signed `csr_der` (PKCS#10, its signature checked):
    /// its subject as asked (a common name is required), nothing else it asked for. The
    /// profile is the root's: CA with path length 0, keyCertSign and cRLSign, the root CRL's
    /// distribution point, valid from `not_before` for `years` years (not beyond the root).
    pub fn issue_subordinate(
        &self,
        csr_der: &[u8],
        not_before: Timestamp,
        years: i64,
    ) -> Result<IssuedCertificate, CaError> {
        let csr = CertificateSigningRequestParams::from_der(&csr_der.to_vec().into())
            .map_err(|e| CaError::Certificate(format!("the request: {e}")))?;
        let name = csr.params.distinguished_name;
        if name.get(&DnType::CommonName).is_none() {
            return Err(CaError::Certificate(
                "the request's subject has no common name".into(),
            ));
        }
        let not_after = years_after(not_before, years)?;
        let (_, root) = x509_parser::parse_x509_certificate(&self.material.root_cert_der)
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        if not_after.as_second() > root.validity().not_after.timestamp() {
            return Err(CaError::Certificate(
                "a subordinate cannot outlive the root: ask for fewer years".into(),
            ));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.use_authority_key_identifier_extension = true;
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![self.material.config.urls.root_crl()],
        }];
        params.custom_extensions = vec![crate::profile::ca_aia(&self.material.config.urls)?];
        params.not_before = offset(not_before)?;
        params.not_after = offset(not_after)?;
        let (serial, serial_hex) = random_serial()?;
        params.serial_number = Some(serial);
        let cert = params.signed_by(&csr.public_key, &self.issuer)?;
        Ok(IssuedCertificate {
            der: cert.der().to_vec(),
            serial_hex,
            not_before,
            not_after,
        })
    }
}
