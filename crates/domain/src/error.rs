//! Errors of the domain rules. Each carries a stable machine code (`RNV-…`) that support staff
//! can find in logs; the words shown to people are translated at the edge.

use crate::window::NotRenewable;

/// A rule said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid user-id")]
    InvalidUserId,
    #[error("invalid codice fiscale")]
    InvalidCodiceFiscale,
    #[error("the PIN must be made of at least 8 digits")]
    InvalidPin,
    #[error("the two PINs differ")]
    PinMismatch,
    #[error("invalid e-mail address")]
    InvalidEmail,
    #[error("invalid mobile number")]
    InvalidMobile,
    #[error("not renewable: {0:?}")]
    NotRenewable(NotRenewable),
    #[error("step not allowed now: {0}")]
    WrongStep(&'static str),
    #[error("the documents shown changed; read them again")]
    DocumentsChanged,
    #[error("both consents are required")]
    ConsentMissing,
    #[error("a required field is missing or has an unknown value")]
    MissingField,
}

impl DomainError {
    /// The stable code shown beside the translated message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUserId => "RNV-INP-001",
            Self::InvalidCodiceFiscale => "RNV-INP-002",
            Self::InvalidPin => "RNV-PIN-001",
            Self::PinMismatch => "RNV-PIN-002",
            Self::InvalidEmail => "RNV-INP-003",
            Self::InvalidMobile => "RNV-INP-004",
            Self::NotRenewable(reason) => reason.code(),
            Self::WrongStep(_) => "RNV-WF-001",
            Self::DocumentsChanged => "RNV-WF-002",
            Self::ConsentMissing => "RNV-WF-003",
            Self::MissingField => "RNV-INP-010",
        }
    }
}
