//! The rules of remote signing through the Cloud Signature Consortium API (issue 22): which
//! hash and signature algorithms a credential's key accepts, and what a signature activation
//! data (SAD) allows — the hashes it was issued for, each once, and no more signatures than
//! authorised (SCAL2, CSC API §8.2).

use std::collections::BTreeSet;

/// Hash algorithms a digest to sign may come from (CSC API §5: SHA-256 or stronger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub const ALL: [HashAlgorithm; 3] = [Self::Sha256, Self::Sha384, Self::Sha512];

    /// The algorithm of a dotted OID.
    pub fn from_oid(oid: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.oid() == oid.trim())
    }

    /// Its dotted OID.
    pub fn oid(self) -> &'static str {
        match self {
            Self::Sha256 => "2.16.840.1.101.3.4.2.1",
            Self::Sha384 => "2.16.840.1.101.3.4.2.2",
            Self::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    /// The length of its digests, in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The algorithm whose digests are `len` bytes long.
    pub fn of_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.digest_len() == len)
    }
}

/// The signature algorithms of a remote-signature credential's key (ECDSA on P-256), by the
/// hash they sign: ecdsa-with-SHA256/384/512.
pub const ECDSA_SIGNATURE_ALGORITHMS: [(&str, HashAlgorithm); 3] = [
    ("1.2.840.10045.4.3.2", HashAlgorithm::Sha256),
    ("1.2.840.10045.4.3.3", HashAlgorithm::Sha384),
    ("1.2.840.10045.4.3.4", HashAlgorithm::Sha512),
];

/// The OID of the key's curve (P-256, `prime256v1`).
pub const P256_CURVE: &str = "1.2.840.10045.3.1.7";

/// Why a signature request does not fit the algorithms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlgorithmError {
    /// `signAlgo` is not one of the key's.
    SignAlgorithm,
    /// `hashAlgo` is unknown, or contradicts the one `signAlgo` names.
    HashAlgorithm,
    /// A digest's length is not that of the hash algorithm.
    DigestLength,
}

/// The hash algorithm of a `signHash` request: the one `sign_algo` names; `hash_algo`, when
/// given, must agree with it; every digest must have its length.
pub fn hash_algorithm_of(
    sign_algo: &str,
    hash_algo: Option<&str>,
    digests: &[Vec<u8>],
) -> Result<HashAlgorithm, AlgorithmError> {
    let (_, implied) = ECDSA_SIGNATURE_ALGORITHMS
        .iter()
        .find(|(oid, _)| *oid == sign_algo.trim())
        .ok_or(AlgorithmError::SignAlgorithm)?;
    if let Some(h) = hash_algo
        && HashAlgorithm::from_oid(h) != Some(*implied)
    {
        return Err(AlgorithmError::HashAlgorithm);
    }
    if digests.iter().any(|d| d.len() != implied.digest_len()) {
        return Err(AlgorithmError::DigestLength);
    }
    Ok(*implied)
}

/// What a SAD still allows: the digests it was issued for and not yet signed, and how many
/// signatures are left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SadScope {
    pub digests: BTreeSet<Vec<u8>>,
    pub remaining: u32,
}

/// Why a SAD does not allow a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SadError {
    /// A digest it was not issued for, or one already signed with it.
    HashNotAuthorized,
    /// More signatures than it has left.
    TooMany,
    /// The same digest twice in one request.
    Repeated,
}

impl SadScope {
    /// The scope of a new SAD for `digests` (SCAL2: the hashes are bound to it, each
    /// signable once).
    pub fn new(digests: &[Vec<u8>]) -> Self {
        SadScope {
            digests: digests.iter().cloned().collect(),
            remaining: u32::try_from(digests.len()).unwrap_or(u32::MAX),
        }
    }

    /// What is left after signing `digests`, if the SAD allows it.
    pub fn spend(&self, digests: &[Vec<u8>]) -> Result<SadScope, SadError> {
        let asked: BTreeSet<&Vec<u8>> = digests.iter().collect();
        if asked.len() != digests.len() {
            return Err(SadError::Repeated);
        }
        if u32::try_from(digests.len()).unwrap_or(u32::MAX) > self.remaining {
            return Err(SadError::TooMany);
        }
        if !asked.iter().all(|d| self.digests.contains(*d)) {
            return Err(SadError::HashNotAuthorized);
        }
        let left: BTreeSet<Vec<u8>> = self
            .digests
            .iter()
            .filter(|d| !asked.contains(d))
            .cloned()
            .collect();
        Ok(SadScope {
            remaining: self.remaining - u32::try_from(digests.len()).unwrap_or(0),
            digests: left,
        })
    }

    /// Whether nothing is left to sign with it.
    pub fn spent(&self) -> bool {
        self.remaining == 0 || self.digests.is_empty()
    }
}

/// Why an authorisation request is refused before any PIN or code is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// `numSignatures` below 1.
    NumSignatures,
    /// More than the credential's `multisign`.
    TooMany,
    /// SCAL2: the hashes must be listed, as many as `numSignatures`.
    HashesRequired,
    /// A hash of no known algorithm's length, or of another than the one named.
    DigestLength,
}

/// Checks an authorisation request's shape (SCAL2): `num_signatures` digests, all of one
/// known length (and of `hash_algo`'s, when named), at most `multisign` of them.
pub fn check_authorization(
    num_signatures: i64,
    digests: &[Vec<u8>],
    hash_algo: Option<HashAlgorithm>,
    multisign: u32,
) -> Result<HashAlgorithm, AuthorizeError> {
    if num_signatures < 1 {
        return Err(AuthorizeError::NumSignatures);
    }
    if num_signatures > i64::from(multisign) {
        return Err(AuthorizeError::TooMany);
    }
    if digests.is_empty() || i64::try_from(digests.len()).ok() != Some(num_signatures) {
        return Err(AuthorizeError::HashesRequired);
    }
    let algo = match hash_algo {
        Some(a) => a,
        None => HashAlgorithm::of_len(digests[0].len()).ok_or(AuthorizeError::DigestLength)?,
    };
    if digests.iter().any(|d| d.len() != algo.digest_len()) {
        return Err(AuthorizeError::DigestLength);
    }
    Ok(algo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(b: u8, len: usize) -> Vec<u8> {
        vec![b; len]
    }

    #[test]
    fn issue22_sign_algorithm_names_the_hash_and_digests_must_fit() {
        let one = [d(1, 32)];
        assert_eq!(
            hash_algorithm_of("1.2.840.10045.4.3.2", None, &one),
            Ok(HashAlgorithm::Sha256)
        );
        assert_eq!(
            hash_algorithm_of("1.2.840.10045.4.3.2", Some("2.16.840.1.101.3.4.2.1"), &one),
            Ok(HashAlgorithm::Sha256)
        );
        assert_eq!(
            hash_algorithm_of(
                "1.2.840.10045.4.3.3",
                Some("2.16.840.1.101.3.4.2.2"),
                &[d(1, 48)]
            ),
            Ok(HashAlgorithm::Sha384)
        );
        // RSA is not the key's algorithm; SHA-1 is not allowed.
        assert_eq!(
            hash_algorithm_of("1.2.840.113549.1.1.11", None, &one),
            Err(AlgorithmError::SignAlgorithm)
        );
        assert_eq!(
            hash_algorithm_of("1.2.840.10045.4.3.2", Some("1.3.14.3.2.26"), &one),
            Err(AlgorithmError::HashAlgorithm)
        );
        assert_eq!(
            hash_algorithm_of("1.2.840.10045.4.3.4", None, &one),
            Err(AlgorithmError::DigestLength)
        );
    }

    #[test]
    fn issue22_a_sad_signs_its_own_hashes_each_once() {
        let scope = SadScope::new(&[d(1, 32), d(2, 32), d(3, 32)]);
        assert_eq!(scope.spend(&[d(9, 32)]), Err(SadError::HashNotAuthorized));
        assert_eq!(scope.spend(&[d(1, 32), d(1, 32)]), Err(SadError::Repeated));
        let left = scope.spend(&[d(1, 32), d(3, 32)]).unwrap();
        assert_eq!(left.remaining, 1);
        assert!(!left.spent());
        // Signed already: not again with this SAD.
        assert_eq!(left.spend(&[d(1, 32)]), Err(SadError::HashNotAuthorized));
        assert_eq!(left.spend(&[d(2, 32), d(3, 32)]), Err(SadError::TooMany));
        let done = left.spend(&[d(2, 32)]).unwrap();
        assert!(done.spent());
        assert_eq!(done.spend(&[d(2, 32)]), Err(SadError::TooMany));
    }

    #[test]
    fn issue22_authorisation_lists_its_hashes() {
        let two = [d(1, 32), d(2, 32)];
        assert_eq!(
            check_authorization(2, &two, None, 10),
            Ok(HashAlgorithm::Sha256)
        );
        assert_eq!(
            check_authorization(0, &two, None, 10),
            Err(AuthorizeError::NumSignatures)
        );
        assert_eq!(
            check_authorization(2, &two, None, 1),
            Err(AuthorizeError::TooMany)
        );
        assert_eq!(
            check_authorization(3, &two, None, 10),
            Err(AuthorizeError::HashesRequired)
        );
        assert_eq!(
            check_authorization(1, &[], None, 10),
            Err(AuthorizeError::HashesRequired)
        );
        assert_eq!(
            check_authorization(2, &two, Some(HashAlgorithm::Sha512), 10),
            Err(AuthorizeError::DigestLength)
        );
        assert_eq!(
            check_authorization(2, &[d(1, 32), d(2, 48)], None, 10),
            Err(AuthorizeError::DigestLength)
        );
        assert_eq!(
            check_authorization(1, &[d(1, 20)], None, 10),
            Err(AuthorizeError::DigestLength)
        );
    }
}
