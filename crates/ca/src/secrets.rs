//! Secrets the service keeps on holders' behalf — their TOTP tokens' seeds (issue 21) —
//! encrypted at rest under a key of the key backend: in production an AES key inside the HSM
//! that never leaves it, so a copy of the database holds no seed an attacker could use.
//!
//! Layout: a 4-byte tag naming the sealer ‖ nonce (12) ‖ AES-256-GCM ciphertext and tag. The
//! tag and a caller's context (the holder the seed belongs to) are authenticated as associated
//! data, so a sealed seed cannot be moved to another holder's row.

use crate::hsm::{Hsm, ck};
use crate::{CaError, random_bytes};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::ObjectHandle;
use std::sync::{Arc, OnceLock};
use zeroize::Zeroizing;

/// Encrypts and decrypts small secrets under the key backend's key.
pub trait SecretSealer: Send + Sync {
    /// `plaintext` sealed, bound to `context`.
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CaError>;
    /// What [`SecretSealer::seal`] sealed with the same `context`.
    fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError>;
    /// `software` or `pkcs11`.
    fn kind(&self) -> &'static str;
}

const SOFTWARE_TAG: &[u8; 4] = b"RSS1";
const HSM_TAG: &[u8; 4] = b"RHS1";
const NONCE: usize = 12;
const GCM_TAG: usize = 16;

/// The label of the token's secret-sealing key.
pub const SECRETS_LABEL: &str = "rinnova-secrets";

fn aad(tag: &[u8; 4], context: &[u8]) -> Vec<u8> {
    let mut a = b"rinnova sealed secret\0".to_vec();
    a.extend_from_slice(tag);
    a.extend_from_slice(context);
    a
}

/// Software keys (the demo's and tests'): AES-256-GCM under a key derived once, with Argon2id,
/// from the CA passphrase.
pub struct SoftwareSealer {
    passphrase: Zeroizing<Vec<u8>>,
    kdf: crate::KdfParams,
    key: OnceLock<Result<Zeroizing<[u8; 32]>, String>>,
}

impl SoftwareSealer {
    pub fn new(passphrase: &[u8], kdf: crate::KdfParams) -> Self {
        Self {
            passphrase: Zeroizing::new(passphrase.to_vec()),
            kdf,
            key: OnceLock::new(),
        }
    }

    fn key(&self) -> Result<LessSafeKey, CaError> {
        let key = self
            .key
            .get_or_init(|| {
                crate::seal::derive(&self.passphrase, b"rinnova secrets v1 salt", self.kdf)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| CaError::Kdf(e.clone()))?;
        UnboundKey::new(&AES_256_GCM, key.as_ref())
            .map(LessSafeKey::new)
            .map_err(|_| CaError::Malformed)
    }
}

impl SecretSealer for SoftwareSealer {
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CaError> {
        let nonce: [u8; NONCE] = random_bytes()?;
        let mut body = plaintext.to_vec();
        self.key()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(SOFTWARE_TAG, context)),
                &mut body,
            )
            .map_err(|_| CaError::Malformed)?;
        Ok([SOFTWARE_TAG.as_slice(), &nonce, &body].concat())
    }

    fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError> {
        if sealed.len() < 4 + NONCE + GCM_TAG || &sealed[..4] != SOFTWARE_TAG {
            return Err(CaError::Malformed);
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[4..4 + NONCE])
            .map_err(|_| CaError::Malformed)?;
        let mut body = Zeroizing::new(sealed[4 + NONCE..].to_vec());
        let len = self
            .key()?
            .open_in_place(
                nonce,
                Aad::from(aad(SOFTWARE_TAG, context)),
                body.as_mut_slice(),
            )
            .map_err(|_| CaError::WrongSecret)?
            .len();
        body.truncate(len);
        Ok(body)
    }

    fn kind(&self) -> &'static str {
        "software"
    }
}

const BEARER_TAG: &[u8; 4] = b"RBS1";

/// The AES-256-GCM key derived (HKDF-SHA256) from a high-entropy secret its bearer holds — a
/// CSC signature activation data (issue 22) — for one `context`.
fn bearer_key(secret: &[u8], context: &[u8]) -> Result<LessSafeKey, CaError> {
    use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
    if secret.len() < 16 {
        return Err(CaError::Malformed);
    }
    let info = [b"rinnova bearer seal\0".as_slice(), context];
    let prk = Salt::new(HKDF_SHA256, b"rinnova bearer seal v1").extract(secret);
    let okm = prk
        .expand(&info, &AES_256_GCM)
        .map_err(|_| CaError::Malformed)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

/// `plaintext` sealed under a key only the bearer of `secret` can derive: what is stored
/// beside it (a SAD's hash) opens nothing without it.
pub fn seal_for_bearer(
    secret: &[u8],
    plaintext: &[u8],
    context: &[u8],
) -> Result<Vec<u8>, CaError> {
    let nonce: [u8; NONCE] = random_bytes()?;
    let mut body = plaintext.to_vec();
    bearer_key(secret, context)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(BEARER_TAG, context)),
            &mut body,
        )
        .map_err(|_| CaError::Malformed)?;
    Ok([BEARER_TAG.as_slice(), &nonce, &body].concat())
}

/// What [`seal_for_bearer`] sealed with the same secret and context.
pub fn open_for_bearer(
    secret: &[u8],
    sealed: &[u8],
    context: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CaError> {
    if sealed.len() < 4 + NONCE + GCM_TAG || &sealed[..4] != BEARER_TAG {
        return Err(CaError::Malformed);
    }
    let nonce =
        Nonce::try_assume_unique_for_key(&sealed[4..4 + NONCE]).map_err(|_| CaError::Malformed)?;
    let mut body = Zeroizing::new(sealed[4 + NONCE..].to_vec());
    let len = bearer_key(secret, context)?
        .open_in_place(
            nonce,
            Aad::from(aad(BEARER_TAG, context)),
            body.as_mut_slice(),
        )
        .map_err(|_| CaError::WrongSecret)?
        .len();
    body.truncate(len);
    Ok(body)
}

/// The HSM: AES-256-GCM inside the token, under its secret-sealing key (sensitive, never
/// extractable; made by the key ceremony, or at first use on a token made before issue 21).
pub struct HsmSealer {
    hsm: Arc<Hsm>,
    key: ObjectHandle,
}

impl std::fmt::Debug for HsmSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmSealer")
            .field("hsm", &self.hsm)
            .finish_non_exhaustive()
    }
}

impl HsmSealer {
    /// The sealer over `hsm`'s secret-sealing key, made if the token has none yet.
    pub fn new(hsm: Arc<Hsm>) -> Result<Self, CaError> {
        let key = hsm.secrets_key()?;
        Ok(Self { hsm, key })
    }
}

impl SecretSealer for HsmSealer {
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CaError> {
        let mut iv: [u8; NONCE] = random_bytes()?;
        let aad = aad(HSM_TAG, context);
        let s = self.hsm.session()?;
        let params = GcmParams::new(&mut iv, &aad, (GCM_TAG as u64 * 8).into())
            .map_err(|e| CaError::Hsm(e.to_string()))?;
        let body = s
            .encrypt(&Mechanism::AesGcm(params), self.key, plaintext)
            .map_err(ck)?;
        Ok([HSM_TAG.as_slice(), &iv, &body].concat())
    }

    fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError> {
        if sealed.len() < 4 + NONCE + GCM_TAG || &sealed[..4] != HSM_TAG {
            return Err(CaError::Malformed);
        }
        let mut iv = [0u8; NONCE];
        iv.copy_from_slice(&sealed[4..4 + NONCE]);
        let aad = aad(HSM_TAG, context);
        let s = self.hsm.session()?;
        let params = GcmParams::new(&mut iv, &aad, (GCM_TAG as u64 * 8).into())
            .map_err(|e| CaError::Hsm(e.to_string()))?;
        s.decrypt(&Mechanism::AesGcm(params), self.key, &sealed[4 + NONCE..])
            .map(Zeroizing::new)
            .map_err(|_| CaError::WrongSecret)
    }

    fn kind(&self) -> &'static str {
        "pkcs11"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_round_trip_bound_to_its_context() {
        let s = SoftwareSealer::new(b"passphrase", crate::KdfParams::insecure_for_tests());
        let sealed = s.seal(b"12345678901234567890", b"holder-1").unwrap();
        assert_eq!(&sealed[..4], SOFTWARE_TAG);
        assert!(!sealed.windows(20).any(|w| w == b"12345678901234567890"));
        assert_eq!(
            s.open(&sealed, b"holder-1").unwrap().as_slice(),
            b"12345678901234567890"
        );
        assert!(matches!(
            s.open(&sealed, b"holder-2"),
            Err(CaError::WrongSecret)
        ));
        let other = SoftwareSealer::new(b"other", crate::KdfParams::insecure_for_tests());
        assert!(other.open(&sealed, b"holder-1").is_err());
        assert!(matches!(
            s.open(b"short", b"holder-1"),
            Err(CaError::Malformed)
        ));
    }

    #[test]
    fn issue22_a_bearer_seal_opens_only_with_its_secret_and_context() {
        let secret = [7u8; 32];
        let sealed = seal_for_bearer(&secret, b"12345678", b"sad-1").unwrap();
        assert_eq!(
            open_for_bearer(&secret, &sealed, b"sad-1")
                .unwrap()
                .as_slice(),
            b"12345678"
        );
        assert!(open_for_bearer(&[8u8; 32], &sealed, b"sad-1").is_err());
        assert!(open_for_bearer(&secret, &sealed, b"sad-2").is_err());
        assert!(seal_for_bearer(&[1u8; 8], b"x", b"c").is_err());
    }
}
