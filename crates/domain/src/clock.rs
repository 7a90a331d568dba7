//! The one port through which rinnova learns the time.

use jiff::Timestamp;

/// Where "now" comes from. Adapters implement it with the system clock; tests with a fixed or
/// moving instant.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// A clock that always answers the same instant (tests, benches, replay).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}
