//! The administrators' subcommands, one module each (`serve` is in `server`, the card client
//! in `card`, the load generator in `rinnova-bench`), and what they share.

pub mod audit;
pub mod ca;
pub mod clients;
pub mod coupons;
pub mod demo;
pub mod keys;
pub mod organisations;
pub mod payments;
pub mod prepaid;
pub mod rao;
pub mod reminders;
pub mod renewals;

use crate::config::Config;
use anyhow::Context;
use rinnova_domain::{CertificateKind, Money};

static OPERATOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Records who runs this command: `--operator`, else `SUDO_USER` (the administrator behind
/// `sudo`), `USER`, `LOGNAME`, else the name of the process's user in `/etc/passwd`, else
/// `uid-<n>`. A name is at most 64 printable characters, no spaces.
pub fn set_operator(flag: Option<&str>) -> anyhow::Result<()> {
    let name = match flag {
        Some(n) => {
            let n = n.trim();
            anyhow::ensure!(
                !n.is_empty()
                    && n.chars().count() <= 64
                    && n.chars()
                        .all(|c| c.is_ascii_graphic() || c.is_alphanumeric()),
                "--operator: a name of at most 64 printable characters without spaces"
            );
            n.to_owned()
        }
        None => os_user(),
    };
    let _ = OPERATOR.set(name);
    Ok(())
}

fn os_user() -> String {
    let named = |v: &str| {
        std::env::var(v)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic()))
    };
    if let Some(n) = named("SUDO_USER")
        .or_else(|| named("USER"))
        .or_else(|| named("LOGNAME"))
    {
        return n;
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next())
                .map(str::to_owned)
        });
    let Some(uid) = uid else {
        return "unknown".into();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid).then(|| f[0].to_owned())
            })
        })
        .unwrap_or_else(|| format!("uid-{uid}"))
}

/// Who runs an admin command (the audit trail's actor is `admin:` and this).
pub fn whoami() -> String {
    OPERATOR.get().cloned().unwrap_or_else(os_user)
}

/// The operator of this command, for the audit trail: `admin:<name>`, from this machine
/// (recorded where a request's client address goes: `cli@<host>`), this run of the command
/// (recorded as its request id: `cli-<pid>-<start>`).
pub fn operator() -> rinnova_app::Operator {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let started = now().as_second();
    rinnova_app::Operator {
        actor: format!("admin:{}", whoami()),
        ctx: rinnova_app::Ctx {
            ip: Some(format!("cli@{host}")),
            request_id: Some(format!("cli-{}-{started}", std::process::id())),
        },
    }
}

/// The application over the configured store, for a one-off command. A demo installation has
/// no configured passphrase: its CA opens with the demo one, and its holders' keys are
/// software keys unless `[keys]` says otherwise.
pub async fn open_app(cfg: Config) -> anyhow::Result<rinnova_app::App> {
    let demo = cfg.ca_passphrase.is_none();
    open_app_as(cfg, demo).await
}

/// The same; `demo`: software keys need no permission (the `demo` commands' holders).
pub async fn open_app_as(mut cfg: Config, demo: bool) -> anyhow::Result<rinnova_app::App> {
    let store = crate::server::open_store(&cfg).await?;
    cfg.app.public_url = cfg.public_url();
    cfg.app.audit_export_dir = Some(cfg.audit_export_dir());
    cfg.app.outside_tsa = cfg.outside_tsa()?;
    let keys = cfg.keys(demo)?;
    rinnova_app::App::open(store, cfg.app, clock(), keys)
        .await
        .context("opening the CA (set ca_passphrase)")
}

/// The clock's shift (`--clock-offset`, seconds), set once at start.
static CLOCK_OFFSET: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// Shifts every clock of this run by `seconds` (tests and demos of what happens months or
/// years on: the server, and the commands an operator runs meanwhile).
pub fn set_clock_offset(seconds: Option<i64>) {
    if let Some(s) = seconds {
        let _ = CLOCK_OFFSET.set(s);
    }
}

/// This run's clock: the system's, shifted by `--clock-offset` if given.
pub fn clock() -> std::sync::Arc<dyn rinnova_domain::Clock> {
    match CLOCK_OFFSET.get() {
        Some(&s) => std::sync::Arc::new(rinnova_app::clock::OffsetClock(
            jiff::SignedDuration::from_secs(s),
        )),
        None => std::sync::Arc::new(rinnova_app::clock::SystemClock),
    }
}

/// Now, by this run's clock.
pub fn now() -> jiff::Timestamp {
    clock().now()
}

/// The start of a civil day in the CA's time zone.
pub fn rome_midnight(d: jiff::civil::Date) -> anyhow::Result<jiff::Timestamp> {
    Ok(d.to_zoned(rinnova_domain::window::ca_time_zone())?
        .timestamp())
}

/// A new account's password: the first line of standard input (out of the shell history),
/// 12 characters or more.
pub fn password_from_stdin() -> anyhow::Result<rinnova_domain::secret::Secret> {
    // The line read is zeroed when dropped; only the Secret keeps the password.
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line)?;
    let password = rinnova_domain::secret::Secret::new(line.trim_end_matches(['\r', '\n']));
    anyhow::ensure!(
        password.expose().chars().count() >= 12,
        "the password (first line of standard input) needs 12 characters or more"
    );
    Ok(password)
}

/// A use case's refusal, with its code, as a command's error.
pub fn refused(e: rinnova_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{} ({})", rinnova_app::error::chain(&e), e.code())
}

/// A certificate kind on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    #[value(alias = "remote_signature")]
    RemoteSignature,
    #[value(alias = "card_signature")]
    CardSignature,
    Cns,
}

impl From<KindArg> for CertificateKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::RemoteSignature => CertificateKind::RemoteSignature,
            KindArg::CardSignature => CertificateKind::CardSignature,
            KindArg::Cns => CertificateKind::Cns,
        }
    }
}

/// An amount of euro on the command line: `100`, `100.00`, `5.5`.
pub fn money(text: &str) -> Result<Money, String> {
    Money::parse(text).map_err(|_| format!("{text:?} is not an amount like 100.00"))
}
