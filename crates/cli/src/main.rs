//! `rinnova`: the renewal service of a qualified trust service provider, in one binary.

mod bench;
mod config;
mod server;

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
    /// Measure performance (see BENCHMARKS in the README).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(d) = cli.data_dir {
        cfg.data_dir = d;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
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
                let kind = rinnova_domain::CertificateKind::parse(&kind.replace('-', "_"))
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "unknown kind {kind}: use remote-signature, card-signature or cns"
                        )
                    })?;
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
            Command::Bench { command } => bench::run(command).await,
        }
    })
}
