//! The rules of rinnova, as in `shared/SPEC.md`: who holds what, when a certificate can be
//! renewed, the renewal workflow as a state machine, and the OTP and PIN rules.
//!
//! Nothing here does I/O or reads the clock: time arrives as a parameter (`now`), randomness as
//! bytes, so every rule is testable at any instant (DESIGN.md, "Style").

pub mod clock;
pub mod codice_fiscale;
pub mod coupon;
pub mod csc;
pub mod error;
pub mod holder;
pub mod ids;
pub mod money;
pub mod otp;
pub mod password;
pub mod pin;
pub mod prepaid;
pub mod promo;
pub mod reminder;
pub mod secret;
pub mod sms_otp;
pub mod window;
pub mod workflow;

pub use clock::Clock;
pub use codice_fiscale::CodiceFiscale;
pub use error::DomainError;
pub use holder::{
    CertificateKind, CertificateStatus, Email, Mobile, PaymentMethod, PaymentMode, UserId,
};
pub use ids::{CertificateId, CredentialId, HolderId, RenewalId};
pub use money::{Money, Price, PriceList, VatRate};
pub use pin::{Password, Pin};
pub use window::{NotRenewable, Renewability, WindowPolicy};
pub use workflow::{Event, Renewal, RenewalStep};
