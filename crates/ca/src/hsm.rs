//! Keys in a hardware security module over PKCS#11 (issue 20; ETSI TS 119 431-1, EN 319 411-1).
//!
//! [`Hsm`] is one logged-in token: a small pool of sessions shared by the threads that sign.
//! [`HsmDevice`] keeps holders' remote-signature keys in it:
//!
//! - a key pair is generated inside the token as session objects, its private half wrapped
//!   (`CKM_AES_KEY_WRAP_PAD`) under the token's holder-wrapping key, then destroyed: at rest a
//!   holder's key exists only as that wrapped blob, which only this token can unwrap;
//! - the PIN is checked with an HMAC whose key is in the token too (`CKM_SHA256_HMAC`), over a
//!   per-key salt, the PIN and the wrapped key. A copy of the database and the configuration
//!   without the token can neither unwrap a key nor test a single PIN: there is nothing to grind
//!   offline, so the PIN needs no memory-hard derivation;
//! - to sign, the tag is recomputed in the token and compared in constant time; only then is the
//!   key unwrapped into a session object (sensitive, not extractable), used once and destroyed.
//!
//! Both token keys are sensitive and never extractable. They are made once, by
//! [`Hsm::create_holder_keys`] (the key ceremony, `rinnova keys init`); `serve` only finds them.

use crate::CaError;
use crate::device::{CredentialKey, DeviceError, HolderPublicKey, SignatureDevice, Signed};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::OctetString;
use der::{Decode, Encode};
use rinnova_domain::Pin;
use rinnova_domain::secret::Secret;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the token is: its module, its label and the user PIN that logs the service in.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsmConfig {
    /// The PKCS#11 module (`/usr/lib/softhsm/libsofthsm2.so` for SoftHSM2).
    pub module: PathBuf,
    /// The token's label (`CKA_LABEL` of the token, as `pkcs11-tool --list-slots` shows it).
    pub token_label: String,
    /// The token's user PIN (a secret: never logged, shown as `<set>`).
    pub user_pin: Secret,
}

/// The label of the key that wraps holders' private keys.
pub const HOLDER_WRAP_LABEL: &str = "rinnova-holder-wrap";
/// The label of the key that checks holders' PINs.
pub const HOLDER_PIN_LABEL: &str = "rinnova-holder-pin";

/// Blob layout: `RNH1` ‖ salt (16) ‖ PIN tag (32) ‖ wrapped PKCS#8 key.
const MAGIC: &[u8; 4] = b"RNH1";
const SALT: usize = 16;
const TAG: usize = 32;
/// Domain separation of the PIN tag.
const PIN_CONTEXT: &[u8] = b"rinnova holder pin v1\0";

pub(crate) fn ck(e: CkError) -> CaError {
    CaError::Hsm(e.to_string())
}

/// The DER OID of the P-256 curve (`CKA_EC_PARAMS`).
pub fn p256_params() -> Result<Vec<u8>, CaError> {
    Ok(der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7").to_der()?)
}

/// An ECDSA signature as PKCS#11 returns it (`r ‖ s`, 32 bytes each for P-256) in the DER
/// form X.509 and CMS use.
pub fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, CaError> {
    if raw.len() != 64 {
        return Err(CaError::Hsm(format!(
            "ECDSA signature of {} bytes",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(32);
    Ok(EcdsaSigValue {
        r: der::asn1::UintRef::new(r)?,
        s: der::asn1::UintRef::new(s)?,
    }
    .to_der()?)
}

/// `Ecdsa-Sig-Value` (RFC 3279 §2.2.3).
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the uncompressed point (some modules give the
/// bare point).
pub fn ec_point(attribute: &[u8]) -> Vec<u8> {
    OctetString::from_der(attribute)
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or_else(|_| attribute.to_vec())
}

use crate::sha256;

/// The module loaded and initialised.
pub fn load(module: &Path) -> Result<Pkcs11, CaError> {
    let pkcs11 = Pkcs11::new(module).map_err(ck)?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => Ok(pkcs11),
        Err(e) => Err(ck(e)),
    }
}

/// The slot holding the token labelled `label`.
pub fn find_slot(pkcs11: &Pkcs11, label: &str) -> Result<Slot, CaError> {
    for slot in pkcs11.get_slots_with_initialized_token().map_err(ck)? {
        if pkcs11.get_token_info(slot).map_err(ck)?.label().trim() == label {
            return Ok(slot);
        }
    }
    Err(CaError::Hsm(format!("no token labelled {label:?}")))
}

/// Initialises a token in the first free slot with its security officer's and user's PINs
/// (SoftHSM2 for the demo and the tests; a production HSM is initialised with its own tools).
pub fn init_token(module: &Path, label: &str, so_pin: &str, user_pin: &str) -> Result<(), CaError> {
    let pkcs11 = load(module)?;
    let slot = pkcs11
        .get_slots_with_token()
        .map_err(ck)?
        .into_iter()
        .find(|s| {
            pkcs11
                .get_token_info(*s)
                .is_ok_and(|i| !i.token_initialized())
        })
        .ok_or_else(|| CaError::Hsm("no free slot for a new token".into()))?;
    let so = AuthPin::new(so_pin.into());
    pkcs11.init_token(slot, &so, label).map_err(ck)?;
    let session = pkcs11.open_rw_session(slot).map_err(ck)?;
    session.login(UserType::So, Some(&so)).map_err(ck)?;
    session
        .init_pin(&AuthPin::new(user_pin.into()))
        .map_err(ck)?;
    session.logout().map_err(ck)?;
    Ok(())
}

/// SoftHSM2 reads where its tokens are from `SOFTHSM2_CONF` when the module is initialised.
/// For a SoftHSM2 of its own in `dir` (the demo's, a benchmark's): writes `dir/softhsm2.conf`
/// naming `dir/tokens`, and if the variable does not name that file, replaces this process by
/// itself, same arguments, with the variable set — so it returns only once it is set.
pub fn softhsm_environment(dir: &Path) -> Result<(), CaError> {
    use std::os::unix::fs::DirBuilderExt;
    use std::os::unix::process::CommandExt;
    let io = |what: &str, e: std::io::Error| CaError::Hsm(format!("{what}: {e}"));
    let tokens = dir.join("tokens");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&tokens)
        .map_err(|e| io(&format!("creating {}", tokens.display()), e))?;
    let tokens = tokens
        .canonicalize()
        .map_err(|e| io("token directory", e))?;
    let conf = dir
        .canonicalize()
        .map_err(|e| io("SoftHSM2 directory", e))?
        .join("softhsm2.conf");
    if !conf.exists() {
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .map_err(|e| io(&format!("writing {}", conf.display()), e))?;
    }
    if std::env::var_os("SOFTHSM2_CONF").is_some_and(|v| Path::new(&v) == conf) {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| io("this program's path", e))?;
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("SOFTHSM2_CONF", &conf)
        .exec();
    Err(io("re-executing with SOFTHSM2_CONF set", err))
}

/// Opens the token labelled `label` in `module`, making it first (with `so_pin` and
/// `user_pin`) if no token has that label, and (with `holder_keys`) runs the holder part of the
/// key ceremony if it has not run: for a SoftHSM2 of the program's own (the demo's, a
/// benchmark's), never for a production HSM, whose tokens are made with its own tools.
pub fn own_token(
    module: &Path,
    label: &str,
    so_pin: &str,
    user_pin: &Secret,
    holder_keys: bool,
) -> Result<std::sync::Arc<Hsm>, CaError> {
    let pkcs11 = load(module)?;
    if find_slot(&pkcs11, label).is_err() {
        init_token(module, label, so_pin, user_pin.expose())?;
    }
    let hsm = std::sync::Arc::new(Hsm::open(&HsmConfig {
        module: module.to_path_buf(),
        token_label: label.into(),
        user_pin: user_pin.clone(),
    })?);
    if holder_keys && hsm.clone().holder_device().is_err() {
        hsm.create_holder_keys()?;
    }
    Ok(hsm)
}

/// A logged-in token and a pool of its sessions.
pub struct Hsm {
    pkcs11: Pkcs11,
    slot: Slot,
    label: String,
    /// Idle sessions. PKCS#11 login is per application and token: the first session's login
    /// covers every session opened after it, as long as one stays open (the pool keeps one).
    idle: Mutex<Vec<Session>>,
}

impl std::fmt::Debug for Hsm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hsm")
            .field("token", &self.label)
            .finish_non_exhaustive()
    }
}

/// A session taken from the pool, given back when dropped.
pub(crate) struct Pooled<'a> {
    hsm: &'a Hsm,
    session: Option<Session>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.session.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(s), Ok(mut idle)) = (self.session.take(), self.hsm.idle.lock()) {
            idle.push(s);
        }
    }
}

impl Hsm {
    /// Opens the configured token and logs in as its user.
    pub fn open(cfg: &HsmConfig) -> Result<Hsm, CaError> {
        let pkcs11 = load(&cfg.module)?;
        let slot = find_slot(&pkcs11, &cfg.token_label)?;
        let session = pkcs11.open_rw_session(slot).map_err(ck)?;
        match session.login(
            UserType::User,
            Some(&AuthPin::new(cfg.user_pin.expose().into())),
        ) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                return Err(CaError::Hsm(format!(
                    "the user PIN of token {:?} is wrong",
                    cfg.token_label
                )));
            }
            Err(e) => return Err(ck(e)),
        }
        Ok(Hsm {
            pkcs11,
            slot,
            label: cfg.token_label.clone(),
            idle: Mutex::new(vec![session]),
        })
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn session(&self) -> Result<Pooled<'_>, CaError> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| CaError::Hsm("session pool poisoned".into()))?
            .pop();
        let session = match idle {
            Some(s) => s,
            None => self.pkcs11.open_rw_session(self.slot).map_err(ck)?,
        };
        Ok(Pooled {
            hsm: self,
            session: Some(session),
        })
    }

    /// The token's secret key labelled `label`, if there is exactly one.
    fn secret_key(&self, s: &Session, label: &str) -> Result<Option<ObjectHandle>, CaError> {
        let found = s
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(ck)?;
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(CaError::Hsm(format!(
                "token {:?} holds {} keys labelled {label:?}",
                self.label,
                found.len()
            ))),
        }
    }

    /// The key ceremony's holder part: makes the holder-wrapping and PIN keys in the token,
    /// sensitive and never extractable. Refuses if either exists already (a second pair would
    /// orphan every key wrapped under the first).
    pub fn create_holder_keys(&self) -> Result<(), CaError> {
        let s = self.session()?;
        for label in [HOLDER_WRAP_LABEL, HOLDER_PIN_LABEL] {
            if self.secret_key(&s, label)?.is_some() {
                return Err(CaError::Hsm(format!(
                    "token {:?} already holds {label:?}",
                    self.label
                )));
            }
        }
        let common = |label: &str| {
            vec![
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Modifiable(false),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::ValueLen(32.into()),
            ]
        };
        let mut wrap = common(HOLDER_WRAP_LABEL);
        wrap.extend([
            Attribute::Wrap(true),
            Attribute::Unwrap(true),
            Attribute::Encrypt(false),
            Attribute::Decrypt(false),
            Attribute::Sign(false),
            Attribute::Verify(false),
            Attribute::Derive(false),
        ]);
        s.generate_key(&Mechanism::AesKeyGen, &wrap).map_err(ck)?;
        let mut mac = common(HOLDER_PIN_LABEL);
        mac.extend([
            Attribute::Sign(true),
            Attribute::Verify(false),
            Attribute::Encrypt(false),
            Attribute::Decrypt(false),
            Attribute::Wrap(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
        ]);
        s.generate_key(&Mechanism::GenericSecretKeyGen, &mac)
            .map_err(ck)?;
        drop(s);
        self.secrets_key()?;
        Ok(())
    }

    /// The token's key that seals holders' secrets (TOTP seeds, issue 21): AES-256, sensitive,
    /// never extractable, for encryption only. Made here if the token has none (a token made
    /// by the ceremony before issue 21).
    pub(crate) fn secrets_key(&self) -> Result<ObjectHandle, CaError> {
        let s = self.session()?;
        if let Some(k) = self.secret_key(&s, crate::secrets::SECRETS_LABEL)? {
            return Ok(k);
        }
        let template = vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Modifiable(false),
            Attribute::Label(crate::secrets::SECRETS_LABEL.as_bytes().to_vec()),
            Attribute::ValueLen(32.into()),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Wrap(false),
            Attribute::Unwrap(false),
            Attribute::Sign(false),
            Attribute::Verify(false),
            Attribute::Derive(false),
        ];
        s.generate_key(&Mechanism::AesKeyGen, &template).map_err(ck)
    }

    /// The device that keeps holders' keys in this token. Fails if the ceremony has not made
    /// the holder keys.
    pub fn holder_device(self: std::sync::Arc<Self>) -> Result<HsmDevice, CaError> {
        let (wrap, pin) = {
            let s = self.session()?;
            (
                self.secret_key(&s, HOLDER_WRAP_LABEL)?,
                self.secret_key(&s, HOLDER_PIN_LABEL)?,
            )
        };
        match (wrap, pin) {
            (Some(wrap), Some(pin)) => Ok(HsmDevice {
                hsm: self,
                wrap,
                pin,
            }),
            _ => Err(CaError::Hsm(format!(
                "token {:?} has no holder keys: run `rinnova keys init` first",
                self.label
            ))),
        }
    }
}

/// Holders' remote-signature keys in the HSM (SPEC O3; issue 20).
pub struct HsmDevice {
    hsm: std::sync::Arc<Hsm>,
    wrap: ObjectHandle,
    pin: ObjectHandle,
}

impl std::fmt::Debug for HsmDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmDevice")
            .field("hsm", &self.hsm)
            .finish_non_exhaustive()
    }
}

/// A session object destroyed when dropped, whatever happens in between.
struct Transient<'a> {
    session: &'a Session,
    handle: ObjectHandle,
}

impl Drop for Transient<'_> {
    fn drop(&mut self) {
        // Should it fail, a session object still dies with its session; there is nothing
        // more to do about it here.
        let _ = self.session.destroy_object(self.handle);
    }
}

impl HsmDevice {
    /// The wrapped key of a token blob, if `pin` is the one its tag was made with (checked by
    /// the token's PIN key: without the token, no PIN can be tested).
    fn pin_checked<'b>(
        &self,
        s: &Session,
        sealed: &'b [u8],
        pin: &Pin,
    ) -> Result<&'b [u8], DeviceError> {
        if sealed.len() <= 4 + SALT + TAG {
            return Err(CaError::Malformed.into());
        }
        let (salt, rest) = sealed[4..].split_at(SALT);
        let (tag, wrapped) = rest.split_at(TAG);
        let expected = self.pin_tag(s, salt, pin, wrapped)?;
        if aws_lc_rs::constant_time::verify_slices_are_equal(&expected, tag).is_err() {
            return Err(DeviceError::WrongPin);
        }
        Ok(wrapped)
    }

    fn pin_tag(
        &self,
        s: &Session,
        salt: &[u8],
        pin: &Pin,
        wrapped: &[u8],
    ) -> Result<Vec<u8>, CaError> {
        let mut data = Vec::with_capacity(PIN_CONTEXT.len() + SALT + 16 + 32);
        data.extend_from_slice(PIN_CONTEXT);
        data.extend_from_slice(salt);
        data.extend_from_slice(pin.expose().as_bytes());
        data.push(0);
        data.extend_from_slice(&sha256(wrapped));
        let tag = s.sign(&Mechanism::Sha256Hmac, self.pin, &data).map_err(ck);
        zeroize::Zeroize::zeroize(&mut data);
        tag
    }

    /// Signatures of `digests` by a token blob's key: the PIN checked and the key unwrapped
    /// once, as a session object destroyed after.
    fn sign_batch(
        &self,
        sealed: &[u8],
        pin: &Pin,
        digests: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, DeviceError> {
        let s = self.hsm.session()?;
        let wrapped = self.pin_checked(&s, sealed, pin)?;
        let key = s
            .unwrap_key(
                &Mechanism::AesKeyWrapPad,
                self.wrap,
                wrapped,
                &[
                    Attribute::Class(ObjectClass::PRIVATE_KEY),
                    Attribute::KeyType(KeyType::EC),
                    Attribute::Token(false),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Sign(true),
                ],
            )
            .map_err(ck)?;
        let key = Transient {
            session: &s,
            handle: key,
        };
        digests
            .iter()
            .map(|d| sign_ecdsa_digest(&s, key.handle, d).map_err(DeviceError::from))
            .collect()
    }

    /// The blob of a private key in the token: wrapped under the holder-wrapping key, with the
    /// PIN tag over a fresh salt.
    fn wrap_with_pin(
        &self,
        s: &Session,
        private: ObjectHandle,
        pin: &Pin,
    ) -> Result<Vec<u8>, CaError> {
        let wrapped = s
            .wrap_key(&Mechanism::AesKeyWrapPad, self.wrap, private)
            .map_err(ck)?;
        let salt: [u8; SALT] = crate::random_bytes()?;
        let tag = self.pin_tag(s, &salt, pin, &wrapped)?;
        let mut blob = Vec::with_capacity(4 + SALT + TAG + wrapped.len());
        blob.extend_from_slice(MAGIC);
        blob.extend_from_slice(&salt);
        blob.extend_from_slice(&tag);
        blob.extend_from_slice(&wrapped);
        Ok(blob)
    }

    /// A key sealed in software under its PIN (before issue 20) moves into the token at its
    /// first use with the right PIN: opened with the PIN, imported as a session object, signed
    /// with there, and returned wrapped like a key made in the token. The caller replaces the
    /// old blob, after which the software seal is gone. A wrong PIN is a wrong PIN, counted as
    /// any other (SPEC O3).
    fn migrate_and_sign(
        &self,
        sealed: &[u8],
        pin: &Pin,
        digest: Option<&[u8]>,
    ) -> Result<Signed, DeviceError> {
        use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
        let pair = crate::device::open_software_key(sealed, pin)?;
        let scalar: EcPrivateKeyBin<'static> = pair
            .private_key()
            .as_be_bytes()
            .map_err(|_| CaError::Malformed)?;
        let mut template = vec![
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(false),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            // Only so that it can leave wrapped under the holder-wrapping key.
            Attribute::Extractable(true),
            Attribute::Sign(true),
            Attribute::EcParams(p256_params()?),
            Attribute::Value(scalar.as_ref().to_vec()),
        ];
        drop(scalar);
        let s = self.hsm.session()?;
        let key = s.create_object(&template).map_err(ck);
        for a in &mut template {
            if let Attribute::Value(v) = a {
                zeroize::Zeroize::zeroize(v);
            }
        }
        let key = key?;
        let key = Transient {
            session: &s,
            handle: key,
        };
        let resealed = self.wrap_with_pin(&s, key.handle, pin)?;
        Ok(Signed {
            signature: match digest {
                Some(d) => sign_ecdsa_digest(&s, key.handle, d)?,
                None => Vec::new(),
            },
            resealed: Some(resealed),
        })
    }
}

/// Whether `sealed` is a key wrapped by an HSM (rather than sealed in software under the PIN,
/// as before issue 20).
pub fn is_hsm_blob(sealed: &[u8]) -> bool {
    sealed.starts_with(MAGIC)
}

impl SignatureDevice for HsmDevice {
    fn create_key(&self, pin: &Pin) -> Result<CredentialKey, CaError> {
        let s = self.hsm.session()?;
        let public_template = [
            Attribute::Token(false),
            Attribute::Verify(true),
            Attribute::EcParams(p256_params()?),
        ];
        let private_template = [
            Attribute::Token(false),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            // Only so that it can leave wrapped under the holder-wrapping key.
            Attribute::Extractable(true),
            Attribute::Sign(true),
        ];
        let (public, private) = s
            .generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &public_template,
                &private_template,
            )
            .map_err(ck)?;
        let public = Transient {
            session: &s,
            handle: public,
        };
        let private = Transient {
            session: &s,
            handle: private,
        };
        let point = match s
            .get_attributes(public.handle, &[AttributeType::EcPoint])
            .map_err(ck)?
            .pop()
        {
            Some(Attribute::EcPoint(p)) => ec_point(&p),
            _ => return Err(CaError::Hsm("the new key has no EC point".into())),
        };
        Ok(CredentialKey {
            public_key: HolderPublicKey { raw: point },
            sealed_private: self.wrap_with_pin(&s, private.handle, pin)?,
        })
    }

    fn sign_digest(&self, sealed: &[u8], pin: &Pin, digest: &[u8]) -> Result<Signed, DeviceError> {
        crate::device::ecdsa_p256_input(digest)?;
        if !is_hsm_blob(sealed) {
            return self.migrate_and_sign(sealed, pin, Some(digest));
        }
        let mut signatures = self.sign_batch(sealed, pin, std::slice::from_ref(&digest))?;
        Ok(Signed {
            signature: signatures.pop().ok_or(CaError::Malformed)?,
            resealed: None,
        })
    }

    fn sign_digests(
        &self,
        sealed: &[u8],
        pin: &Pin,
        digests: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, DeviceError> {
        if !is_hsm_blob(sealed) {
            // Moved in at the first signature; the caller stores the key as it was (it moves
            // at the next use that can store it).
            return digests
                .iter()
                .map(|d| {
                    self.migrate_and_sign(sealed, pin, Some(d))
                        .map(|s| s.signature)
                })
                .collect();
        }
        let refs: Vec<&[u8]> = digests.iter().map(Vec::as_slice).collect();
        self.sign_batch(sealed, pin, &refs)
    }

    fn check_pin(&self, sealed: &[u8], pin: &Pin) -> Result<Option<Vec<u8>>, DeviceError> {
        if !is_hsm_blob(sealed) {
            return self.migrate_and_sign(sealed, pin, None).map(|s| s.resealed);
        }
        let s = self.hsm.session()?;
        self.pin_checked(&s, sealed, pin).map(|_| None)
    }

    fn kind(&self) -> &'static str {
        "pkcs11"
    }
}

/// ECDSA P-256 with SHA-256 by a key in the token, DER.
pub(crate) fn sign_ecdsa(
    s: &Session,
    key: ObjectHandle,
    message: &[u8],
) -> Result<Vec<u8>, CaError> {
    sign_ecdsa_digest(s, key, &sha256(message))
}

/// ECDSA P-256 over a digest by a key in the token (its leftmost 256 bits), DER.
pub(crate) fn sign_ecdsa_digest(
    s: &Session,
    key: ObjectHandle,
    digest: &[u8],
) -> Result<Vec<u8>, CaError> {
    let input = crate::device::ecdsa_p256_input(digest)?;
    let raw = s.sign(&Mechanism::Ecdsa, key, input).map_err(ck)?;
    ecdsa_der(&raw)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly on purpose")]

    /// `r ‖ s` as a token returns it, in DER: a high bit gets a leading zero, leading zeros go.
    #[test]
    fn an_ecdsa_signature_from_the_token_is_written_as_two_unsigned_integers() {
        let mut raw = vec![0x80; 32];
        raw.extend_from_slice(&[0x00; 31]);
        raw.push(0x05);
        let der = super::ecdsa_der(&raw).unwrap();
        let mut expected = vec![0x30, 0x26, 0x02, 0x21, 0x00];
        expected.extend_from_slice(&[0x80; 32]);
        expected.extend_from_slice(&[0x02, 0x01, 0x05]);
        assert_eq!(der, expected);
        assert!(super::ecdsa_der(&raw[..63]).is_err());
    }
}
