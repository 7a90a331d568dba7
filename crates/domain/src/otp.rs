//! Hardware and app tokens: HOTP (RFC 4226) and TOTP (RFC 6238), with a drift window,
//! resynchronisation and replay protection (SPEC O2).
//!
//! The HMAC is RustCrypto's; this file holds only the RFCs' truncation and the acceptance rules.

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use subtle::ConstantTimeEq;

/// The HMAC behind a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha512]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// Event-based (HOTP) or time-based (TOTP, with the step in seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Hotp,
    Totp { step_seconds: u64 },
}

/// A token's settings and what the server remembers of it between codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    pub kind: TokenKind,
    pub algorithm: Algorithm,
    pub digits: u32,
    /// The highest counter (HOTP) or time step (TOTP) accepted so far: never accepted again.
    pub last_counter: Option<u64>,
    /// TOTP: steps the token's clock runs ahead (+) or behind (−), learnt by resynchronisation.
    pub drift_steps: i64,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("wrong code")]
    Wrong,
    #[error("code already used")]
    Replayed,
    #[error("codes must be digits of the token's length")]
    Malformed,
}

/// HOTP value of `counter` (RFC 4226 §5.3), as a number below 10^digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32, algorithm: Algorithm) -> u32 {
    let msg = counter.to_be_bytes();
    let mac: Vec<u8> = match algorithm {
        Algorithm::Sha1 => mac_of::<Hmac<sha1::Sha1>>(secret, &msg),
        Algorithm::Sha256 => mac_of::<Hmac<sha2::Sha256>>(secret, &msg),
        Algorithm::Sha512 => mac_of::<Hmac<sha2::Sha512>>(secret, &msg),
    };
    // Dynamic truncation: the low nibble of the last byte picks 4 bytes, top bit cleared.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    bin % 10u32.pow(digits.min(9))
}

fn mac_of<M: Mac + hmac::digest::KeyInit>(secret: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    match <M as hmac::digest::KeyInit>::new_from_slice(secret) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => vec![0; 20],
    }
}

/// The code as typed: zero-padded to `digits`.
pub fn format_code(value: u32, digits: u32) -> String {
    format!("{value:0width$}", width = digits as usize)
}

/// The TOTP time step of `now` (RFC 6238 §4: T0 = 0).
pub fn time_step(now: Timestamp, step_seconds: u64) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0) / step_seconds.max(1)
}

/// How far from the expected counter a code is looked for.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// HOTP: codes ahead of the next expected counter that are accepted (button pressed
    /// without logging in).
    pub hotp_look_ahead: u64,
    /// TOTP: steps either side of the current one accepted (clock drift, typing time).
    pub totp_steps: u64,
    /// Resynchronisation: how far two consecutive codes are looked for.
    pub resync_range: u64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            hotp_look_ahead: 10,
            totp_steps: 1,
            resync_range: 100,
        }
    }
}

impl TokenState {
    fn parse_code(&self, code: &str) -> Result<String, TokenError> {
        let code = code.trim();
        if code.len() == self.digits as usize && code.bytes().all(|c| c.is_ascii_digit()) {
            Ok(code.to_owned())
        } else {
            Err(TokenError::Malformed)
        }
    }

    fn matches(&self, secret: &[u8], counter: u64, code: &str) -> bool {
        let expected = format_code(
            hotp(secret, counter, self.digits, self.algorithm),
            self.digits,
        );
        bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
    }

    /// The counters tried for a code at `now`, in order.
    fn candidates(&self, now: Timestamp, tol: &Tolerance) -> Vec<u64> {
        match self.kind {
            TokenKind::Hotp => {
                let next = self.last_counter.map_or(0, |c| c + 1);
                (next..=next + tol.hotp_look_ahead).collect()
            }
            TokenKind::Totp { step_seconds } => {
                let t = time_step(now, step_seconds) as i64 + self.drift_steps;
                let w = tol.totp_steps as i64;
                (t - w..=t + w)
                    .filter(|&c| c >= 0)
                    .map(|c| c as u64)
                    .collect()
            }
        }
    }

    /// Checks a code; on success returns the new state to persist (the used counter can never be
    /// accepted again).
    pub fn verify(
        &self,
        secret: &[u8],
        code: &str,
        now: Timestamp,
        tol: &Tolerance,
    ) -> Result<TokenState, TokenError> {
        let code = self.parse_code(code)?;
        let hit = self
            .candidates(now, tol)
            .into_iter()
            .find(|&c| self.matches(secret, c, &code));
        match hit {
            Some(c) if self.last_counter.is_some_and(|last| c <= last) => Err(TokenError::Replayed),
            Some(c) => Ok(TokenState {
                last_counter: Some(c),
                ..self.clone()
            }),
            None => {
                // A code equal to an already-used one is a replay, not a typo: say so.
                let used = self.last_counter.is_some_and(|last| {
                    (last.saturating_sub(tol.totp_steps)..=last)
                        .any(|c| self.matches(secret, c, &code))
                });
                Err(if used {
                    TokenError::Replayed
                } else {
                    TokenError::Wrong
                })
            }
        }
    }

    /// Resynchronises a token that drifted beyond the normal window: two consecutive codes are
    /// looked for within `resync_range` of the expected counter; on success the state follows the
    /// token (RFC 4226 §7.4, RFC 6238 §6).
    pub fn resync(
        &self,
        secret: &[u8],
        first: &str,
        second: &str,
        now: Timestamp,
        tol: &Tolerance,
    ) -> Result<TokenState, TokenError> {
        let (first, second) = (self.parse_code(first)?, self.parse_code(second)?);
        let range = tol.resync_range as i64;
        let (base, drift_of): (i64, Box<dyn Fn(i64) -> i64>) = match self.kind {
            TokenKind::Hotp => (
                self.last_counter.map_or(0, |c| c as i64 + 1),
                Box::new(|_| 0),
            ),
            TokenKind::Totp { step_seconds } => {
                let t = time_step(now, step_seconds) as i64;
                (t, Box::new(move |c| c - t))
            }
        };
        let lowest = match self.kind {
            TokenKind::Hotp => base,
            TokenKind::Totp { .. } => base - range,
        };
        for c in lowest.max(0)..=base + range {
            let c_u = c as u64;
            if self.last_counter.is_some_and(|last| c_u <= last) {
                continue;
            }
            if self.matches(secret, c_u, &first) && self.matches(secret, c_u + 1, &second) {
                // The token's "now" is the second code's counter.
                return Ok(TokenState {
                    last_counter: Some(c_u + 1),
                    drift_steps: drift_of(c + 1),
                    ..self.clone()
                });
            }
        }
        Err(TokenError::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED20: &[u8] = b"12345678901234567890";

    #[test]
    fn o2_hotp_rfc4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(
                hotp(SEED20, counter as u64, 6, Algorithm::Sha1),
                want,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn o2_totp_rfc6238_appendix_b() {
        let seed32 = b"12345678901234567890123456789012";
        let seed64 = b"1234567890123456789012345678901234567890123456789012345678901234";
        let rows: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, sha1, sha256, sha512) in rows {
            let step = time_step(Timestamp::from_second(t).unwrap(), 30);
            assert_eq!(
                format_code(hotp(SEED20, step, 8, Algorithm::Sha1), 8),
                sha1,
                "t={t}"
            );
            assert_eq!(
                format_code(hotp(seed32, step, 8, Algorithm::Sha256), 8),
                sha256,
                "t={t}"
            );
            assert_eq!(
                format_code(hotp(seed64, step, 8, Algorithm::Sha512), 8),
                sha512,
                "t={t}"
            );
        }
    }

    fn totp_state() -> TokenState {
        TokenState {
            kind: TokenKind::Totp { step_seconds: 30 },
            algorithm: Algorithm::Sha1,
            digits: 6,
            last_counter: None,
            drift_steps: 0,
        }
    }

    fn code_at(counter: u64) -> String {
        format_code(hotp(SEED20, counter, 6, Algorithm::Sha1), 6)
    }

    #[test]
    fn o2_totp_accepts_one_step_of_drift_and_never_twice() {
        let tol = Tolerance::default();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let t = time_step(now, 30);
        let s = totp_state();
        let s2 = s.verify(SEED20, &code_at(t - 1), now, &tol).unwrap();
        assert_eq!(s2.last_counter, Some(t - 1));
        assert_eq!(
            s2.verify(SEED20, &code_at(t - 1), now, &tol),
            Err(TokenError::Replayed)
        );
        let s3 = s2.verify(SEED20, &code_at(t + 1), now, &tol).unwrap();
        // The current step is now older than the last accepted one: refused.
        assert_eq!(
            s3.verify(SEED20, &code_at(t), now, &tol),
            Err(TokenError::Replayed)
        );
        assert_eq!(
            s.verify(SEED20, &code_at(t + 2), now, &tol),
            Err(TokenError::Wrong)
        );
        assert_eq!(
            s.verify(SEED20, "12345", now, &tol),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn o2_totp_resync_learns_drift() {
        let tol = Tolerance::default();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let t = time_step(now, 30);
        let s = totp_state();
        // The token's clock runs 20 steps (10 minutes) ahead.
        assert_eq!(
            s.verify(SEED20, &code_at(t + 20), now, &tol),
            Err(TokenError::Wrong)
        );
        let s2 = s
            .resync(SEED20, &code_at(t + 20), &code_at(t + 21), now, &tol)
            .unwrap();
        assert_eq!(s2.drift_steps, 21);
        // 30 s later the token shows t+22: accepted thanks to the learnt drift.
        let later = Timestamp::from_second(1_800_000_030).unwrap();
        assert!(s2.verify(SEED20, &code_at(t + 22), later, &tol).is_ok());
        // Two codes that are not consecutive do not resync.
        assert!(
            s.resync(SEED20, &code_at(t + 20), &code_at(t + 22), now, &tol)
                .is_err()
        );
    }

    #[test]
    fn o2_hotp_look_ahead_resync_and_replay() {
        let tol = Tolerance::default();
        let now = Timestamp::from_second(0).unwrap();
        let s = TokenState {
            kind: TokenKind::Hotp,
            ..totp_state()
        };
        let s1 = s.verify(SEED20, &code_at(3), now, &tol).unwrap();
        assert_eq!(s1.last_counter, Some(3));
        assert_eq!(
            s1.verify(SEED20, &code_at(3), now, &tol),
            Err(TokenError::Replayed)
        );
        assert_eq!(
            s1.verify(SEED20, &code_at(50), now, &tol),
            Err(TokenError::Wrong)
        );
        let s2 = s1
            .resync(SEED20, &code_at(50), &code_at(51), now, &tol)
            .unwrap();
        assert_eq!(s2.last_counter, Some(51));
        assert!(s2.verify(SEED20, &code_at(52), now, &tol).is_ok());
    }
}
