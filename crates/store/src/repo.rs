//! Repositories: one module per table family. Every function takes a connection, so callers
//! compose them inside one transaction.

pub mod audit;
pub mod ca;
pub mod card_renewals;
pub mod cdrl;
pub mod certificates;
pub mod coupons;
pub mod csc;
pub mod holders;
pub mod otp;
pub mod outbox;
pub mod payments;
pub mod payroll;
pub mod prepaid;
pub mod rao;
pub mod recovery;
pub mod reminders;
pub mod renewals;
pub mod revocation;
pub mod service_keys;
pub mod sessions;
pub mod shop;
