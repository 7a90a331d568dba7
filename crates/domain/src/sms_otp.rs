//! SMS one-time codes (SPEC O1): single-use, short-lived, bound to the one operation they were
//! sent for, limited in attempts and in resends.

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The operation a code is for; its text is named in the SMS (O1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose(String);

impl Purpose {
    /// A code for one step of one renewal, e.g. `renewal:<id>:sign`.
    pub fn renewal(renewal_id: &str, step: &str) -> Self {
        Self(format!("renewal:{renewal_id}:{step}"))
    }

    /// A code confirming one pending change of contact data (SPEC §5 step 2).
    pub fn contact_change(change_id: &str) -> Self {
        Self(format!("contact:{change_id}"))
    }

    /// A code proving the registered mobile during an access recovery (SPEC A2).
    pub fn recovery(recovery_id: &str) -> Self {
        Self(format!("recovery:{recovery_id}"))
    }

    /// A code authorising signatures with one remote-signature credential (the CSC API's
    /// `credentials/sendOTP`, issue 22).
    pub fn signing(credential_id: &str) -> Self {
        Self(format!("signing:{credential_id}"))
    }

    /// Wraps a stored purpose.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Limits of SMS codes.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsOtpPolicy {
    pub digits: u32,
    pub ttl_seconds: i64,
    pub max_attempts: u32,
    /// Codes sent for one operation within `send_window_seconds` of the last one; past it a
    /// fresh count starts. A code voided by a wrong PIN is not counted (the holder needs a new
    /// one through no abuse of theirs).
    pub max_sends: u32,
    pub resend_after_seconds: i64,
    #[serde(default = "default_send_window")]
    pub send_window_seconds: i64,
}

fn default_send_window() -> i64 {
    900
}

impl Default for SmsOtpPolicy {
    fn default() -> Self {
        Self {
            digits: 6,
            ttl_seconds: 300,
            max_attempts: 3,
            max_sends: 5,
            resend_after_seconds: 30,
            send_window_seconds: default_send_window(),
        }
    }
}

/// One code sent for one operation, as stored (the code itself only as a salted hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub purpose: Purpose,
    pub code_hash: Vec<u8>,
    pub expires_at: Timestamp,
    pub attempts: u32,
    pub sends: u32,
    pub last_sent_at: Timestamp,
    pub consumed: bool,
}

/// Why a code was refused or could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    #[error("wrong code; {remaining} attempts left")]
    Wrong { remaining: u32 },
    #[error("the code has expired")]
    Expired,
    #[error("too many wrong codes; ask for a new one")]
    TooManyAttempts,
    #[error("the code was already used")]
    AlreadyUsed,
    #[error("no code was sent for this operation")]
    NotRequested,
    #[error("wait {seconds} seconds before asking for another code")]
    ResendTooSoon { seconds: u32 },
    #[error("too many codes sent; try again in {minutes} minutes")]
    TooManySends { minutes: u32 },
}

impl OtpError {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Wrong { .. } => "RNV-OTP-001",
            Self::Expired => "RNV-OTP-002",
            Self::TooManyAttempts => "RNV-OTP-003",
            Self::AlreadyUsed => "RNV-OTP-004",
            Self::NotRequested => "RNV-OTP-005",
            Self::ResendTooSoon { .. } => "RNV-OTP-006",
            Self::TooManySends { .. } => "RNV-OTP-007",
        }
    }
}

/// The salted hash under which a code is stored.
pub fn hash_code(challenge_id: &str, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(challenge_id.as_bytes());
    h.update([0]);
    h.update(code.trim().as_bytes());
    h.finalize().to_vec()
}

/// Turns random bytes into a code of `digits` digits (bias below 10^-9 for 8 random bytes).
pub fn code_from_random(random: [u8; 8], digits: u32) -> String {
    let n = u64::from_be_bytes(random) % 10u64.pow(digits.min(12));
    format!("{n:0width$}", width = digits as usize)
}

impl Challenge {
    /// A fresh challenge for `purpose`; `code` is what the SMS carries.
    pub fn new(id: String, purpose: Purpose, code: &str, now: Timestamp, p: &SmsOtpPolicy) -> Self {
        Self {
            code_hash: hash_code(&id, code),
            id,
            purpose,
            expires_at: now + SignedDuration::from_secs(p.ttl_seconds),
            attempts: 0,
            sends: 1,
            last_sent_at: now,
            consumed: false,
        }
    }

    /// A resend replaces the code and its expiry. Sends are counted (O1: limited) within the
    /// policy's window; a code spent without success (voided by a wrong PIN), or one the holder
    /// never `received` (its SMS not delivered), does not count its replacement. A refusal says
    /// how long to wait.
    pub fn resend(
        &self,
        code: &str,
        now: Timestamp,
        p: &SmsOtpPolicy,
        received: bool,
    ) -> Result<Self, OtpError> {
        let wait_until = |secs: i64| self.last_sent_at + SignedDuration::from_secs(secs);
        let window_over = now >= wait_until(p.send_window_seconds);
        let voided = self.consumed || !received;
        if !voided && !window_over && self.sends >= p.max_sends {
            let left = wait_until(p.send_window_seconds)
                .duration_since(now)
                .as_secs();
            return Err(OtpError::TooManySends {
                minutes: u32::try_from((left + 59) / 60).unwrap_or(u32::MAX).max(1),
            });
        }
        if now < wait_until(p.resend_after_seconds) {
            let left = wait_until(p.resend_after_seconds)
                .duration_since(now)
                .as_secs();
            return Err(OtpError::ResendTooSoon {
                seconds: u32::try_from(left).unwrap_or(u32::MAX).max(1),
            });
        }
        let sends = if window_over {
            1
        } else if voided {
            self.sends
        } else {
            self.sends + 1
        };
        Ok(Self {
            code_hash: hash_code(&self.id, code),
            expires_at: now + SignedDuration::from_secs(p.ttl_seconds),
            attempts: 0,
            sends,
            last_sent_at: now,
            consumed: false,
            ..self.clone()
        })
    }

    /// Checks a typed code for `purpose`. Returns the challenge to persist whatever the outcome
    /// (a wrong attempt counts), and the verdict.
    pub fn verify(
        &self,
        purpose: &Purpose,
        code: &str,
        now: Timestamp,
        p: &SmsOtpPolicy,
    ) -> (Self, Result<(), OtpError>) {
        let mut next = self.clone();
        if purpose != &self.purpose {
            return (next, Err(OtpError::NotRequested));
        }
        if self.consumed {
            return (next, Err(OtpError::AlreadyUsed));
        }
        if self.attempts >= p.max_attempts {
            return (next, Err(OtpError::TooManyAttempts));
        }
        if now >= self.expires_at {
            return (next, Err(OtpError::Expired));
        }
        next.attempts += 1;
        if bool::from(hash_code(&self.id, code).ct_eq(&self.code_hash)) {
            next.consumed = true;
            (next, Ok(()))
        } else if next.attempts >= p.max_attempts {
            (next, Err(OtpError::TooManyAttempts))
        } else {
            let remaining = p.max_attempts - next.attempts;
            (next, Err(OtpError::Wrong { remaining }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn challenge() -> (Challenge, Purpose, SmsOtpPolicy) {
        let p = SmsOtpPolicy::default();
        let purpose = Purpose::renewal("r1", "sign");
        (
            Challenge::new("c1".into(), purpose.clone(), "123456", at(0), &p),
            purpose,
            p,
        )
    }

    #[test]
    fn o1_single_use() {
        let (c, purpose, p) = challenge();
        let (c, ok) = c.verify(&purpose, "123456", at(10), &p);
        assert_eq!(ok, Ok(()));
        assert_eq!(
            c.verify(&purpose, "123456", at(11), &p).1,
            Err(OtpError::AlreadyUsed)
        );
    }

    #[test]
    fn o1_short_lived() {
        let (c, purpose, p) = challenge();
        assert_eq!(
            c.verify(&purpose, "123456", at(300), &p).1,
            Err(OtpError::Expired)
        );
        assert_eq!(c.verify(&purpose, "123456", at(299), &p).1, Ok(()));
    }

    #[test]
    fn o1_bound_to_its_operation() {
        let (c, _, p) = challenge();
        let other = Purpose::renewal("r1", "activate");
        assert_eq!(
            c.verify(&other, "123456", at(1), &p).1,
            Err(OtpError::NotRequested)
        );
    }

    #[test]
    fn o1_attempts_are_limited() {
        let (c, purpose, p) = challenge();
        let (c, r) = c.verify(&purpose, "000000", at(1), &p);
        assert_eq!(r, Err(OtpError::Wrong { remaining: 2 }));
        let (c, r) = c.verify(&purpose, "000001", at(2), &p);
        assert_eq!(r, Err(OtpError::Wrong { remaining: 1 }));
        let (c, r) = c.verify(&purpose, "000002", at(3), &p);
        assert_eq!(r, Err(OtpError::TooManyAttempts));
        // Even the right code is refused now.
        assert_eq!(
            c.verify(&purpose, "123456", at(4), &p).1,
            Err(OtpError::TooManyAttempts)
        );
    }

    #[test]
    fn o1_resends_are_limited_and_spaced_and_say_when_to_retry() {
        let (c, purpose, p) = challenge();
        assert_eq!(
            c.resend("222222", at(5), &p, true),
            Err(OtpError::ResendTooSoon { seconds: 25 })
        );
        let c2 = c.resend("222222", at(30), &p, true).unwrap();
        assert_eq!(
            c2.verify(&purpose, "123456", at(31), &p).1,
            Err(OtpError::Wrong { remaining: 2 })
        );
        let mut last = c2;
        for (i, t) in [60, 90, 120].into_iter().enumerate() {
            last = last.resend(&format!("33333{i}"), at(t), &p, true).unwrap();
        }
        assert_eq!(last.sends, 5);
        // The sixth within the window is refused, with the minutes left until it ends.
        assert_eq!(
            last.resend("444444", at(150), &p, true),
            Err(OtpError::TooManySends { minutes: 15 })
        );
        assert_eq!(
            last.resend("444444", at(120 + 900 - 61), &p, true),
            Err(OtpError::TooManySends { minutes: 2 })
        );
        // After the window a fresh count starts.
        let fresh = last.resend("555555", at(120 + 900), &p, true).unwrap();
        assert_eq!(fresh.sends, 1);
    }

    #[test]
    fn o1_a_code_never_delivered_is_replaced_without_counting() {
        let (c, _, p) = challenge();
        let mut c = c;
        for i in 1..=10 {
            c = c.resend("123456", at(i * 40), &p, false).unwrap();
            assert_eq!(c.sends, 1, "resend {i}");
        }
    }

    #[test]
    fn o1_a_code_voided_by_a_wrong_pin_is_replaced_without_counting() {
        let (c, purpose, p) = challenge();
        let mut c = c;
        for i in 0..10 {
            // The code is right (spent), then the PIN was wrong: the holder needs a new one.
            let (spent, r) = c.verify(&purpose, "123456", at(i * 40 + 1), &p);
            assert_eq!(r, Ok(()));
            c = spent.resend("123456", at(i * 40 + 40), &p, true).unwrap();
            assert_eq!(c.sends, 1, "try {i}");
        }
    }

    #[test]
    fn codes_are_zero_padded_digits() {
        assert_eq!(code_from_random([0; 8], 6), "000000");
        assert_eq!(code_from_random([255; 8], 6).len(), 6);
    }
}
