//! The use cases end to end, without HTTP: one test binary (link time matters on 2 cores).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

mod approval;
mod audit;
mod card;
mod contact;
mod crl;
mod desk;
mod ending;
mod i18n;
mod payment;
mod payroll;
mod prepaid;
mod rao;
mod recovery;
mod reminders;
mod renewal;
mod shop;
mod sign;
