//! rinnova's certification authority: the CA's keys, the ETSI EN 319 412 qualified-certificate
//! profile, issuance, and the remote-signature device that keeps each holder's key usable only
//! with their PIN (SPEC X1, O3).

pub mod authority;
pub mod ca_key;
pub mod delegate;
pub mod device;
pub mod error;
pub mod hsm;
pub mod pades;
pub mod profile;
pub mod request;
pub mod revocation;
pub mod root;
pub mod seal;
pub mod secrets;
pub mod tsa;

pub use authority::{Ca, CaAlgorithm, CaConfig, CaKeyLocation, CaMaterial, IssuedCertificate};
pub use delegate::{Delegate, Purpose};
pub use device::{CredentialKey, DeviceError, SignatureDevice, Signed, SoftwareDevice};
pub use error::CaError;
pub use hsm::{Hsm, HsmConfig, HsmDevice};
pub use profile::{HolderSubject, ProfileUrls};
pub use seal::KdfParams;
pub use secrets::{HsmSealer, SecretSealer, SoftwareSealer, open_for_bearer, seal_for_bearer};

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// Cryptographically secure random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CaError> {
    use aws_lc_rs::rand::SecureRandom;
    let mut out = [0u8; N];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| CaError::Random)?;
    Ok(out)
}
