//! Prepaid accounts (SPEC §5 step 5, seed 004): two purses, *Diritti* (pays CNS renewals) and
//! *Tariffa* (every other kind), kept as a ledger of movements. Credit is reserved when the
//! request is made, debited only when the renewal succeeds, released if it fails; not enough
//! available credit stops the request.
//!
//! The ledger is append-only: a balance is always the sum of its movements, so an audit can
//! recompute it, and a repeated step finds its own movement instead of adding a second one.

use crate::money::Money;
use crate::{CertificateKind, RenewalId};

/// Which purse pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purse {
    /// Diritti: CNS renewals.
    Diritti,
    /// Tariffa: every other kind.
    Tariffa,
}

impl Purse {
    pub fn for_kind(kind: CertificateKind) -> Purse {
        match kind {
            CertificateKind::Cns => Purse::Diritti,
            CertificateKind::RemoteSignature | CertificateKind::CardSignature => Purse::Tariffa,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Diritti => "diritti",
            Self::Tariffa => "tariffa",
        }
    }

    pub fn parse(s: &str) -> Option<Purse> {
        [Self::Diritti, Self::Tariffa]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// What a ledger line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// Money paid into the purse.
    TopUp,
    /// Held for a renewal in progress.
    Reserve,
    /// The held amount is taken: the renewal succeeded.
    Debit,
    /// The held amount is given back: the renewal failed or was cancelled.
    Release,
}

impl Movement {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TopUp => "top_up",
            Self::Reserve => "reserve",
            Self::Debit => "debit",
            Self::Release => "release",
        }
    }

    pub fn parse(s: &str) -> Option<Movement> {
        [Self::TopUp, Self::Reserve, Self::Debit, Self::Release]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One line of an account's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub purse: Purse,
    pub movement: Movement,
    pub amount: Money,
    /// The renewal a reservation, debit or release belongs to.
    pub renewal: Option<RenewalId>,
}

/// Why the prepaid account cannot pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrepaidError {
    #[error("not enough credit on the prepaid account")]
    InsufficientCredit { available: Money, needed: Money },
    #[error("nothing is reserved for this renewal")]
    NothingReserved,
}

impl PrepaidError {
    pub fn code(self) -> &'static str {
        match self {
            Self::InsufficientCredit { .. } => "RNV-PRE-001",
            Self::NothingReserved => "RNV-PRE-002",
        }
    }
}

/// Where a renewal's reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    None,
    Open(Purse, Money),
    Debited(Purse, Money),
    Released(Purse, Money),
}

/// An account's ledger, read-only: the rules compute what to append.
#[derive(Debug, Clone, Copy)]
pub struct Ledger<'a>(pub &'a [Entry]);

impl Ledger<'_> {
    /// Money in the purse: top-ups minus debits.
    pub fn balance(&self, purse: Purse) -> i64 {
        self.sum(purse, Movement::TopUp) - self.sum(purse, Movement::Debit)
    }

    /// Money in the purse not held for a renewal in progress.
    pub fn available(&self, purse: Purse) -> i64 {
        let open: i64 = self
            .0
            .iter()
            .filter(|e| e.purse == purse && e.movement == Movement::Reserve)
            .filter_map(|e| e.renewal.as_ref())
            .map(|r| match self.hold(r) {
                Hold::Open(_, m) => m.cents(),
                _ => 0,
            })
            .sum();
        self.balance(purse) - open
    }

    fn sum(&self, purse: Purse, movement: Movement) -> i64 {
        self.0
            .iter()
            .filter(|e| e.purse == purse && e.movement == movement)
            .map(|e| e.amount.cents())
            .sum()
    }

    /// The reservation of `renewal`, if any, and what became of it.
    pub fn hold(&self, renewal: &RenewalId) -> Hold {
        let mine = || {
            self.0
                .iter()
                .filter(|e| e.renewal.as_ref() == Some(renewal))
        };
        let Some(reserve) = mine().find(|e| e.movement == Movement::Reserve) else {
            return Hold::None;
        };
        let (purse, amount) = (reserve.purse, reserve.amount);
        if mine().any(|e| e.movement == Movement::Debit) {
            Hold::Debited(purse, amount)
        } else if mine().any(|e| e.movement == Movement::Release) {
            Hold::Released(purse, amount)
        } else {
            Hold::Open(purse, amount)
        }
    }

    /// The line that reserves `amount` for `renewal` of `kind`; None when it is already
    /// reserved or debited (a repeated request changes nothing).
    pub fn reserve(
        &self,
        renewal: &RenewalId,
        kind: CertificateKind,
        amount: Money,
    ) -> Result<Option<Entry>, PrepaidError> {
        match self.hold(renewal) {
            Hold::Open(..) | Hold::Debited(..) => return Ok(None),
            Hold::None | Hold::Released(..) => {}
        }
        let purse = Purse::for_kind(kind);
        let available = self.available(purse);
        if available < amount.cents() {
            return Err(PrepaidError::InsufficientCredit {
                available: Money::from_cents(available).unwrap_or(Money::ZERO),
                needed: amount,
            });
        }
        Ok(Some(Entry {
            purse,
            movement: Movement::Reserve,
            amount,
            renewal: Some(renewal.clone()),
        }))
    }

    /// The line that debits the reservation of a renewal that succeeded; None if already done.
    pub fn debit(&self, renewal: &RenewalId) -> Result<Option<Entry>, PrepaidError> {
        self.close(renewal, Movement::Debit)
    }

    /// The line that gives back the reservation of a renewal that failed; None if nothing is
    /// held any more.
    pub fn release(&self, renewal: &RenewalId) -> Result<Option<Entry>, PrepaidError> {
        match self.hold(renewal) {
            Hold::None | Hold::Released(..) | Hold::Debited(..) => Ok(None),
            Hold::Open(..) => self.close(renewal, Movement::Release),
        }
    }

    fn close(
        &self,
        renewal: &RenewalId,
        movement: Movement,
    ) -> Result<Option<Entry>, PrepaidError> {
        match self.hold(renewal) {
            Hold::Open(purse, amount) => Ok(Some(Entry {
                purse,
                movement,
                amount,
                renewal: Some(renewal.clone()),
            })),
            Hold::Debited(..) if movement == Movement::Debit => Ok(None),
            _ => Err(PrepaidError::NothingReserved),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(c: i64) -> Money {
        Money::from_cents(c).unwrap()
    }

    fn top_up(purse: Purse, cents: i64) -> Entry {
        Entry {
            purse,
            movement: Movement::TopUp,
            amount: m(cents),
            renewal: None,
        }
    }

    #[test]
    fn cns_renewals_take_from_diritti_the_others_from_tariffa() {
        assert_eq!(Purse::for_kind(CertificateKind::Cns), Purse::Diritti);
        assert_eq!(
            Purse::for_kind(CertificateKind::CardSignature),
            Purse::Tariffa
        );
        assert_eq!(
            Purse::for_kind(CertificateKind::RemoteSignature),
            Purse::Tariffa
        );
    }

    #[test]
    fn reserve_then_debit_on_success() {
        let mut ledger = vec![top_up(Purse::Tariffa, 10_000), top_up(Purse::Diritti, 500)];
        let kind = CertificateKind::RemoteSignature;
        let e = Ledger(&ledger)
            .reserve(&"r1".into(), kind, m(4_880))
            .unwrap()
            .unwrap();
        ledger.push(e);
        assert_eq!(
            Ledger(&ledger).balance(Purse::Tariffa),
            10_000,
            "not debited yet"
        );
        assert_eq!(Ledger(&ledger).available(Purse::Tariffa), 5_120);
        // Asking again reserves nothing more.
        assert_eq!(
            Ledger(&ledger).reserve(&"r1".into(), kind, m(4_880)),
            Ok(None)
        );
        let d = Ledger(&ledger).debit(&"r1".into()).unwrap().unwrap();
        ledger.push(d);
        assert_eq!(Ledger(&ledger).balance(Purse::Tariffa), 5_120);
        assert_eq!(Ledger(&ledger).available(Purse::Tariffa), 5_120);
        assert_eq!(
            Ledger(&ledger).debit(&"r1".into()),
            Ok(None),
            "debited once only"
        );
        assert_eq!(
            Ledger(&ledger).release(&"r1".into()),
            Ok(None),
            "a debit is final"
        );
        assert_eq!(
            Ledger(&ledger).available(Purse::Diritti),
            500,
            "other purse untouched"
        );
    }

    #[test]
    fn release_on_failure_gives_the_credit_back() {
        let mut ledger = vec![top_up(Purse::Diritti, 3_000)];
        let e = Ledger(&ledger)
            .reserve(&"r1".into(), CertificateKind::Cns, m(2_500))
            .unwrap()
            .unwrap();
        ledger.push(e);
        assert_eq!(Ledger(&ledger).available(Purse::Diritti), 500);
        let r = Ledger(&ledger).release(&"r1".into()).unwrap().unwrap();
        ledger.push(r);
        assert_eq!(Ledger(&ledger).available(Purse::Diritti), 3_000);
        assert_eq!(
            Ledger(&ledger).debit(&"r1".into()),
            Err(PrepaidError::NothingReserved)
        );
        assert_eq!(Ledger(&ledger).release(&"r1".into()), Ok(None));
    }

    #[test]
    fn not_enough_credit_stops_with_what_is_available() {
        let mut ledger = vec![top_up(Purse::Tariffa, 6_000)];
        let kind = CertificateKind::CardSignature;
        let e = Ledger(&ledger)
            .reserve(&"r1".into(), kind, m(4_000))
            .unwrap()
            .unwrap();
        ledger.push(e);
        assert_eq!(
            Ledger(&ledger).reserve(&"r2".into(), kind, m(4_000)),
            Err(PrepaidError::InsufficientCredit {
                available: m(2_000),
                needed: m(4_000)
            })
        );
        assert_eq!(
            Ledger(&[]).debit(&"r9".into()),
            Err(PrepaidError::NothingReserved)
        );
    }
}
