//! When a certificate can be renewed (SPEC W1–W4).
//!
//! The window is a pair of midnights in the CA's time zone, Europe/Rome: it opens at the midnight
//! that begins the day `opens_days_before` days before the expiry date (W1) and closes at the
//! midnight that begins the expiry date (W2). Working on civil dates, not on 24-hour multiples,
//! keeps both edges right across daylight-saving changes.

use crate::holder::{CertificateKind, CertificateStatus};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

/// The CA's time zone.
pub fn ca_time_zone() -> TimeZone {
    // The bundled database always has it (jiff feature `tzdb-bundle-always`); UTC is a
    // defensive fallback that cannot happen with that feature.
    TimeZone::get("Europe/Rome").unwrap_or(TimeZone::UTC)
}

/// How long before expiry the window opens, per certificate kind (W1: default 90 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowPolicy {
    pub remote_signature_days: i32,
    pub card_days: i32,
}

impl Default for WindowPolicy {
    fn default() -> Self {
        Self {
            remote_signature_days: 90,
            card_days: 90,
        }
    }
}

impl WindowPolicy {
    /// Days before the expiry date at which the window of this kind opens.
    pub fn days_before(&self, kind: CertificateKind) -> i32 {
        match kind {
            CertificateKind::RemoteSignature => self.remote_signature_days,
            CertificateKind::CardSignature | CertificateKind::Cns => self.card_days,
        }
    }
}

/// What the window rules need to know of a certificate.
#[derive(Debug, Clone)]
pub struct CertificateFacts {
    pub kind: CertificateKind,
    pub status: CertificateStatus,
    pub not_after: Timestamp,
    /// End of life of the device holding the key (smart cards: 6 years from issue, W4).
    pub device_expires_at: Option<Timestamp>,
    /// How many times certificates on this device were renewed already (W4: once at most).
    pub renewals_on_device: u32,
}

/// Why a certificate cannot be renewed (W3). Each reason tells the holder what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotRenewable {
    /// The window is not open yet; it opens on this date.
    NotYetOpen { opens_on: Date },
    /// The window closed at the midnight that began the expiry date.
    WindowClosed,
    /// The certificate has expired.
    Expired,
    /// Revoked: a new certificate is needed.
    Revoked,
    /// Suspended: it must be reactivated or replaced first.
    Suspended,
    /// Already renewed: the new certificate replaces it.
    AlreadyRenewed,
    /// The device (smart card) holding the key has expired.
    DeviceExpired,
    /// The device was renewed once already and cannot outlive its 6 years (W4).
    DeviceRenewedOnce,
}

impl NotRenewable {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotYetOpen { .. } => "RNV-WIN-001",
            Self::WindowClosed => "RNV-WIN-002",
            Self::Expired => "RNV-WIN-003",
            Self::Revoked => "RNV-WIN-004",
            Self::Suspended => "RNV-WIN-005",
            Self::AlreadyRenewed => "RNV-WIN-006",
            Self::DeviceExpired => "RNV-WIN-007",
            Self::DeviceRenewedOnce => "RNV-WIN-008",
        }
    }

    /// The stored name of a reason that ends a renewal under way (SPEC W2/W3). A window not open
    /// yet never ends one, so it has none.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::NotYetOpen { .. } => return None,
            Self::WindowClosed => "window_closed",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
            Self::AlreadyRenewed => "already_renewed",
            Self::DeviceExpired => "device_expired",
            Self::DeviceRenewedOnce => "device_renewed_once",
        })
    }

    /// The reason of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::WindowClosed,
            Self::Expired,
            Self::Revoked,
            Self::Suspended,
            Self::AlreadyRenewed,
            Self::DeviceExpired,
            Self::DeviceRenewedOnce,
        ]
        .into_iter()
        .find(|r| r.name() == Some(name))
    }

    /// Whether the holder needs a brand-new certificate from an RAO (W3), as opposed to waiting.
    pub fn needs_new_certificate(self) -> bool {
        !matches!(self, Self::NotYetOpen { .. } | Self::AlreadyRenewed)
    }
}

/// The window of one certificate, in the CA's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The expiry date, as a Rome calendar date.
    pub expiry_date: Date,
    /// First instant of renewal (W1).
    pub opens_at: Zoned,
    /// First instant when renewal is no longer possible (W2).
    pub closes_at: Zoned,
}

/// An open window, seen at one instant (W5: what the home page shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewability {
    pub window: Window,
    /// Calendar days left to renew, counting today: 1 on the last day.
    pub days_left: i32,
}

impl Window {
    /// The window of a certificate expiring at `not_after`.
    pub fn of(not_after: Timestamp, days_before: i32) -> Window {
        let tz = ca_time_zone();
        let expiry_date = not_after.to_zoned(tz.clone()).date();
        let midnight = |d: Date| d.to_zoned(tz.clone()).ok();
        // Europe/Rome never skips midnight, so these succeed; the fallbacks keep the type total.
        let closes_at = midnight(expiry_date).unwrap_or_else(|| not_after.to_zoned(tz.clone()));
        let opens_date = expiry_date
            .checked_sub(days_before.days())
            .unwrap_or(expiry_date);
        let opens_at = midnight(opens_date).unwrap_or_else(|| closes_at.clone());
        Window {
            expiry_date,
            opens_at,
            closes_at,
        }
    }
}

/// Decides whether the certificate can be renewed at `now` (W1–W4).
pub fn assess(
    facts: &CertificateFacts,
    policy: &WindowPolicy,
    now: Timestamp,
) -> Result<Renewability, NotRenewable> {
    match facts.status {
        CertificateStatus::Revoked => return Err(NotRenewable::Revoked),
        CertificateStatus::Suspended => return Err(NotRenewable::Suspended),
        CertificateStatus::Superseded => return Err(NotRenewable::AlreadyRenewed),
        CertificateStatus::Active => {}
    }
    if now >= facts.not_after {
        return Err(NotRenewable::Expired);
    }
    if facts.device_expires_at.is_some_and(|end| now >= end) {
        return Err(NotRenewable::DeviceExpired);
    }
    if facts.kind != CertificateKind::RemoteSignature && facts.renewals_on_device >= 1 {
        return Err(NotRenewable::DeviceRenewedOnce);
    }
    let window = Window::of(facts.not_after, policy.days_before(facts.kind));
    if now < window.opens_at.timestamp() {
        return Err(NotRenewable::NotYetOpen {
            opens_on: window.opens_at.date(),
        });
    }
    if now >= window.closes_at.timestamp() {
        return Err(NotRenewable::WindowClosed);
    }
    let today = now.to_zoned(ca_time_zone()).date();
    let days_left = (window.expiry_date - today).get_days();
    Ok(Renewability { window, days_left })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rome(s: &str) -> Timestamp {
        // e.g. "2026-03-29T02:30" read as Rome wall-clock time.
        let dt: jiff::civil::DateTime = s.parse().unwrap();
        dt.to_zoned(ca_time_zone()).unwrap().timestamp()
    }

    fn facts(not_after: Timestamp) -> CertificateFacts {
        CertificateFacts {
            kind: CertificateKind::RemoteSignature,
            status: CertificateStatus::Active,
            not_after,
            device_expires_at: None,
            renewals_on_device: 0,
        }
    }

    #[test]
    fn w3_every_reason_that_ends_a_renewal_has_a_stored_name() {
        let d = Date::constant(2027, 1, 18);
        assert_eq!(NotRenewable::NotYetOpen { opens_on: d }.name(), None);
        for r in [
            NotRenewable::WindowClosed,
            NotRenewable::Expired,
            NotRenewable::Revoked,
            NotRenewable::Suspended,
            NotRenewable::AlreadyRenewed,
            NotRenewable::DeviceExpired,
            NotRenewable::DeviceRenewedOnce,
        ] {
            let name = r.name().unwrap();
            assert_eq!(NotRenewable::from_name(name), Some(r), "{name}");
        }
        assert_eq!(NotRenewable::from_name("rejected"), None);
    }

    #[test]
    fn w1_window_opens_90_days_before_expiry_at_rome_midnight() {
        let f = facts(rome("2027-03-15T10:00"));
        let p = WindowPolicy::default();
        // 2027-03-15 minus 90 days = 2026-12-15.
        assert_eq!(
            assess(&f, &p, rome("2026-12-14T23:59:59")),
            Err(NotRenewable::NotYetOpen {
                opens_on: "2026-12-15".parse().unwrap()
            })
        );
        let r = assess(&f, &p, rome("2026-12-15T00:00")).unwrap();
        assert_eq!(r.days_left, 90);
    }

    #[test]
    fn w1_window_length_is_configurable_per_kind() {
        let f = facts(rome("2027-03-15T10:00"));
        let p = WindowPolicy {
            remote_signature_days: 30,
            card_days: 90,
        };
        assert!(assess(&f, &p, rome("2027-02-12T12:00")).is_err());
        assert_eq!(
            assess(&f, &p, rome("2027-02-13T00:00")).unwrap().days_left,
            30
        );
    }

    #[test]
    fn w2_window_closes_at_rome_midnight_of_expiry_date() {
        let f = facts(rome("2027-03-15T18:00"));
        let p = WindowPolicy::default();
        let last = assess(&f, &p, rome("2027-03-14T23:59:59")).unwrap();
        assert_eq!(last.days_left, 1);
        assert_eq!(
            assess(&f, &p, rome("2027-03-15T00:00")),
            Err(NotRenewable::WindowClosed)
        );
        // UTC would still say 14 March at 23:30 UTC the day before... check the edge in UTC:
        // Rome midnight of 15 March (CET, +01:00) is 23:00 UTC on 14 March.
        let utc_edge: Timestamp = "2027-03-14T23:00:00Z".parse().unwrap();
        assert_eq!(assess(&f, &p, utc_edge), Err(NotRenewable::WindowClosed));
        let before: Timestamp = "2027-03-14T22:59:59Z".parse().unwrap();
        assert!(assess(&f, &p, before).is_ok());
    }

    #[test]
    fn w2_dst_spring_forward_night() {
        // 2027-03-28: clocks go from 02:00 to 03:00 in Rome. Expiry on the 28th: the window
        // closes at 00:00 CET (+01:00) = 23:00 UTC on the 27th.
        let f = facts("2027-03-28T12:00:00Z".parse().unwrap());
        let p = WindowPolicy::default();
        assert!(assess(&f, &p, "2027-03-27T22:59:59Z".parse().unwrap()).is_ok());
        assert_eq!(
            assess(&f, &p, "2027-03-27T23:00:00Z".parse().unwrap()),
            Err(NotRenewable::WindowClosed)
        );
        // Expiry on the 29th: closes at 00:00 CEST (+02:00) = 22:00 UTC on the 28th, and the
        // 23-hour day of the 28th still counts as one calendar day.
        let f = facts("2027-03-29T12:00:00Z".parse().unwrap());
        let r = assess(&f, &p, "2027-03-27T23:30:00Z".parse().unwrap()).unwrap();
        assert_eq!(r.days_left, 1);
        assert_eq!(
            assess(&f, &p, "2027-03-28T22:00:00Z".parse().unwrap()),
            Err(NotRenewable::WindowClosed)
        );
        assert!(assess(&f, &p, "2027-03-28T21:59:59Z".parse().unwrap()).is_ok());
    }

    #[test]
    fn w2_dst_fall_back_night() {
        // 2026-10-25: clocks go from 03:00 CEST back to 02:00 CET. Expiry on the 26th closes at
        // 00:00 CET = 23:00 UTC on the 25th, after a 25-hour day.
        let f = facts("2026-10-26T09:00:00Z".parse().unwrap());
        let p = WindowPolicy::default();
        assert!(assess(&f, &p, "2026-10-25T22:59:59Z".parse().unwrap()).is_ok());
        assert_eq!(
            assess(&f, &p, "2026-10-25T23:00:00Z".parse().unwrap()),
            Err(NotRenewable::WindowClosed)
        );
        // A window opening 90 days before an expiry in winter opens at a summer-time midnight.
        let f = facts(rome("2026-11-20T10:00"));
        let w = Window::of(f.not_after, 90);
        assert_eq!(
            w.opens_at.timestamp(),
            "2026-08-21T22:00:00Z".parse().unwrap()
        );
        assert_eq!(
            w.closes_at.timestamp(),
            "2026-11-19T23:00:00Z".parse().unwrap()
        );
    }

    #[test]
    fn expiry_just_after_rome_midnight_counts_as_that_day() {
        // 00:30 Rome on 1 April is 22:30 UTC on 31 March: the expiry date is 1 April in Rome.
        let w = Window::of("2027-03-31T22:30:00Z".parse().unwrap(), 90);
        assert_eq!(w.expiry_date, "2027-04-01".parse().unwrap());
    }

    #[test]
    fn w3_expired_revoked_suspended_superseded_are_not_renewable() {
        let p = WindowPolicy::default();
        let now = rome("2027-03-01T10:00");
        let mut f = facts(rome("2027-02-28T10:00"));
        assert_eq!(assess(&f, &p, now), Err(NotRenewable::Expired));
        f.not_after = rome("2027-03-10T10:00");
        for (status, why) in [
            (CertificateStatus::Revoked, NotRenewable::Revoked),
            (CertificateStatus::Suspended, NotRenewable::Suspended),
            (CertificateStatus::Superseded, NotRenewable::AlreadyRenewed),
        ] {
            f.status = status;
            assert_eq!(assess(&f, &p, now), Err(why));
        }
        assert!(NotRenewable::Revoked.needs_new_certificate());
        assert!(!NotRenewable::AlreadyRenewed.needs_new_certificate());
    }

    #[test]
    fn w3_w4_device_expired_or_renewed_once() {
        let p = WindowPolicy::default();
        let now = rome("2027-03-01T10:00");
        let mut f = facts(rome("2027-03-10T10:00"));
        f.kind = CertificateKind::Cns;
        assert!(assess(&f, &p, now).is_ok());
        f.renewals_on_device = 1;
        assert_eq!(assess(&f, &p, now), Err(NotRenewable::DeviceRenewedOnce));
        f.renewals_on_device = 0;
        f.device_expires_at = Some(rome("2027-02-01T00:00"));
        assert_eq!(assess(&f, &p, now), Err(NotRenewable::DeviceExpired));
    }
}
