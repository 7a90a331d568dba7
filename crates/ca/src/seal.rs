//! Secrets sealed under a passphrase or PIN: Argon2id derives a key, AES-256-GCM encrypts.
//!
//! Layout: `RNV1` ‖ m_cost ‖ t_cost ‖ p_cost (u32 BE each) ‖ salt (16) ‖ nonce (12) ‖ ciphertext+tag.
//! The header is authenticated as associated data, so the parameters cannot be tampered with.

use crate::{CaError, random_bytes};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

const MAGIC: &[u8; 4] = b"RNV1";
const HEADER: usize = 4 + 12 + 16;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// OWASP's Argon2id recommendation (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self {
            m_cost: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for tests only: never for stored production keys.
    pub fn insecure_for_tests() -> Self {
        Self {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        }
    }
}

pub(crate) fn derive(
    secret: &[u8],
    salt: &[u8],
    p: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, CaError> {
    let params = argon2::Params::new(p.m_cost, p.t_cost, p.p_cost, Some(32))
        .map_err(|e| CaError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(secret, salt, key.as_mut())
        .map_err(|e| CaError::Kdf(e.to_string()))?;
    Ok(key)
}

fn aead(key: &[u8; 32]) -> Result<LessSafeKey, CaError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| CaError::Malformed)
}

/// Seals `plaintext` under `secret`.
pub fn seal(plaintext: &[u8], secret: &[u8], p: KdfParams) -> Result<Vec<u8>, CaError> {
    let salt: [u8; 16] = random_bytes()?;
    let nonce: [u8; 12] = random_bytes()?;
    let mut out = Vec::with_capacity(HEADER + 12 + plaintext.len() + 16);
    out.extend_from_slice(MAGIC);
    for v in [p.m_cost, p.t_cost, p.p_cost] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&salt);
    let key = derive(secret, &salt, p)?;
    let mut body = plaintext.to_vec();
    aead(&key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&out[..HEADER]),
            &mut body,
        )
        .map_err(|_| CaError::Malformed)?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Opens what [`seal`] made; a wrong secret gives [`CaError::WrongSecret`].
pub fn open(sealed: &[u8], secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError> {
    if sealed.len() < HEADER + 12 + 16 || &sealed[..4] != MAGIC {
        return Err(CaError::Malformed);
    }
    let word =
        |i: usize| u32::from_be_bytes([sealed[i], sealed[i + 1], sealed[i + 2], sealed[i + 3]]);
    let p = KdfParams {
        m_cost: word(4),
        t_cost: word(8),
        p_cost: word(12),
    };
    let key = derive(secret, &sealed[16..HEADER], p)?;
    let nonce = Nonce::try_assume_unique_for_key(&sealed[HEADER..HEADER + 12])
        .map_err(|_| CaError::Malformed)?;
    let mut body = Zeroizing::new(sealed[HEADER + 12..].to_vec());
    let len = aead(&key)?
        .open_in_place(nonce, Aad::from(&sealed[..HEADER]), body.as_mut_slice())
        .map_err(|_| CaError::WrongSecret)?
        .len();
    body.truncate(len);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_secret() {
        let p = KdfParams::insecure_for_tests();
        let sealed = seal(b"private key", b"12345678", p).unwrap();
        assert_eq!(
            open(&sealed, b"12345678").unwrap().as_slice(),
            b"private key"
        );
        assert!(matches!(
            open(&sealed, b"12345679"),
            Err(CaError::WrongSecret)
        ));
        // Tampering with the cost parameters is detected too.
        let mut bad = sealed.clone();
        bad[7] ^= 1;
        assert!(open(&bad, b"12345678").is_err());
        assert!(matches!(open(b"nonsense", b"x"), Err(CaError::Malformed)));
    }
}
