//! The CA's own private keys (issue 20): in software, opened from their sealed form, or in a
//! PKCS#11 token, where they are generated (sensitive, never extractable) and used in place.
//! rcgen signs certificates and CRLs through [`CaKey`] either way.

use crate::CaError;
use crate::authority::CaAlgorithm;
use crate::hsm::{self, Hsm};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use der::Encode;
use rcgen::{KeyPair, PublicKeyData, SigningKey};
use std::sync::Arc;

/// The label of the root CA's key (on the root's own token).
pub const ROOT_KEY_LABEL: &str = "rinnova-root-ca";
/// The label of the issuing CA's key (on the service's token).
pub const ISSUING_KEY_LABEL: &str = "rinnova-issuing-ca";

/// A CA private key.
pub enum CaKey {
    /// In memory, opened from its sealed form with the CA passphrase.
    Software(KeyPair),
    /// In a token.
    Token(TokenKey),
}

impl std::fmt::Debug for CaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Software(_) => f.write_str("CaKey::Software"),
            Self::Token(k) => write!(f, "CaKey::Token({:?})", k.label),
        }
    }
}

/// A private key in a token, with its public half as rcgen needs it.
#[derive(Clone)]
pub struct TokenKey {
    hsm: Arc<Hsm>,
    handle: ObjectHandle,
    label: String,
    algorithm: CaAlgorithm,
    /// EC: the uncompressed point; RSA: the PKCS#1 `RSAPublicKey`.
    public: Vec<u8>,
}

impl PublicKeyData for CaKey {
    fn der_bytes(&self) -> &[u8] {
        match self {
            Self::Software(k) => k.der_bytes(),
            Self::Token(k) => &k.public,
        }
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Self::Software(k) => k.algorithm(),
            Self::Token(k) => k.algorithm.signature_algorithm(),
        }
    }
}

impl SigningKey for CaKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            Self::Software(k) => k.sign(msg),
            Self::Token(k) => k.sign(msg).map_err(|_| rcgen::Error::RemoteKeyError),
        }
    }
}

impl CaKey {
    /// A new key of `algorithm` in software.
    pub fn generate_software(algorithm: CaAlgorithm) -> Result<CaKey, CaError> {
        Ok(CaKey::Software(algorithm.generate()?))
    }

    /// A software key from its PKCS#8 form.
    pub fn software_from_pkcs8(pkcs8: &[u8], algorithm: CaAlgorithm) -> Result<CaKey, CaError> {
        Ok(CaKey::Software(KeyPair::from_pkcs8_der_and_sign_algo(
            &pki_types::PrivatePkcs8KeyDer::from(pkcs8),
            algorithm.signature_algorithm(),
        )?))
    }

    /// The PKCS#8 form of a software key, to seal it (none for a key in a token).
    pub fn software_pkcs8(&self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        match self {
            Self::Software(k) => Some(zeroize::Zeroizing::new(k.serialize_der())),
            Self::Token(_) => None,
        }
    }

    /// The public key's bits (EC: the uncompressed point; RSA: the PKCS#1 `RSAPublicKey`).
    pub fn public_key_bytes(&self) -> &[u8] {
        self.der_bytes()
    }

    /// Signs `msg` with the key's algorithm (ECDSA P-256/SHA-256 DER, or RSA PKCS#1 v1.5
    /// SHA-256).
    pub fn sign_message(&self, msg: &[u8]) -> Result<Vec<u8>, CaError> {
        Ok(SigningKey::sign(self, msg)?)
    }
}

impl TokenKey {
    /// Signs `msg` in the token: ECDSA P-256 with SHA-256 (DER) or RSA PKCS#1 v1.5 with
    /// SHA-256, as the key's algorithm says.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CaError> {
        let s = self.hsm.session()?;
        match self.algorithm {
            CaAlgorithm::EcdsaP256 => hsm::sign_ecdsa(&s, self.handle, msg),
            CaAlgorithm::Rsa3072 => s
                .sign(&Mechanism::Sha256RsaPkcs, self.handle, msg)
                .map_err(hsm::ck),
        }
    }
}

/// The PKCS#1 `RSAPublicKey` of a modulus and exponent (big-endian).
fn rsa_public_key(modulus: &[u8], exponent: &[u8]) -> Result<Vec<u8>, CaError> {
    Ok(pkcs1::RsaPublicKey {
        modulus: der::asn1::UintRef::new(modulus)?,
        public_exponent: der::asn1::UintRef::new(exponent)?,
    }
    .to_der()?)
}

/// The attributes of a CA key pair labelled `label` in the token, generated or imported: the
/// public half verifies only; the private half is a token object, private, sensitive, not
/// extractable, not modifiable, and signs only.
fn key_pair_templates(label: &str) -> (Vec<Attribute>, Vec<Attribute>) {
    let named = || {
        [
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(label.as_bytes().to_vec()),
        ]
    };
    let mut public = vec![
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::Encrypt(false),
        Attribute::Wrap(false),
    ];
    public.extend(named());
    let mut private = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Modifiable(false),
        Attribute::Sign(true),
        Attribute::Decrypt(false),
        Attribute::Unwrap(false),
        Attribute::Derive(false),
    ];
    private.extend(named());
    (public, private)
}

impl Hsm {
    /// Generates a CA key pair labelled `label` in the token: the private half sensitive,
    /// never extractable, able to sign only. Refuses if a private key has the label; a public
    /// half left alone by a generation cut short (a crash between the two objects) is removed
    /// first.
    pub fn generate_ca_key(
        self: &Arc<Self>,
        label: &str,
        algorithm: CaAlgorithm,
    ) -> Result<TokenKey, CaError> {
        {
            let s = self.session()?;
            let labelled = |class| {
                s.find_objects(&[
                    Attribute::Class(class),
                    Attribute::Label(label.as_bytes().to_vec()),
                ])
                .map_err(hsm::ck)
            };
            if !labelled(ObjectClass::PRIVATE_KEY)?.is_empty() {
                return Err(CaError::Hsm(format!(
                    "token {:?} already holds {label:?}",
                    self.label()
                )));
            }
            for orphan in labelled(ObjectClass::PUBLIC_KEY)? {
                s.destroy_object(orphan).map_err(hsm::ck)?;
            }
            let (mut public, private) = key_pair_templates(label);
            let mechanism = match algorithm {
                CaAlgorithm::EcdsaP256 => {
                    public.push(Attribute::EcParams(hsm::p256_params()?));
                    Mechanism::EccKeyPairGen
                }
                CaAlgorithm::Rsa3072 => {
                    public.push(Attribute::ModulusBits(3072.into()));
                    public.push(Attribute::PublicExponent(vec![1, 0, 1]));
                    Mechanism::RsaPkcsKeyPairGen
                }
            };
            s.generate_key_pair(&mechanism, &public, &private)
                .map_err(hsm::ck)?;
        }
        self.ca_key(label, algorithm)
    }

    /// The CA key labelled `label` in the token.
    pub fn ca_key(
        self: &Arc<Self>,
        label: &str,
        algorithm: CaAlgorithm,
    ) -> Result<TokenKey, CaError> {
        let s = self.session()?;
        let find = |class| {
            s.find_objects(&[
                Attribute::Class(class),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(hsm::ck)
        };
        let missing = || {
            CaError::Hsm(format!(
                "token {:?} has no key {label:?}: the CA was made in another token",
                self.label()
            ))
        };
        let private = *find(ObjectClass::PRIVATE_KEY)?
            .first()
            .ok_or_else(missing)?;
        let public_handle = *find(ObjectClass::PUBLIC_KEY)?.first().ok_or_else(missing)?;
        let public = match algorithm {
            CaAlgorithm::EcdsaP256 => {
                match s
                    .get_attributes(public_handle, &[AttributeType::EcPoint])
                    .map_err(hsm::ck)?
                    .pop()
                {
                    Some(Attribute::EcPoint(p)) => hsm::ec_point(&p),
                    _ => return Err(missing()),
                }
            }
            CaAlgorithm::Rsa3072 => {
                let attrs = s
                    .get_attributes(
                        public_handle,
                        &[AttributeType::Modulus, AttributeType::PublicExponent],
                    )
                    .map_err(hsm::ck)?;
                let (mut n, mut e) = (None, None);
                for a in attrs {
                    match a {
                        Attribute::Modulus(m) => n = Some(m),
                        Attribute::PublicExponent(x) => e = Some(x),
                        _ => {}
                    }
                }
                rsa_public_key(&n.ok_or_else(missing)?, &e.ok_or_else(missing)?)?
            }
        };
        let key_type = s
            .get_attributes(private, &[AttributeType::KeyType])
            .map_err(hsm::ck)?;
        let expected = match algorithm {
            CaAlgorithm::EcdsaP256 => KeyType::EC,
            CaAlgorithm::Rsa3072 => KeyType::RSA,
        };
        if !matches!(key_type.first(), Some(Attribute::KeyType(t)) if *t == expected) {
            return Err(CaError::Hsm(format!(
                "key {label:?} in token {:?} is not a {algorithm:?} key",
                self.label()
            )));
        }
        Ok(TokenKey {
            hsm: self.clone(),
            handle: private,
            label: label.into(),
            algorithm,
            public,
        })
    }

    /// Imports a CA key sealed in software before issue 20 (`rinnova keys migrate`) into the
    /// token as `label`: sensitive, not extractable from now on, able to sign only (the token
    /// will say it was not generated there: CKA_LOCAL and CKA_NEVER_EXTRACTABLE stay false).
    /// If the label holds the same key already (a migration cut short), that key is returned;
    /// a different key under the label is refused.
    pub fn import_ca_key(
        self: &Arc<Self>,
        label: &str,
        algorithm: CaAlgorithm,
        pkcs8: &[u8],
    ) -> Result<TokenKey, CaError> {
        let expected = CaKey::software_from_pkcs8(pkcs8, algorithm)?
            .public_key_bytes()
            .to_vec();
        if let Ok(k) = self.ca_key(label, algorithm) {
            if k.public == expected {
                return Ok(k);
            }
            return Err(CaError::Hsm(format!(
                "token {:?} already holds another key {label:?}",
                self.label()
            )));
        }
        let (mut public, mut private) = key_pair_templates(label);
        public.push(Attribute::Class(ObjectClass::PUBLIC_KEY));
        private.push(Attribute::Class(ObjectClass::PRIVATE_KEY));
        let info = pkcs8::PrivateKeyInfo::try_from(pkcs8).map_err(|_| CaError::Malformed)?;
        match algorithm {
            CaAlgorithm::EcdsaP256 => {
                let key = sec1::EcPrivateKey::try_from(info.private_key)
                    .map_err(|_| CaError::Malformed)?
                    .private_key
                    .to_vec();
                let point = der::asn1::OctetString::new(expected.clone())
                    .and_then(|o| o.to_der())
                    .map_err(|_| CaError::Malformed)?;
                public.extend([
                    Attribute::KeyType(KeyType::EC),
                    Attribute::EcParams(hsm::p256_params()?),
                    Attribute::EcPoint(point),
                ]);
                private.extend([
                    Attribute::KeyType(KeyType::EC),
                    Attribute::EcParams(hsm::p256_params()?),
                    Attribute::Value(key),
                ]);
            }
            CaAlgorithm::Rsa3072 => {
                let k = pkcs1::RsaPrivateKey::try_from(info.private_key)
                    .map_err(|_| CaError::Malformed)?;
                let n = k.modulus.as_bytes().to_vec();
                let e = k.public_exponent.as_bytes().to_vec();
                public.extend([
                    Attribute::KeyType(KeyType::RSA),
                    Attribute::Modulus(n.clone()),
                    Attribute::PublicExponent(e.clone()),
                ]);
                private.extend([
                    Attribute::KeyType(KeyType::RSA),
                    Attribute::Modulus(n),
                    Attribute::PublicExponent(e),
                    Attribute::PrivateExponent(k.private_exponent.as_bytes().to_vec()),
                    Attribute::Prime1(k.prime1.as_bytes().to_vec()),
                    Attribute::Prime2(k.prime2.as_bytes().to_vec()),
                    Attribute::Exponent1(k.exponent1.as_bytes().to_vec()),
                    Attribute::Exponent2(k.exponent2.as_bytes().to_vec()),
                    Attribute::Coefficient(k.coefficient.as_bytes().to_vec()),
                ]);
            }
        }
        let made = {
            let s = self.session()?;
            s.create_object(&public)
                .and_then(|_| s.create_object(&private))
                .map_err(hsm::ck)
        };
        for a in &mut private {
            match a {
                Attribute::Value(v)
                | Attribute::PrivateExponent(v)
                | Attribute::Prime1(v)
                | Attribute::Prime2(v)
                | Attribute::Exponent1(v)
                | Attribute::Exponent2(v)
                | Attribute::Coefficient(v) => zeroize::Zeroize::zeroize(v),
                _ => {}
            }
        }
        made?;
        let key = self.ca_key(label, algorithm)?;
        if key.public != expected {
            return Err(CaError::Hsm(format!(
                "the key imported as {label:?} does not match its certificate"
            )));
        }
        Ok(key)
    }
}
