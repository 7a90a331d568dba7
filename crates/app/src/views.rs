//! What the use cases answer: plain data for pages and the JSON API alike.

use rinnova_domain::{CertificateId, RenewalId, RenewalStep};
use serde::Serialize;
use utoipa::ToSchema;

/// The holder as shown on the data page (SPEC §5 step 2).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderView {
    pub user_id: String,
    pub given_name: String,
    pub surname: String,
    pub codice_fiscale: String,
    pub iut: String,
    pub email: String,
    pub mobile: String,
    pub mobile_masked: String,
    pub residence: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub lang: String,
    /// `sms` or `token`: where OTP codes come from.
    pub otp_channel: String,
}

/// Why a certificate cannot be renewed, as shown (SPEC W3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotRenewableView {
    pub code: String,
    pub reason: String,
    /// When the window has not opened yet: its first day.
    pub opens_on: Option<String>,
    /// A new certificate from an RAO is needed.
    pub needs_new_certificate: bool,
}

/// A certificate on the home page (SPEC W5).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    #[schema(value_type = String)]
    pub id: CertificateId,
    pub kind: String,
    pub serial: String,
    pub status: String,
    pub not_before: String,
    pub not_after: String,
    /// The expiry date in the CA's time zone.
    pub expiry_date: String,
    pub renewable: bool,
    pub days_left: Option<i32>,
    pub last_day: bool,
    pub not_renewable: Option<NotRenewableView>,
    /// A renewal in progress.
    pub open_renewal: Option<OpenRenewal>,
    /// The certificate that replaced this one.
    pub renewed_by: Option<RenewedBy>,
    /// The organisation pays a new certificate through payroll (SPEC W3, seed 000).
    pub payroll: bool,
    /// The certificate's last renewal ended without a new certificate, and why (none while
    /// another is open or after a renewal).
    pub last_renewal_ended: Option<EndedView>,
    /// The holder's signing credential is blocked (5 wrong PINs, SPEC O3).
    pub credential_blocked: bool,
}

/// A renewal in progress, as linked from the home page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenRenewal {
    #[schema(value_type = String)]
    pub id: RenewalId,
    #[schema(value_type = String)]
    pub step: RenewalStep,
}

/// The certificate that replaced another (SPEC W5: the new expiry is shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RenewedBy {
    #[schema(value_type = String)]
    pub certificate_id: CertificateId,
    pub expiry_date: String,
}

/// The home page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HomeView {
    pub holder: HolderView,
    pub certificates: Vec<CertificateView>,
}

/// One step in the stepper.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    #[schema(value_type = String)]
    pub step: RenewalStep,
    pub done: bool,
    pub current: bool,
}

/// Where OTP codes for the current operation come from, and what was sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OtpView {
    /// `sms` or `token`.
    pub channel: String,
    /// The operation the next code is for (`sign`, `activate-1`, `activate-2`).
    pub purpose: Option<String>,
    pub mobile_masked: String,
    /// An SMS code was sent for that operation and is still usable.
    pub sent: bool,
}

/// A renewal as the wizard shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RenewalView {
    #[schema(value_type = String)]
    pub id: RenewalId,
    #[schema(value_type = String)]
    pub step: RenewalStep,
    pub steps: Vec<StepView>,
    pub certificate: CertificateView,
    pub holder: HolderView,
    pub payment_mode: String,
    pub approval_required: bool,
    /// Hex SHA-256 of the documents shown at step 3 (sent back with the consents).
    pub documents_hash: Option<String>,
    pub activation_otp_verified: bool,
    pub otp: OtpView,
    pub new_certificate: Option<CertificateView>,
    /// Step 5, when the holder pays.
    pub payment: Option<PaymentView>,
    /// Step 2: a change of contact data waiting for its SMS code.
    pub contact_change: Option<ContactChangeView>,
    /// Step 2: why the renewal cannot go on until the contact data changes (translated).
    pub contact_blocked: Option<String>,
    /// Why the renewal ended without a new certificate, or must end now (SPEC W2/W3).
    pub ended: Option<EndedView>,
}

/// Why a renewal ended without a new certificate (SPEC W3: the holder is told why).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndedView {
    /// `window_closed`, `expired`, `revoked`, `suspended`, `already_renewed`,
    /// `device_expired`, `device_renewed_once` or `rejected` (by the organisation).
    pub reason: String,
    /// The error code of a window rule (`RNV-WIN-…`); none for a rejection.
    pub code: Option<String>,
    /// What happened and what to do, in the holder's language.
    pub text: String,
    /// The organisation's words, for a rejection.
    pub detail: Option<String>,
    /// The renewal had been paid: the money will be given back.
    pub refund_due: bool,
}

/// A change of contact data waiting for its SMS code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactChangeView {
    /// `email`, `mobile` or `residence`.
    pub field: String,
    pub new_value: String,
}

/// A price: integer cents for programs, text in the holder's language for people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceView {
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    /// The VAT rate in percent, as written in the holder's language ("22").
    pub vat_percent: String,
    pub net: String,
    pub vat: String,
    pub gross: String,
}

/// How a renewal was paid (or is being paid, for a pending bank transfer).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaidView {
    /// `shop`, `coupon`, `rao`, `prepaid`.
    pub method: String,
    pub pending: bool,
    pub amount: String,
    pub reference: String,
}

/// Step 5: the order set to the certificate's product and price, and the ways to pay.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub price: PriceView,
    /// The methods offered: `shop`, `coupon`, `rao`, `prepaid`.
    pub methods: Vec<String>,
    pub paid: Option<PaidView>,
    /// The most recent shop order (a declined card shows here; a pending bank transfer shows
    /// its instructions).
    pub last_order: Option<OrderView>,
}

/// A shop order as the holder sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    /// `card`, `paypal`, `bank_transfer`.
    pub method: String,
    /// `open`, `pending`, `paid`, `declined`, `cancelled`, `refund_due`.
    pub status: String,
    pub price: PriceView,
    pub promo_code: Option<String>,
    /// Bank transfer: what to write in the transfer, and where to send it.
    pub remittance_ref: Option<String>,
    pub iban: Option<String>,
    pub beneficiary: Option<String>,
    /// A pending transfer that arrived short: what arrived so far and what is still missing.
    pub received: Option<String>,
    pub missing: Option<String>,
}
