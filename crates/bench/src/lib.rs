//! `rinnova bench …` (the `rinnova` binary calls this crate): performance measured by
//! benchmarks, never by timed tests. Each prints a
//! table, or with `--json` one JSON object.

pub mod cpus;
mod issue;
mod portal;
mod reminders;
mod renew;
mod sign;

use issue::issue;
use portal::portal;
use reminders::reminders;
use renew::renew;
use sign::sign;

use anyhow::Context;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use clap::Subcommand;
use rinnova_app::clock::SystemClock;
use rinnova_app::{App, AppConfig};
use rinnova_ca::device::SignatureDevice;
use rinnova_ca::{Ca, CaConfig, HolderSubject, KdfParams, SoftwareDevice};
use rinnova_domain::{CertificateKind, Clock, CodiceFiscale, Pin};
use rinnova_store::{CertificateRecord, CredentialRecord, HolderRecord, Store, repo};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Certificates issued (built, signed, persisted) per second vs raw ECDSA signatures per
    /// second with the same crypto library: one signing thread each; the issuing side also
    /// has a writer that group-commits to SQLite.
    Issue {
        /// Seconds for each of the three measurements (split into alternating rounds).
        #[arg(long, default_value_t = 6.0)]
        seconds: f64,
        /// Where the CA's key lives: `software` or `pkcs11` (a SoftHSM2 token the run makes
        /// for itself); the raw signatures are made with a key of the same kind, in the same
        /// place.
        #[arg(long, value_enum, default_value_t = BenchKeys::Software)]
        keys: BenchKeys,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Complete API renewals per second against a server it starts (SQLite), and the
    /// crypto-bound limit measured in the same run on the same cores.
    Renew {
        /// How many renewals (one demo holder each).
        #[arg(long, default_value_t = 200)]
        renewals: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Seconds for the crypto-bound measurement.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// A PostgreSQL server (`postgres://user:password@host:port`): the run makes a database
        /// of its own there and drops it after. Default: SQLite in a temporary directory.
        #[arg(long)]
        database: Option<String>,
        /// Server instances (`rinnova serve` processes on the same database); clients are
        /// spread over them. With 1 and SQLite the server runs inside the benchmark.
        #[arg(long, default_value_t = 1)]
        instances: usize,
        /// CPUs for the PostgreSQL server (e.g. `0` or `0,1`), when it runs on this machine:
        /// its processes are pinned to them for the run, and the instances, the clients and
        /// the crypto-bound measurement to the other CPUs — PostgreSQL with cores of its own,
        /// as deployed. Needs the right to change the server's CPU affinity (its user, or
        /// root). Default: everything shares every CPU.
        #[arg(long, value_delimiter = ',')]
        database_cpus: Vec<usize>,
        /// Where holders' keys live: `software` (sealed under the PIN with Argon2id) or
        /// `pkcs11` (a SoftHSM2 token the run makes for itself, as `keys.backend = "pkcs11"`).
        #[arg(long, value_enum, default_value_t = BenchKeys::Software)]
        keys: BenchKeys,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Portal home-page latency (p50/p99) with many logged-in sessions browsing at once, and
    /// the server's resident memory idle and at its peak (a `rinnova serve` process).
    Portal {
        /// Concurrent sessions (one holder each).
        #[arg(long, default_value_t = 200)]
        sessions: usize,
        /// Seconds of load.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Each session's pause between two page views, in milliseconds (people read what
        /// they asked for); 0 makes every session ask again at once (saturation).
        #[arg(long, default_value_t = 500)]
        think_ms: u64,
        /// A PostgreSQL server, as for `bench renew`.
        #[arg(long)]
        database: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remote signatures per second through the CSC API (issue 22) against a server it
    /// starts (SQLite): each client authorises a batch of hashes with PIN and SMS code, then
    /// signs them with one signHash; and the same device signing the same batches directly,
    /// in the same run on the same cores.
    Sign {
        /// Hashes per authorisation (1 to 100).
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Concurrent signing applications (one holder each).
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Seconds of API load, and of the direct measurement.
        #[arg(long, default_value_t = 6.0)]
        seconds: f64,
        /// Where holders' keys live: `software` or `pkcs11` (a SoftHSM2 token of the run's own).
        #[arg(long, value_enum, default_value_t = BenchKeys::Pkcs11)]
        keys: BenchKeys,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The reminder sweep (SPEC N1) over a SQLite database of many certificates whose
    /// expiries spread over three years: the time to find the due ones, then to record and
    /// queue them, then a second sweep that finds them all done.
    Reminders {
        #[arg(long, default_value_t = 1_000_000)]
        certificates: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Where a benchmark's holders' keys live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchKeys {
    Software,
    Pkcs11,
}

impl BenchKeys {
    fn as_str(self) -> &'static str {
        match self {
            Self::Software => "software",
            Self::Pkcs11 => "pkcs11",
        }
    }
}

/// The benchmark's own SoftHSM2 token.
const TOKEN_LABEL: &str = "rinnova-bench";
const TOKEN_USER_PIN: &str = "rinnova-bench-user";
const TOKEN_SO_PIN: &str = "rinnova-bench-so";
const ROOT_TOKEN_LABEL: &str = "root-rinnova-bench";
const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The SoftHSM2 directory of this run (the process id survives the re-execution that sets
/// `SOFTHSM2_CONF`).
fn softhsm_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("rinnova-bench-softhsm-{}", std::process::id()))
}

impl BenchCommand {
    /// Readies the environment a run needs before anything else starts: with `--keys pkcs11`,
    /// SoftHSM2 configured for a token directory of the run's own (re-executing this process
    /// with `SOFTHSM2_CONF` set, see `rinnova_ca::hsm::softhsm_environment`).
    pub fn prepare(&self) -> anyhow::Result<()> {
        if let Self::Renew {
            keys: BenchKeys::Pkcs11,
            ..
        }
        | Self::Issue {
            keys: BenchKeys::Pkcs11,
            ..
        }
        | Self::Sign {
            keys: BenchKeys::Pkcs11,
            ..
        } = self
        {
            anyhow::ensure!(
                std::path::Path::new(SOFTHSM_MODULE).exists(),
                "--keys pkcs11 needs SoftHSM2 ({SOFTHSM_MODULE}): apt-get install softhsm2"
            );
            rinnova_ca::hsm::softhsm_environment(&softhsm_dir())?;
        }
        Ok(())
    }
}

/// The run's own SoftHSM2 tokens: the service's (with the holder keys) and the root's.
fn bench_tokens() -> anyhow::Result<(Arc<rinnova_ca::Hsm>, Arc<rinnova_ca::Hsm>)> {
    let module = std::path::Path::new(SOFTHSM_MODULE);
    let service = rinnova_ca::hsm::own_token(
        module,
        TOKEN_LABEL,
        TOKEN_SO_PIN,
        &TOKEN_USER_PIN.into(),
        true,
    )?;
    let root = rinnova_ca::hsm::own_token(
        module,
        ROOT_TOKEN_LABEL,
        TOKEN_SO_PIN,
        &TOKEN_USER_PIN.into(),
        false,
    )?;
    Ok((service, root))
}

/// Runs a benchmark and prints its figures; `interrupted` (SIGINT, SIGTERM) stops a renewal run
/// cleanly: its instances stop and a PostgreSQL it pinned gets its CPUs back.
pub async fn run(
    cmd: BenchCommand,
    interrupted: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let own_token = matches!(
        cmd,
        BenchCommand::Issue {
            keys: BenchKeys::Pkcs11,
            ..
        } | BenchCommand::Renew {
            keys: BenchKeys::Pkcs11,
            ..
        } | BenchCommand::Sign {
            keys: BenchKeys::Pkcs11,
            ..
        }
    );
    let figures = run_one(cmd, interrupted).await;
    // The run's token directory goes with it, whatever the outcome.
    if own_token {
        let _ = std::fs::remove_dir_all(softhsm_dir());
    }
    let (figures, json_out) = figures?;
    if json_out {
        println!("{figures}");
    } else if let Some(map) = figures.as_object() {
        let width = map.keys().map(String::len).max().unwrap_or(0);
        for (k, v) in map {
            println!("{k:<width$}  {v}");
        }
    }
    Ok(())
}

/// The figures of one run, and whether to print them as JSON.
async fn run_one(
    cmd: BenchCommand,
    interrupted: impl std::future::Future<Output = ()>,
) -> anyhow::Result<(Value, bool)> {
    Ok(match cmd {
        BenchCommand::Issue {
            seconds,
            keys,
            json,
        } => (issue(seconds, keys).await?, json),
        BenchCommand::Renew {
            renewals,
            clients,
            seconds,
            database,
            instances,
            database_cpus,
            keys,
            json,
        } => (
            renew(
                renew::RenewRun {
                    renewals,
                    clients,
                    seconds,
                    database: database.as_deref(),
                    instances,
                    database_cpus: &database_cpus,
                    keys,
                },
                interrupted,
            )
            .await?,
            json,
        ),
        BenchCommand::Portal {
            sessions,
            seconds,
            think_ms,
            database,
            json,
        } => (
            portal(sessions, seconds, think_ms, database.as_deref()).await?,
            json,
        ),
        BenchCommand::Reminders { certificates, json } => (reminders(certificates).await?, json),
        BenchCommand::Sign {
            batch,
            clients,
            seconds,
            keys,
            json,
        } => (
            sign(sign::SignRun {
                batch,
                clients,
                seconds,
                keys,
            })
            .await?,
            json,
        ),
    })
}

/// CPU time counters of some CPUs (/proc/stat, in clock ticks): busy and all.
#[derive(Debug, Clone)]
pub(crate) struct CpuTimes {
    cpus: Vec<usize>,
    busy: u64,
    total: u64,
}

impl CpuTimes {
    /// The counters of `cpus`, summed.
    fn now(cpus: &[usize]) -> Option<CpuTimes> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let (mut busy, mut total) = (0, 0);
        for cpu in cpus {
            let name = format!("cpu{cpu}");
            let fields: Vec<u64> = stat
                .lines()
                .find(|l| l.split_whitespace().next() == Some(name.as_str()))?
                .split_whitespace()
                .skip(1)
                .filter_map(|f| f.parse().ok())
                .collect();
            let all: u64 = fields.iter().take(8).sum();
            // idle and iowait are the 4th and 5th fields.
            let idle = fields.get(3).copied()? + fields.get(4).copied().unwrap_or(0);
            busy += all.saturating_sub(idle);
            total += all;
        }
        Some(CpuTimes {
            cpus: cpus.to_vec(),
            busy,
            total,
        })
    }

    /// How many of these CPUs were busy on average since `self` (server and load generator
    /// together).
    fn cores_busy_since(&self) -> Option<f64> {
        let now = CpuTimes::now(&self.cpus)?;
        let total = now.total.checked_sub(self.total).filter(|t| *t > 0)?;
        let busy = now.busy.saturating_sub(self.busy);
        Some(round(busy as f64 / total as f64 * self.cpus.len() as f64))
    }
}

/// The server inside the benchmark process on a loopback port: its base URL and its task.
pub(crate) async fn serve_in_process(
    app: &App,
) -> anyhow::Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = rinnova_web::router(rinnova_web::WebState {
        app: app.clone(),
        secure_cookies: false,
        trusted_proxies: vec![],
        // Recorded as in `serve`, so that the run says where the time goes.
        metrics: rinnova_web::metrics_recorder(),
    });
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    Ok((base, server))
}

/// This machine's cores (1 when unknown).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

pub(crate) fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(crate) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "rinnova-bench-{}-{}",
        std::process::id(),
        SystemClock.now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Where a benchmark's data lives: a temporary directory, and a database of its own (SQLite
/// there, or a fresh database on the PostgreSQL server named).
pub(crate) struct BenchDb {
    dir: std::path::PathBuf,
    url: String,
    postgres: Option<(String, String)>,
}

impl BenchDb {
    async fn new(database: Option<&str>) -> anyhow::Result<BenchDb> {
        let dir = tempfile_dir()?;
        let (url, postgres) = match database {
            Some(base) => {
                anyhow::ensure!(
                    base.starts_with("postgres"),
                    "--database takes a PostgreSQL server: postgres://user:password@host:port"
                );
                let name = format!("rinnova_bench_{}", std::process::id());
                let base = base.trim_end_matches('/').to_owned();
                let url = rinnova_store::create_postgres_database(&base, &name).await?;
                (url, Some((base, name)))
            }
            None => (
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.join("rinnova.sqlite3").display()
                ),
                None,
            ),
        };
        Ok(BenchDb { dir, url, postgres })
    }

    fn backend(&self) -> &'static str {
        if self.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// The store, migrated, with a CA (passphrase "bench") and an app over it, its holders'
    /// keys where `keys` says.
    async fn app(&self, config: &AppConfig, keys: BenchKeys) -> anyhow::Result<App> {
        let store = Store::connect(&self.url, 16).await?;
        store.migrate().await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ca = CaConfig::demo("http://rinnova-bench.it");
        let keys = match keys {
            BenchKeys::Software => {
                rinnova_app::ca_service::init(
                    &store,
                    &ca,
                    &"bench".into(),
                    KdfParams::default(),
                    clock.now(),
                )
                .await?;
                rinnova_app::Keys::software("bench".into(), config.pin_kdf)
            }
            BenchKeys::Pkcs11 => {
                // The CA's keys and holders' keys in the run's tokens, as deployed.
                let (service, root) = bench_tokens()?;
                rinnova_app::ca_service::init_in_tokens(&store, &ca, &root, &service, clock.now())
                    .await?;
                rinnova_app::Keys::token(service, None, config.pin_kdf)?
            }
        };
        Ok(App::open(store, config.clone(), clock, keys).await?)
    }

    async fn close(self) {
        if let Some((base, name)) = &self.postgres
            && let Err(e) = rinnova_store::drop_postgres_database(base, name).await
        {
            eprintln!("could not drop the benchmark database {name}: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `rinnova serve --demo` process of this binary on the benchmark's database.
pub(crate) struct Instance {
    child: std::process::Child,
    base: String,
}

impl Instance {
    /// A `rinnova serve` process on `db`; `cpu_threads` shares the cores out when several run.
    fn start(
        db: &BenchDb,
        cpu_threads: Option<usize>,
        keys: BenchKeys,
    ) -> anyhow::Result<Instance> {
        use std::io::BufRead;
        let mut command = std::process::Command::new(std::env::current_exe()?);
        if keys == BenchKeys::Pkcs11 {
            // The run's token (SOFTHSM2_CONF is inherited).
            command
                .env("RINNOVA_KEYS__BACKEND", "pkcs11")
                .env("RINNOVA_KEYS__MODULE", SOFTHSM_MODULE)
                .env("RINNOVA_KEYS__TOKEN_LABEL", TOKEN_LABEL)
                .env("RINNOVA_KEYS__USER_PIN", TOKEN_USER_PIN);
        }
        if let Some(n) = cpu_threads {
            command.env("RINNOVA_CPU_THREADS", n.to_string());
        }
        let mut child = command
            .arg("--data-dir")
            .arg(&db.dir)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .env("RINNOVA_DATABASE", &db.url)
            .env("RINNOVA_CA_PASSPHRASE", "bench")
            .env("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0")
            .env("RINNOVA_AUDIT__SEAL_MINUTES", "0")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let mut lines = std::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
        let base = loop {
            let line = lines
                .next()
                .context("the server stopped before listening")??;
            if let Some(rest) = line.strip_prefix("rinnova listening on ") {
                break rest.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(Instance { child, base })
    }

    /// (resident, peak resident) memory in MB, from /proc.
    fn rss_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Runs futures concurrently and collects their outputs in order.
pub(crate) async fn futures_join<F>(fs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}
