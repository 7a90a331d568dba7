//! `rinnova bench …` (the `rinnova` binary calls this crate): performance measured by
//! benchmarks, never by timed tests. Each prints a
//! table, or with `--json` one JSON object.

pub mod cpus;

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

/// Runs a benchmark and prints its figures; `interrupted` (SIGINT, SIGTERM) stops a renewal run
/// cleanly: its instances stop and a PostgreSQL it pinned gets its CPUs back.
pub async fn run(
    cmd: BenchCommand,
    interrupted: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let (figures, json_out) = match cmd {
        BenchCommand::Issue { seconds, json } => (issue(seconds).await?, json),
        BenchCommand::Renew {
            renewals,
            clients,
            seconds,
            database,
            instances,
            database_cpus,
            json,
        } => (
            renew(
                renewals,
                clients,
                seconds,
                database.as_deref(),
                instances,
                &database_cpus,
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
    };
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

/// CPU time counters of some CPUs (/proc/stat, in clock ticks): busy and all.
#[derive(Debug, Clone)]
struct CpuTimes {
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

/// This machine's cores (1 when unknown).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn subject(i: usize) -> anyhow::Result<HolderSubject> {
    Ok(HolderSubject {
        given_name: "Mario".into(),
        surname: "Rossi".into(),
        codice_fiscale: CodiceFiscale::parse("RSSMRA85T10A562S")?,
        iut: format!("WSREF-{i:08}"),
        title: None,
        organization: None,
    })
}

async fn issue(seconds: f64) -> anyhow::Result<Value> {
    let dir = tempfile_dir()?;
    let store = Store::open_sqlite_dir(&dir).await?;
    store.migrate().await?;
    let now = SystemClock.now();
    let material = Ca::init(
        &CaConfig::demo("http://rinnova-bench.it"),
        b"bench",
        KdfParams::default(),
        now,
    )?;
    let ca = Arc::new(Ca::open(material, b"bench")?);
    let device = SoftwareDevice {
        kdf: KdfParams::insecure_for_tests(),
    };
    let key = device.create_key(&Pin::parse("12345678")?)?;
    let mut tx = store.begin().await?;
    repo::holders::insert(
        &mut tx,
        &HolderRecord {
            id: "h".into(),
            user_id: "BENCH000001".into(),
            password_hash: "-".into(),
            given_name: "Mario".into(),
            surname: "Rossi".into(),
            codice_fiscale: "RSSMRA85T10A562S".into(),
            iut: "WSREF-0".into(),
            email: "m@example.it".into(),
            mobile: "+393330000000".into(),
            residence: "-".into(),
            role_title: None,
            organisation_id: None,
            lang: "it".into(),
            created_at: now.as_second(),
            payment_mode: None,
            organisation_name: None,
            tokens: 0,
        },
    )
    .await?;
    repo::holders::insert_credential(
        &mut tx,
        &CredentialRecord {
            id: "c".into(),
            holder_id: "h".into(),
            public_key: key.public_key.raw.clone(),
            sealed_private: key.sealed_private.clone(),
            failed_pins: 0,
            blocked_at: None,
            retired_at: None,
            created_at: now.as_second(),
        },
    )
    .await?;
    tx.commit().await?;

    let budget = Duration::from_secs_f64(seconds);
    let sample = ca.issue_qualified(
        &subject(0)?,
        CertificateKind::RemoteSignature,
        &key.public_key,
        now,
    )?;
    // Raw signatures over a message the size of a certificate.
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("keygen"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("key"))?;
    let message = vec![0x5a; sample.der.len()];

    // One transaction per certificate: what a lone activation pays for its commit.
    let start = Instant::now();
    let mut one_by_one = 0usize;
    while start.elapsed() < budget / 4 {
        let cert = ca.issue_qualified(
            &subject(one_by_one)?,
            CertificateKind::RemoteSignature,
            &key.public_key,
            now,
        )?;
        let mut tx = store.begin().await?;
        repo::certificates::insert(&mut tx, &record(format!("one-{one_by_one}"), cert, now))
            .await?;
        tx.commit().await?;
        one_by_one += 1;
    }
    let one_tx_per_cert_per_s = one_by_one as f64 / start.elapsed().as_secs_f64();

    // The machine's speed drifts (shared virtual cores): the three measurements take turns in
    // short rounds, so each sees the same conditions.
    const ROUNDS: u32 = 3;
    let slice = budget / ROUNDS;
    let (mut built, mut built_s) = (0usize, 0f64);
    let (mut issued, mut issued_s, mut commits) = (0usize, 0f64, 0usize);
    let (mut signed, mut signed_s) = (0usize, 0f64);
    for round in 0..ROUNDS {
        // Built and signed only, to show what persistence costs.
        let start = Instant::now();
        while start.elapsed() < slice {
            ca.issue_qualified(
                &subject(built)?,
                CertificateKind::RemoteSignature,
                &key.public_key,
                now,
            )?;
            built += 1;
        }
        built_s += start.elapsed().as_secs_f64();

        let (n, c, s) = issue_and_persist(&ca, &key.public_key, &store, slice, round, now).await?;
        issued += n;
        commits += c;
        issued_s += s;

        let start = Instant::now();
        while start.elapsed() < slice {
            pair.sign(&rng, &message)
                .map_err(|_| anyhow::anyhow!("sign"))?;
            signed += 1;
        }
        signed_s += start.elapsed().as_secs_f64();
    }
    let stored = repo::certificates::count(&mut *store.conn().await?).await?;
    anyhow::ensure!(
        usize::try_from(stored)? == issued + one_by_one,
        "{} certificates counted but {stored} stored",
        issued + one_by_one
    );
    let built_signed_per_s = built as f64 / built_s;
    let issued_per_s = issued as f64 / issued_s;
    let raw_sign_per_s = signed as f64 / signed_s;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "certificates_issued": issued,
        "issued_per_s": round(issued_per_s),
        "raw_sign_per_s": round(raw_sign_per_s),
        "ratio": round(issued_per_s / raw_sign_per_s),
        "commits": commits,
        "built_signed_per_s": round(built_signed_per_s),
        "built_signed_ratio": round(built_signed_per_s / raw_sign_per_s),
        "one_tx_per_cert_per_s": round(one_tx_per_cert_per_s),
        "algorithm": "ECDSA P-256 (aws-lc-rs); issuing and raw signing on one thread each, \
                      in alternating rounds; SQLite WAL, group commit by a writer task",
    }))
}

/// Issued = built, signed and committed. One thread builds and signs; the writer commits
/// whatever has queued up meanwhile in one transaction (group commit), so persistence overlaps
/// signing instead of following it. The clock stops when the last certificate is committed.
/// Returns (certificates, commits, seconds).
async fn issue_and_persist(
    ca: &Arc<Ca>,
    public_key: &rinnova_ca::device::HolderPublicKey,
    store: &Store,
    budget: Duration,
    round: u32,
    now: jiff::Timestamp,
) -> anyhow::Result<(usize, usize, f64)> {
    let (sender, mut queue) = tokio::sync::mpsc::channel::<CertificateRecord>(65536);
    let start = Instant::now();
    let signer = {
        let ca = Arc::clone(ca);
        let public_key = public_key.clone();
        std::thread::spawn(move || -> anyhow::Result<()> {
            let mut n = 0usize;
            while start.elapsed() < budget {
                let cert = ca.issue_qualified(
                    &subject(n)?,
                    CertificateKind::RemoteSignature,
                    &public_key,
                    now,
                )?;
                let id = format!("cert-{round}-{n}");
                if sender.blocking_send(record(id, cert, now)).is_err() {
                    anyhow::bail!("the writer stopped");
                }
                n += 1;
            }
            Ok(())
        })
    };
    let mut issued = 0usize;
    let mut commits = 0usize;
    let mut batch = Vec::with_capacity(16384);
    while queue.recv_many(&mut batch, 16384).await > 0 {
        let mut tx = store.begin().await?;
        repo::certificates::insert_many(&mut tx, &batch).await?;
        tx.commit().await?;
        issued += batch.len();
        commits += 1;
        batch.clear();
    }
    let seconds = start.elapsed().as_secs_f64();
    signer
        .join()
        .map_err(|_| anyhow::anyhow!("the signing thread panicked"))??;
    Ok((issued, commits, seconds))
}

fn record(
    id: String,
    cert: rinnova_ca::IssuedCertificate,
    now: jiff::Timestamp,
) -> CertificateRecord {
    CertificateRecord {
        id,
        holder_id: "h".into(),
        credential_id: Some("c".into()),
        kind: "remote_signature".into(),
        serial_hex: cert.serial_hex,
        der: cert.der,
        not_before: cert.not_before.as_second(),
        not_after: cert.not_after.as_second(),
        status: "active".into(),
        superseded_by: None,
        status_changed_at: None,
        device_expires_at: None,
        renewals_on_device: 0,
        created_at: now.as_second(),
        distributor_id: None,
    }
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
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
struct BenchDb {
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

    /// The store, migrated, with a CA (passphrase "bench") and an app over it.
    async fn app(&self, config: &AppConfig) -> anyhow::Result<App> {
        let store = Store::connect(&self.url, 16).await?;
        store.migrate().await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        rinnova_app::ca_service::init(
            &store,
            &CaConfig::demo("http://rinnova-bench.it"),
            b"bench",
            KdfParams::default(),
            clock.now(),
        )
        .await?;
        Ok(App::open(store, config.clone(), clock, b"bench").await?)
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
struct Instance {
    child: std::process::Child,
    base: String,
}

impl Instance {
    /// A `rinnova serve` process on `db`; `cpu_threads` shares the cores out when several run.
    fn start(db: &BenchDb, cpu_threads: Option<usize>) -> anyhow::Result<Instance> {
        use std::io::BufRead;
        let mut command = std::process::Command::new(std::env::current_exe()?);
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
            .env("RINNOVA_APP__AUDIT_SEAL_MINUTES", "0")
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

async fn renew(
    renewals: usize,
    clients: usize,
    seconds: f64,
    database: Option<&str>,
    instances: usize,
    database_cpus: &[usize],
    interrupted: impl std::future::Future<Output = ()>,
) -> anyhow::Result<Value> {
    anyhow::ensure!(
        database_cpus.is_empty() || database.is_some(),
        "--database-cpus pins a PostgreSQL server: name it with --database"
    );
    let db = BenchDb::new(database).await?;
    // Interrupted (SIGINT, SIGTERM) or failed, the run is dropped — its instances stop, a
    // PostgreSQL it pinned gets its CPUs back (the guards' drops) — and its database goes.
    let figures = tokio::select! {
        r = renew_on(&db, renewals, clients, seconds, instances, database_cpus) => r,
        () = interrupted => Err(anyhow::anyhow!("interrupted")),
    };
    db.close().await;
    figures
}

async fn renew_on(
    db: &BenchDb,
    renewals: usize,
    clients: usize,
    seconds: f64,
    instances: usize,
    database_cpus: &[usize],
) -> anyhow::Result<Value> {
    // Real Argon2id costs, as in production.
    let config = AppConfig {
        demo: true,
        ..AppConfig::default()
    };
    let app = db.app(&config).await?;
    let seeding = Instant::now();
    let users = app.seed_bench_holders(renewals).await?;
    let seeding_s = seeding.elapsed().as_secs_f64();
    // Pinned before the instances start and the crypto bound is measured: both then run on
    // the CPUs left to the service; PostgreSQL gets its CPUs back when the run ends.
    let pinned = if database_cpus.is_empty() {
        None
    } else {
        Some(pin_database(&app, database_cpus).await?)
    };
    let cpus = crate::cpus::allowed()?;

    let mut children = Vec::new();
    let mut bases = Vec::new();
    let mut in_process = None;
    if instances <= 1 && db.postgres.is_none() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        bases.push(format!("http://{}", listener.local_addr()?));
        let router = rinnova_web::router(rinnova_web::WebState {
            app: app.clone(),
            secure_cookies: false,
            trusted_proxies: vec![],
            // Recorded as in `serve`, so that the run says where the time goes.
            metrics: rinnova_web::metrics_recorder(),
        });
        in_process = Some(tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        }));
    } else {
        // Instances on one machine share its cores, as `cpu_threads` says to deploy them.
        let share = (instances > 1).then(|| (cores() / instances).max(1));
        for _ in 0..instances.max(1) {
            let i = Instance::start(db, share)?;
            bases.push(i.base.clone());
            children.push(i);
        }
    }

    let queue = Arc::new(Mutex::new(users));
    // The crypto-bound limit is measured half before and half after the renewals, so that
    // the cores' speed drifting during the run (virtual machines) weighs on both sides alike.
    let crypto_before = crypto_bound(&app, &config, seconds / 2.0).await?;
    let http = reqwest::Client::new();
    let cpu = CpuTimes::now(&cpus);
    let database_cpu = CpuTimes::now(database_cpus);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients.max(1) {
        let base = bases[client % bases.len()].clone();
        let (queue, http) = (queue.clone(), http.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop());
                let Some(user) = next else {
                    return Ok::<usize, anyhow::Error>(done);
                };
                one_renewal(&http, &base, &user)
                    .await
                    .with_context(|| format!("renewal of {user}"))?;
                done += 1;
            }
        }));
    }
    let mut completed = 0;
    for t in tasks {
        completed += t.await??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cores_busy = cpu.and_then(|c| c.cores_busy_since());
    let database_cores_busy = database_cpu
        .filter(|c| !c.cpus.is_empty())
        .and_then(|c| c.cores_busy_since());
    let by_route = time_by_route(&http, &bases, completed).await;
    if let Some(server) = in_process {
        server.abort();
    }
    drop(children);
    let renewals_per_s = completed as f64 / elapsed;

    // The crypto a renewal cannot avoid, on the same cores: password check at login, unseal +
    // sign at step 4, new key sealed under the PIN and the CA's signature at step 7.
    let crypto_after = crypto_bound(&app, &config, seconds / 2.0).await?;
    let crypto_bound_per_s = (crypto_before + crypto_after) / 2.0;
    let backend = db.backend();
    drop(app);
    drop(pinned);
    Ok(json!({
        "renewals": completed,
        "clients": clients,
        "seconds": round(elapsed),
        "renewals_per_s": round(renewals_per_s),
        "crypto_bound_per_s": round(crypto_bound_per_s),
        "crypto_bound_before_after_per_s": [round(crypto_before), round(crypto_after)],
        "ratio": round(renewals_per_s / crypto_bound_per_s),
        "cores": cores(),
        "cpus": cpus,
        "database_cpus": (!database_cpus.is_empty()).then_some(database_cpus),
        "cores_busy": cores_busy,
        "database_cores_busy": database_cores_busy,
        "seeding_seconds": round(seeding_s),
        "database": backend,
        "instances": bases.len(),
        "server_ms_per_renewal_by_route": by_route,
    }))
}

/// Pins the PostgreSQL server under `app` (on this machine) to `database_cpus` and this process
/// — the clients, the crypto-bound measurement and the instances it starts — to the others.
async fn pin_database(
    app: &App,
    database_cpus: &[usize],
) -> anyhow::Result<crate::cpus::PinnedTree> {
    let allowed = crate::cpus::allowed()?;
    let service: Vec<usize> = allowed
        .iter()
        .copied()
        .filter(|c| !database_cpus.contains(c))
        .collect();
    anyhow::ensure!(
        database_cpus.iter().all(|c| allowed.contains(c)),
        "--database-cpus {database_cpus:?}: this process may use CPUs {allowed:?} only"
    );
    anyhow::ensure!(
        !service.is_empty(),
        "--database-cpus {database_cpus:?} leaves no CPU for the service (CPUs {allowed:?})"
    );
    let backend = app
        .store()
        .postgres_backend_pid()
        .await?
        .context("--database-cpus needs PostgreSQL")?;
    let server = crate::cpus::parent_of(backend)
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .is_ok_and(|c| c.trim().starts_with("postgres"))
        })
        .with_context(|| {
            format!(
                "--database-cpus: PostgreSQL's backend {backend} is not a process on this machine"
            )
        })?;
    let pinned = crate::cpus::PinnedTree::pin(server, database_cpus)?;
    crate::cpus::pin_self(&service)?;
    Ok(pinned)
}

async fn crypto_bound(app: &App, config: &AppConfig, seconds: f64) -> anyhow::Result<f64> {
    let pin = Pin::parse(rinnova_app::demo::DEMO_PIN)?;
    let device = SoftwareDevice {
        kdf: config.pin_kdf,
    };
    let key = device.create_key(&pin)?;
    let hash =
        rinnova_app::util::hash_password(rinnova_app::demo::DEMO_PASSWORD, config.password_kdf)?;
    let form = vec![0x25; 3000];
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..cores() {
        let (pin, key, hash, form, app) = (
            pin.clone(),
            key.clone(),
            hash.clone(),
            form.clone(),
            app.clone(),
        );
        workers.push(tokio::task::spawn_blocking(
            move || -> anyhow::Result<usize> {
                let subject = subject(0)?;
                let mut n = 0;
                while start.elapsed() < budget {
                    anyhow::ensure!(rinnova_app::util::verify_password(
                        rinnova_app::demo::DEMO_PASSWORD,
                        &hash
                    ));
                    device
                        .sign(&key.sealed_private, &pin, &form)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let new = device.create_key(&pin)?;
                    app.ca().issue_qualified(
                        &subject,
                        CertificateKind::RemoteSignature,
                        &new.public_key,
                        SystemClock.now(),
                    )?;
                    n += 1;
                }
                Ok(n)
            },
        ));
    }
    let mut total = 0;
    for w in workers {
        total += w.await??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let resp = http.post(url).bearer_auth(token).json(&body).send().await?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    anyhow::ensure!(status.is_success(), "HTTP {status}: {v}");
    Ok(v)
}

async fn last_code(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let msgs: Value = http
        .get(format!("{base}/api/v1/demo/outbox?user_id={user}"))
        .send()
        .await?
        .json()
        .await?;
    let body = msgs
        .as_array()
        .and_then(|a| a.iter().find(|m| m["channel"] == "sms"))
        .and_then(|m| m["body"].as_str())
        .context("no SMS")?;
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .map(str::to_owned)
        .context("no code")
}

/// One complete renewal through the JSON API, as a client program does it.
async fn one_renewal(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<()> {
    let login: Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user_id": user, "password": rinnova_app::demo::DEMO_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("login failed")?.to_owned();
    let home: Value = http
        .get(format!("{base}/api/v1/home"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let cert = home["certificates"][0]["id"]
        .as_str()
        .context("no certificate")?
        .to_owned();
    let r = post(
        http,
        format!("{base}/api/v1/certificates/{cert}/renewal"),
        &token,
        json!({}),
    )
    .await?;
    let id = r["id"].as_str().context("no renewal")?.to_owned();
    let r = post(
        http,
        format!("{base}/api/v1/renewals/{id}/confirm-data"),
        &token,
        json!({}),
    )
    .await?;
    let hash = r["documents_hash"].clone();
    post(
        http,
        format!("{base}/api/v1/renewals/{id}/documents"),
        &token,
        json!({"documents_hash": hash, "accept_terms": true, "confirm_data": true}),
    )
    .await?;
    let code = last_code(http, base, user).await?;
    post(
        http,
        format!("{base}/api/v1/renewals/{id}/sign"),
        &token,
        json!({"pin": rinnova_app::demo::DEMO_PIN, "otp": code}),
    )
    .await?;
    let code = last_code(http, base, user).await?;
    post(
        http,
        format!("{base}/api/v1/renewals/{id}/activation-code"),
        &token,
        json!({"otp": code}),
    )
    .await?;
    let code = last_code(http, base, user).await?;
    let r = post(http, format!("{base}/api/v1/renewals/{id}/activate"), &token, json!({"pin": rinnova_app::demo::DEMO_PIN, "pin_confirm": rinnova_app::demo::DEMO_PIN, "otp": code})).await?;
    anyhow::ensure!(r["step"] == "completed", "not completed: {r}");
    Ok(())
}

async fn reminders(certificates: usize) -> anyhow::Result<Value> {
    const HOLDERS: usize = 10_000;
    const DAY: i64 = 86_400;
    let dir = tempfile_dir()?;
    let store = Store::open_sqlite_dir(&dir).await?;
    store.migrate().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.now();
    rinnova_app::ca_service::init(
        &store,
        &CaConfig::demo("http://rinnova-bench.it"),
        b"bench",
        KdfParams::default(),
        now,
    )
    .await?;

    let seeding = Instant::now();
    let mut tx = store.begin().await?;
    for i in 0..HOLDERS {
        let mut h = rinnova_app::demo::bench_holder(
            i,
            format!("h{i}"),
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$unused".into(),
            now.as_second(),
        )?;
        // Every fifth holder reads English: both catalogues are exercised.
        if i % 5 == 0 {
            h.lang = "en".into();
        }
        repo::holders::insert(&mut tx, &h).await?;
    }
    tx.commit().await?;
    // Expiries spread evenly from 90 days ago to three years ahead: a CA's steady state.
    let span = (3 * 365 + 90) * DAY;
    let first = now.as_second() - 90 * DAY;
    let mut batch = Vec::with_capacity(50_000);
    for i in 0..certificates {
        let offset = i64::try_from(i)? * span / i64::try_from(certificates.max(1))?;
        batch.push(CertificateRecord {
            id: format!("c{i}"),
            holder_id: format!("h{}", i % HOLDERS),
            credential_id: None,
            kind: "remote_signature".into(),
            serial_hex: format!("{i:016x}"),
            // The sweep never reads the DER; a placeholder keeps seeding fast.
            der: vec![0x30, 0x00],
            not_before: first + offset - 3 * 365 * DAY,
            not_after: first + offset,
            status: "active".into(),
            superseded_by: None,
            status_changed_at: None,
            device_expires_at: None,
            renewals_on_device: 0,
            created_at: now.as_second(),
            distributor_id: None,
        });
        if batch.len() == 50_000 || i + 1 == certificates {
            let mut tx = store.begin().await?;
            repo::certificates::insert_many(&mut tx, &batch).await?;
            tx.commit().await?;
            batch.clear();
        }
    }
    let seeding_s = seeding.elapsed().as_secs_f64();

    let app = App::open(store.clone(), AppConfig::default(), clock, b"bench").await?;
    let t = Instant::now();
    let sweep = app.due_reminders().await?;
    let find_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let sent = app.send_reminders().await?;
    let send_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let again = app.due_reminders().await?;
    let again_s = t.elapsed().as_secs_f64();
    // The outbox worker's own cost: every queued e-mail claimed, handed to a transport that
    // accepts at once, and marked sent.
    let t = Instant::now();
    let delivered = rinnova_notify::deliver_due_email(
        &store,
        &rinnova_notify::OutboxOnlyMail,
        12,
        &SystemClock,
    )
    .await?;
    let deliver_s = t.elapsed().as_secs_f64();
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "certificates": certificates,
        "examined": sweep.examined,
        "due": sweep.due.len(),
        "seconds": round3(find_s),
        "sent": sent.sent,
        "send_seconds": round3(send_s),
        "second_sweep_due": again.due.len(),
        "second_sweep_seconds": round3(again_s),
        "delivered": delivered,
        "deliver_seconds": round3(deliver_s),
        "seeding_seconds": round(seeding_s),
        "database": "sqlite",
    }))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Portal home-page latency with `sessions` logged-in holders browsing at once, and the
/// server's memory: a `rinnova serve` process on a fresh database.
async fn portal(
    sessions: usize,
    seconds: f64,
    think_ms: u64,
    database: Option<&str>,
) -> anyhow::Result<Value> {
    let db = BenchDb::new(database).await?;
    let config = AppConfig {
        demo: true,
        ..AppConfig::default()
    };
    let app = db.app(&config).await?;
    let users = app.seed_bench_holders(sessions).await?;
    drop(app);
    let server = Instance::start(&db, None)?;
    // Idle: started, nothing asked yet.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_idle_mb, _) = server.rss_mb();

    // Each holder logs in through the portal's form and keeps its session cookie.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut cookies = Vec::with_capacity(users.len());
    for chunk in users.chunks(8) {
        let logins = chunk.iter().map(|u| {
            let (http, base) = (http.clone(), server.base.clone());
            let u = u.clone();
            async move {
                let resp = http
                    .post(format!("{base}/login"))
                    .form(&[
                        ("user_id", u.as_str()),
                        ("password", rinnova_app::demo::DEMO_PASSWORD),
                    ])
                    .send()
                    .await?;
                resp.headers()
                    .get_all(reqwest::header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|c| c.starts_with("rnv_session="))
                    .and_then(|c| c.split(';').next())
                    .map(str::to_owned)
                    .context("no session cookie")
            }
        });
        for c in futures_join(logins).await {
            cookies.push(c?);
        }
    }

    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    let n = cookies.len().max(1) as u64;
    for (i, cookie) in cookies.into_iter().enumerate() {
        let (http, base) = (http.clone(), server.base.clone());
        let think = Duration::from_millis(think_ms);
        // Sessions start spread over one pause, not all in the same instant.
        let offset = Duration::from_millis(think_ms * i as u64 / n);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            tokio::time::sleep(offset).await;
            while start.elapsed() < budget {
                let t = Instant::now();
                let resp = http
                    .get(format!("{base}/"))
                    .header(reqwest::header::COOKIE, &cookie)
                    .send()
                    .await?;
                anyhow::ensure!(resp.status().is_success(), "home page: {}", resp.status());
                let body = resp.text().await?;
                anyhow::ensure!(body.contains("Bench"), "not the holder's home page");
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(think).await;
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (rss_now_mb, rss_peak_mb) = server.rss_mb();
    drop(server);
    let backend = db.backend();
    db.close().await;
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    Ok(json!({
        "sessions": sessions,
        "think_ms": think_ms,
        "requests": all.len(),
        "seconds": round(elapsed),
        "requests_per_s": round(all.len() as f64 / elapsed),
        "p50_ms": round3(pct(0.50)),
        "p99_ms": round3(pct(0.99)),
        "max_ms": round3(pct(1.0)),
        "rss_idle_mb": round(rss_idle_mb),
        "rss_after_mb": round(rss_now_mb),
        "rss_peak_mb": round(rss_peak_mb),
        "cores": cores(),
        "database": backend,
    }))
}

/// Runs futures concurrently and collects their outputs in order.
async fn futures_join<F>(fs: impl Iterator<Item = F>) -> Vec<F::Output>
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

/// Where a renewal's server time goes: the request-latency histograms of every instance
/// (`/metrics`), summed per route and divided by the renewals — milliseconds per renewal,
/// largest first.
async fn time_by_route(http: &reqwest::Client, bases: &[String], renewals: usize) -> Value {
    let mut totals: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for base in bases {
        let Ok(resp) = http.get(format!("{base}/metrics")).send().await else {
            continue;
        };
        let text = resp.text().await.unwrap_or_default();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("rinnova_http_request_duration_seconds_sum{") else {
                continue;
            };
            let (labels, value) = rest.split_once("} ").unwrap_or_default();
            let label = |name: &str| {
                labels
                    .split(',')
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=\"")))
                    .map(|v| v.trim_end_matches('"').to_owned())
                    .unwrap_or_default()
            };
            let key = format!("{} {}", label("method"), label("route"));
            *totals.entry(key).or_default() += value.trim().parse::<f64>().unwrap_or(0.0);
        }
    }
    let mut rows: Vec<(String, f64)> = totals
        .into_iter()
        .map(|(k, secs)| (k, secs * 1000.0 / renewals.max(1) as f64))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    Value::Array(
        rows.into_iter()
            .map(|(k, ms)| json!([k, round(ms)]))
            .collect(),
    )
}
