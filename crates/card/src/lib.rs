//! rinnova's smart-card side (SPEC C1–C5): a PKCS#11 token — a CNS card through its vendor's
//! module, or Debian's SoftHSM2 as the stand-in card of tests and demos — on which keys are
//! generated and used (never extractable) and certificates are stored next to their keys.
//!
//! This is the adapter over `cryptoki`; the renewal client that uses it is built on top.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use std::path::Path;

/// Debian's SoftHSM2 module.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// What went wrong with the card.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("PKCS#11: {0}")]
    Pkcs11(#[from] cryptoki::error::Error),
    #[error("no card (token) {0}")]
    NoToken(String),
    #[error("the card returned something unexpected: {0}")]
    Unexpected(String),
}

/// The kind of a card failure, for a message the person at the card understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardProblem {
    /// The PIN typed is wrong.
    WrongPin,
    /// The PIN is locked after too many wrong tries.
    PinLocked,
    /// No card in the reader (or not the one named), or it was pulled out.
    NoCard,
    /// The PKCS#11 module cannot be loaded.
    Module,
    /// Anything else the card answered.
    Other,
}

impl CardProblem {
    /// A stable code, shown beside the message.
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongPin => "RNV-CARD-010",
            Self::PinLocked => "RNV-CARD-011",
            Self::NoCard => "RNV-CARD-012",
            Self::Module => "RNV-CARD-013",
            Self::Other => "RNV-CARD-019",
        }
    }
}

impl CardError {
    /// What kind of failure this is.
    pub fn problem(&self) -> CardProblem {
        use cryptoki::error::{Error, RvError};
        match self {
            Self::NoToken(_) => CardProblem::NoCard,
            Self::Pkcs11(Error::Pkcs11(rv, _)) => match rv {
                RvError::PinIncorrect | RvError::PinLenRange => CardProblem::WrongPin,
                RvError::PinLocked => CardProblem::PinLocked,
                RvError::TokenNotPresent
                | RvError::TokenNotRecognized
                | RvError::DeviceRemoved
                | RvError::SlotIdInvalid => CardProblem::NoCard,
                _ => CardProblem::Other,
            },
            Self::Pkcs11(Error::LibraryLoading(_)) => CardProblem::Module,
            _ => CardProblem::Other,
        }
    }
}

impl From<der::Error> for CardError {
    fn from(e: der::Error) -> Self {
        Self::Unexpected(e.to_string())
    }
}

/// A certificate stored on the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCertificate {
    /// `CKA_ID`: the same on the certificate and its key pair.
    pub id: Vec<u8>,
    pub label: String,
    pub der: Vec<u8>,
}

/// An open card: one logged-in read-write session.
pub struct Token {
    // Kept alive as long as the session (the module stays loaded).
    _pkcs11: Pkcs11,
    session: Session,
    /// The card's own serial number (`CKA_SERIAL_NUMBER` of the token): what tells two cards
    /// apart, whatever their labels.
    serial: String,
}

/// The DER OID of the P-256 curve (`CKA_EC_PARAMS`).
fn p256_params() -> Result<Vec<u8>, CardError> {
    Ok(der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7").to_der()?)
}

fn load(module: &Path) -> Result<Pkcs11, CardError> {
    let pkcs11 = Pkcs11::new(module)?;
    pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))?;
    Ok(pkcs11)
}

fn find_slot(pkcs11: &Pkcs11, label: Option<&str>) -> Result<Slot, CardError> {
    for slot in pkcs11.get_slots_with_initialized_token()? {
        let info = pkcs11.get_token_info(slot)?;
        if label.is_none_or(|l| info.label().trim() == l) {
            return Ok(slot);
        }
    }
    Err(CardError::NoToken(
        label.unwrap_or("in any slot").to_owned(),
    ))
}

/// Initialises a fresh token in the first free slot (a blank card at personalisation; tests
/// and the demo do it on SoftHSM2), with its security officer's and user's PINs.
pub fn init_token(
    module: &Path,
    label: &str,
    so_pin: &str,
    user_pin: &str,
) -> Result<(), CardError> {
    let pkcs11 = load(module)?;
    let slot = pkcs11
        .get_slots_with_token()?
        .into_iter()
        .find(|s| {
            pkcs11
                .get_token_info(*s)
                .is_ok_and(|i| !i.token_initialized())
        })
        .ok_or_else(|| CardError::NoToken("slot free for a new token".into()))?;
    let so = AuthPin::new(so_pin.into());
    pkcs11.init_token(slot, &so, label)?;
    let session = pkcs11.open_rw_session(slot)?;
    session.login(UserType::So, Some(&so))?;
    session.init_pin(&AuthPin::new(user_pin.into()))?;
    session.logout()?;
    Ok(())
}

impl Token {
    /// Opens the token labelled `label` (or the first one) and logs in with the user PIN.
    pub fn open(module: &Path, label: Option<&str>, pin: &str) -> Result<Token, CardError> {
        let pkcs11 = load(module)?;
        let slot = find_slot(&pkcs11, label)?;
        let serial = pkcs11
            .get_token_info(slot)?
            .serial_number()
            .trim()
            .to_owned();
        let session = pkcs11.open_rw_session(slot)?;
        session.login(UserType::User, Some(&AuthPin::new(pin.into())))?;
        Ok(Token {
            _pkcs11: pkcs11,
            session,
            serial,
        })
    }

    /// The card's serial number.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Whether the card holds exactly one whole key pair `id`. Anything else under that id —
    /// half a pair left by an interrupted generation, or two pairs from runs that overlapped —
    /// is [`KeySlot::Broken`], for the caller to clear (the card stays readable meanwhile).
    pub fn key_slot(&self, id: &[u8]) -> Result<KeySlot, CardError> {
        let private = self.objects(ObjectClass::PRIVATE_KEY, id)?.len();
        let public = self.objects(ObjectClass::PUBLIC_KEY, id)?;
        Ok(match (private, public.as_slice()) {
            (0, []) => KeySlot::Empty,
            (1, [p]) => KeySlot::Pair(self.point_of(*p)?),
            _ => KeySlot::Broken,
        })
    }

    /// Every X.509 certificate on the card.
    pub fn certificates(&self) -> Result<Vec<CardCertificate>, CardError> {
        let handles = self.session.find_objects(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
        ])?;
        let mut out = Vec::new();
        for h in handles {
            let attrs = self.session.get_attributes(
                h,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )?;
            let (mut id, mut label, mut der) = (Vec::new(), String::new(), Vec::new());
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                    Attribute::Value(v) => der = v,
                    _ => {}
                }
            }
            out.push(CardCertificate { id, label, der });
        }
        out.sort_by(|a, b| a.label.cmp(&b.label));
        Ok(out)
    }

    /// Generates a P-256 key pair on the card: the private key sensitive, never extractable,
    /// for signing only. Returns the public key as a DER SubjectPublicKeyInfo.
    pub fn generate_key(&self, id: &[u8], label: &str) -> Result<Vec<u8>, CardError> {
        let public_template = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(p256_params()?),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let private_template = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let (public, _private) = self.session.generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &public_template,
            &private_template,
        )?;
        let raw = self.point_of(public)?;
        spki_of(&raw)
    }

    fn point_of(&self, public: ObjectHandle) -> Result<Vec<u8>, CardError> {
        let point = match self
            .session
            .get_attributes(public, &[AttributeType::EcPoint])?
            .pop()
        {
            Some(Attribute::EcPoint(p)) => p,
            _ => return Err(CardError::Unexpected("no EC point".into())),
        };
        // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point.
        Ok(OctetString::from_der(&point)
            .map(|o| o.as_bytes().to_vec())
            .unwrap_or(point))
    }

    fn objects(&self, class: ObjectClass, id: &[u8]) -> Result<Vec<ObjectHandle>, CardError> {
        Ok(self
            .session
            .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])?)
    }

    /// The public key `id` as an uncompressed P-256 point, if the card has that key pair
    /// whole (see [`Token::key_slot`]).
    pub fn public_key(&self, id: &[u8]) -> Result<Option<Vec<u8>>, CardError> {
        Ok(match self.key_slot(id)? {
            KeySlot::Pair(p) => Some(p),
            KeySlot::Empty | KeySlot::Broken => None,
        })
    }

    /// The certificate stored with `id`, if any.
    pub fn certificate(&self, id: &[u8]) -> Result<Option<CardCertificate>, CardError> {
        Ok(self.certificates()?.into_iter().find(|c| c.id == id))
    }

    /// Removes the key pair `id` from the card (both halves). Returns how many objects went.
    pub fn delete_key_pair(&self, id: &[u8]) -> Result<usize, CardError> {
        let mut n = 0;
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            for h in self.objects(class, id)? {
                self.session.destroy_object(h)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Removes the certificates stored with `id`. Returns how many went.
    pub fn delete_certificates(&self, id: &[u8]) -> Result<usize, CardError> {
        let handles = self.objects(ObjectClass::CERTIFICATE, id)?;
        for h in &handles {
            self.session.destroy_object(*h)?;
        }
        Ok(handles.len())
    }

    /// Renames the key pair `id`.
    pub fn relabel_key_pair(&self, id: &[u8], label: &str) -> Result<(), CardError> {
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            for h in self.objects(class, id)? {
                self.session
                    .update_attributes(h, &[Attribute::Label(label.as_bytes().to_vec())])?;
            }
        }
        Ok(())
    }

    fn private_key(&self, id: &[u8]) -> Result<ObjectHandle, CardError> {
        self.session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::EC),
                Attribute::Id(id.to_vec()),
            ])?
            .pop()
            .ok_or_else(|| CardError::Unexpected("no private key with this id".into()))
    }

    /// Signs `message` with the card's key `id` (ECDSA P-256 over SHA-256); the DER signature.
    pub fn sign(&self, id: &[u8], message: &[u8]) -> Result<Vec<u8>, CardError> {
        let key = self.private_key(id)?;
        // CKM_ECDSA signs a digest and returns r‖s: hash here, encode as DER for X.509/CMS.
        let digest = sha256(message);
        let raw = self.session.sign(&Mechanism::Ecdsa, key, &digest)?;
        if raw.len() != 64 {
            return Err(CardError::Unexpected(format!(
                "signature of {} bytes",
                raw.len()
            )));
        }
        let int = |b: &[u8]| der::asn1::UintRef::new(b).map(|u| u.to_der());
        let (r, s) = (int(&raw[..32])??, int(&raw[32..])??);
        let mut body = r;
        body.extend_from_slice(&s);
        let mut out = vec![0x30];
        der::Length::try_from(body.len())?.encode_to_vec(&mut out)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Stores a certificate next to its key (same `CKA_ID`).
    pub fn store_certificate(
        &self,
        id: &[u8],
        label: &str,
        cert_der: &[u8],
    ) -> Result<(), CardError> {
        let cert = x509_cert::Certificate::from_der(cert_der)?;
        let tbs = &cert.tbs_certificate;
        self.session.create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Subject(tbs.subject.to_der()?),
            Attribute::Issuer(tbs.issuer.to_der()?),
            Attribute::SerialNumber(tbs.serial_number.to_der()?),
            Attribute::Value(cert_der.to_vec()),
        ])?;
        Ok(())
    }
}

/// What the card holds under one key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySlot {
    Empty,
    /// One private key and its public key (the point).
    Pair(Vec<u8>),
    /// Half a pair, or more than one.
    Broken,
}

/// A P-256 public key (uncompressed point) as a DER SubjectPublicKeyInfo.
pub fn spki_of(raw: &[u8]) -> Result<Vec<u8>, CardError> {
    let spki = x509_cert::spki::SubjectPublicKeyInfoOwned {
        algorithm: x509_cert::spki::AlgorithmIdentifierOwned {
            oid: der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
            parameters: Some(der::Any::from_der(&p256_params()?)?),
        },
        subject_public_key: BitString::from_bytes(raw)?,
    };
    Ok(spki.to_der()?)
}

/// A key on the card as an `rcgen` signing key: the card signs the requests it sends (C2).
pub struct CardKey<'a> {
    token: &'a Token,
    id: Vec<u8>,
    public: Vec<u8>,
}

impl<'a> CardKey<'a> {
    /// The key pair `id` of `token`, if the card has it.
    pub fn open(token: &'a Token, id: &[u8]) -> Result<Option<CardKey<'a>>, CardError> {
        Ok(token.public_key(id)?.map(|public| CardKey {
            token,
            id: id.to_vec(),
            public,
        }))
    }

    /// The uncompressed P-256 point.
    pub fn public_point(&self) -> &[u8] {
        &self.public
    }
}

impl rcgen::PublicKeyData for CardKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for CardKey<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.token
            .sign(&self.id, msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// SHA-256, as the card's CKM_ECDSA expects a digest.
fn sha256(message: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(message).to_vec()
}
