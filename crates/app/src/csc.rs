//! Remote signing with the renewed credential through the Cloud Signature Consortium API
//! (issue 22): the holder's live remote-signature credentials, authorisation with PIN and
//! one-time code giving a signature activation data (SAD) bound to the credential and to the
//! hashes it lists (SCAL2), and raw signatures of those hashes made by the key where it lives.
//! The HTTP shape (CSC v1.0.4.0 and v2) is `rinnova-web`'s; the rules are here.

use crate::auth::{Throttle, audit};
use crate::renewal::commit;
use crate::util::{blocking, new_id, random_token, secs, sha256};
use crate::{App, AppError, Ctx};
use base64::Engine;
use rinnova_ca::DeviceError;
use rinnova_domain::csc::{
    AlgorithmError, AuthorizeError, HashAlgorithm, SadError, SadScope, check_authorization,
    hash_algorithm_of,
};
use rinnova_domain::sms_otp::Purpose;
use rinnova_domain::{CertificateKind, CredentialId, HolderId, Pin};
use rinnova_store::repo::csc::{ClientRecord, SadRecord};
use rinnova_store::{CertificateRecord, Conn, CredentialRecord, HolderRecord, StoreError, repo};

/// Who calls the API: a holder logged in with user-id and password (`auth/login`), or a
/// registered signing application (OAuth 2.0 client credentials), which names the holder.
#[derive(Debug, Clone)]
pub enum Caller {
    Holder(HolderId),
    Client { id: String, name: String },
}

impl Caller {
    fn client_id(&self) -> Option<&str> {
        match self {
            Caller::Client { id, .. } => Some(id),
            Caller::Holder(_) => None,
        }
    }

    fn client_label(&self) -> String {
        match self {
            Caller::Client { name, .. } => format!("client {name}"),
            Caller::Holder(_) => "client auth/login".into(),
        }
    }
}

/// Why the API refuses a request (each is one CSC error; `rinnova-web` writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a credential of this caller's holder, or not a remote-signature one.
    InvalidCredential,
    /// Not usable: superseded, revoked, suspended, its key retired.
    CredentialDisabled,
    /// Its certificate has expired.
    CertificateExpired,
    /// Blocked after too many wrong PINs (SPEC O3).
    CredentialLocked,
    Authorize(AuthorizeError),
    Algorithm(AlgorithmError),
    /// The hash algorithm named is not SHA-256/384/512.
    InvalidHashAlgorithm,
    /// A hash that is not base64.
    InvalidBase64,
    WrongPin {
        remaining: i64,
    },
    /// The one-time code is wrong, used, expired, or was never sent (its stable code).
    WrongOtp(&'static str),
    /// Too many failed authorisations lately (SPEC A1): try again in this many minutes.
    Throttled {
        minutes: i64,
    },
    /// Not a SAD this service issued for the credential, or one spent.
    InvalidSad,
    SadExpired,
    Sad(SadError),
    /// A client must name the holder (`userID`); a holder must not name another.
    UserId,
    /// Unknown client, or wrong secret.
    InvalidClient,
}

/// A refusal, or a failure of the service itself.
#[derive(Debug)]
pub enum CscFailure {
    Refused(Refusal),
    App(AppError),
}

impl From<AppError> for CscFailure {
    fn from(e: AppError) -> Self {
        CscFailure::App(e)
    }
}

impl From<StoreError> for CscFailure {
    fn from(e: StoreError) -> Self {
        CscFailure::App(e.into())
    }
}

impl From<rinnova_ca::CaError> for CscFailure {
    fn from(e: rinnova_ca::CaError) -> Self {
        CscFailure::App(e.into())
    }
}

impl From<Refusal> for CscFailure {
    fn from(r: Refusal) -> Self {
        CscFailure::Refused(r)
    }
}

pub type CscResult<T> = Result<T, CscFailure>;

/// How the holder proves each authorisation besides the PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// A code sent by SMS when the application calls `credentials/sendOTP`.
    Sms,
    /// A code the holder's TOTP token shows.
    Totp,
    /// A code the holder's HOTP token shows.
    Hotp,
}

/// A remote-signature credential as the API describes it.
#[derive(Debug, Clone)]
pub struct CredentialInfo {
    pub id: CredentialId,
    /// The signer's certificate, then the issuing CA's and the root's (DER).
    pub chain: Vec<Vec<u8>>,
    /// `valid`, `expired`, `revoked` or `suspended` (CSC `cert/status`).
    pub status: &'static str,
    /// Whether the key can sign now (not blocked, not retired, certificate valid).
    pub enabled: bool,
    pub serial_hex: String,
    pub subject_dn: String,
    pub issuer_dn: String,
    pub not_before: i64,
    pub not_after: i64,
    pub otp: OtpKind,
    pub multisign: u32,
}

/// A SAD just issued.
#[derive(Debug, Clone)]
pub struct Sad {
    pub sad: rinnova_domain::secret::Secret,
    pub expires_in: i64,
}

/// A client just registered: its secret is shown once.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub id: String,
    pub secret: rinnova_domain::secret::Secret,
}

/// A client's access token.
#[derive(Debug, Clone)]
pub struct ClientToken {
    pub token: rinnova_domain::secret::Secret,
    pub expires_in: i64,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Decodes base64 hashes (standard or URL-safe alphabet, padded or not: CSC v2 examples use
/// both).
pub fn decode_hashes(hashes: &[String]) -> Result<Vec<Vec<u8>>, Refusal> {
    hashes
        .iter()
        .map(|h| {
            let h = h.trim();
            base64::engine::general_purpose::STANDARD
                .decode(h)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(h))
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(h))
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h))
                .map_err(|_| Refusal::InvalidBase64)
        })
        .collect()
}

/// Whether `s` can be an id this service gave (credential, client) or a user-id: what cannot
/// is refused before any lookup (a NUL byte, say, which PostgreSQL would not take as text).
fn plausible_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic())
}

/// The SAD's row id: a hash of it (the SAD itself is only with the client).
fn sad_id(sad: &str) -> Vec<u8> {
    sha256(format!("rinnova csc sad\0{sad}").as_bytes()).to_vec()
}

fn client_secret_hash(id: &str, secret: &str) -> Vec<u8> {
    sha256(format!("rinnova csc client\0{id}\0{secret}").as_bytes()).to_vec()
}

fn token_hash(token: &str) -> Vec<u8> {
    sha256(format!("rinnova csc client token\0{token}").as_bytes()).to_vec()
}

/// The throttling key of a credential's authorisations (wrong codes; SPEC A1).
fn throttle_key(credential_id: &CredentialId) -> String {
    format!("csc:{credential_id}")
}

/// Certificate status as CSC names it.
fn cert_status(c: &CertificateRecord, now: i64) -> &'static str {
    match c.status.as_str() {
        "revoked" => "revoked",
        "suspended" => "suspended",
        _ if c.not_after <= now => "expired",
        // Superseded by a renewal: no longer the holder's to sign with (and revoked soon).
        "superseded" => "revoked",
        _ => "valid",
    }
}

impl App {
    /// The holder a request is about: the caller itself, or the one a client names.
    async fn holder_of_request(
        &self,
        c: &mut Conn,
        caller: &Caller,
        user_id: Option<&str>,
    ) -> CscResult<HolderRecord> {
        match (caller, user_id) {
            (Caller::Holder(id), None) => Ok(repo::holders::by_id(c, id)
                .await?
                .ok_or(AppError::Unauthenticated)?),
            (Caller::Client { .. }, Some(user)) if plausible_id(user.trim()) => {
                Ok(repo::holders::by_user_id(c, user.trim())
                    .await?
                    .ok_or(Refusal::UserId)?)
            }
            _ => Err(Refusal::UserId.into()),
        }
    }

    /// The remote-signature certificate and credential named `credential_id`, if the caller
    /// may use it: the holder's own, or any holder's for a registered client (the holder still
    /// authorises each signature with PIN and code).
    async fn credential_for(
        &self,
        c: &mut Conn,
        caller: &Caller,
        credential_id: &str,
    ) -> CscResult<(HolderRecord, CertificateRecord, CredentialRecord)> {
        if !plausible_id(credential_id.trim()) {
            return Err(Refusal::InvalidCredential.into());
        }
        let id = CredentialId::from(credential_id.trim().to_owned());
        let cred = repo::holders::credential(c, &id)
            .await?
            .ok_or(Refusal::InvalidCredential)?;
        if let Caller::Holder(h) = caller
            && *h != cred.holder_id
        {
            return Err(Refusal::InvalidCredential.into());
        }
        let cert = repo::certificates::of_holder(c, &cred.holder_id)
            .await?
            .into_iter()
            .find(|x| {
                x.credential_id.as_ref() == Some(&id)
                    && CertificateKind::parse(&x.kind) == Some(CertificateKind::RemoteSignature)
            })
            .ok_or(Refusal::InvalidCredential)?;
        let holder = repo::holders::by_id(c, &cred.holder_id)
            .await?
            .ok_or(Refusal::InvalidCredential)?;
        Ok((holder, cert, cred))
    }

    fn info_of(
        &self,
        cert: &CertificateRecord,
        cred: &CredentialRecord,
        now: i64,
    ) -> CscResult<CredentialInfo> {
        let status = cert_status(cert, now);
        let (subject_dn, issuer_dn) = names(&cert.der)?;
        let material = self.ca().material();
        Ok(CredentialInfo {
            id: cred.id.clone(),
            chain: vec![
                cert.der.clone(),
                material.issuing_cert_der.clone(),
                material.root_cert_der.clone(),
            ],
            status,
            enabled: status == "valid" && cred.blocked_at.is_none() && cred.retired_at.is_none(),
            serial_hex: cert.serial_hex.clone(),
            subject_dn,
            issuer_dn,
            not_before: cert.not_before,
            not_after: cert.not_after,
            otp: OtpKind::Sms,
            multisign: self.config().csc.multisign,
        })
    }

    /// The caller's live remote-signature credentials (CSC `credentials/list`): after a
    /// renewal, the new one only.
    pub async fn csc_credentials(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
    ) -> CscResult<Vec<CredentialInfo>> {
        let now = secs(self.now());
        let mut conn = self.store().conn().await?;
        let h = self.holder_of_request(&mut conn, caller, user_id).await?;
        let mut out = Vec::new();
        for cert in repo::certificates::of_holder(&mut conn, &h.id).await? {
            if CertificateKind::parse(&cert.kind) != Some(CertificateKind::RemoteSignature)
                || cert_status(&cert, now) != "valid"
            {
                continue;
            }
            let Some(cid) = &cert.credential_id else {
                continue;
            };
            let Some(cred) = repo::holders::credential(&mut conn, cid).await? else {
                continue;
            };
            if cred.retired_at.is_some() {
                continue;
            }
            let mut info = self.info_of(&cert, &cred, now)?;
            info.otp = self.otp_kind(&mut conn, &h).await?;
            out.push(info);
        }
        Ok(out)
    }

    /// One credential (CSC `credentials/info`).
    pub async fn csc_credential(
        &self,
        caller: &Caller,
        credential_id: &str,
    ) -> CscResult<CredentialInfo> {
        let now = secs(self.now());
        let mut conn = self.store().conn().await?;
        let (h, cert, cred) = self
            .credential_for(&mut conn, caller, credential_id)
            .await?;
        let mut info = self.info_of(&cert, &cred, now)?;
        info.otp = self.otp_kind(&mut conn, &h).await?;
        Ok(info)
    }

    async fn otp_kind(&self, c: &mut Conn, h: &HolderRecord) -> CscResult<OtpKind> {
        if !h.has_token() {
            return Ok(OtpKind::Sms);
        }
        Ok(match repo::holders::token(c, &h.id).await? {
            Some(t) if t.kind == "hotp" => OtpKind::Hotp,
            Some(_) => OtpKind::Totp,
            None => OtpKind::Sms,
        })
    }

    /// Refuses a credential that cannot sign now.
    fn usable(&self, cert: &CertificateRecord, cred: &CredentialRecord, now: i64) -> CscResult<()> {
        if cred.blocked_at.is_some() {
            return Err(Refusal::CredentialLocked.into());
        }
        match cert_status(cert, now) {
            "valid" if cred.retired_at.is_none() => Ok(()),
            "expired" => Err(Refusal::CertificateExpired.into()),
            _ => Err(Refusal::CredentialDisabled.into()),
        }
    }

    /// Sends the holder an SMS code for authorising signatures with the credential
    /// (CSC `credentials/sendOTP`); a holder with a token uses its codes instead.
    pub async fn csc_send_otp(
        &self,
        caller: &Caller,
        credential_id: &str,
        ctx: &Ctx,
    ) -> CscResult<()> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (h, cert, cred) = self.credential_for(&mut tx, caller, credential_id).await?;
        self.usable(&cert, &cred, secs(now))?;
        if h.has_token() {
            return Ok(());
        }
        // Each authorisation spends its code: a new one is a new code, not a resend, once the
        // last was used or expired; while it is still usable, asking again is a resend, with
        // the resend limits (SPEC O1).
        let purpose = Purpose::signing(cred.id.as_str());
        let resend = repo::otp::get(&mut tx, &h.id, purpose.as_str())
            .await?
            .is_some_and(|r| {
                r.consumed == 0
                    && r.expires_at > secs(now)
                    && r.attempts < i64::from(self.config().sms_otp.max_attempts)
            });
        self.send_sms_code(
            &mut tx,
            &h,
            &h.mobile,
            purpose,
            "sms-otp-signing",
            resend,
            now,
        )
        .await?;
        audit(
            &mut tx,
            secs(now),
            &h.user_id,
            crate::audit::AuditAction::OtpSent,
            Some(cred.id.as_str()),
            ctx,
            Some("signing".into()),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Authorises `num_signatures` signatures of the listed hashes with the credential
    /// (CSC `credentials/authorize`, SCAL2): the one-time code first, then the PIN, checked by
    /// the device that keeps the key. A wrong code is counted against the credential and the
    /// address (SPEC A1); a wrong PIN against the credential, which five block for signing and
    /// for renewal alike (SPEC O3). The SAD allows those hashes only, each once, for
    /// `csc.sad_seconds`.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one field of the CSC request"
    )]
    pub async fn csc_authorize(
        &self,
        caller: &Caller,
        credential_id: &str,
        num_signatures: i64,
        hashes: &[String],
        hash_algo: Option<&str>,
        pin: &str,
        otp: &str,
        description: Option<&str>,
        ctx: &Ctx,
    ) -> CscResult<Sad> {
        let cfg = self.config().csc;
        let digests = decode_hashes(hashes)?;
        let hash_algo = match hash_algo {
            Some(oid) => Some(HashAlgorithm::from_oid(oid).ok_or(Refusal::InvalidHashAlgorithm)?),
            None => None,
        };
        let algo = check_authorization(num_signatures, &digests, hash_algo, cfg.multisign)
            .map_err(Refusal::Authorize)?;
        let now = self.now();
        let key = throttle_key(&CredentialId::from(credential_id.trim().to_owned()));

        // 1. The code, spent before the PIN is tried (each PIN guess costs a fresh code).
        let mut tx = self.store().begin().await?;
        let (h, cert, cred) = self.credential_for(&mut tx, caller, credential_id).await?;
        self.usable(&cert, &cred, secs(now))?;
        let had_failures = match self.throttle(&mut tx, &key, ctx, secs(now)).await? {
            Throttle::Locked { minutes } => return Err(Refusal::Throttled { minutes }.into()),
            Throttle::Open { failures } => failures,
        };
        let pin = match Pin::parse(pin) {
            Ok(p) => p,
            // Not a PIN at all: refused as a wrong one, without spending the code.
            Err(_) => {
                return Err(Refusal::WrongPin {
                    remaining: self.config().max_pin_failures - cred.failed_pins,
                }
                .into());
            }
        };
        let verdict = self
            .check_holder_code(&mut tx, &h, &Purpose::signing(cred.id.as_str()), otp, now)
            .await?;
        if let Err(e) = verdict {
            self.count_failure(&mut tx, &key, ctx, secs(now)).await?;
            audit(
                &mut tx,
                secs(now),
                &h.user_id,
                crate::audit::AuditAction::OtpFailed,
                Some(cred.id.as_str()),
                ctx,
                Some(format!("signing {}", e.code())),
            )
            .await?;
            commit(tx).await?;
            return Err(Refusal::WrongOtp(e.code()).into());
        }
        commit(tx).await?;

        // 2. The PIN, checked where the key is (outside any transaction: it may take a while).
        let device = self.holder_device().clone();
        let sealed = cred.sealed_private.clone();
        let pin_for_check = pin.clone();
        let checked = blocking(move || device.check_pin(&sealed, &pin_for_check)).await?;

        // 3. The outcome.
        let mut tx = self.store().begin().await?;
        match checked {
            Err(DeviceError::WrongPin) => {
                let refusal = crate::keys::wrong_pin(
                    &mut tx,
                    self,
                    &h,
                    &cred,
                    cred.id.as_str(),
                    secs(now),
                    ctx,
                )
                .await?;
                commit(tx).await?;
                Err(match refusal {
                    AppError::WrongPin { remaining } => Refusal::WrongPin { remaining },
                    _ => Refusal::CredentialLocked,
                }
                .into())
            }
            Err(DeviceError::Ca(e)) => Err(AppError::from(e).into()),
            Ok(resealed) => {
                crate::keys::store_resealed(&mut tx, &h, &cred, resealed, secs(now), ctx).await?;
                if cred.failed_pins > 0 {
                    repo::holders::pin_ok(&mut tx, &cred.id).await?;
                }
                if had_failures {
                    repo::sessions::login_succeeded(&mut tx, &key).await?;
                }
                let sad = random_token()?;
                let id = sad_id(&sad);
                let pin_sealed =
                    rinnova_ca::seal_for_bearer(sad.as_bytes(), pin.expose().as_bytes(), &id)?;
                repo::csc::insert_sad(
                    &mut tx,
                    &SadRecord {
                        id,
                        credential_id: cred.id.to_string(),
                        holder_id: h.id.to_string(),
                        client_id: caller.client_id().map(str::to_owned),
                        hash_algo: algo.oid().to_owned(),
                        digests: digests.concat(),
                        remaining: num_signatures,
                        pin_sealed,
                        expires_at: secs(now) + cfg.sad_seconds,
                        created_at: secs(now),
                    },
                    secs(now),
                )
                .await?;
                let listed: Vec<String> = digests.iter().map(|d| b64().encode(d)).collect();
                let mut detail = format!(
                    "credential {} {}; {num_signatures} signatures; hashes {}",
                    cred.id,
                    caller.client_label(),
                    listed.join(" ")
                );
                if let Some(d) = description.map(str::trim).filter(|d| !d.is_empty()) {
                    detail.push_str("; ");
                    detail.extend(d.chars().filter(|c| !c.is_control()).take(500));
                }
                audit(
                    &mut tx,
                    secs(now),
                    &h.user_id,
                    crate::audit::AuditAction::SignatureAuthorized,
                    Some(cred.id.as_str()),
                    ctx,
                    Some(detail),
                )
                .await?;
                commit(tx).await?;
                Ok(Sad {
                    sad: rinnova_domain::secret::Secret::new(sad),
                    expires_in: cfg.sad_seconds,
                })
            }
        }
    }

    /// Signs hashes with a SAD (CSC `signatures/signHash`): only hashes it was issued for,
    /// each once, with a credential that can still sign. The SAD is spent before the device
    /// signs, so two requests with it never both sign.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one field of the CSC request"
    )]
    pub async fn csc_sign_hash(
        &self,
        caller: &Caller,
        credential_id: &str,
        sad: &str,
        hashes: &[String],
        hash_algo: Option<&str>,
        sign_algo: &str,
        ctx: &Ctx,
    ) -> CscResult<Vec<Vec<u8>>> {
        let digests = decode_hashes(hashes)?;
        if digests.is_empty() {
            return Err(Refusal::Sad(SadError::HashNotAuthorized).into());
        }
        let algo = hash_algorithm_of(sign_algo, hash_algo, &digests).map_err(Refusal::Algorithm)?;
        let now = secs(self.now());
        let mut tx = self.store().begin().await?;
        let (h, cert, cred) = self.credential_for(&mut tx, caller, credential_id).await?;
        let (id, rec) = live_sad(&mut tx, caller, &cred, sad, now).await?;
        self.usable(&cert, &cred, now)?;
        if rec.hash_algo != algo.oid() {
            return Err(Refusal::Algorithm(AlgorithmError::HashAlgorithm).into());
        }
        let scope = SadScope {
            digests: rec
                .digests
                .chunks(algo.digest_len())
                .map(<[u8]>::to_vec)
                .collect(),
            remaining: u32::try_from(rec.remaining).unwrap_or(0),
        };
        let left = scope.spend(&digests).map_err(Refusal::Sad)?;
        let pin = rinnova_ca::open_for_bearer(sad.trim().as_bytes(), &rec.pin_sealed, &id)
            .map_err(|_| Refusal::InvalidSad)?;
        let pin = Pin::parse(std::str::from_utf8(&pin).map_err(|_| Refusal::InvalidSad)?)
            .map_err(|_| Refusal::InvalidSad)?;
        let left_bytes: Vec<u8> = left.digests.iter().flatten().copied().collect();
        if !repo::csc::spend_sad(&mut tx, &rec, &left_bytes, i64::from(left.remaining), now).await?
        {
            return Err(Refusal::InvalidSad.into());
        }
        commit(tx).await?;

        let device = self.holder_device().clone();
        let sealed = cred.sealed_private.clone();
        let to_sign = digests.clone();
        let signed = blocking(move || device.sign_digests(&sealed, &pin, &to_sign)).await?;
        let signatures = match signed {
            Ok(s) => s,
            // The PIN was right at authorisation; the key changed since (moved, re-keyed).
            Err(DeviceError::WrongPin) => return Err(Refusal::InvalidSad.into()),
            Err(DeviceError::Ca(e)) => return Err(AppError::from(e).into()),
        };
        let mut tx = self.store().begin().await?;
        let listed: Vec<String> = digests.iter().map(|d| b64().encode(d)).collect();
        audit(
            &mut tx,
            now,
            &h.user_id,
            crate::audit::AuditAction::HashesSigned,
            Some(cred.id.as_str()),
            ctx,
            Some(format!(
                "credential {} {}; {} signatures {sign_algo}; hashes {}",
                cred.id,
                caller.client_label(),
                signatures.len(),
                listed.join(" ")
            )),
        )
        .await?;
        commit(tx).await?;
        metrics::counter!("rinnova_csc_signatures_total").increment(signatures.len() as u64);
        Ok(signatures)
    }

    /// A new SAD for what an unexpired one still allows, with a new lifetime
    /// (CSC `credentials/extendTransaction`); the old one ends.
    pub async fn csc_extend(
        &self,
        caller: &Caller,
        credential_id: &str,
        sad: &str,
    ) -> CscResult<Sad> {
        let cfg = self.config().csc;
        let now = secs(self.now());
        let mut tx = self.store().begin().await?;
        let (_, cert, cred) = self.credential_for(&mut tx, caller, credential_id).await?;
        let (id, rec) = live_sad(&mut tx, caller, &cred, sad, now).await?;
        self.usable(&cert, &cred, now)?;
        let pin = rinnova_ca::open_for_bearer(sad.trim().as_bytes(), &rec.pin_sealed, &id)
            .map_err(|_| Refusal::InvalidSad)?;
        let fresh = random_token()?;
        let new_id = sad_id(&fresh);
        let new = SadRecord {
            pin_sealed: rinnova_ca::seal_for_bearer(fresh.as_bytes(), &pin, &new_id)?,
            id: new_id,
            expires_at: now + cfg.sad_seconds,
            created_at: now,
            ..rec.clone()
        };
        if !repo::csc::extend_sad(&mut tx, &rec, &new, now).await? {
            return Err(Refusal::InvalidSad.into());
        }
        commit(tx).await?;
        Ok(Sad {
            sad: rinnova_domain::secret::Secret::new(fresh),
            expires_in: cfg.sad_seconds,
        })
    }

    /// Registers a signing application (`rinnova clients add NAME`); its secret is shown once.
    pub async fn register_client(
        &self,
        name: &str,
        operator: &crate::Operator,
    ) -> Result<NewClient, AppError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(AppError::Internal(
                "a client name of 1 to 100 printable characters".into(),
            ));
        }
        let now = secs(self.now());
        let id: String = new_id();
        let secret = random_token()?;
        let mut tx = self.store().begin().await?;
        if repo::csc::clients(&mut tx)
            .await?
            .iter()
            .any(|c| c.name == name)
        {
            return Err(AppError::Internal(
                format!("a client named {name:?} exists").into(),
            ));
        }
        repo::csc::insert_client(
            &mut tx,
            &ClientRecord {
                id: id.clone(),
                name: name.to_owned(),
                secret_hash: client_secret_hash(&id, &secret),
                created_at: now,
                revoked_at: None,
            },
        )
        .await?;
        audit(
            &mut tx,
            now,
            &operator.actor,
            crate::audit::AuditAction::SigningClientRegistered,
            Some(&id),
            &operator.ctx,
            Some(format!("client {name}")),
        )
        .await?;
        commit(tx).await?;
        Ok(NewClient {
            id,
            secret: rinnova_domain::secret::Secret::new(secret),
        })
    }

    /// The registered signing applications: id, name, when registered, when revoked.
    pub async fn clients(&self) -> Result<Vec<ClientRecord>, AppError> {
        Ok(repo::csc::clients(&mut *self.store().conn().await?).await?)
    }

    /// Revokes a signing application by name; its tokens end. Whether it was live.
    pub async fn revoke_client(&self, name: &str) -> Result<bool, AppError> {
        let now = secs(self.now());
        let mut tx = self.store().begin().await?;
        let done = repo::csc::revoke_client(&mut tx, name.trim(), now).await?;
        commit(tx).await?;
        Ok(done)
    }

    /// An access token for a client (OAuth 2.0 client credentials), throttled per client id
    /// and address like logins (SPEC A1).
    pub async fn client_token(
        &self,
        client_id: &str,
        secret: &str,
        ctx: &Ctx,
    ) -> CscResult<ClientToken> {
        if !plausible_id(client_id.trim()) {
            return Err(Refusal::InvalidClient.into());
        }
        let now = secs(self.now());
        let key = format!("client:{}", client_id.trim());
        let mut tx = self.store().begin().await?;
        let had_failures = match self.throttle(&mut tx, &key, ctx, now).await? {
            Throttle::Locked { minutes } => return Err(Refusal::Throttled { minutes }.into()),
            Throttle::Open { failures } => failures,
        };
        let client = repo::csc::client(&mut tx, client_id.trim())
            .await?
            .filter(|c| c.revoked_at.is_none());
        let right = client.as_ref().is_some_and(|c| {
            subtle::ConstantTimeEq::ct_eq(
                c.secret_hash.as_slice(),
                client_secret_hash(&c.id, secret.trim()).as_slice(),
            )
            .into()
        });
        let Some(client) = client.filter(|_| right) else {
            self.count_failure(&mut tx, &key, ctx, now).await?;
            commit(tx).await?;
            return Err(Refusal::InvalidClient.into());
        };
        if had_failures {
            repo::sessions::login_succeeded(&mut tx, &key).await?;
        }
        let token = random_token()?;
        let ttl = self.config().csc.client_token_seconds;
        repo::csc::insert_client_token(&mut tx, &token_hash(&token), &client.id, now + ttl, now)
            .await?;
        commit(tx).await?;
        Ok(ClientToken {
            token: rinnova_domain::secret::Secret::new(token),
            expires_in: ttl,
        })
    }

    /// The client a bearer token belongs to, if it is one of theirs and live.
    pub async fn client_of_token(&self, token: &str) -> Result<Option<Caller>, AppError> {
        let now = secs(self.now());
        let mut conn = self.store().conn().await?;
        Ok(
            repo::csc::client_of_token(&mut conn, &token_hash(token.trim()), now)
                .await?
                .map(|c| Caller::Client {
                    id: c.id,
                    name: c.name,
                }),
        )
    }

    /// Ends a client's token (`auth/revoke`, `oauth2/revoke`). Whether it was one.
    pub async fn revoke_client_token(&self, token: &str) -> Result<bool, AppError> {
        let mut conn = self.store().conn().await?;
        Ok(repo::csc::delete_client_token(&mut conn, &token_hash(token.trim())).await?)
    }
}

/// The SAD a request names, if this caller got it for this credential and it has not expired;
/// its row id beside it.
async fn live_sad(
    c: &mut Conn,
    caller: &Caller,
    cred: &CredentialRecord,
    sad: &str,
    now: i64,
) -> CscResult<(Vec<u8>, SadRecord)> {
    let id = sad_id(sad.trim());
    let rec = repo::csc::sad(c, &id)
        .await?
        .filter(|r| {
            r.credential_id == cred.id.as_str() && r.client_id.as_deref() == caller.client_id()
        })
        .ok_or(Refusal::InvalidSad)?;
    if rec.expires_at <= now {
        return Err(Refusal::SadExpired.into());
    }
    Ok((id, rec))
}

/// The certificate's subject and issuer, as RFC 4514 strings.
fn names(der: &[u8]) -> Result<(String, String), AppError> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| AppError::Internal(format!("stored certificate: {e}").into()))?;
    Ok((
        cert.tbs_certificate.subject.to_string(),
        cert.tbs_certificate.issuer.to_string(),
    ))
}
