//! `rinnova`: the renewal service of a qualified trust service provider, in one binary.

mod bench;
mod card;
mod config;
mod cpus;
mod http;
mod server;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::Config;
use rinnova_domain::coupon::CouponIssuer;
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
        /// Shift the server's clock (seconds; tests and demos of time-dependent behaviour).
        #[arg(long, hide = true, allow_hyphen_values = true)]
        clock_offset: Option<i64>,
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
        command: CaCommand,
    },
    /// Coupon batches for organisations and distributors (SPEC §5 step 5).
    Coupons {
        #[command(subcommand)]
        command: CouponsCommand,
    },
    /// Registration-office operators (RAO), who verify renewals at their desk.
    Rao {
        #[command(subcommand)]
        command: RaoCommand,
    },
    /// Prepaid accounts (seed 004): Diritti pays CNS renewals, Tariffa every other kind.
    Prepaid {
        #[command(subcommand)]
        command: PrepaidCommand,
    },
    /// Organisations, and the renewals they pay through payroll (seed 000).
    Organisations {
        #[command(subcommand)]
        command: OrganisationsCommand,
    },
    /// Shop payments: bank statements, promo codes (SPEC §5 step 5).
    Payments {
        #[command(subcommand)]
        command: PaymentsCommand,
    },
    /// Renewal reminders (SPEC N1): one sweep, for cron when `serve` does not run them.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// The smart-card client (seed 004): read the card, ask whether its certificates renew.
    Card {
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// Demo helpers.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Renewals: the signed renewal form kept as evidence.
    Renewals {
        #[command(subcommand)]
        command: RenewalsCommand,
    },
    /// The tamper-evident audit trail (SPEC X2).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Measure performance (see BENCHMARKS in the README).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Personalises a stand-in smart card (SoftHSM2) for a holder: keys generated on the card,
    /// a signature and a CNS certificate issued by this CA and stored beside them.
    Card {
        #[command(flatten)]
        card: card::CardArgs,
        /// The holder's user-id.
        #[arg(long)]
        holder: String,
        /// The card's security-officer PIN (used when the card is initialised).
        #[arg(long, default_value = "87654321")]
        so_pin: String,
        /// Days until the certificates expire (negative: already expired).
        #[arg(long, default_value_t = 45, allow_hyphen_values = true)]
        expires_in_days: i64,
    },
    /// Adds holders BENCH000001… for load tests and benchmarks: each with a certificate
    /// expiring in 30 days; password rinnova-demo, PIN 12345678.
    Holders {
        #[arg(long)]
        count: usize,
        /// Every N-th holder pays the renewal itself (0: all free).
        #[arg(long, default_value_t = 0)]
        paid_every: usize,
    },
}

#[derive(Subcommand)]
enum RenewalsCommand {
    /// Writes the renewal form as the holder signed it (PAdES) to FILE, or to standard output.
    Evidence {
        renewal_id: String,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes the hash chain from the first row and checks every seal against the CA's
    /// certificate; names the first row that does not match (exit status 1).
    Verify {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Signs the chain's current head with the issuing CA's key (`serve` does it hourly).
    Seal,
    /// Every entry by or about a holder (their renewals and certificates), newest first.
    Search {
        /// The holder's user-id.
        #[arg(
            long,
            conflicts_with = "certificate",
            required_unless_present = "certificate"
        )]
        holder: Option<String>,
        /// A certificate's serial (hex): its holder's entries.
        #[arg(long)]
        certificate: Option<String>,
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum RemindersCommand {
    /// Finds the certificates due a reminder and queues their e-mails (each exactly once).
    Run {
        /// Only list what is due; record and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum OrganisationsCommand {
    /// List organisations: id, payment mode, approval, name.
    List,
    /// The renewals an organisation pays through payroll, as CSV on standard output.
    Payroll {
        /// The organisation's id (see `organisations list`).
        organisation: String,
        /// First day (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        from: jiff::civil::Date,
        /// Last day included (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        until: jiff::civil::Date,
        /// Mark the listed charges exported.
        #[arg(long)]
        mark_exported: bool,
    },
}

#[derive(Subcommand)]
enum PrepaidCommand {
    /// Open an account; the password (12 characters or more) is the first line of standard
    /// input.
    Add {
        /// The account's user-id (2–8 letters then 3–10 digits).
        user_id: String,
        /// The holder of the account (a firm, an office…).
        #[arg(long)]
        name: String,
    },
    /// Add money to a purse.
    TopUp {
        user_id: String,
        /// diritti or tariffa.
        #[arg(long)]
        purse: String,
        /// Euro, e.g. 100.00.
        #[arg(long)]
        amount: String,
        /// Kept with the ledger line (e.g. the payment's reference).
        #[arg(long)]
        note: Option<String>,
    },
    /// Show the purses' balances (booked) and what is available (not reserved).
    Show { user_id: String },
}

#[derive(Subcommand)]
enum RaoCommand {
    /// Create an operator account. The password (12 characters or more) is read from the
    /// first line of standard input, so that it stays out of the shell history.
    Add {
        /// Login name (3–64 of a-z 0-9 . _ -).
        username: String,
        /// Full name, shown to holders and in the audit trail.
        #[arg(long)]
        name: String,
        /// The registration office.
        #[arg(long)]
        office: String,
    },
}

#[derive(Subcommand)]
enum PaymentsCommand {
    /// Import a bank statement (ISO 20022 CAMT.053 XML): booked credits that carry the
    /// reference of a pending bank transfer settle it, and the holder is e-mailed. Importing
    /// the same statement again changes nothing.
    Import {
        /// The CAMT.053 file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Settle a pending bank transfer by hand (its money arrived outside an imported
    /// statement): the renewal moves on as if the statement had settled it.
    Settle {
        /// The order's id (`payments import` reports it).
        order: String,
    },
    /// Cancel a pending bank transfer: the holder may pay another way; money already received
    /// for it is flagged for refund.
    Cancel {
        /// The order's id.
        order: String,
    },
    /// List the money to give back: renewals that ended after they were paid, orders paid
    /// after their renewal was paid another way, transfers for orders already paid and the
    /// part of a transfer beyond its order's total.
    Refunds {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Create a promo code for the shop.
    Promo {
        /// The code holders type (letters and digits).
        code: String,
        /// Percent off the net price (1–100, decimals allowed: 12.5).
        #[arg(long, conflicts_with = "fixed", required_unless_present = "fixed")]
        percent: Option<f64>,
        /// Euro off the net price, e.g. 5.00.
        #[arg(long)]
        fixed: Option<String>,
        /// First day of validity (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        from: jiff::civil::Date,
        /// Last day of validity (YYYY-MM-DD, Europe/Rome).
        #[arg(long)]
        until: jiff::civil::Date,
        /// Only for this kind: remote-signature, card-signature or cns.
        #[arg(long)]
        kind: Option<String>,
        /// How many orders may use it.
        #[arg(long)]
        max_uses: Option<u32>,
    },
}

#[derive(Subcommand)]
enum CouponsCommand {
    /// Create a batch of coupons; prints one code per line (hand them out: they are not
    /// shown again).
    Create {
        /// The organisation whose holders may use them.
        #[arg(
            long,
            conflicts_with = "distributor",
            required_unless_present = "distributor"
        )]
        organisation: Option<String>,
        /// The distributor whose customers' certificates they renew.
        #[arg(long)]
        distributor: Option<String>,
        /// remote-signature, card-signature or cns.
        #[arg(long, default_value = "remote-signature")]
        kind: String,
        /// How many (1 to 10000).
        #[arg(long)]
        count: usize,
        /// Last day of validity (YYYY-MM-DD, Europe/Rome): valid until that day's end.
        #[arg(long)]
        until: jiff::civil::Date,
        /// A note kept with the batch (e.g. the order it was sold with).
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand)]
enum CaCommand {
    /// Create the root and issuing CA (keys sealed with the configured passphrase).
    Init {
        /// Public base URL written in certificates (CRL, OCSP, CA issuers, PDS).
        #[arg(long)]
        public_url: Option<String>,
        /// ecdsa-p256 (default) or rsa3072.
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// Print the root and issuing CA certificates (PEM).
    Show,
    /// Revoke a certificate: OCSP answers "revoked" at once, the next CRL lists it.
    Revoke {
        /// Serial number in hex (colons allowed).
        serial: String,
        /// unspecified, key-compromise, affiliation-changed, superseded,
        /// cessation-of-operation, certificate-hold or privilege-withdrawn.
        #[arg(long, default_value = "unspecified")]
        reason: String,
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
        Some(AppError::Internal(detail)) => format!("{label} RNV-GEN-500: {detail}"),
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
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cfg.cpu_threads {
        anyhow::ensure!(n > 0, "cpu_threads must be at least 1");
        rinnova_app::util::set_cpu_threads(n);
        rt.worker_threads(n);
    }
    let rt = rt.enable_all().build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve {
                listen,
                demo,
                clock_offset,
            } => {
                if let Some(l) = listen {
                    cfg.listen = l;
                }
                server::serve(cfg, demo, clock_offset).await
            }
            Command::Config { defaults } => {
                let shown = if defaults {
                    Config::default()
                } else {
                    cfg.clone()
                };
                print!("{}", config::to_toml(&shown)?);
                Ok(())
            }
            Command::Migrate => {
                let store = server::open_store(&cfg).await?;
                println!("database at {} is up to date", cfg.database_url());
                drop(store);
                Ok(())
            }
            Command::Ca {
                command:
                    CaCommand::Init {
                        public_url,
                        algorithm,
                    },
            } => {
                if let Some(u) = public_url {
                    cfg.public_url = Some(u);
                }
                if let Some(a) = algorithm {
                    cfg.ca.algorithm = match a.as_str() {
                        "ecdsa-p256" => rinnova_ca::CaAlgorithm::EcdsaP256,
                        "rsa3072" | "rsa-3072" => rinnova_ca::CaAlgorithm::Rsa3072,
                        other => {
                            anyhow::bail!("unknown algorithm {other}: use ecdsa-p256 or rsa3072")
                        }
                    };
                }
                let store = server::open_store(&cfg).await?;
                let created = server::init_ca(&store, &cfg, false).await?;
                println!(
                    "{}",
                    if created {
                        "CA created"
                    } else {
                        "the CA already exists: nothing changed"
                    }
                );
                Ok(())
            }
            Command::Ca {
                command: CaCommand::Show,
            } => {
                let store = server::open_store(&cfg).await?;
                let ca = rinnova_app::ca_service::open(&store, cfg.passphrase(false)?.as_bytes())
                    .await?;
                let (root, issuing) = ca.chain_pem();
                print!("{root}{issuing}");
                Ok(())
            }
            Command::Ca {
                command: CaCommand::Revoke { serial, reason },
            } => {
                let reason = rinnova_ca::revocation::Reason::parse(&reason).ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown reason {reason:?}: use one of {}",
                        rinnova_ca::revocation::Reason::ALL
                            .map(|r| r.as_str().replace('_', "-"))
                            .join(", ")
                    )
                })?;
                let store = server::open_store(&cfg).await?;
                let app = open_app(cfg, store).await?;
                let actor = format!("admin:{}", whoami());
                match app
                    .revoke(&serial, reason, &actor, &rinnova_app::Ctx::default())
                    .await
                {
                    Ok(()) => {
                        println!("revoked {serial} ({})", reason.as_str());
                        Ok(())
                    }
                    Err(rinnova_app::AppError::NotFound) => {
                        anyhow::bail!("no certificate {serial} that is not revoked already")
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Command::Coupons {
                command:
                    CouponsCommand::Create {
                        organisation,
                        distributor,
                        kind,
                        count,
                        until,
                        note,
                    },
            } => {
                let issuer = match (organisation, distributor) {
                    (Some(o), _) => CouponIssuer::Organisation(o),
                    (None, Some(d)) => CouponIssuer::Distributor(d),
                    (None, None) => anyhow::bail!("--organisation or --distributor is needed"),
                };
                let kind = kind_arg(&kind)?;
                let expires_at = until
                    .tomorrow()?
                    .to_zoned(rinnova_domain::window::ca_time_zone())?
                    .timestamp();
                let store = server::open_store(&cfg).await?;
                let spec = rinnova_app::coupons::NewCouponBatch {
                    issuer,
                    kind,
                    expires_at,
                    count,
                    note,
                };
                let (batch, codes) = rinnova_app::coupons::create_coupons(
                    &store,
                    rinnova_domain::Clock::now(&rinnova_app::clock::SystemClock),
                    &spec,
                    "cli",
                    &rinnova_app::Ctx::default(),
                )
                .await?;
                eprintln!(
                    "batch {batch}: {count} coupon(s) for {}, valid until {until} (Europe/Rome)",
                    kind.as_str()
                );
                for c in codes {
                    println!("{}", c.display());
                }
                Ok(())
            }
            Command::Payments { command } => payments(cfg, command).await,
            Command::Prepaid { command } => prepaid(cfg, command).await,
            Command::Organisations { command } => {
                let store = server::open_store(&cfg).await?;
                match command {
                    OrganisationsCommand::List => {
                        let mut c = store.conn().await?;
                        for o in rinnova_store::repo::holders::organisations(&mut c).await? {
                            println!(
                                "{}  {:<12}  approval:{}  {}",
                                o.id,
                                o.payment_mode,
                                if o.approval_required != 0 {
                                    "yes"
                                } else {
                                    "no"
                                },
                                o.name
                            );
                        }
                    }
                    OrganisationsCommand::Payroll {
                        organisation,
                        from,
                        until,
                        mark_exported,
                    } => {
                        let now = rinnova_domain::Clock::now(&rinnova_app::clock::SystemClock);
                        let csv = rinnova_app::payroll::payroll_csv(
                            &store,
                            &organisation,
                            rome_midnight(from)?,
                            rome_midnight(until.tomorrow()?)?,
                            mark_exported.then_some(now),
                        )
                        .await
                        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
                        print!("{csv}");
                    }
                }
                Ok(())
            }
            Command::Rao {
                command:
                    RaoCommand::Add {
                        username,
                        name,
                        office,
                    },
            } => {
                let mut password = String::new();
                std::io::stdin().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                anyhow::ensure!(
                    password.chars().count() >= 12,
                    "the password (first line of standard input) needs 12 characters or more"
                );
                let store = server::open_store(&cfg).await?;
                let id = rinnova_app::rao::create_rao(
                    &store,
                    rinnova_domain::Clock::now(&rinnova_app::clock::SystemClock),
                    cfg.app.password_kdf,
                    &rinnova_app::rao::NewRao {
                        username: username.clone(),
                        password,
                        name,
                        office,
                    },
                    &rinnova_app::Ctx::default(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
                println!("operator {username} created ({id})");
                Ok(())
            }
            Command::Bench { command } => bench::run(command).await,
            Command::Audit { command } => audit(cfg, command).await,
            Command::Card { command } => card::run(command).await,
            Command::Demo {
                command:
                    DemoCommand::Card {
                        card,
                        holder,
                        so_pin,
                        expires_in_days,
                    },
            } => {
                let store = server::open_store(&cfg).await?;
                let app = open_app(cfg, store).await?;
                for line in card::provision(&app, &card, &so_pin, &holder, expires_in_days).await? {
                    println!("stored on the card: {line}");
                }
                Ok(())
            }
            Command::Demo {
                command: DemoCommand::Holders { count, paid_every },
            } => {
                let store = server::open_store(&cfg).await?;
                let app = open_app(cfg, store).await?;
                let users = app.seed_load_holders(count, paid_every).await?;
                println!(
                    "{} holders added ({} there already)",
                    users.len(),
                    count - users.len()
                );
                Ok(())
            }
            Command::Renewals {
                command: RenewalsCommand::Evidence { renewal_id, out },
            } => {
                let store = server::open_store(&cfg).await?;
                let app = open_app(cfg, store).await?;
                let pdf = match app.evidence(&renewal_id).await {
                    Err(rinnova_app::AppError::NotFound) => {
                        anyhow::bail!("renewal {renewal_id} has no signed form (not signed yet?)")
                    }
                    other => other?,
                };
                match out {
                    Some(path) => std::fs::write(&path, &pdf)
                        .with_context(|| format!("writing {}", path.display()))?,
                    None => std::io::Write::write_all(&mut std::io::stdout(), &pdf)?,
                }
                Ok(())
            }
            Command::Reminders {
                command: RemindersCommand::Run { dry_run, json },
            } => reminders(cfg, dry_run, json).await,
        }
    })
}

fn kind_arg(kind: &str) -> anyhow::Result<rinnova_domain::CertificateKind> {
    rinnova_domain::CertificateKind::parse(&kind.replace('-', "_")).ok_or_else(|| {
        anyhow::anyhow!("unknown kind {kind}: use remote-signature, card-signature or cns")
    })
}

/// The start of a civil day in the CA's time zone.
fn rome_midnight(d: jiff::civil::Date) -> anyhow::Result<jiff::Timestamp> {
    Ok(d.to_zoned(rinnova_domain::window::ca_time_zone())?
        .timestamp())
}

async fn audit(cfg: Config, command: AuditCommand) -> anyhow::Result<()> {
    let store = server::open_store(&cfg).await?;
    match command {
        AuditCommand::Verify { json } => {
            let v = rinnova_app::audit::verify(&store).await?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else if let Some(p) = &v.problem {
                println!("audit trail NOT intact: {p}");
            } else {
                println!(
                    "audit trail intact: {} rows chained, {} seals, sealed up to row {}",
                    v.rows, v.seals, v.sealed_up_to
                );
            }
            if !v.ok() {
                std::process::exit(1);
            }
        }
        AuditCommand::Search {
            holder,
            certificate,
            json,
        } => {
            let app = open_app(cfg, store).await?;
            let entries = match app
                .audit_search(
                    holder.as_deref(),
                    certificate.as_deref(),
                    rinnova_app::i18n::Lang::En,
                )
                .await
            {
                Err(rinnova_app::AppError::NotFound) => {
                    anyhow::bail!("no such holder or certificate")
                }
                other => other?,
            };
            if json {
                println!("{}", serde_json::to_string(&entries)?);
            } else {
                for e in &entries {
                    println!(
                        "{:>8}  {}  {:<28} {:<24} {}{}{}",
                        e.seq,
                        e.at,
                        e.action,
                        e.actor,
                        e.subject.as_deref().unwrap_or("-"),
                        e.ip.as_deref()
                            .map(|ip| format!("  from {ip}"))
                            .unwrap_or_default(),
                        e.request_id
                            .as_deref()
                            .map(|id| format!("  request {id}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        AuditCommand::Seal => {
            let app = open_app(cfg, store).await?;
            match app.seal_audit().await? {
                Some(seq) => println!("audit chain sealed at row {seq}"),
                None => println!("nothing new to seal"),
            }
        }
    }
    Ok(())
}

/// Who runs an admin command (the audit trail's actor).
fn whoami() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into())
}

/// The application over the configured store, for a one-off command. A demo installation has
/// no configured passphrase: its CA opens with the demo one.
async fn open_app(
    mut cfg: Config,
    store: rinnova_store::Store,
) -> anyhow::Result<rinnova_app::App> {
    cfg.app.public_url = cfg.public_url();
    let passphrase = cfg
        .ca_passphrase
        .clone()
        .unwrap_or_else(|| config::DEMO_CA_PASSPHRASE.to_owned());
    rinnova_app::App::open(
        store,
        cfg.app,
        std::sync::Arc::new(rinnova_app::clock::SystemClock),
        passphrase.as_bytes(),
    )
    .await
    .context("opening the CA (set ca_passphrase)")
}

async fn reminders(cfg: Config, dry_run: bool, json: bool) -> anyhow::Result<()> {
    let store = server::open_store(&cfg).await?;
    let app = open_app(cfg, store).await?;
    if dry_run {
        let sweep = app.due_reminders().await?;
        if json {
            let due: Vec<_> = sweep
                .due
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "certificate": d.certificate.id,
                        "serial": d.certificate.serial_hex,
                        "reminder": d.send.key(),
                        "skip": d.skip.iter().map(|r| r.key()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({"examined": sweep.examined, "due": due})
            );
        } else {
            println!(
                "{} certificates near expiry, {} due a reminder (dry run: nothing sent)",
                sweep.examined,
                sweep.due.len()
            );
            for d in &sweep.due {
                println!("  {}  {}", d.certificate.serial_hex, d.send.key());
            }
        }
    } else {
        let r = app.send_reminders().await?;
        if json {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            println!(
                "{} certificates near expiry, {} due, {} reminders queued; {} renewals ended (window closed)",
                r.examined, r.due, r.sent, r.renewals_ended
            );
        }
    }
    Ok(())
}

async fn payments(cfg: Config, command: PaymentsCommand) -> anyhow::Result<()> {
    let now = rinnova_domain::Clock::now(&rinnova_app::clock::SystemClock);
    let store = server::open_store(&cfg).await?;
    match command {
        PaymentsCommand::Import { file, json } => {
            let xml = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = open_app(cfg, store).await?;
            let report = app
                .import_bank_statement(&xml, &rinnova_app::Ctx::default())
                .await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} entries: {} settled, {} already imported, {} unmatched, {} underpaid, \
                     {} overpaid, {} to refund, {} ignored (debits, not booked, not EUR)",
                    report.entries,
                    report.settled.len(),
                    report.already_imported,
                    report.unmatched,
                    report.underpaid,
                    report.overpaid,
                    report.refunds,
                    report.ignored
                );
                let euro = |c: i64| format!("{}.{:02} EUR", c / 100, c % 100);
                for i in &report.items {
                    let mut line = format!(
                        "  {}  {}  {}  {}",
                        i.entry_ref,
                        euro(i.amount_cents),
                        i.reference.as_deref().unwrap_or("-"),
                        i.outcome
                    );
                    if let Some(o) = &i.order_id {
                        line.push_str(&format!("  order {o}"));
                    }
                    if i.missing_cents > 0 {
                        line.push_str(&format!(
                            "  received {}, missing {}",
                            euro(i.received_cents),
                            euro(i.missing_cents)
                        ));
                    }
                    if i.refund_cents > 0 {
                        line.push_str(&format!("  refund {}", euro(i.refund_cents)));
                    }
                    println!("{line}");
                }
            }
            Ok(())
        }
        PaymentsCommand::Settle { order } => {
            let app = open_app(cfg, store).await?;
            let actor = format!("admin:{}", whoami());
            let paid = app
                .settle_transfer(&order, &actor, &rinnova_app::Ctx::default())
                .await?;
            if paid {
                println!("order {order} settled: the renewal moves on");
            } else {
                println!(
                    "order {order} settled, but its renewal was paid another way: flagged for refund"
                );
            }
            Ok(())
        }
        PaymentsCommand::Refunds { json } => {
            let app = open_app(cfg, store).await?;
            let due = app.refunds_due().await?;
            if json {
                println!("{}", serde_json::to_string(&due)?);
            } else if due.is_empty() {
                println!("no refunds due");
            } else {
                for r in &due {
                    println!(
                        "{}  {}  {}.{:02} EUR  {}{}",
                        r.kind,
                        r.id,
                        r.amount_cents / 100,
                        r.amount_cents % 100,
                        r.detail,
                        r.renewal_id
                            .as_deref()
                            .map(|id| format!("  (renewal {id})"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        PaymentsCommand::Cancel { order } => {
            let app = open_app(cfg, store).await?;
            let actor = format!("admin:{}", whoami());
            app.cancel_transfer(&order, &actor, &rinnova_app::Ctx::default())
                .await?;
            println!("order {order} cancelled: the holder may pay another way");
            Ok(())
        }
        PaymentsCommand::Promo {
            code,
            percent,
            fixed,
            from,
            until,
            kind,
            max_uses,
        } => {
            use rinnova_domain::promo::{Discount, PromoCode, normalise};
            let discount = match (percent, fixed) {
                (Some(p), _) => {
                    let bp = (p * 100.0).round();
                    anyhow::ensure!(
                        (1.0..=10_000.0).contains(&bp),
                        "--percent must be 0.01 to 100"
                    );
                    // Range-checked just above.
                    Discount::Percent(bp as u32)
                }
                (None, Some(f)) => Discount::Fixed(
                    rinnova_pay::camt053::cents(&f)
                        .and_then(|c| rinnova_domain::Money::from_cents(c).ok())
                        .ok_or_else(|| anyhow::anyhow!("--fixed must be an amount like 5.00"))?,
                ),
                (None, None) => anyhow::bail!("--percent or --fixed is needed"),
            };
            let p = PromoCode {
                code: normalise(&code)
                    .ok_or_else(|| anyhow::anyhow!("a promo code is letters and digits"))?,
                discount,
                valid_from: rome_midnight(from)?,
                valid_until: rome_midnight(until.tomorrow()?)?,
                kind: kind.as_deref().map(kind_arg).transpose()?,
                max_uses,
                uses: 0,
            };
            rinnova_app::shop::create_promo(&store, now, &p).await?;
            println!("promo code {} created", p.code);
            Ok(())
        }
    }
}

fn print_balances(user_id: &str, b: &rinnova_app::prepaid::Balances) {
    let euro = |c: i64| format!("{}.{:02}", c / 100, c % 100);
    println!("{user_id}");
    println!(
        "  Diritti  balance {:>10}   available {:>10}",
        euro(b.diritti.0),
        euro(b.diritti.1)
    );
    println!(
        "  Tariffa  balance {:>10}   available {:>10}",
        euro(b.tariffa.0),
        euro(b.tariffa.1)
    );
}

async fn prepaid(cfg: Config, command: PrepaidCommand) -> anyhow::Result<()> {
    let now = rinnova_domain::Clock::now(&rinnova_app::clock::SystemClock);
    let store = server::open_store(&cfg).await?;
    let app_err = |e: rinnova_app::AppError| anyhow::anyhow!("{e} ({})", e.code());
    match command {
        PrepaidCommand::Add { user_id, name } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            anyhow::ensure!(
                password.chars().count() >= 12,
                "the password (first line of standard input) needs 12 characters or more"
            );
            rinnova_app::prepaid::create_account(
                &store,
                now,
                cfg.app.password_kdf,
                &user_id,
                &password,
                &name,
            )
            .await
            .map_err(app_err)?;
            println!("prepaid account {} opened", user_id.to_ascii_uppercase());
        }
        PrepaidCommand::TopUp {
            user_id,
            purse,
            amount,
            note,
        } => {
            let purse = rinnova_domain::prepaid::Purse::parse(&purse.to_ascii_lowercase())
                .ok_or_else(|| anyhow::anyhow!("--purse is diritti or tariffa"))?;
            let amount = rinnova_pay::camt053::cents(&amount)
                .and_then(|c| rinnova_domain::Money::from_cents(c).ok())
                .ok_or_else(|| anyhow::anyhow!("--amount must be an amount like 100.00"))?;
            let b = rinnova_app::prepaid::top_up(&store, now, &user_id, purse, amount, note)
                .await
                .map_err(app_err)?;
            print_balances(&user_id.to_ascii_uppercase(), &b);
        }
        PrepaidCommand::Show { user_id } => {
            let b = rinnova_app::prepaid::balances(&store, &user_id)
                .await
                .map_err(app_err)?;
            print_balances(&user_id.to_ascii_uppercase(), &b);
        }
    }
    Ok(())
}
