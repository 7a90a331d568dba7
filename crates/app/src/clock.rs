//! The system clock adapter: the one place that reads the wall clock.

use jiff::Timestamp;
use rinnova_domain::Clock;

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "this adapter is the Clock port's implementation"
    )]
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock shifted by a fixed offset from the system clock: lets the demo and tests put the
/// whole server at another instant (e.g. the last day of a window).
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock(pub jiff::SignedDuration);

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        SystemClock.now() + self.0
    }
}
