//! `rinnova`: the renewal service of a qualified trust service provider, in one binary.

mod card;
mod cmd;
mod config;
mod http;
mod server;

use clap::{Parser, Subcommand};
use config::Config;
use std::path::PathBuf;

/// Signing, DER building and SQLite binding allocate many small short-lived buffers on several
/// threads; mimalloc's per-thread heaps serve them faster than glibc's arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Renewal of qualified digital-signature certificates (remote signature and smart card).
#[derive(Parser)]
#[command(
    version,
    about,
    long_about = "rinnova renews qualified digital-signature certificates before they expire: \
the holder checks their data, signs a renewal request with PIN + OTP, and activates a new 3-year certificate.\n\n\
Configuration comes from rinnova.toml (or --config), then RINNOVA_* environment variables \
(nested keys with __, e.g. RINNOVA_APP__MAX_PIN_FAILURES=3), then flags."
)]
struct Cli {
    /// TOML configuration file (default: ./rinnova.toml if present).
    #[arg(long, global = true, env = "RINNOVA_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (the SQLite file lives here).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: postgres://user@host/db, or sqlite://path (default: the SQLite file in
    /// the data directory). Also RINNOVA_DATABASE.
    #[arg(long, global = true)]
    database: Option<String>,
    /// Who runs this command, for the audit trail (`admin:<name>`); default: the user `sudo`
    /// was run by, else the logged-in user, else the process's user.
    #[arg(long, global = true, env = "RINNOVA_OPERATOR", value_name = "NAME")]
    operator: Option<String>,
    /// Shift the clock (seconds; tests and demos of time-dependent behaviour).
    #[arg(long, global = true, hide = true, allow_hyphen_values = true)]
    clock_offset: Option<i64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal, the JSON API and the background workers.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0: any free port, printed at start).
        #[arg(long)]
        listen: Option<String>,
        /// Demo mode: creates the CA and demo holders on first run, shows their credentials and
        /// an outbox page with the SMS and e-mails they receive.
        #[arg(long)]
        demo: bool,
        /// Where the demo keeps keys: `software` (the default) or `softhsm`, a SoftHSM2 token
        /// of its own under the data directory, made and put through the key ceremony on first
        /// run (holders' keys then live in a real PKCS#11 device).
        #[arg(long, value_enum, requires = "demo")]
        keys: Option<server::DemoKeys>,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Print the configuration in effect (file, environment, flags) as TOML, secrets hidden;
    /// with --defaults, the built-in defaults (every key: see docs/CONFIGURATION.md).
    Config {
        #[arg(long)]
        defaults: bool,
    },
    /// Certification-authority operations.
    Ca {
        #[command(subcommand)]
        command: cmd::ca::Command,
    },
    /// The key backend's token: the key ceremony (`keys init`) and what it holds.
    Keys {
        #[command(subcommand)]
        command: cmd::keys::Command,
    },
    /// Signing applications of the CSC remote-signing API (OAuth 2.0 client credentials).
    Clients {
        #[command(subcommand)]
        command: cmd::clients::Command,
    },
    /// Coupon batches for organisations and distributors (SPEC §5 step 5).
    Coupons {
        #[command(subcommand)]
        command: cmd::coupons::Command,
    },
    /// Registration-office operators (RAO), who verify renewals at their desk.
    Rao {
        #[command(subcommand)]
        command: cmd::rao::Command,
    },
    /// Prepaid accounts (seed 004): Diritti pays CNS renewals, Tariffa every other kind.
    Prepaid {
        #[command(subcommand)]
        command: cmd::prepaid::Command,
    },
    /// Organisations, and the renewals they pay through payroll (seed 000).
    Organisations {
        #[command(subcommand)]
        command: cmd::organisations::Command,
    },
    /// Shop payments: bank statements, promo codes (SPEC §5 step 5).
    Payments {
        #[command(subcommand)]
        command: cmd::payments::Command,
    },
    /// Renewal reminders (SPEC N1): one sweep, for cron when `serve` does not run them.
    Reminders {
        #[command(subcommand)]
        command: cmd::reminders::Command,
    },
    /// The smart-card client (seed 004): read the card, ask whether its certificates renew.
    Card {
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// Demo helpers.
    Demo {
        #[command(subcommand)]
        command: cmd::demo::Command,
    },
    /// Renewals: the signed renewal form kept as evidence.
    Renewals {
        #[command(subcommand)]
        command: cmd::renewals::Command,
    },
    /// The tamper-evident audit trail (SPEC X2).
    Audit {
        #[command(subcommand)]
        command: cmd::audit::Command,
    },
    /// Measure performance (see BENCHMARKS in the README).
    Bench {
        #[command(subcommand)]
        command: rinnova_bench::BenchCommand,
    },
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", error_text(&e, cli_lang()));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The operator's language for messages: Italian unless `LANG`/`LC_ALL` say English.
fn cli_lang() -> rinnova_app::i18n::Lang {
    let env = std::env::var("LC_ALL")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default();
    rinnova_app::i18n::Lang::from_accept_language(&env.replace('_', "-"))
}

/// An error as the operator reads it (issue 18 item 17): a use case's refusal with its code and
/// translated text; anything else with its chain of causes; never a backtrace.
fn error_text(e: &anyhow::Error, lang: rinnova_app::i18n::Lang) -> String {
    use rinnova_app::AppError;
    let label = match lang {
        rinnova_app::i18n::Lang::It => "Errore",
        rinnova_app::i18n::Lang::En => "Error",
    };
    match e.chain().find_map(|c| c.downcast_ref::<AppError>()) {
        // An operator may read what went wrong inside: the code and the cause.
        Some(app @ (AppError::Internal(_) | AppError::Unavailable(_))) => format!(
            "{label} {}: {} ({})",
            app.code(),
            lang.error(app),
            rinnova_app::error::chain(app)
        ),
        Some(app) => format!("{label} {}: {}", app.code(), lang.error(app)),
        None => format!("{label}: {e:#}"),
    }
}

/// Log lines to stderr, filtered by `RUST_LOG` (default: info, sqlx's warnings), as text or
/// as JSON objects with their span (a request's id) in each.
fn init_logging(format: config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => logs.init(),
        config::LogFormat::Json => logs.json().with_current_span(true).init(),
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut cfg = Config::load(cli.config.as_deref())?;
    init_logging(cfg.log_format);
    if let Some(d) = cli.data_dir {
        cfg.data_dir = d;
    }
    if let Some(url) = cli.database.clone() {
        cfg.database = Some(url);
    }
    cmd::set_operator(cli.operator.as_deref())?;
    cmd::set_clock_offset(cli.clock_offset);
    if let Command::Serve {
        keys: Some(server::DemoKeys::Softhsm),
        ..
    } = &cli.command
    {
        // SoftHSM2 finds its tokens through SOFTHSM2_CONF only: re-executed with it set.
        server::demo_softhsm_environment(&cfg.data_dir)?;
    }
    if let Command::Bench { command } = &cli.command {
        command.prepare()?;
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cfg.cpu_threads {
        anyhow::ensure!(n > 0, "cpu_threads must be at least 1");
        rinnova_app::util::set_cpu_threads(n);
        rt.worker_threads(n);
    }
    let rt = rt.enable_all().build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve { listen, demo, keys } => {
                if let Some(l) = listen {
                    cfg.listen = l;
                }
                if keys == Some(server::DemoKeys::Softhsm) {
                    server::demo_softhsm(&mut cfg)?;
                }
                server::serve(cfg, demo).await
            }
            Command::Config { defaults } => {
                let shown = if defaults { Config::default() } else { cfg };
                print!("{}", config::to_toml(&shown)?);
                Ok(())
            }
            Command::Migrate => {
                let store = server::open_store(&cfg).await?;
                println!("database at {} is up to date", cfg.database_url());
                drop(store);
                Ok(())
            }
            Command::Ca { command } => cmd::ca::run(cfg, command).await,
            Command::Keys { command } => cmd::keys::run(cfg, command).await,
            Command::Coupons { command } => cmd::coupons::run(cfg, command).await,
            Command::Clients { command } => cmd::clients::run(cfg, command).await,
            Command::Rao { command } => cmd::rao::run(cfg, command).await,
            Command::Prepaid { command } => cmd::prepaid::run(cfg, command).await,
            Command::Organisations { command } => cmd::organisations::run(cfg, command).await,
            Command::Payments { command } => cmd::payments::run(cfg, command).await,
            Command::Reminders { command } => cmd::reminders::run(cfg, command).await,
            Command::Card { command } => card::run(command).await,
            Command::Demo { command } => cmd::demo::run(cfg, command).await,
            Command::Renewals { command } => cmd::renewals::run(cfg, command).await,
            Command::Audit { command } => cmd::audit::run(cfg, command).await,
            Command::Bench { command } => {
                rinnova_bench::run(command, server::shutdown_signal()).await
            }
        }
    })
}
