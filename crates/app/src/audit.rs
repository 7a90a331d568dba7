//! The audit trail's seals and verification (SPEC X2). The chain itself lives in the store
//! (`repo::audit`); here its head is signed by the audit-seal delegate — a key of its own with a
//! certificate from the issuing CA (issue 20; seals made before were signed by the issuing CA's
//! key and still verify) — and `verify` checks the chain and every seal with only public
//! certificates.

use crate::util::secs;
use crate::{App, AppError};
use rinnova_ca::Purpose;
use rinnova_ca::delegate::verify_delegated;
use rinnova_store::repo::audit::{ChainBreak, Seal};
use rinnova_store::{Store, StoreError, repo};
use serde::Serialize;

/// What an audit row records: one stable code each, labelled in both languages
/// (`audit-<code>` in the locales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    RenewalStarted,
    DataConfirmed,
    DocumentsAccepted,
    OtpSent,
    OtpFailed,
    PinFailed,
    CredentialBlocked,
    /// A holder's software-sealed key moved into the HSM at a right PIN (issue 20).
    KeyMovedToHsm,
    /// The CA's software-sealed keys moved into tokens (`rinnova keys migrate`, issue 20).
    CaKeysMovedToHsm,
    /// The root signed a subordinate CA's certificate (`rinnova ca issue-subordinate`).
    SubordinateIssued,
    /// The root revoked a subordinate CA's certificate (`rinnova ca root-crl --revoke`).
    SubordinateRevoked,
    /// The root signed its CRL (`rinnova ca root-crl`, `ca init`).
    RootCrlIssued,
    RequestSigned,
    PaymentSettled,
    OrderPlaced,
    Approved,
    Rejected,
    ActivationOtpVerified,
    CertificateIssued,
    CertificateSuperseded,
    CertificateRevoked,
    ContactChangeRequested,
    ContactChanged,
    RaoVerified,
    RecoveryRequested,
    RecoveryCodeSent,
    PasswordReset,
    UserIdRecovered,
    DeskNewCertificate,
    CouponRefused,
    PrepaidReserved,
    EvidenceRetrieved,
    CardRenewalRequested,
    CardCertificateStored,
    PrepaidDebited,
    PrepaidReleased,
    BankEntryImported,
    ContactChangeRefused,
    CouponsCreated,
    CredentialCheckFailed,
    DeskSearch,
    OrderAmountMismatch,
    OrderCancelled,
    OrderDeclined,
    OrderRefundDue,
    PrepaidAccountCreated,
    PrepaidRefused,
    PrepaidTopUp,
    PromoRefused,
    RaoCreated,
    RecoveryRequestUnmatched,
    RefundDue,
    ReminderLinkOtherAccount,
    RenewalEnded,
    TokenResynchronised,
    TokenResyncFailed,
    CdrlLogin,
    RaoLogin,
    /// The time-stamping unit issued a token (issue 21): its serial, the imprint.
    TimeStampIssued,
    /// A signed form's long-term evidence was renewed before its last document time-stamp's
    /// unit certificate ended (issue 21): new validation data, a new document time-stamp.
    EvidenceRestamped,
    /// The holder authorised signatures through the CSC API (issue 22): credential, how many,
    /// the hashes, the signing application.
    SignatureAuthorized,
    /// Hashes signed through the CSC API with an authorisation (issue 22).
    HashesSigned,
    /// A signing application was registered for the CSC API (issue 22).
    SigningClientRegistered,
}

impl AuditAction {
    /// Every action (the locales have a label for each: tested).
    pub const ALL: [AuditAction; 66] = [
        Self::Login,
        Self::LoginFailed,
        Self::Logout,
        Self::RenewalStarted,
        Self::DataConfirmed,
        Self::DocumentsAccepted,
        Self::OtpSent,
        Self::OtpFailed,
        Self::PinFailed,
        Self::CredentialBlocked,
        Self::KeyMovedToHsm,
        Self::CaKeysMovedToHsm,
        Self::SubordinateIssued,
        Self::SubordinateRevoked,
        Self::RootCrlIssued,
        Self::RequestSigned,
        Self::PaymentSettled,
        Self::OrderPlaced,
        Self::Approved,
        Self::Rejected,
        Self::ActivationOtpVerified,
        Self::CertificateIssued,
        Self::CertificateSuperseded,
        Self::CertificateRevoked,
        Self::ContactChangeRequested,
        Self::ContactChanged,
        Self::RaoVerified,
        Self::RecoveryRequested,
        Self::RecoveryCodeSent,
        Self::PasswordReset,
        Self::UserIdRecovered,
        Self::DeskNewCertificate,
        Self::CouponRefused,
        Self::PrepaidReserved,
        Self::EvidenceRetrieved,
        Self::CardRenewalRequested,
        Self::CardCertificateStored,
        Self::PrepaidDebited,
        Self::PrepaidReleased,
        Self::BankEntryImported,
        Self::ContactChangeRefused,
        Self::CouponsCreated,
        Self::CredentialCheckFailed,
        Self::DeskSearch,
        Self::OrderAmountMismatch,
        Self::OrderCancelled,
        Self::OrderDeclined,
        Self::OrderRefundDue,
        Self::PrepaidAccountCreated,
        Self::PrepaidRefused,
        Self::PrepaidTopUp,
        Self::PromoRefused,
        Self::RaoCreated,
        Self::RecoveryRequestUnmatched,
        Self::RefundDue,
        Self::ReminderLinkOtherAccount,
        Self::RenewalEnded,
        Self::TokenResynchronised,
        Self::TokenResyncFailed,
        Self::CdrlLogin,
        Self::RaoLogin,
        Self::TimeStampIssued,
        Self::EvidenceRestamped,
        Self::SignatureAuthorized,
        Self::HashesSigned,
        Self::SigningClientRegistered,
    ];

    /// The stable code stored in the row.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::Logout => "logout",
            Self::RenewalStarted => "renewal_started",
            Self::DataConfirmed => "data_confirmed",
            Self::DocumentsAccepted => "documents_accepted",
            Self::OtpSent => "otp_sent",
            Self::OtpFailed => "otp_failed",
            Self::PinFailed => "pin_failed",
            Self::CredentialBlocked => "credential_blocked",
            Self::KeyMovedToHsm => "key_moved_to_hsm",
            Self::CaKeysMovedToHsm => "ca_keys_moved_to_hsm",
            Self::SubordinateIssued => "subordinate_issued",
            Self::SubordinateRevoked => "subordinate_revoked",
            Self::RootCrlIssued => "root_crl_issued",
            Self::RequestSigned => "request_signed",
            Self::PaymentSettled => "payment_settled",
            Self::OrderPlaced => "order_placed",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::ActivationOtpVerified => "activation_otp_verified",
            Self::CertificateIssued => "certificate_issued",
            Self::CertificateSuperseded => "certificate_superseded",
            Self::CertificateRevoked => "certificate_revoked",
            Self::ContactChangeRequested => "contact_change_requested",
            Self::ContactChanged => "contact_changed",
            Self::RaoVerified => "rao_verified",
            Self::RecoveryRequested => "recovery_requested",
            Self::RecoveryCodeSent => "recovery_code_sent",
            Self::PasswordReset => "password_reset",
            Self::UserIdRecovered => "user_id_recovered",
            Self::DeskNewCertificate => "desk_new_certificate",
            Self::CouponRefused => "coupon_refused",
            Self::PrepaidReserved => "prepaid_reserved",
            Self::EvidenceRetrieved => "evidence_retrieved",
            Self::CardRenewalRequested => "card_renewal_requested",
            Self::CardCertificateStored => "card_certificate_stored",
            Self::PrepaidDebited => "prepaid_debited",
            Self::PrepaidReleased => "prepaid_released",
            Self::BankEntryImported => "bank_entry_imported",
            Self::ContactChangeRefused => "contact_change_refused",
            Self::CouponsCreated => "coupons_created",
            Self::CredentialCheckFailed => "credential_check_failed",
            Self::DeskSearch => "desk_search",
            Self::OrderAmountMismatch => "order_amount_mismatch",
            Self::OrderCancelled => "order_cancelled",
            Self::OrderDeclined => "order_declined",
            Self::OrderRefundDue => "order_refund_due",
            Self::PrepaidAccountCreated => "prepaid_account_created",
            Self::PrepaidRefused => "prepaid_refused",
            Self::PrepaidTopUp => "prepaid_top_up",
            Self::PromoRefused => "promo_refused",
            Self::RaoCreated => "rao_created",
            Self::RecoveryRequestUnmatched => "recovery_request_unmatched",
            Self::RefundDue => "refund_due",
            Self::ReminderLinkOtherAccount => "reminder_link_other_account",
            Self::RenewalEnded => "renewal_ended",
            Self::TokenResynchronised => "token_resynchronised",
            Self::TokenResyncFailed => "token_resync_failed",
            Self::CdrlLogin => "cdrl_login",
            Self::RaoLogin => "rao_login",
            Self::TimeStampIssued => "time_stamp_issued",
            Self::EvidenceRestamped => "evidence_restamped",
            Self::SignatureAuthorized => "signature_authorized",
            Self::HashesSigned => "hashes_signed",
            Self::SigningClientRegistered => "signing_client_registered",
        }
    }
}

/// What a seal made before issue 21 signed: a domain tag, the head's seq and hash.
pub fn seal_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = b"rinnova audit seal v1\0".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
}

/// What a seal signs (issue 21): a domain tag, the head's seq and hash, when it was sealed, and
/// the digest of the seal before it ([`seal_digest`]; zeros for the first) — so the seals form
/// a chain of their own and a removed seal is found by the next one.
pub fn seal_message_v2(seq: i64, hash: &[u8], sealed_at: i64, prev_seal: &[u8]) -> Vec<u8> {
    let mut m = b"rinnova audit seal v2\0".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&u64::try_from(hash.len()).unwrap_or(u64::MAX).to_be_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(&sealed_at.to_be_bytes());
    m.extend_from_slice(prev_seal);
    m
}

/// The message a stored seal signed (v1 for a seal from before the chain of seals).
pub fn signed_message(s: &Seal) -> Vec<u8> {
    match &s.prev_seal {
        None => seal_message(s.seq, &s.head_hash),
        Some(prev) => seal_message_v2(s.seq, &s.head_hash, s.sealed_at, prev),
    }
}

/// What the next seal names: the SHA-256 of the message this one signed.
pub fn seal_digest(s: &Seal) -> [u8; 32] {
    crate::util::sha256(&signed_message(s))
}

/// Where seals are kept outside the database, and how often `serve` seals.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Minutes between two seals of the chain's head inside `serve` (0: none; `rinnova audit
    /// seal` from cron instead).
    pub seal_minutes: u64,
    /// The directory every seal is exported to, one file each, never rewritten (default:
    /// `audit-export` in the data directory; in production a mount on other storage, ideally
    /// write-once).
    pub export_dir: Option<std::path::PathBuf>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            seal_minutes: 10,
            export_dir: None,
        }
    }
}

/// A seal as exported, one JSON file each (`seal-<seq>.json`): everything needed to check it
/// without the database but the issuing CA's certificate.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ExportedSeal {
    /// `rinnova-audit-seal/2`.
    pub format: String,
    pub seq: i64,
    /// Hex.
    pub head_hash: String,
    pub sealed_at: i64,
    /// Hex; none for a seal from before the chain of seals.
    pub prev_seal: Option<String>,
    /// Base64 (DER).
    pub signature: String,
    /// The audit seal certificate's serial (hex); none: the issuing CA's key.
    pub signer_serial: Option<String>,
    /// Base64 DER of the audit seal certificate.
    pub signer_certificate: Option<String>,
    /// Hex SHA-256 of the message the seal signed: what its time-stamp is over
    /// (`openssl ts -verify -digest …`).
    #[serde(default)]
    pub digest: Option<String>,
    /// Base64 of the seal's time-stamp (RFC 3161 TimeStampResp, DER; a `.tsr` file).
    #[serde(default)]
    pub timestamp_token: Option<String>,
}

const EXPORT_FORMAT: &str = "rinnova-audit-seal/2";

impl ExportedSeal {
    fn seal(&self) -> Result<Seal, String> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        Ok(Seal {
            seq: self.seq,
            head_hash: hex::decode(&self.head_hash).map_err(|e| e.to_string())?,
            sealed_at: self.sealed_at,
            signature: b64.decode(&self.signature).map_err(|e| e.to_string())?,
            signer_serial: self.signer_serial.clone(),
            prev_seal: self
                .prev_seal
                .as_ref()
                .map(hex::decode)
                .transpose()
                .map_err(|e| e.to_string())?,
            timestamp_token: self
                .timestamp_token
                .as_ref()
                .map(|t| b64.decode(t))
                .transpose()
                .map_err(|e| e.to_string())?,
        })
    }
}

fn export_name(seq: i64) -> String {
    format!("seal-{seq:012}.json")
}

/// The seqs of the seals in an export directory, oldest first.
fn exported_seqs(dir: &std::path::Path) -> std::io::Result<Vec<i64>> {
    let mut seqs = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let name = e?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(seq) = name
            .strip_prefix("seal-")
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<i64>().ok())
        {
            seqs.push(seq);
        }
    }
    seqs.sort_unstable();
    Ok(seqs)
}

/// The outcome of `rinnova audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditVerdict {
    pub rows: u64,
    pub seals: usize,
    /// The newest seal's seq (rows after it are chained but not yet sealed).
    pub sealed_up_to: i64,
    /// Who made the seals checked, oldest first, each once: the serial (hex) of an audit
    /// seal certificate, or `issuing-ca` for seals the issuing CA's key made before issue 20.
    pub sealed_by: Vec<String>,
    /// With `--export`: how many exported seals were checked against the database, and the
    /// newest one's seq.
    pub exported: Option<usize>,
    pub exported_up_to: Option<i64>,
    /// The first problem, in words; none when everything verifies.
    pub problem: Option<String>,
    /// The row it names.
    pub row: Option<i64>,
}

impl AuditVerdict {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }

    fn fail(mut self, row: i64, problem: String) -> Self {
        self.problem = Some(problem);
        self.row = Some(row);
        self
    }
}

impl App {
    /// Signs the chain's current head unless it is sealed already — the seal names the one
    /// before it, and is time-stamped by the CA's time-stamping unit — then exports every seal
    /// not yet exported; returns the seq sealed.
    pub async fn seal_audit(&self) -> Result<Option<i64>, AppError> {
        let now = secs(self.now());
        // Before the transaction: the first seal may issue the delegate's certificate.
        let sealer = self.delegate(Purpose::AuditSeal).await?;
        let (seq, hash, last) = {
            let mut c = self.store().conn().await?;
            let (seq, hash) = repo::audit::head(&mut c).await?;
            (seq, hash, repo::audit::last_seal(&mut c).await?)
        };
        let sealed = if seq == 0 || last.as_ref().is_some_and(|l| l.seq >= seq) {
            None
        } else {
            let prev = last.as_ref().map_or([0; 32], seal_digest);
            let message = seal_message_v2(seq, &hash, now, &prev);
            let signature = sealer.key.sign_message(&message)?;
            // Trusted time for the seal, from the CA's time-stamping unit, outside the write
            // transaction.
            let timestamp = self
                .time_stamp_sha256(&crate::util::sha256(&message))
                .await?;
            let mut tx = self.store().begin().await?;
            // Another instance may have sealed meanwhile: this seal must follow the last one.
            let still_last = repo::audit::last_seal(&mut tx).await?.map(|l| l.seq)
                == last.as_ref().map(|l| l.seq);
            let inserted = still_last
                && repo::audit::insert_seal(
                    &mut tx,
                    &Seal {
                        seq,
                        head_hash: hash.clone(),
                        sealed_at: now,
                        signature,
                        signer_serial: Some(sealer.serial_hex.clone()),
                        prev_seal: Some(prev.to_vec()),
                        timestamp_token: Some(timestamp),
                    },
                )
                .await?;
            tx.commit().await.map_err(StoreError::from)?;
            if inserted {
                // Also in the service log.
                tracing::info!(seq, head = %hex::encode(&hash), "audit chain sealed");
            }
            inserted.then_some(seq)
        };
        if let Some(dir) = &self.config().audit_export_dir {
            let n = export_seals(self.store(), dir).await?;
            if n > 0 {
                tracing::info!(seals = n, dir = %dir.display(), "audit seals exported");
            }
        }
        Ok(sealed)
    }
}

/// Writes every seal newer than the newest exported one to `dir`, a file each, created anew
/// (never overwritten) and synced with the directory before the next; returns how many.
pub async fn export_seals(store: &Store, dir: &std::path::Path) -> Result<usize, AppError> {
    use std::io::Write;
    let internal = |what: &str, e: std::io::Error| {
        AppError::Internal(format!("audit export {}: {what}: {e}", dir.display()).into())
    };
    crate::util::create_private_dir(dir).map_err(|e| internal("creating", e))?;
    let newest = exported_seqs(dir)
        .map_err(|e| internal("reading", e))?
        .last()
        .copied()
        .unwrap_or(0);
    let mut c = store.conn().await?;
    let seals: Vec<Seal> = repo::audit::seals(&mut c)
        .await?
        .into_iter()
        .filter(|s| s.seq > newest)
        .collect();
    let mut written = 0;
    for s in seals {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let cert = match &s.signer_serial {
            Some(serial) => repo::ca::delegate_cert_by_serial(&mut c, serial)
                .await?
                .map(|c| b64.encode(c.der)),
            None => None,
        };
        let e = ExportedSeal {
            format: EXPORT_FORMAT.into(),
            seq: s.seq,
            head_hash: hex::encode(&s.head_hash),
            sealed_at: s.sealed_at,
            prev_seal: s.prev_seal.as_ref().map(hex::encode),
            signature: b64.encode(&s.signature),
            signer_serial: s.signer_serial.clone(),
            signer_certificate: cert,
            digest: Some(hex::encode(seal_digest(&s))),
            timestamp_token: s.timestamp_token.as_ref().map(|t| b64.encode(t)),
        };
        let json = serde_json::to_vec_pretty(&e).map_err(|e| AppError::Internal(e.into()))?;
        let path = dir.join(export_name(s.seq));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| internal("creating a seal's file", e))?;
        f.write_all(&json)
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.sync_all())
            .map_err(|e| internal("writing a seal's file", e))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| internal("syncing", e))?;
        written += 1;
    }
    Ok(written)
}

/// Checks one seal's signature: by the audit seal certificate `cert` (DER) the issuing CA
/// gave its key, or — a seal from before issue 20 — by the issuing CA's own key.
fn check_signature(issuing_cert_der: &[u8], s: &Seal, cert: Option<&[u8]>) -> Result<(), String> {
    let message = signed_message(s);
    match (&s.signer_serial, cert) {
        (None, _) => {
            rinnova_ca::authority::verify_signed_by(issuing_cert_der, &message, &s.signature)
                .then_some(())
                .ok_or_else(|| "it is not signed by the CA".to_owned())
        }
        (Some(serial), None) => Err(format!("its certificate {serial} is missing")),
        (Some(serial), Some(cert)) => verify_delegated(
            issuing_cert_der,
            cert,
            Purpose::AuditSeal,
            s.sealed_at,
            &message,
            &s.signature,
        )
        .map_err(|p| format!("{p} (audit seal certificate {serial})")),
    }
}

/// Checks a seal's time-stamp, if it has one: by a time-stamping unit of this CA, over the
/// seal's digest, made within a few minutes after the seal says it was made.
fn check_timestamp(issuing_cert_der: &[u8], anchors: &[Vec<u8>], s: &Seal) -> Result<(), String> {
    use rinnova_ca::tsa::{TsaTrust, check_response_trusting};
    let Some(token) = &s.timestamp_token else {
        return Ok(());
    };
    let digest = seal_digest(s);
    let checked = check_response_trusting(token, &digest, TsaTrust::Issuing(issuing_cert_der))
        .or_else(|ours| {
            if anchors.is_empty() {
                Err(ours)
            } else {
                check_response_trusting(token, &digest, TsaTrust::Anchors(anchors))
            }
        })
        .map_err(|e| format!("its time-stamp does not hold: {e}"))?;
    if checked.gen_time < s.sealed_at - 60 || checked.gen_time > s.sealed_at + 600 {
        return Err(format!(
            "its time-stamp ({}) is not when it says it was sealed ({})",
            checked.gen_time, s.sealed_at
        ));
    }
    Ok(())
}

/// Recomputes the chain from its first row, checks that every row is hashed and every seal is
/// signed and names the seal before it; with `export`, also checks every exported seal and that
/// the database still holds it and the rows it sealed. Names the first problem. Only reads: a
/// connection that cannot write, no migration. Needs no secret.
pub async fn verify(
    store: &Store,
    export: Option<&std::path::Path>,
) -> Result<AuditVerdict, AppError> {
    verify_with(store, export, &[]).await
}

/// [`verify`], seals' time-stamps from an outside TSA accepted when its unit's certificate
/// comes from one of `tsa_anchors` (DER; `[tsa] trust_anchor`).
pub async fn verify_with(
    store: &Store,
    export: Option<&std::path::Path>,
    tsa_anchors: &[Vec<u8>],
) -> Result<AuditVerdict, AppError> {
    let material = crate::ca_service::material(store).await?;
    let mut c = store.read_only_conn().await?;
    let report = repo::audit::verify_chain(&mut c).await?;
    let seals = repo::audit::seals(&mut c).await?;
    let v = AuditVerdict {
        rows: report.rows,
        seals: seals.len(),
        sealed_up_to: seals.last().map_or(0, |s| s.seq),
        sealed_by: Vec::new(),
        exported: None,
        exported_up_to: None,
        problem: None,
        row: None,
    };
    if let Some(b) = report.first_break {
        let (row, words) = match b {
            ChainBreak::Unhashed { seq } => (
                seq,
                format!(
                    "audit row {seq} has no hash: it was written behind the application's back"
                ),
            ),
            ChainBreak::Edited { seq } => (
                seq,
                format!("audit row {seq} was altered: its content no longer gives its hash"),
            ),
            ChainBreak::Unlinked { seq } => (
                seq,
                format!(
                    "audit row {seq} does not follow the row before it: a row was removed or inserted before it"
                ),
            ),
            ChainBreak::Truncated { head_seq, last_seq } => (
                last_seq + 1,
                format!(
                    "the chain ends at row {last_seq} but its head names row {head_seq}: rows were removed from the end"
                ),
            ),
        };
        return Ok(v.fail(row, words));
    }
    let mut v = v;
    let mut prev: Option<[u8; 32]> = None;
    for s in &seals {
        // Seals from before the chain of seals (none named) come first, if at all; each one
        // after names the one before it (zeros: none before).
        let named_ok = match &s.prev_seal {
            None => prev.is_none() || seals.iter().all(|o| o.prev_seal.is_none() || o.seq > s.seq),
            Some(named) => named.as_slice() == prev.unwrap_or([0; 32]).as_slice(),
        };
        if !named_ok {
            return Ok(v.fail(
                s.seq,
                format!(
                    "the seal of row {}: it does not name the seal before it (a seal was removed or changed)",
                    s.seq
                ),
            ));
        }
        let cert = match &s.signer_serial {
            Some(serial) => repo::ca::delegate_cert_by_serial(&mut c, serial)
                .await?
                .map(|c| c.der),
            None => None,
        };
        if let Err(why) = check_signature(&material.issuing_cert_der, s, cert.as_deref())
            .and_then(|()| check_timestamp(&material.issuing_cert_der, tsa_anchors, s))
        {
            return Ok(v.fail(s.seq, format!("the seal of row {}: {why}", s.seq)));
        }
        let by = s.signer_serial.as_deref().unwrap_or("issuing-ca");
        if !v.sealed_by.iter().any(|b| b == by) {
            v.sealed_by.push(by.to_owned());
        }
        match repo::audit::hash_at(&mut c, s.seq).await? {
            Some(h) if h == s.head_hash => {}
            Some(_) => {
                return Ok(v.fail(
                    s.seq,
                    format!(
                        "audit rows up to {} were rewritten after they were sealed",
                        s.seq
                    ),
                ));
            }
            None => {
                return Ok(v.fail(s.seq, format!("sealed audit row {} is missing", s.seq)));
            }
        }
        prev = Some(seal_digest(s));
    }
    if let Some(dir) = export {
        return verify_export(
            &mut c,
            &material.issuing_cert_der,
            tsa_anchors,
            &seals,
            dir,
            v,
        )
        .await;
    }
    Ok(v)
}

/// The exported seals against the database: each signed, chained to the exported one before
/// it, present in the database as exported, and the row it sealed still hashed as then.
async fn verify_export(
    c: &mut rinnova_store::Conn,
    issuing_cert_der: &[u8],
    tsa_anchors: &[Vec<u8>],
    seals: &[Seal],
    dir: &std::path::Path,
    mut v: AuditVerdict,
) -> Result<AuditVerdict, AppError> {
    use base64::Engine;
    let seqs = exported_seqs(dir).map_err(|e| {
        AppError::Internal(format!("reading the audit export {}: {e}", dir.display()).into())
    })?;
    let mut prev: Option<[u8; 32]> = None;
    for seq in &seqs {
        let name = export_name(*seq);
        let exported: ExportedSeal = match std::fs::read(dir.join(&name))
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(e) => e,
            Err(why) => {
                return Ok(v.fail(
                    *seq,
                    format!("the exported seal {name} cannot be read: {why}"),
                ));
            }
        };
        let s = match exported.seal() {
            Ok(s) if s.seq == *seq && exported.format == EXPORT_FORMAT => s,
            Ok(_) => {
                return Ok(v.fail(*seq, format!("the exported seal {name} is not one")));
            }
            Err(why) => {
                return Ok(v.fail(
                    *seq,
                    format!("the exported seal {name} cannot be read: {why}"),
                ));
            }
        };
        let cert = exported
            .signer_certificate
            .as_ref()
            .map(|c| base64::engine::general_purpose::STANDARD.decode(c))
            .transpose()
            .map_err(|e| AppError::Internal(e.into()))?;
        if let Err(why) = check_signature(issuing_cert_der, &s, cert.as_deref())
            .and_then(|()| check_timestamp(issuing_cert_der, tsa_anchors, &s))
        {
            return Ok(v.fail(*seq, format!("the exported seal of row {seq}: {why}")));
        }
        if exported
            .digest
            .as_ref()
            .is_some_and(|d| *d != hex::encode(seal_digest(&s)))
        {
            return Ok(v.fail(
                *seq,
                format!("the exported seal of row {seq}: its digest is not its message's"),
            ));
        }
        if let (Some(named), Some(p)) = (&s.prev_seal, prev)
            && named.as_slice() != p.as_slice()
        {
            return Ok(v.fail(
                *seq,
                format!(
                    "the exported seal of row {seq} names a seal that is not in the export: an exported seal is missing"
                ),
            ));
        }
        match seals.iter().find(|d| d.seq == *seq) {
            Some(d) if seal_digest(d) == seal_digest(&s) && d.signature == s.signature => {}
            Some(_) => {
                return Ok(v.fail(
                    *seq,
                    format!("the seal of row {seq} in the database is not the one exported"),
                ));
            }
            None => {
                return Ok(v.fail(
                    *seq,
                    format!("the seal of row {seq}, exported, is missing from the database"),
                ));
            }
        }
        match repo::audit::hash_at(c, *seq).await? {
            Some(h) if h == s.head_hash => {}
            _ => {
                return Ok(v.fail(
                    *seq,
                    format!("audit rows up to {seq} were rewritten after their seal was exported"),
                ));
            }
        }
        prev = Some(seal_digest(&s));
    }
    v.exported = Some(seqs.len());
    v.exported_up_to = seqs.last().copied();
    Ok(v)
}
