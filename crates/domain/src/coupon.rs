//! Coupons (SPEC §5 step 5, seed 002): codes handed out by an organisation or a distributor,
//! valid for one certificate kind and for the issuer's own holders or certificates, expiring,
//! used exactly once.
//!
//! A code is 12 random characters of Crockford's base-32 alphabet (no I, L, O, U: nothing to
//! misread) and a check character by the Luhn mod N algorithm, which catches every single
//! mistyped character and every swap of two neighbours except `0`↔`Z`. It is shown in groups of
//! four: `7KQ2-M9XD-4T8R-J`.

use crate::CertificateKind;
use jiff::Timestamp;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PAYLOAD: usize = 12;

/// A well-formed coupon code (its check character is right).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CouponCode(String);

fn value(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Luhn mod 32 sum over `chars` (values), doubling every second one from the right, starting
/// with the rightmost when `double_first`.
fn luhn_sum(values: impl DoubleEndedIterator<Item = u32>, double_first: bool) -> u32 {
    let mut double = double_first;
    let mut sum = 0;
    for v in values.rev() {
        let addend = if double { v * 2 } else { v };
        sum += addend / 32 + addend % 32;
        double = !double;
    }
    sum
}

fn check_char(payload: &[u8]) -> Option<u8> {
    let values: Option<Vec<u32>> = payload.iter().map(|&c| value(c)).collect();
    let sum = luhn_sum(values?.into_iter(), true);
    ALPHABET
        .get(usize::try_from((32 - sum % 32) % 32).ok()?)
        .copied()
}

/// Why a typed coupon code is not a code at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this is not a valid coupon code: check it and type it again")]
pub struct MalformedCoupon;

impl CouponCode {
    /// A new code from 8 random bytes (60 bits are used).
    pub fn from_random(bytes: [u8; 8]) -> CouponCode {
        let mut n = u64::from_le_bytes(bytes);
        let mut code = Vec::with_capacity(PAYLOAD + 1);
        for _ in 0..PAYLOAD {
            // Masking to 5 bits keeps the index inside the 32-entry alphabet.
            code.push(ALPHABET[(n & 31) as usize]);
            n >>= 5;
        }
        if let Some(c) = check_char(&code) {
            code.push(c);
        }
        CouponCode(code.into_iter().map(char::from).collect())
    }

    /// Reads what a holder typed: case, spaces and dashes do not matter, and the letters
    /// people confuse with digits (O, I, L) are read as the digits.
    pub fn parse(typed: &str) -> Result<CouponCode, MalformedCoupon> {
        let mut code = Vec::with_capacity(PAYLOAD + 1);
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let b = u8::try_from(c).map_err(|_| MalformedCoupon)?;
            value(b).ok_or(MalformedCoupon)?;
            code.push(b);
        }
        let Some((&check, payload)) = code.split_last() else {
            return Err(MalformedCoupon);
        };
        if payload.len() != PAYLOAD || check_char(payload) != Some(check) {
            return Err(MalformedCoupon);
        }
        Ok(CouponCode(code.into_iter().map(char::from).collect()))
    }

    /// The canonical form, as stored (13 characters, no dashes).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Groups of four for people: `7KQ2-M9XD-4T8R-J`.
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(16);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }
}

/// Who handed a coupon out: its holders or certificates are the only ones it renews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponIssuer {
    Organisation(String),
    Distributor(String),
}

/// A coupon as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    pub code: CouponCode,
    pub issuer: CouponIssuer,
    pub kind: CertificateKind,
    pub expires_at: Timestamp,
    /// The renewal that used it.
    pub used_by: Option<String>,
}

/// Why a coupon cannot pay this renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CouponError {
    #[error("this is not a valid coupon code")]
    Malformed,
    #[error("unknown coupon")]
    Unknown,
    #[error("the coupon has already been used")]
    AlreadyUsed,
    #[error("the coupon has expired")]
    Expired,
    #[error("the coupon is for another kind of certificate")]
    WrongKind,
    #[error("the coupon was not issued for this certificate")]
    WrongIssuer,
}

impl CouponError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "RNV-CPN-001",
            Self::Unknown => "RNV-CPN-002",
            Self::AlreadyUsed => "RNV-CPN-003",
            Self::Expired => "RNV-CPN-004",
            Self::WrongKind => "RNV-CPN-005",
            Self::WrongIssuer => "RNV-CPN-006",
        }
    }
}

impl From<MalformedCoupon> for CouponError {
    fn from(_: MalformedCoupon) -> Self {
        CouponError::Malformed
    }
}

/// What the renewal being paid is: its kind, the holder's organisation, and the distributor
/// that sold the certificate.
#[derive(Debug, Clone, Copy)]
pub struct CouponUse<'a> {
    pub kind: CertificateKind,
    pub organisation: Option<&'a str>,
    pub distributor: Option<&'a str>,
    /// The renewal paying: using the coupon again for the same renewal is not a second use.
    pub renewal: &'a str,
}

impl Coupon {
    /// Whether this coupon pays `what` at `now`.
    pub fn check(&self, what: &CouponUse<'_>, now: Timestamp) -> Result<(), CouponError> {
        match &self.used_by {
            Some(r) if r == what.renewal => return Ok(()),
            Some(_) => return Err(CouponError::AlreadyUsed),
            None => {}
        }
        if now >= self.expires_at {
            return Err(CouponError::Expired);
        }
        if self.kind != what.kind {
            return Err(CouponError::WrongKind);
        }
        let ours = match &self.issuer {
            CouponIssuer::Organisation(o) => what.organisation == Some(o.as_str()),
            CouponIssuer::Distributor(d) => what.distributor == Some(d.as_str()),
        };
        if !ours {
            return Err(CouponError::WrongIssuer);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CouponCode {
        CouponCode::from_random([0x9d, 0x41, 0x07, 0xee, 0x5a, 0x13, 0xc8, 0x22])
    }

    #[test]
    fn generated_codes_parse_back_in_any_typing() {
        for seed in 0u64..500 {
            let code =
                CouponCode::from_random(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
            assert_eq!(code.as_str().len(), 13);
            assert_eq!(CouponCode::parse(code.as_str()).unwrap(), code);
            assert_eq!(CouponCode::parse(&code.display()).unwrap(), code);
            let sloppy = code.display().to_lowercase().replace('-', " ");
            assert_eq!(CouponCode::parse(&sloppy).unwrap(), code);
        }
        assert_eq!(sample().display().len(), 16);
    }

    #[test]
    fn every_single_typo_is_caught() {
        for seed in 0u64..50 {
            let code = CouponCode::from_random((seed * 7919 + 13).to_le_bytes());
            let bytes = code.as_str().as_bytes();
            for i in 0..bytes.len() {
                for &other in ALPHABET {
                    if other == bytes[i] {
                        continue;
                    }
                    let mut typo = bytes.to_vec();
                    typo[i] = other;
                    let typo = String::from_utf8(typo).unwrap();
                    assert_eq!(CouponCode::parse(&typo), Err(MalformedCoupon), "{typo}");
                }
            }
        }
    }

    #[test]
    fn swapped_neighbours_are_caught_except_zero_and_z() {
        for seed in 0u64..200 {
            let code = CouponCode::from_random((seed * 104_729 + 1).to_le_bytes());
            let bytes = code.as_str().as_bytes();
            for i in 0..bytes.len() - 1 {
                let (a, b) = (bytes[i], bytes[i + 1]);
                if a == b || (a == b'0' && b == b'Z') || (a == b'Z' && b == b'0') {
                    continue;
                }
                let mut swapped = bytes.to_vec();
                swapped.swap(i, i + 1);
                let swapped = String::from_utf8(swapped).unwrap();
                assert_eq!(
                    CouponCode::parse(&swapped),
                    Err(MalformedCoupon),
                    "{swapped}"
                );
            }
        }
    }

    #[test]
    fn malformed_input_is_refused() {
        assert_eq!(CouponCode::parse(""), Err(MalformedCoupon));
        assert_eq!(CouponCode::parse("ABCD"), Err(MalformedCoupon));
        assert_eq!(CouponCode::parse("ABCD-EFGH-JKMN-PQ"), Err(MalformedCoupon));
        assert_eq!(CouponCode::parse("ÀBCD-EFGH-JKMN-P"), Err(MalformedCoupon));
        assert_eq!(CouponCode::parse("UUUU-UUUU-UUUU-U"), Err(MalformedCoupon));
    }

    fn coupon(issuer: CouponIssuer) -> Coupon {
        Coupon {
            code: sample(),
            issuer,
            kind: CertificateKind::RemoteSignature,
            expires_at: "2027-01-01T00:00:00Z".parse().unwrap(),
            used_by: None,
        }
    }

    #[test]
    fn a_coupon_pays_once_for_its_kind_and_issuer_before_it_expires() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let mine = CouponUse {
            kind: CertificateKind::RemoteSignature,
            organisation: Some("org-1"),
            distributor: None,
            renewal: "r1",
        };
        let c = coupon(CouponIssuer::Organisation("org-1".into()));
        assert_eq!(c.check(&mine, now), Ok(()));
        let other_org = CouponUse {
            organisation: Some("org-2"),
            ..mine
        };
        assert_eq!(c.check(&other_org, now), Err(CouponError::WrongIssuer));
        let cns = CouponUse {
            kind: CertificateKind::Cns,
            ..mine
        };
        assert_eq!(c.check(&cns, now), Err(CouponError::WrongKind));
        assert_eq!(
            c.check(&mine, "2027-01-01T00:00:00Z".parse().unwrap()),
            Err(CouponError::Expired)
        );
        let used = Coupon {
            used_by: Some("r1".into()),
            ..c.clone()
        };
        assert_eq!(
            used.check(&mine, now),
            Ok(()),
            "the same renewal again: idempotent"
        );
        let second = CouponUse {
            renewal: "r2",
            ..mine
        };
        assert_eq!(used.check(&second, now), Err(CouponError::AlreadyUsed));

        let d = coupon(CouponIssuer::Distributor("shop-7".into()));
        let sold_by = CouponUse {
            distributor: Some("shop-7"),
            organisation: None,
            ..mine
        };
        assert_eq!(d.check(&sold_by, now), Ok(()));
        assert_eq!(d.check(&mine, now), Err(CouponError::WrongIssuer));
    }
}
