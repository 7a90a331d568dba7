//! Money in integer euro cents, VAT, and the price of a renewal (SPEC §5 step 5, seed 002: the
//! shop's order is already set to the product and price of the certificate's kind).
//!
//! No floating point anywhere: amounts are cents, rates are basis points, and rounding is
//! half-up on the cent, as on an Italian invoice.

use crate::CertificateKind;
use serde::{Deserialize, Serialize};

/// A non-negative amount of euro cents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// An amount out of range (negative, or beyond what anyone will pay for a certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct MoneyOutOfRange;

impl Money {
    pub const ZERO: Money = Money(0);
    /// A million euro: far above any price, far below overflow.
    const MAX_CENTS: i64 = 100_000_000;

    pub fn from_cents(cents: i64) -> Result<Money, MoneyOutOfRange> {
        if (0..=Self::MAX_CENTS).contains(&cents) {
            Ok(Money(cents))
        } else {
            Err(MoneyOutOfRange)
        }
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// An amount written in euro: digits, then optionally a point and one or two digits of
    /// cents (`100`, `100.00`, `5.5`). Anything else, or out of range: an error.
    pub fn parse(text: &str) -> Result<Money, MoneyOutOfRange> {
        Money::from_cents(parse_cents(text).ok_or(MoneyOutOfRange)?)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyOutOfRange> {
        Money::from_cents(self.0 + other.0)
    }

    /// `self - other`, or an error when that would be negative.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyOutOfRange> {
        Money::from_cents(self.0 - other.0)
    }

    /// `self - other`, stopping at zero (a discount never makes a price negative).
    pub fn saturating_sub(self, other: Money) -> Money {
        Money((self.0 - other.0).max(0))
    }

    /// `self × bp / 10 000`, rounded half-up to the cent.
    pub fn times_basis_points(self, bp: u32) -> Money {
        let product = i128::from(self.0) * i128::from(bp);
        // Both factors are bounded (MAX_CENTS, and rates ≤ 100 %), so the quotient fits.
        Money(i64::try_from((product + 5_000) / 10_000).unwrap_or(Self::MAX_CENTS))
    }

    /// "48,80 €" in Italian, "€48.80" in English.
    pub fn display(self, lang: &str) -> String {
        let (euros, cents) = (self.0 / 100, self.0 % 100);
        let mut grouped = String::new();
        let digits = euros.to_string();
        let sep = if lang == "en" { ',' } else { '.' };
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(sep);
            }
            grouped.push(c);
        }
        if lang == "en" {
            format!("€{grouped}.{cents:02}")
        } else {
            format!("{grouped},{cents:02} €")
        }
    }
}

/// Euro written as `123`, `123.4` or `123.45`, in cents; `None` for anything else (a comma
/// too: statements and the command line write a point).
pub fn parse_cents(text: &str) -> Option<i64> {
    let t = text.trim();
    let (units, frac) = t.split_once('.').unwrap_or((t, ""));
    if units.is_empty()
        || !units.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    units.checked_mul(100)?.checked_add(frac)
}

/// A VAT rate in basis points (22 % = 2 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct VatRate(u32);

impl VatRate {
    /// The ordinary Italian rate.
    pub const IT_STANDARD: VatRate = VatRate(2_200);

    pub fn basis_points(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for VatRate {
    type Error = MoneyOutOfRange;
    fn try_from(bp: u32) -> Result<Self, Self::Error> {
        if bp <= 10_000 {
            Ok(VatRate(bp))
        } else {
            Err(MoneyOutOfRange)
        }
    }
}

impl From<VatRate> for u32 {
    fn from(r: VatRate) -> u32 {
        r.0
    }
}

/// What an order costs: net, VAT on the net, and their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
    pub vat_rate: VatRate,
}

impl Price {
    /// The price of `net` at `rate`: VAT is computed on the net and rounded half-up.
    pub fn of_net(net: Money, rate: VatRate) -> Price {
        let vat = net.times_basis_points(rate.0);
        Price {
            net,
            vat,
            gross: Money(net.0 + vat.0),
            vat_rate: rate,
        }
    }
}

/// The shop's price list: the net price of a renewal per certificate kind, and the VAT rate
/// (configured; seed 002 shows the product already chosen for the holder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PriceList {
    pub remote_signature: Money,
    pub card_signature: Money,
    pub cns: Money,
    pub vat_rate: VatRate,
}

impl Default for PriceList {
    fn default() -> Self {
        Self {
            remote_signature: Money(4_000),
            card_signature: Money(3_500),
            cns: Money(2_500),
            vat_rate: VatRate::IT_STANDARD,
        }
    }
}

impl PriceList {
    /// The net price of renewing a certificate of `kind`.
    pub fn net(&self, kind: CertificateKind) -> Money {
        match kind {
            CertificateKind::RemoteSignature => self.remote_signature,
            CertificateKind::CardSignature => self.card_signature,
            CertificateKind::Cns => self.cns,
        }
    }

    /// The full price before any promo code.
    pub fn price(&self, kind: CertificateKind) -> Price {
        Price::of_net(self.net(kind), self.vat_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_from_euro_text() {
        assert_eq!(Money::parse("100").map(Money::cents), Ok(10_000));
        assert_eq!(Money::parse(" 100.5 ").map(Money::cents), Ok(10_050));
        assert_eq!(Money::parse("5.05").map(Money::cents), Ok(505));
        for bad in ["", "-5", "5,05", "5.005", "1e3", ".5", "abc", "2000000"] {
            assert!(Money::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_cents("5."), Some(500), "the cents may be left out");
    }

    fn m(c: i64) -> Money {
        Money::from_cents(c).unwrap()
    }

    #[test]
    fn money_is_never_negative_nor_absurd() {
        assert_eq!(Money::from_cents(-1), Err(MoneyOutOfRange));
        assert_eq!(Money::from_cents(100_000_001), Err(MoneyOutOfRange));
        assert_eq!(m(500).checked_sub(m(501)), Err(MoneyOutOfRange));
        assert_eq!(m(500).saturating_sub(m(501)), Money::ZERO);
        assert_eq!(m(500).checked_add(m(1)), Ok(m(501)));
    }

    #[test]
    fn vat_is_rounded_half_up_on_the_cent() {
        // 22 % of 40,00 € = 8,80 €.
        let p = Price::of_net(m(4_000), VatRate::IT_STANDARD);
        assert_eq!((p.vat, p.gross), (m(880), m(4_880)));
        // 22 % of 0,25 € = 0,055 € → 0,06 €; of 0,02 € = 0,0044 € → 0,00 €.
        assert_eq!(m(25).times_basis_points(2_200), m(6));
        assert_eq!(m(2).times_basis_points(2_200), m(0));
        // Net + VAT is always the gross exactly.
        for net in 0..2_000 {
            let p = Price::of_net(m(net), VatRate::IT_STANDARD);
            assert_eq!(p.net.cents() + p.vat.cents(), p.gross.cents());
        }
    }

    #[test]
    fn amounts_read_as_each_language_writes_them() {
        assert_eq!(m(4_880).display("it"), "48,80 €");
        assert_eq!(m(4_880).display("en"), "€48.80");
        assert_eq!(m(1_234_567).display("it"), "12.345,67 €");
        assert_eq!(m(1_234_567).display("en"), "€12,345.67");
        assert_eq!(m(5).display("it"), "0,05 €");
    }

    #[test]
    fn the_price_list_sets_the_product_by_kind() {
        let list = PriceList::default();
        assert_eq!(list.price(CertificateKind::RemoteSignature).gross, m(4_880));
        assert_eq!(list.net(CertificateKind::Cns), m(2_500));
        assert!(VatRate::try_from(10_001).is_err());
    }
}
