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

/// The CPU pool's threads run at a lower priority than the request path (nice
/// `CPU_POOL_NICE`), as the kernel reports it for the thread that ran the job.
#[tokio::test]
async fn the_cpu_pool_yields_to_the_request_path() {
    let nice = rinnova_app::util::blocking(|| {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = stat.rsplit_once(')').unwrap().1;
        // Fields from the third (state) on; nice is the 19th.
        after_name
            .split_whitespace()
            .nth(16)
            .unwrap()
            .parse::<i32>()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(nice, rinnova_app::util::CPU_POOL_NICE);
}
