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
}

impl AuditAction {
    /// Every action (the locales have a label for each: tested).
    pub const ALL: [AuditAction; 61] = [
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
        }
    }
}

/// What is signed: a domain tag, the head's seq and hash.
pub fn seal_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = b"rinnova audit seal v1\0".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
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
    /// The first problem, in words; none when everything verifies.
    pub problem: Option<String>,
    /// The row it names.
    pub row: Option<i64>,
}

impl AuditVerdict {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

impl App {
    /// Signs the chain's current head unless it is sealed already; returns the seq sealed.
    pub async fn seal_audit(&self) -> Result<Option<i64>, AppError> {
        let now = secs(self.now());
        // Before the transaction: the first seal may issue the delegate's certificate.
        let sealer = self.delegate(Purpose::AuditSeal).await?;
        let mut tx = self.store().begin().await?;
        let (seq, hash) = repo::audit::head(&mut tx).await?;
        if seq == 0 {
            return Ok(None);
        }
        let signature = sealer.key.sign_message(&seal_message(seq, &hash))?;
        let hash_for_log = hash.clone();
        let sealed = repo::audit::insert_seal(
            &mut tx,
            &Seal {
                seq,
                head_hash: hash,
                sealed_at: now,
                signature,
                signer_serial: Some(sealer.serial_hex.clone()),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        if sealed {
            // Also in the service log, kept outside the database.
            tracing::info!(seq, head = %hex::encode(&hash_for_log), "audit chain sealed");
        }
        Ok(sealed.then_some(seq))
    }
}

/// Recomputes the chain from its first row and checks every seal against the issuing CA's
/// certificate; names the first row that does not match. Needs no passphrase.
pub async fn verify(store: &Store) -> Result<AuditVerdict, AppError> {
    let material = crate::ca_service::material(store).await?;
    let mut c = store.conn().await?;
    let report = repo::audit::verify_chain(&mut c).await?;
    let seals = repo::audit::seals(&mut c).await?;
    let mut v = AuditVerdict {
        rows: report.rows,
        seals: seals.len(),
        sealed_up_to: seals.last().map_or(0, |s| s.seq),
        sealed_by: Vec::new(),
        problem: None,
        row: None,
    };
    if let Some(b) = report.first_break {
        let (row, words) = match b {
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
        v.problem = Some(words);
        v.row = Some(row);
        return Ok(v);
    }
    for s in &seals {
        let message = seal_message(s.seq, &s.head_hash);
        let signed = match &s.signer_serial {
            // Made by the issuing CA's key, before the seal had a key of its own.
            None => rinnova_ca::authority::verify_signed_by(
                &material.issuing_cert_der,
                &message,
                &s.signature,
            )
            .then_some(())
            .ok_or_else(|| "it is not signed by the CA".to_owned()),
            Some(serial) => match repo::ca::delegate_cert_by_serial(&mut c, serial).await? {
                None => Err(format!("its certificate {serial} is missing")),
                Some(cert) => verify_delegated(
                    &material.issuing_cert_der,
                    &cert.der,
                    Purpose::AuditSeal,
                    s.sealed_at,
                    &message,
                    &s.signature,
                )
                .map_err(|p| format!("{p} (audit seal certificate {serial})")),
            },
        };
        if let Err(why) = signed {
            v.problem = Some(format!("the seal of row {}: {why}", s.seq));
            v.row = Some(s.seq);
            return Ok(v);
        }
        let by = s.signer_serial.as_deref().unwrap_or("issuing-ca");
        if !v.sealed_by.iter().any(|b| b == by) {
            v.sealed_by.push(by.to_owned());
        }
        match repo::audit::hash_at(&mut c, s.seq).await? {
            Some(h) if h == s.head_hash => {}
            Some(_) => {
                v.problem = Some(format!(
                    "audit rows up to {} were rewritten after they were sealed",
                    s.seq
                ));
                v.row = Some(s.seq);
                return Ok(v);
            }
            None => {
                v.problem = Some(format!("sealed audit row {} is missing", s.seq));
                v.row = Some(s.seq);
                return Ok(v);
            }
        }
    }
    Ok(v)
}
