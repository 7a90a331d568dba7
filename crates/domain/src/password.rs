//! The portal password policy (SPEC A2: a new password "must meet a stated policy"). Stated to
//! the holder as: 10 to 128 characters, with letters and digits, not containing the user-id,
//! name or codice fiscale, not a common password, and different from the current one (checked
//! by the caller, who holds the hash).

/// Shortest accepted password.
pub const MIN_LEN: usize = 10;
/// Longest accepted password (bounds the hashing work).
pub const MAX_LEN: usize = 128;

/// Why a new password is refused; each has its own message for the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("shorter than {MIN_LEN} characters")]
    TooShort,
    #[error("longer than {MAX_LEN} characters")]
    TooLong,
    #[error("needs letters and digits")]
    NeedsLettersAndDigits,
    #[error("contains the user-id, name or codice fiscale")]
    Personal,
    #[error("a common password")]
    Common,
    #[error("the two passwords differ")]
    Mismatch,
    #[error("the same as the current password")]
    Unchanged,
}

impl WeakPassword {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "RNV-PWD-001",
            Self::TooLong => "RNV-PWD-002",
            Self::NeedsLettersAndDigits => "RNV-PWD-003",
            Self::Personal => "RNV-PWD-004",
            Self::Common => "RNV-PWD-005",
            Self::Mismatch => "RNV-PWD-006",
            Self::Unchanged => "RNV-PWD-007",
        }
    }
}

/// Words that make a password guessable whatever digits follow them.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "abcdef",
    "abcdefghij",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "administrator",
    "changeme",
    "rinnova",
    "firma",
    "firmadigitale",
    "firmaremota",
    "certificato",
    "benvenuto",
    "ciao",
    "amore",
    "juventus",
    "napoli",
    "milan",
    "inter",
    "roma",
    "lazio",
    "forzaitalia",
    "italia",
    "segreto",
    "passwordsegreta",
    "aruba",
    "pec",
    "spid",
];

/// Checks `new` (typed twice) against the policy; `personal` are the holder's user-id, names
/// and codice fiscale.
pub fn check(new: &str, again: &str, personal: &[&str]) -> Result<(), WeakPassword> {
    if new != again {
        return Err(WeakPassword::Mismatch);
    }
    let chars = new.chars().count();
    if chars < MIN_LEN {
        return Err(WeakPassword::TooShort);
    }
    if chars > MAX_LEN {
        return Err(WeakPassword::TooLong);
    }
    if !new.chars().any(char::is_alphabetic) || !new.chars().any(|c| c.is_ascii_digit()) {
        return Err(WeakPassword::NeedsLettersAndDigits);
    }
    let lower = new.to_lowercase();
    if personal
        .iter()
        .map(|p| p.trim().to_lowercase())
        .filter(|p| p.chars().count() >= 3)
        .any(|p| lower.contains(&p))
    {
        return Err(WeakPassword::Personal);
    }
    // Leading/trailing digits and symbols added to a common word do not make it strong.
    let core: String = lower
        .trim_matches(|c: char| !c.is_alphabetic())
        .chars()
        .collect();
    if COMMON.contains(&core.as_str())
        || lower.chars().all(|c| c.is_ascii_digit())
        || is_sequence(&lower)
    {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

/// A keyboard or alphabet run such as `abcd1234` or `1234567890`.
fn is_sequence(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2)
        .all(|w| w[1] == w[0] + 1 || (w[0].is_ascii_alphabetic() && w[1].is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &[&str] = &["JZLF001", "Mario", "Rossi", "RSSMRA85T10A562E"];

    #[test]
    fn a2_policy_accepts_strong_and_names_each_refusal() {
        assert_eq!(
            check("Tramonto-sul-Po-2026", "Tramonto-sul-Po-2026", ME),
            Ok(())
        );
        assert_eq!(check("velluto7orizzonte", "velluto7orizzonte", ME), Ok(()));
        let refused = |p: &str| check(p, p, ME).unwrap_err();
        assert_eq!(refused("corta1"), WeakPassword::TooShort);
        assert_eq!(refused(&"a1".repeat(65)), WeakPassword::TooLong);
        assert_eq!(
            refused("solamentelettere"),
            WeakPassword::NeedsLettersAndDigits
        );
        assert_eq!(refused("12345678901"), WeakPassword::NeedsLettersAndDigits);
        assert_eq!(refused("mario1985rossi"), WeakPassword::Personal);
        assert_eq!(refused("xJZLF001xyz9"), WeakPassword::Personal);
        assert_eq!(refused("Password2026!"), WeakPassword::Common);
        assert_eq!(refused("2026juventus"), WeakPassword::Common);
        assert_eq!(refused("abcdefgh12"), WeakPassword::Common);
        assert_eq!(
            check("Tramonto-sul-Po-2026", "Tramonto-sul-Po-2025", ME),
            Err(WeakPassword::Mismatch)
        );
        // Characters, not bytes: ten accented letters and a digit pass the length rule.
        assert_eq!(check("èèèèèèèèè1", "èèèèèèèèè1", ME), Ok(()));
    }
}
