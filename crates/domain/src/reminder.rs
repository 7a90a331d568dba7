//! Renewal reminders (SPEC N1): from 60 days before expiry, one e-mail per certificate per
//! threshold (default 60, 30, 15, 7 and 1 days left), each exactly once, none once the
//! certificate is renewed, and a last notice when the window has closed.
//!
//! The rule only decides; the sweep that applies it records each reminder in the same
//! transaction as its outbox message, so a crash never sends one twice nor loses one.

use crate::window::{CertificateFacts, NotRenewable, WindowPolicy, assess};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reminder {
    /// This many days (or fewer) are left to renew.
    DaysLeft(u32),
    /// The window has closed: a new certificate is needed.
    WindowClosed,
}

impl Reminder {
    /// The stored name: `days-60`, `closed`.
    pub fn key(self) -> String {
        match self {
            Self::DaysLeft(d) => format!("days-{d}"),
            Self::WindowClosed => "closed".into(),
        }
    }
}

/// The thresholds, in days left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct ReminderPolicy {
    pub days: Vec<u32>,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self {
            days: vec![60, 30, 15, 7, 1],
        }
    }
}

/// What to send now for one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The reminder to send.
    pub send: Reminder,
    /// Earlier thresholds passed unsent (the service was down, or the certificate was issued
    /// late in its window): recorded as done without an e-mail, so that a stale "60 days left"
    /// never follows a "7 days left".
    pub skip: Vec<Reminder>,
}

/// The reminder due for a certificate at `now`, given those already recorded.
pub fn due(
    facts: &CertificateFacts,
    window: &WindowPolicy,
    policy: &ReminderPolicy,
    recorded: &[Reminder],
    now: Timestamp,
) -> Option<Due> {
    match assess(facts, window, now) {
        Ok(r) => {
            let left = u32::try_from(r.days_left).ok()?;
            let mut reached: Vec<u32> =
                policy.days.iter().copied().filter(|&t| left <= t).collect();
            reached.sort_unstable();
            reached.dedup();
            let (&most_urgent, earlier) = reached.split_first()?;
            let send = Reminder::DaysLeft(most_urgent);
            if recorded.contains(&send) {
                return None;
            }
            Some(Due {
                send,
                skip: earlier
                    .iter()
                    .map(|&t| Reminder::DaysLeft(t))
                    .filter(|r| !recorded.contains(r))
                    .collect(),
            })
        }
        // The last notice, once, also if the certificate expired while the service was down.
        Err(NotRenewable::WindowClosed | NotRenewable::Expired)
            if !recorded.contains(&Reminder::WindowClosed) =>
        {
            Some(Due {
                send: Reminder::WindowClosed,
                skip: policy
                    .days
                    .iter()
                    .map(|&t| Reminder::DaysLeft(t))
                    .filter(|r| !recorded.contains(r))
                    .collect(),
            })
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CertificateKind, CertificateStatus};

    fn rome(s: &str) -> Timestamp {
        format!("{s}[Europe/Rome]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    fn facts(status: CertificateStatus) -> CertificateFacts {
        CertificateFacts {
            kind: CertificateKind::RemoteSignature,
            status,
            // Expires on 15 March 2027 (Rome), late in the day.
            not_after: rome("2027-03-15T22:00"),
            device_expires_at: None,
            renewals_on_device: 0,
        }
    }

    fn at(day: &str, recorded: &[Reminder]) -> Option<Due> {
        due(
            &facts(CertificateStatus::Active),
            &WindowPolicy::default(),
            &ReminderPolicy::default(),
            recorded,
            rome(&format!("{day}T09:00")),
        )
    }

    #[test]
    fn n1_each_threshold_once_from_sixty_days() {
        // 61 days left: nothing yet. 60: the first reminder.
        assert_eq!(at("2027-01-13", &[]), None);
        let first = at("2027-01-14", &[]).unwrap();
        assert_eq!(first.send, Reminder::DaysLeft(60));
        assert!(first.skip.is_empty());
        // Recorded: nothing more until 30 days left.
        let sent = [Reminder::DaysLeft(60)];
        assert_eq!(at("2027-01-20", &sent), None);
        assert_eq!(
            at("2027-02-13", &sent).unwrap().send,
            Reminder::DaysLeft(30)
        );
        // The last day (1 day left) is the 1-day reminder.
        let all_but_last: Vec<_> = [60, 30, 15, 7].map(Reminder::DaysLeft).to_vec();
        assert_eq!(
            at("2027-03-14", &all_but_last).unwrap().send,
            Reminder::DaysLeft(1)
        );
    }

    #[test]
    fn n1_missed_thresholds_are_skipped_not_sent_late() {
        let d = at("2027-03-09", &[Reminder::DaysLeft(60)]).unwrap();
        assert_eq!(d.send, Reminder::DaysLeft(7));
        assert_eq!(d.skip, vec![Reminder::DaysLeft(15), Reminder::DaysLeft(30)]);
    }

    #[test]
    fn n1_last_notice_when_the_window_closes_and_none_after_renewal() {
        // The window closed at the midnight that began 15 March.
        let d = at("2027-03-15", &[]).unwrap();
        assert_eq!(d.send, Reminder::WindowClosed);
        assert_eq!(d.skip.len(), 5);
        assert_eq!(at("2027-03-15", &[Reminder::WindowClosed]), None);
        // Expired while the service was down: the notice still goes, once.
        assert_eq!(at("2027-04-01", &[]).unwrap().send, Reminder::WindowClosed);
        // Renewed: nothing, whatever the date.
        for day in ["2027-02-13", "2027-03-15"] {
            let renewed = due(
                &facts(CertificateStatus::Superseded),
                &WindowPolicy::default(),
                &ReminderPolicy::default(),
                &[],
                rome(&format!("{day}T09:00")),
            );
            assert_eq!(renewed, None, "{day}");
        }
    }

    #[test]
    fn n1_days_count_rome_dates_across_the_dst_night() {
        // Clocks go forward on 28 March 2027; a certificate expiring on 4 April has 7 days left
        // on 28 March at 00:30 Rome time as at 23:30.
        let f = CertificateFacts {
            not_after: rome("2027-04-04T12:00"),
            ..facts(CertificateStatus::Active)
        };
        let sent: Vec<_> = [60, 30, 15].map(Reminder::DaysLeft).to_vec();
        for time in ["2027-03-28T00:30", "2027-03-28T23:30"] {
            let d = due(
                &f,
                &WindowPolicy::default(),
                &ReminderPolicy::default(),
                &sent,
                rome(time),
            )
            .unwrap();
            assert_eq!(d.send, Reminder::DaysLeft(7), "{time}");
        }
        assert_eq!(Reminder::DaysLeft(7).key(), "days-7");
        assert_eq!(Reminder::WindowClosed.key(), "closed");
    }
}
