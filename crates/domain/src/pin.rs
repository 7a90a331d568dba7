//! The signature PIN and the portal password: secrets that never reach a log (SPEC O3).

use crate::DomainError;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A signature PIN: at least 8 digits (seeds 000, 003). Zeroised on drop, hidden in Debug.
#[derive(Clone)]
pub struct Pin(SecretString);

impl Pin {
    /// Longest PIN accepted, to bound the work of the key derivation.
    pub const MAX_LEN: usize = 32;

    /// Parses a PIN: digits only, 8 to 32 of them.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let ok =
            (8..=Self::MAX_LEN).contains(&input.len()) && input.bytes().all(|c| c.is_ascii_digit());
        if ok {
            Ok(Self(SecretString::from(input)))
        } else {
            Err(DomainError::InvalidPin)
        }
    }

    /// Parses a PIN typed twice (activation, SPEC §5 step 7).
    pub fn parse_twice(first: &str, second: &str) -> Result<Self, DomainError> {
        let pin = Self::parse(first)?;
        if first != second {
            return Err(DomainError::PinMismatch);
        }
        Ok(pin)
    }

    /// The digits, for the key derivation only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(***)")
    }
}

/// A portal password as typed. Hidden in Debug; the policy for new passwords comes with the
/// recovery work.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a typed password (at most 256 bytes, to bound hashing work).
    pub fn new(input: &str) -> Option<Self> {
        (!input.is_empty() && input.len() <= 256).then(|| Self(SecretString::from(input)))
    }

    /// The characters, for hashing only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o3_pin_is_eight_or_more_digits_and_never_printed() {
        let pin = Pin::parse("12345678").unwrap();
        assert_eq!(format!("{pin:?}"), "Pin(***)");
        assert!(Pin::parse("1234567").is_err());
        assert!(Pin::parse("1234567a").is_err());
        assert_eq!(
            Pin::parse_twice("12345678", "12345679").unwrap_err(),
            DomainError::PinMismatch
        );
    }
}
