//! Promo codes of the shop (SPEC §5 step 5, seed 002): a percent or fixed discount on the net
//! price, valid between two instants, for some or all certificate kinds, up to a number of uses.

use crate::CertificateKind;
use crate::money::{Money, Price, PriceList};
use jiff::Timestamp;

/// How much a promo code takes off the net price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// Basis points of the net price (10 % = 1 000), 1..=10 000.
    Percent(u32),
    /// A fixed amount; the net price never goes below zero.
    Fixed(Money),
}

/// A promo code as configured by the CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoCode {
    /// Upper-case letters and digits.
    pub code: String,
    pub discount: Discount,
    pub valid_from: Timestamp,
    pub valid_until: Timestamp,
    /// None: every kind.
    pub kind: Option<CertificateKind>,
    /// None: unlimited.
    pub max_uses: Option<u32>,
    pub uses: u32,
}

/// Why a promo code does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PromoError {
    #[error("unknown promo code")]
    Unknown,
    #[error("the promo code is not valid yet")]
    NotYetValid,
    #[error("the promo code has expired")]
    Expired,
    #[error("the promo code has been used up")]
    UsedUp,
    #[error("the promo code is not valid for this certificate")]
    WrongKind,
    #[error("invalid discount")]
    InvalidDiscount,
    #[error("a promo code with this name exists already")]
    Exists,
}

impl PromoError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "RNV-PAY-001",
            Self::NotYetValid => "RNV-PAY-002",
            Self::Expired => "RNV-PAY-003",
            Self::UsedUp => "RNV-PAY-004",
            Self::WrongKind => "RNV-PAY-005",
            Self::InvalidDiscount => "RNV-PAY-006",
            Self::Exists => "RNV-PAY-007",
        }
    }
}

/// Normalises what a holder typed: spaces and dashes dropped, upper case. None if anything
/// else than letters and digits remains, or nothing at all.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!code.is_empty() && code.len() <= 32 && code.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(code)
}

impl PromoCode {
    /// Checks the discount itself (at creation).
    pub fn validate(&self) -> Result<(), PromoError> {
        match self.discount {
            Discount::Percent(bp) if bp == 0 || bp > 10_000 => Err(PromoError::InvalidDiscount),
            Discount::Fixed(m) if m == Money::ZERO => Err(PromoError::InvalidDiscount),
            _ if self.valid_until <= self.valid_from => Err(PromoError::InvalidDiscount),
            _ => Ok(()),
        }
    }

    /// The price of renewing a certificate of `kind` with this code at `now`. The discount
    /// applies to the net price; VAT is computed on what remains.
    pub fn apply(
        &self,
        prices: &PriceList,
        kind: CertificateKind,
        now: Timestamp,
    ) -> Result<Price, PromoError> {
        self.validate()?;
        if now < self.valid_from {
            return Err(PromoError::NotYetValid);
        }
        if now >= self.valid_until {
            return Err(PromoError::Expired);
        }
        if self.kind.is_some_and(|k| k != kind) {
            return Err(PromoError::WrongKind);
        }
        if self.max_uses.is_some_and(|max| self.uses >= max) {
            return Err(PromoError::UsedUp);
        }
        let net = prices.net(kind);
        let off = match self.discount {
            Discount::Percent(bp) => net.times_basis_points(bp),
            Discount::Fixed(m) => m,
        };
        Ok(Price::of_net(net.saturating_sub(off), prices.vat_rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn promo(discount: Discount) -> PromoCode {
        PromoCode {
            code: "WELCOME10".into(),
            discount,
            valid_from: ts("2026-11-01T00:00:00Z"),
            valid_until: ts("2026-12-01T00:00:00Z"),
            kind: None,
            max_uses: Some(2),
            uses: 0,
        }
    }

    const NOW: &str = "2026-11-23T10:00:00Z";

    #[test]
    fn percent_and_fixed_discounts_come_off_the_net_then_vat() {
        let prices = PriceList::default();
        let p = promo(Discount::Percent(1_000))
            .apply(&prices, CertificateKind::RemoteSignature, ts(NOW))
            .unwrap();
        // 40,00 − 10 % = 36,00 net; VAT 7,92; 43,92.
        assert_eq!(
            (p.net.cents(), p.vat.cents(), p.gross.cents()),
            (3_600, 792, 4_392)
        );
        let fixed = Discount::Fixed(Money::from_cents(5_000).unwrap());
        let p = promo(fixed)
            .apply(&prices, CertificateKind::RemoteSignature, ts(NOW))
            .unwrap();
        assert_eq!(
            p.gross,
            Money::ZERO,
            "a discount never makes a price negative"
        );
    }

    #[test]
    fn validity_window_kind_and_uses_are_enforced() {
        let prices = PriceList::default();
        let kind = CertificateKind::RemoteSignature;
        let p = promo(Discount::Percent(1_000));
        assert_eq!(
            p.apply(&prices, kind, ts("2026-10-31T23:59:59Z")),
            Err(PromoError::NotYetValid)
        );
        // The end instant is excluded.
        assert_eq!(
            p.apply(&prices, kind, ts("2026-12-01T00:00:00Z")),
            Err(PromoError::Expired)
        );
        let only_cns = PromoCode {
            kind: Some(CertificateKind::Cns),
            ..p.clone()
        };
        assert_eq!(
            only_cns.apply(&prices, kind, ts(NOW)),
            Err(PromoError::WrongKind)
        );
        let used = PromoCode { uses: 2, ..p };
        assert_eq!(used.apply(&prices, kind, ts(NOW)), Err(PromoError::UsedUp));
    }

    #[test]
    fn nonsense_discounts_are_refused() {
        assert!(promo(Discount::Percent(0)).validate().is_err());
        assert!(promo(Discount::Percent(10_001)).validate().is_err());
        assert!(promo(Discount::Fixed(Money::ZERO)).validate().is_err());
        assert!(promo(Discount::Percent(10_000)).validate().is_ok());
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise(" welcome-10 ").as_deref(), Some("WELCOME10"));
        assert_eq!(normalise("sconto%"), None);
        assert_eq!(normalise("  "), None);
    }
}
