//! Errors of the CA layer.

/// Something in the CA failed. None of these carry secret material.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("the operating system's random generator failed")]
    Random,
    #[error("wrong passphrase, or the sealed key is damaged")]
    WrongSecret,
    #[error("sealed data is malformed")]
    Malformed,
    #[error("key derivation failed: {0}")]
    Kdf(String),
    #[error("certificate building failed: {0}")]
    Certificate(String),
    #[error("encoding failed: {0}")]
    Encoding(String),
    #[error("the hardware security module failed: {0}")]
    Hsm(String),
}

impl From<rcgen::Error> for CaError {
    fn from(e: rcgen::Error) -> Self {
        Self::Certificate(e.to_string())
    }
}

impl From<der::Error> for CaError {
    fn from(e: der::Error) -> Self {
        Self::Encoding(e.to_string())
    }
}
