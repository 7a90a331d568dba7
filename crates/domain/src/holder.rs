//! Holders and what they hold: the glossary of SPEC §1 as types.

use crate::DomainError;
use std::fmt;

/// A holder's login name: a prefix of letters and a progressive number, e.g. `JZLF001` (SPEC §1).
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Parses a user-id, case-insensitively: 2–8 letters then 3–10 digits.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let letters = s.bytes().take_while(u8::is_ascii_uppercase).count();
        let digits = s.len() - letters;
        let ok = (2..=8).contains(&letters)
            && (3..=10).contains(&digits)
            && s.bytes().skip(letters).all(|c| c.is_ascii_digit());
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::InvalidUserId)
        }
    }

    /// The user-id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({})", self.0)
    }
}

/// An e-mail address of plausible shape (the real proof is the message that reaches it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, no spaces.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && matches!(s.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.contains('@')
                && !domain.starts_with('.') && !domain.ends_with('.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::InvalidEmail)
        }
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mobile number in international form (`+39…`), digits only after the plus.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Mobile(String);

impl Mobile {
    /// Parses a mobile number; spaces and dashes are dropped, Italian numbers without prefix
    /// get `+39`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        let s = match s.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None if s.starts_with('3') => format!("+39{s}"),
            None => s,
        };
        let digits = s.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit()) {
            Ok(Self(s))
        } else {
            Err(DomainError::InvalidMobile)
        }
    }

    /// The number as stored, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but its last four digits hidden, for messages and pages: one
    /// style everywhere (renewal, contact change, recovery).
    pub fn masked(&self) -> String {
        mask_number(&self.0)
    }
}

/// `••• ••• 4567`: the last four digits of a number (fewer if it has fewer).
pub fn mask_number(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("••• ••• {tail}")
}

/// The kinds of certificate rinnova renews (SPEC, introduction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// Key in the CA's signing device, used with PIN + OTP.
    RemoteSignature,
    /// Signature certificate on a smart card.
    CardSignature,
    /// CNS authentication certificate on a smart card.
    Cns,
}

impl CertificateKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemoteSignature => "remote_signature",
            Self::CardSignature => "card_signature",
            Self::Cns => "cns",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::RemoteSignature, Self::CardSignature, Self::Cns]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Where a certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Active,
    /// Replaced by its renewal.
    Superseded,
    Revoked,
    Suspended,
}

impl CertificateStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Superseded => "superseded",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Active,
            Self::Superseded,
            Self::Revoked,
            Self::Suspended,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Who pays a renewal (SPEC §5 step 5). Free and organisation-paid renewals have no payment
/// step; when the holder pays, step 5 offers the ways in [`PaymentMethod`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    /// Nothing to pay.
    Free,
    /// The organisation pays (e.g. through payroll, seed 000).
    Organisation,
    /// The holder pays at step 5: shop, coupon, RAO or prepaid account.
    Holder,
}

impl PaymentMode {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Organisation => "organisation",
            Self::Holder => "holder",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Free, Self::Organisation, Self::Holder]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How a holder pays at step 5 (seeds 002 and 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// The shop: card or PayPal (settled at once), or bank transfer (pending until settled).
    Shop,
    /// A coupon from the organisation or a distributor.
    Coupon,
    /// A registration-office operator verifies with their own credentials.
    Rao,
    /// A prepaid account's credit.
    Prepaid,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [Self::Shop, Self::Coupon, Self::Rao, Self::Prepaid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shop => "shop",
            Self::Coupon => "coupon",
            Self::Rao => "rao",
            Self::Prepaid => "prepaid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_user_id_is_prefix_and_number() {
        assert_eq!(UserId::parse(" jzlf001 ").unwrap().as_str(), "JZLF001");
        for bad in ["JZLF", "001", "J001", "JZLF001X", "JZ LF001", ""] {
            assert!(UserId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_and_mobile_shapes() {
        assert!(Email::parse("mario.rossi@example.it").is_ok());
        for bad in ["mario", "@example.it", "a@b", "a b@c.it", "a@.it"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Mobile::parse("333 123 4567").unwrap().as_str(),
            "+393331234567"
        );
        assert_eq!(
            Mobile::parse("0039 333 1234567").unwrap().as_str(),
            "+393331234567"
        );
        assert!(Mobile::parse("12").is_err());
        assert_eq!(
            Mobile::parse("+393331234567").unwrap().masked(),
            "••• ••• 4567"
        );
    }
}
