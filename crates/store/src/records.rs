//! Rows as stored. The application turns them into domain types; ids are typed already.

use rinnova_domain::{CertificateId, CredentialId, HolderId, RenewalId};

/// An organisation that had certificates issued to its people.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrganisationRecord {
    pub id: String,
    pub name: String,
    pub payment_mode: String,
    /// 0 or 1 (flags are integers so that one SQL serves SQLite and PostgreSQL).
    pub approval_required: i64,
}

/// A holder (titolare).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HolderRecord {
    pub id: HolderId,
    pub user_id: String,
    pub password_hash: String,
    pub given_name: String,
    pub surname: String,
    pub codice_fiscale: String,
    pub iut: String,
    pub email: String,
    pub mobile: String,
    pub residence: String,
    pub role_title: Option<String>,
    pub organisation_id: Option<String>,
    pub lang: String,
    pub created_at: i64,
    /// None: the organisation's mode, or the CA's default for a holder without one.
    pub payment_mode: Option<String>,
    /// Read with the holder, not stored with it: their organisation's name.
    pub organisation_name: Option<String>,
    /// Read with the holder, not stored with it: how many OTP tokens they have (SPEC O2).
    pub tokens: i64,
}

impl HolderRecord {
    /// Whether the holder's codes come from a token rather than by SMS (SPEC O1, O2).
    pub fn has_token(&self) -> bool {
        self.tokens > 0
    }
}

/// A hardware or app token.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRecord {
    pub holder_id: HolderId,
    pub kind: String,
    pub algorithm: String,
    pub digits: i64,
    pub step_seconds: i64,
    /// The seed, as `sealed` says (issue 21).
    pub secret: Vec<u8>,
    pub last_counter: Option<i64>,
    pub drift_steps: i64,
    /// 0: in clear (an earlier version's); 1: sealed in software (under the CA passphrase);
    /// 2: sealed by the token's `rinnova-secrets` key. Seeds not sealed by the key backend in
    /// use are sealed anew at start.
    pub sealed: i64,
}

/// A remote-signature key.
#[derive(Clone, sqlx::FromRow)]
pub struct CredentialRecord {
    pub id: CredentialId,
    pub holder_id: HolderId,
    pub public_key: Vec<u8>,
    pub sealed_private: Vec<u8>,
    pub failed_pins: i64,
    pub blocked_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub created_at: i64,
}

impl std::fmt::Debug for CredentialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialRecord")
            .field("id", &self.id)
            .field("failed_pins", &self.failed_pins)
            .field("blocked_at", &self.blocked_at)
            .finish_non_exhaustive()
    }
}

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CertificateRecord {
    pub id: CertificateId,
    pub holder_id: HolderId,
    pub credential_id: Option<CredentialId>,
    pub kind: String,
    pub serial_hex: String,
    pub der: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub status: String,
    pub superseded_by: Option<CertificateId>,
    pub status_changed_at: Option<i64>,
    pub device_expires_at: Option<i64>,
    pub renewals_on_device: i64,
    pub created_at: i64,
    /// The reseller that sold the certificate (its coupons renew it).
    pub distributor_id: Option<String>,
}

/// A renewal in progress or ended.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RenewalRecord {
    pub id: RenewalId,
    pub holder_id: HolderId,
    pub certificate_id: CertificateId,
    pub step: String,
    pub payment_mode: String,
    /// 0 or 1 (flags are integers so that one SQL serves SQLite and PostgreSQL).
    pub approval_required: i64,
    pub documents_hash: Option<Vec<u8>>,
    pub activation_otp_verified: i64,
    pub version: i64,
    pub consented_at: Option<i64>,
    pub signature: Option<Vec<u8>>,
    pub signed_at: Option<i64>,
    pub new_certificate_id: Option<CertificateId>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A document shown at step 3.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentRecord {
    pub renewal_id: RenewalId,
    pub name: String,
    pub lang: String,
    pub sha256: Vec<u8>,
    pub pdf: Vec<u8>,
    pub created_at: i64,
}

/// An SMS code challenge.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OtpRecord {
    pub id: String,
    pub holder_id: HolderId,
    pub purpose: String,
    pub code_hash: Vec<u8>,
    pub expires_at: i64,
    pub attempts: i64,
    pub sends: i64,
    pub last_sent_at: i64,
    pub consumed: i64,
    pub created_at: i64,
    /// The outbox message that carried the last code (none before migration 0021).
    pub message_id: Option<String>,
}

/// A login session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    pub id_hash: Vec<u8>,
    pub holder_id: HolderId,
    pub kind: String,
    pub csrf: String,
    pub lang: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
}

/// A message waiting in, or delivered from, the outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRecord {
    /// Insertion order (assigned by the database; ignored on insert).
    pub seq: i64,
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub holder_id: Option<HolderId>,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    /// The HTML alternative of an e-mail's text body.
    pub html: Option<String>,
    /// Set when delivery was abandoned (a permanent refusal, or too many attempts).
    pub gave_up_at: Option<i64>,
}

/// An audit row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

/// A batch of coupons handed out together (seed 002).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CouponBatchRecord {
    pub id: String,
    /// `organisation` or `distributor`.
    pub issuer_kind: String,
    pub issuer_id: String,
    pub kind: String,
    pub expires_at: i64,
    pub size: i64,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

/// One coupon with its batch's terms.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CouponRecord {
    pub code: String,
    pub batch_id: String,
    pub used_by: Option<String>,
    pub used_at: Option<i64>,
    pub issuer_kind: String,
    pub issuer_id: String,
    pub kind: String,
    pub expires_at: i64,
}

/// How a renewal was paid.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRecord {
    pub renewal_id: RenewalId,
    pub method: String,
    /// `pending` or `settled`.
    pub status: String,
    pub amount_cents: i64,
    /// What paid: the coupon code, the order, the RAO, the prepaid account.
    pub reference: String,
    pub created_at: i64,
    pub settled_at: Option<i64>,
}

/// A shop promo code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PromoRecord {
    pub code: String,
    /// `percent` (basis points) or `fixed` (cents).
    pub discount_kind: String,
    pub discount_value: i64,
    pub valid_from: i64,
    pub valid_until: i64,
    pub kind: Option<String>,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub created_at: i64,
}

/// A shop order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRecord {
    pub id: String,
    pub renewal_id: RenewalId,
    pub kind: String,
    pub method: String,
    pub status: String,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub vat_bp: i64,
    pub promo_code: Option<String>,
    pub provider: Option<String>,
    pub provider_ref: Option<String>,
    pub remittance_ref: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub paid_at: Option<i64>,
    /// The acquirer's page of an open order, and until when it lasts.
    pub checkout_url: Option<String>,
    pub checkout_expires_at: Option<i64>,
}

/// A bank statement entry already looked at.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BankEntryRecord {
    pub entry_ref: String,
    pub amount_cents: i64,
    pub currency: String,
    pub booking_date: Option<String>,
    pub remittance: String,
    pub debtor: Option<String>,
    pub order_id: Option<String>,
    pub outcome: String,
    pub imported_at: i64,
}

/// A registration-office operator.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RaoRecord {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub name: String,
    pub office: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

/// A prepaid account (seed 004).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PrepaidAccountRecord {
    pub id: String,
    pub user_id: String,
    pub password_hash: String,
    pub name: String,
    pub created_at: i64,
}

/// One line of a prepaid account's ledger.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PrepaidEntryRecord {
    pub seq: i64,
    pub account_id: String,
    pub purse: String,
    pub movement: String,
    pub amount_cents: i64,
    pub renewal_id: Option<RenewalId>,
    pub note: Option<String>,
    pub created_at: i64,
}

/// An organisation's registration manager (CDRL).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CdrlRecord {
    pub id: String,
    pub organisation_id: String,
    pub username: String,
    pub password_hash: String,
    pub name: String,
    pub email: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// The language of their notices: the one they last logged in with.
    pub lang: String,
}

/// A staff area's session (only the token's hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffSessionRecord {
    pub id_hash: Vec<u8>,
    /// `cdrl`.
    pub role: String,
    pub account_id: String,
    pub csrf: String,
    pub lang: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
}

/// A CDRL's decision on a renewal.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApprovalRecord {
    pub renewal_id: RenewalId,
    pub decided_by: String,
    /// `approved` or `rejected`.
    pub decision: String,
    pub reason: Option<String>,
    pub decided_at: i64,
}

/// A change of contact data, pending until its SMS code confirms it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactChangeRecord {
    pub id: String,
    pub holder_id: HolderId,
    pub renewal_id: RenewalId,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub created_at: i64,
    pub applied_at: Option<i64>,
}

/// A renewal charged to an organisation's payroll, with the holder's identity for the export.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayrollChargeRecord {
    /// The renewal's id, or the desk identity check's id.
    pub reference: String,
    /// `renewal` or `desk`.
    pub origin: String,
    pub organisation_id: String,
    pub holder_id: HolderId,
    pub kind: String,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub charged_at: i64,
    pub exported_at: Option<i64>,
}

/// A payroll charge as exported.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayrollLine {
    pub reference: String,
    pub origin: String,
    pub charged_at: i64,
    pub surname: String,
    pub given_name: String,
    pub codice_fiscale: String,
    pub iut: String,
    pub kind: String,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
}

/// An identity check an RAO made in person.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityCheckRecord {
    pub id: String,
    pub holder_id: HolderId,
    pub rao_id: String,
    /// `carta_identita`, `passaporto` or `patente`.
    pub document_type: String,
    pub document_number: String,
    /// The new certificate issued after it.
    pub certificate_id: Option<CertificateId>,
    pub checked_at: i64,
}

/// What a smart card sent to renew a certificate (the renewal is in `renewals`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardRenewalRecord {
    pub renewal_id: RenewalId,
    pub certificate_id: CertificateId,
    pub public_key: Vec<u8>,
    pub request: Vec<u8>,
    pub proof: Vec<u8>,
    pub stored_at: Option<i64>,
    pub created_at: i64,
}

/// Why a renewal ended without a new certificate (see migration 0019).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EndingRecord {
    pub renewal_id: RenewalId,
    /// The window rule's name (`window_closed`, `expired`, `revoked`…) or `rejected`.
    pub reason: String,
    /// The organisation's words, for a rejection.
    pub detail: Option<String>,
    /// 0 or 1: the renewal had been paid and the money is to be given back.
    pub refund_due: i64,
    pub ended_at: i64,
}

/// A signature of the renewal form in progress (see migration 0019).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignAttemptRecord {
    pub renewal_id: RenewalId,
    pub code_hash: Vec<u8>,
    pub valid_until: i64,
    pub held_until: i64,
}
