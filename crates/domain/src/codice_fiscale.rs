//! The Italian tax code (codice fiscale): 16 characters whose last is a check character.

use crate::DomainError;
use std::fmt;

/// A codice fiscale whose shape and check character are valid. Omocodia (digits replaced by
/// letters L–V) is accepted, as the Agenzia delle Entrate issues such codes.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CodiceFiscale(String);

/// Values of characters in odd positions (1st, 3rd, …), per DM 12/03/1974.
const ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Omocodia substitutes for the digits 0–9.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";

impl CodiceFiscale {
    /// Parses and checks a codice fiscale; spaces are ignored and letters upper-cased.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = s.as_bytes();
        if b.len() != 16 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(DomainError::InvalidCodiceFiscale);
        }
        // Shape: 6 letters, 2 digits, letter (month), 2 digits, letter, 3 digits, check letter;
        // digit places may hold omocodia letters.
        let digit_place = |c: u8| c.is_ascii_digit() || OMOCODIA.contains(&c);
        let shape_ok = b[..6].iter().all(u8::is_ascii_alphabetic)
            && b[6..8].iter().all(|&c| digit_place(c))
            && b"ABCDEHLMPRST".contains(&b[8])
            && b[9..11].iter().all(|&c| digit_place(c))
            && b[11].is_ascii_alphabetic()
            && b[12..15].iter().all(|&c| digit_place(c))
            && b[15].is_ascii_alphabetic();
        if !shape_ok || Self::check_char(&b[..15]) != b[15] {
            return Err(DomainError::InvalidCodiceFiscale);
        }
        Ok(Self(s))
    }

    /// Completes the first 15 characters with their check character (test and demo data).
    pub fn complete(first15: &str) -> Result<Self, DomainError> {
        let upper = first15.to_ascii_uppercase();
        if upper.len() != 15 || !upper.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::InvalidCodiceFiscale);
        }
        let check = Self::check_char(upper.as_bytes()) as char;
        Self::parse(&format!("{upper}{check}"))
    }

    /// The check character of the first 15 characters.
    fn check_char(first15: &[u8]) -> u8 {
        let sum: u32 = first15
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                // Digits count as the letter of the same index (0 → A, 1 → B, …).
                let idx = if c.is_ascii_digit() {
                    c - b'0'
                } else {
                    c - b'A'
                } as usize;
                if i % 2 == 0 { ODD[idx] } else { idx as u32 }
            })
            .sum();
        b'A' + (sum % 26) as u8
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodiceFiscale({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_codes_with_check_character() {
        // Well-known published examples.
        for cf in [
            "RSSMRA85T10A562S",
            "MRTMTT25D09F205Z",
            "rssmra85t10a562s",
            "RSSMRA85T10A56NH",
        ] {
            assert!(CodiceFiscale::parse(cf).is_ok(), "{cf}");
        }
    }

    #[test]
    fn complete_adds_the_check_character() {
        assert_eq!(
            CodiceFiscale::complete("RSSMRA85T10A562").unwrap().as_str(),
            "RSSMRA85T10A562S"
        );
    }

    #[test]
    fn rejects_wrong_check_character_and_shape() {
        for cf in [
            "RSSMRA85T10A562T",
            "RSSMRA85T10A562",
            "RSSMRA85Z10A562S",
            "1SSMRA85T10A562S",
            "",
        ] {
            assert_eq!(
                CodiceFiscale::parse(cf),
                Err(DomainError::InvalidCodiceFiscale),
                "{cf}"
            );
        }
    }
}
