//! Errors of the use cases. Each has a stable code (`RNV-…`) shown beside the translated text;
//! the web layer maps them once to an HTTP status and a message in the holder's language.

use rinnova_domain::coupon::{CouponError, MalformedCoupon};
use rinnova_domain::otp::TokenError;
use rinnova_domain::prepaid::PrepaidError;
use rinnova_domain::promo::PromoError;
use rinnova_domain::sms_otp::OtpError;
use rinnova_domain::{DomainError, NotRenewable};

/// A use case said no, or failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("login required")]
    Unauthenticated,
    #[error("wrong user-id or password")]
    LoginFailed,
    #[error("too many attempts; try again in {minutes} minutes")]
    LoginLocked { minutes: i64 },
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("not renewable: {0:?}")]
    NotRenewable(NotRenewable),
    #[error(transparent)]
    Otp(#[from] OtpError),
    #[error("token code: {0}")]
    Token(TokenError),
    #[error("wrong PIN; {remaining} attempts left")]
    WrongPin { remaining: i64 },
    #[error("the signature credential is blocked")]
    CredentialBlocked,
    #[error("the renewal changed meanwhile; reload")]
    Conflict,
    #[error(transparent)]
    Coupon(#[from] CouponError),
    #[error("a payment is already pending for this renewal")]
    PaymentPending,
    #[error(transparent)]
    Promo(PromoError),
    #[error("the payment notification is not valid")]
    BadNotification,
    #[error("bank statement: {0}")]
    Statement(String),
    #[error("wrong RAO username or password")]
    RaoLoginFailed,
    #[error(transparent)]
    Prepaid(PrepaidError),
    #[error("wrong prepaid account user-id or password")]
    PrepaidLoginFailed,
    #[error("wrong username or password")]
    StaffLoginFailed,
    /// An e-mail or mobile registered to another person: the new value typed (`current` false)
    /// or the holder's own current one (`current` true, the renewal waits at step 2).
    #[error("the certificate can be renewed: a new one is not needed")]
    RenewInstead,
    /// The portal password typed to confirm a change was wrong (the holder is logged in: not
    /// "wrong user-id or password").
    #[error("wrong password")]
    WrongPassword,
    #[error("this {field} belongs to another person")]
    ContactShared { field: String, current: bool },
    #[error("too many wrong coupon codes; try again in {minutes} minutes")]
    CouponLocked { minutes: i64 },
    #[error("too many RAO attempts; try again in {minutes} minutes")]
    RaoLocked { minutes: i64 },
    #[error("too many failed logins from this address; try again in {minutes} minutes")]
    AddressLocked { minutes: i64 },
    #[error("too many recovery requests; try again in {minutes} minutes")]
    RecoveryThrottled { minutes: i64 },
    #[error("the recovery link is not valid, was used, or has expired")]
    RecoveryLinkInvalid,
    #[error(transparent)]
    WeakPassword(#[from] rinnova_domain::password::WeakPassword),
    #[error("the link is not valid or has expired")]
    LinkInvalid,
    #[error("the link belongs to another account")]
    LinkOtherAccount,
    #[error("smart-card request refused: {0}")]
    CardRequest(rinnova_ca::request::RequestError),
    #[error("the certificate was not issued by this CA")]
    CardNotOurs,
    #[error("a remote-signature certificate renews on the portal")]
    CardRemote,
    #[error("a paid renewal needs the prepaid account's user-id and password")]
    PrepaidRequired,
    /// The database (or another service the request needs) cannot be reached now: the
    /// request can be retried, nothing was lost.
    #[error("service unavailable")]
    Unavailable(#[source] rinnova_store::StoreError),
    /// Something that should not happen, and its cause (its own chain of causes kept): logged
    /// once, with the request's id, by whoever answers; the user sees the code only.
    #[error("internal error")]
    Internal(#[source] Cause),
}

/// The cause of an internal error.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error and its causes, outermost first: `a: b: c`.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl AppError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "RNV-AUTH-001",
            Self::LoginFailed => "RNV-AUTH-002",
            Self::LoginLocked { .. } => "RNV-AUTH-003",
            Self::NotFound => "RNV-GEN-404",
            Self::Invalid(e) => e.code(),
            Self::NotRenewable(r) => r.code(),
            Self::Otp(e) => e.code(),
            Self::Token(TokenError::Wrong) => "RNV-OTP-011",
            Self::Token(TokenError::Replayed) => "RNV-OTP-012",
            Self::Token(TokenError::Malformed) => "RNV-OTP-013",
            Self::WrongPin { .. } => "RNV-PIN-003",
            Self::CredentialBlocked => "RNV-PIN-004",
            Self::Conflict => "RNV-GEN-409",
            Self::Coupon(e) => e.code(),
            Self::PaymentPending => "RNV-PAY-010",
            Self::Promo(e) => e.code(),
            Self::BadNotification => "RNV-PAY-020",
            Self::Statement(_) => "RNV-PAY-021",
            Self::RaoLoginFailed => "RNV-RAO-001",
            Self::Prepaid(e) => e.code(),
            Self::PrepaidLoginFailed => "RNV-PRE-010",
            Self::StaffLoginFailed => "RNV-AUTH-010",
            Self::RenewInstead => "RNV-DESK-001",
            Self::ContactShared { current: false, .. } => "RNV-DATA-001",
            Self::ContactShared { current: true, .. } => "RNV-DATA-002",
            Self::WrongPassword => "RNV-DATA-003",
            Self::RaoLocked { .. } => "RNV-RAO-002",
            Self::CouponLocked { .. } => "RNV-CPN-010",
            Self::AddressLocked { .. } => "RNV-AUTH-004",
            Self::RecoveryThrottled { .. } => "RNV-REC-001",
            Self::RecoveryLinkInvalid => "RNV-REC-002",
            Self::WeakPassword(e) => e.code(),
            Self::LinkInvalid => "RNV-LINK-001",
            Self::LinkOtherAccount => "RNV-LINK-002",
            Self::CardRemote => "RNV-CARD-001",
            Self::CardRequest(e) => {
                use rinnova_ca::request::RequestError as R;
                match e {
                    R::Malformed => "RNV-CARD-002",
                    R::UnsupportedKey => "RNV-CARD-003",
                    R::BadSignature => "RNV-CARD-004",
                    R::BadProof => "RNV-CARD-005",
                    R::SubjectChanged => "RNV-CARD-006",
                    R::SameKey => "RNV-CARD-007",
                }
            }
            Self::CardNotOurs => "RNV-CARD-008",
            Self::PrepaidRequired => "RNV-PRE-011",
            Self::Unavailable(_) => "RNV-GEN-503",
            Self::Internal(_) => "RNV-GEN-500",
        }
    }

    /// Arguments of the translated message, written for `lang`.
    pub fn args(&self, lang: crate::i18n::Lang) -> Vec<(&'static str, String)> {
        match self {
            Self::Prepaid(PrepaidError::InsufficientCredit { available, needed }) => vec![
                ("available", available.display(lang.code())),
                ("needed", needed.display(lang.code())),
            ],
            Self::LoginLocked { minutes }
            | Self::RaoLocked { minutes }
            | Self::CouponLocked { minutes }
            | Self::AddressLocked { minutes }
            | Self::RecoveryThrottled { minutes } => {
                vec![("minutes", minutes.to_string())]
            }
            Self::Otp(OtpError::Wrong { remaining }) => vec![("remaining", remaining.to_string())],
            Self::Otp(OtpError::TooManySends { minutes }) => {
                vec![("minutes", minutes.to_string())]
            }
            Self::Otp(OtpError::ResendTooSoon { seconds }) => {
                vec![("seconds", seconds.to_string())]
            }
            Self::WrongPin { remaining } => vec![("remaining", remaining.to_string())],
            Self::NotRenewable(NotRenewable::NotYetOpen { opens_on }) => {
                vec![("date", lang.date(*opens_on))]
            }
            _ => vec![],
        }
    }
}

impl From<MalformedCoupon> for AppError {
    fn from(e: MalformedCoupon) -> Self {
        Self::Coupon(e.into())
    }
}

impl From<rinnova_store::StoreError> for AppError {
    fn from(e: rinnova_store::StoreError) -> Self {
        if e.is_unavailable() {
            Self::Unavailable(e)
        } else {
            Self::Internal(Box::new(e))
        }
    }
}

impl AppError {
    /// How long a client should wait before trying again (`Retry-After`), for the refusals
    /// that end with time: locks, throttles, the SMS send limit, an unreachable database.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        let minutes = |m: i64| u64::try_from(m.max(1)).unwrap_or(1) * 60;
        match self {
            Self::LoginLocked { minutes: m }
            | Self::RaoLocked { minutes: m }
            | Self::CouponLocked { minutes: m }
            | Self::AddressLocked { minutes: m }
            | Self::RecoveryThrottled { minutes: m } => Some(minutes(*m)),
            Self::Otp(OtpError::TooManySends { minutes: m }) => Some(minutes(i64::from(*m))),
            Self::Otp(OtpError::ResendTooSoon { seconds }) => Some(u64::from(*seconds)),
            Self::Unavailable(_) => Some(5),
            _ => None,
        }
    }
}

impl From<rinnova_ca::CaError> for AppError {
    fn from(e: rinnova_ca::CaError) -> Self {
        Self::Internal(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_keeps_its_chain_of_causes() {
        let io = std::io::Error::other("disk on fire");
        let e = AppError::Internal(Box::new(rinnova_store::StoreError::Db(sqlx::Error::Io(io))));
        assert_eq!(e.code(), "RNV-GEN-500");
        assert!(std::error::Error::source(&e).is_some());
        let text = chain(&e);
        assert!(text.starts_with("internal error: "), "{text}");
        assert!(text.contains("disk on fire"), "{text}");
        // A message alone is a cause too.
        let e = AppError::Internal("renewal r1 has a bad step".into());
        assert_eq!(chain(&e), "internal error: renewal r1 has a bad step");
    }
}
