//! The remote-signature device: the stand-in for the CA's HSM (QSCD). Each holder's signing key
//! is created here and kept sealed under a key derived from their PIN, so the server cannot use
//! it without the PIN (SPEC O3). A PKCS#11 HSM can take its place behind [`SignatureDevice`].

use crate::CaError;
use crate::seal::{self, KdfParams};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use rinnova_domain::Pin;

/// A public key as rcgen needs it to issue a certificate for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderPublicKey {
    /// The uncompressed P-256 point.
    pub raw: Vec<u8>,
}

impl rcgen::PublicKeyData for HolderPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.raw
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl HolderPublicKey {
    /// Verifies an ECDSA P-256/SHA-256 signature (DER) over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &self.raw)
            .verify(message, signature)
            .is_ok()
    }
}

/// A key just created on the device: the public half, and the private half sealed.
#[derive(Clone)]
pub struct CredentialKey {
    pub public_key: HolderPublicKey,
    pub sealed_private: Vec<u8>,
}

/// Why the device refused to sign.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("wrong PIN")]
    WrongPin,
    #[error(transparent)]
    Ca(#[from] CaError),
}

/// A signature, and the key sealed anew when the device moved it in while signing.
#[derive(Debug, Clone)]
pub struct Signed {
    /// ECDSA P-256 with SHA-256, DER.
    pub signature: Vec<u8>,
    /// The key as this device keeps it, when the blob given was sealed by an earlier device
    /// (a software-sealed key met by the HSM): the caller stores it in place of the old one.
    pub resealed: Option<Vec<u8>>,
}

/// A signing device that keeps holder keys usable only with their PIN.
pub trait SignatureDevice: Send + Sync {
    /// Creates a key pair protected by `pin`.
    fn create_key(&self, pin: &Pin) -> Result<CredentialKey, CaError>;
    /// Signs `message` (ECDSA P-256 SHA-256, DER) with a sealed key, if `pin` opens it.
    fn sign(
        &self,
        sealed_private: &[u8],
        pin: &Pin,
        message: &[u8],
    ) -> Result<Signed, DeviceError> {
        self.sign_digest(sealed_private, pin, &crate::sha256(message))
    }
    /// Signs a digest computed elsewhere (ECDSA P-256, DER; the CSC API's `signHash`) with a
    /// sealed key, if `pin` opens it. A digest longer than the curve's order is cut to its
    /// leftmost 256 bits, as ECDSA itself does (FIPS 186-5 §6.4.1): SHA-384 and SHA-512 work.
    fn sign_digest(
        &self,
        sealed_private: &[u8],
        pin: &Pin,
        digest: &[u8],
    ) -> Result<Signed, DeviceError>;
    /// Signs several digests with one opening of the key (a CSC batch): the PIN checked and
    /// the key opened once, then one signature per digest, in order.
    fn sign_digests(
        &self,
        sealed_private: &[u8],
        pin: &Pin,
        digests: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, DeviceError> {
        digests
            .iter()
            .map(|d| {
                self.sign_digest(sealed_private, pin, d)
                    .map(|s| s.signature)
            })
            .collect()
    }
    /// Whether `pin` opens the sealed key, without signing anything; `Ok` carries the key
    /// sealed anew when this device moved it in (see [`Signed::resealed`]).
    fn check_pin(&self, sealed_private: &[u8], pin: &Pin) -> Result<Option<Vec<u8>>, DeviceError>;
    /// Which device this is, for logs and `rinnova config` (`software`, `pkcs11`).
    fn kind(&self) -> &'static str;
}

/// Software device: keys sealed with Argon2id + AES-256-GCM under the PIN.
#[derive(Debug, Clone, Copy)]
pub struct SoftwareDevice {
    pub kdf: KdfParams,
}

impl SignatureDevice for SoftwareDevice {
    fn create_key(&self, pin: &Pin) -> Result<CredentialKey, CaError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| CaError::Random)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
            .map_err(|_| CaError::Malformed)?;
        Ok(CredentialKey {
            public_key: HolderPublicKey {
                raw: pair.public_key().as_ref().to_vec(),
            },
            sealed_private: seal::seal(pkcs8.as_ref(), pin.expose().as_bytes(), self.kdf)?,
        })
    }

    fn sign_digest(
        &self,
        sealed_private: &[u8],
        pin: &Pin,
        digest: &[u8],
    ) -> Result<Signed, DeviceError> {
        let pair = open_software_key(sealed_private, pin)?;
        let digest = aws_lc_rs::digest::Digest::import_less_safe(
            ecdsa_p256_input(digest)?,
            &aws_lc_rs::digest::SHA256,
        )
        .map_err(|_| CaError::Malformed)?;
        let sig = pair.sign_digest(&digest).map_err(|_| CaError::Random)?;
        Ok(Signed {
            signature: sig.as_ref().to_vec(),
            resealed: None,
        })
    }

    fn sign_digests(
        &self,
        sealed_private: &[u8],
        pin: &Pin,
        digests: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, DeviceError> {
        let pair = open_software_key(sealed_private, pin)?;
        digests
            .iter()
            .map(|d| {
                let digest = aws_lc_rs::digest::Digest::import_less_safe(
                    ecdsa_p256_input(d)?,
                    &aws_lc_rs::digest::SHA256,
                )
                .map_err(|_| CaError::Malformed)?;
                Ok(pair
                    .sign_digest(&digest)
                    .map_err(|_| CaError::Random)?
                    .as_ref()
                    .to_vec())
            })
            .collect()
    }

    fn check_pin(&self, sealed_private: &[u8], pin: &Pin) -> Result<Option<Vec<u8>>, DeviceError> {
        open_software_key(sealed_private, pin).map(|_| None)
    }

    fn kind(&self) -> &'static str {
        "software"
    }
}

/// What ECDSA on P-256 signs of a digest: its leftmost 256 bits (FIPS 186-5 §6.4.1). A digest
/// shorter than SHA-256's is refused (CSC: "Invalid digest value length").
pub fn ecdsa_p256_input(digest: &[u8]) -> Result<&[u8], CaError> {
    digest.get(..32).ok_or(CaError::Malformed)
}

/// A key sealed in software under its PIN (Argon2id + AES-256-GCM), opened.
pub(crate) fn open_software_key(sealed: &[u8], pin: &Pin) -> Result<EcdsaKeyPair, DeviceError> {
    let pkcs8 = match seal::open(sealed, pin.expose().as_bytes()) {
        Ok(k) => k,
        Err(CaError::WrongSecret) => return Err(DeviceError::WrongPin),
        Err(e) => return Err(e.into()),
    };
    Ok(
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8)
            .map_err(|_| CaError::Malformed)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o3_key_usable_only_with_its_pin() {
        let dev = SoftwareDevice {
            kdf: KdfParams::insecure_for_tests(),
        };
        let pin = Pin::parse("12345678").unwrap();
        let key = dev.create_key(&pin).unwrap();
        let sig = dev
            .sign(&key.sealed_private, &pin, b"renewal form")
            .unwrap()
            .signature;
        assert!(key.public_key.verify(b"renewal form", &sig));
        assert!(!key.public_key.verify(b"another form", &sig));
        let wrong = Pin::parse("87654321").unwrap();
        assert!(matches!(
            dev.sign(&key.sealed_private, &wrong, b"x"),
            Err(DeviceError::WrongPin)
        ));
    }

    #[test]
    fn issue22_a_digest_made_elsewhere_is_signed_as_ecdsa_with_its_hash() {
        use aws_lc_rs::signature::{ECDSA_P256_SHA384_ASN1, ECDSA_P256_SHA512_ASN1};
        let dev = SoftwareDevice {
            kdf: KdfParams::insecure_for_tests(),
        };
        let pin = Pin::parse("12345678").unwrap();
        let key = dev.create_key(&pin).unwrap();
        let doc = b"a document signed through the CSC API";
        for (algorithm, verify) in [
            (&aws_lc_rs::digest::SHA256, &ECDSA_P256_SHA256_ASN1),
            (&aws_lc_rs::digest::SHA384, &ECDSA_P256_SHA384_ASN1),
            (&aws_lc_rs::digest::SHA512, &ECDSA_P256_SHA512_ASN1),
        ] {
            let digest = aws_lc_rs::digest::digest(algorithm, doc);
            let sig = dev
                .sign_digest(&key.sealed_private, &pin, digest.as_ref())
                .unwrap()
                .signature;
            UnparsedPublicKey::new(verify, &key.public_key.raw)
                .verify(doc, &sig)
                .unwrap();
        }
        assert!(
            dev.sign_digest(&key.sealed_private, &pin, &[1; 20])
                .is_err()
        );
        assert!(dev.check_pin(&key.sealed_private, &pin).unwrap().is_none());
        assert!(matches!(
            dev.check_pin(&key.sealed_private, &Pin::parse("87654321").unwrap()),
            Err(DeviceError::WrongPin)
        ));
    }
}
