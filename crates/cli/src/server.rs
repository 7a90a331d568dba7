//! `rinnova serve`: the store, the CA, the app, the HTTP server and the outbox worker.

use crate::config::Config;
use anyhow::Context;
use rinnova_app::App;
use rinnova_app::root::RootKeys;
use rinnova_ca::CaConfig;
use rinnova_domain::Clock;
use rinnova_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Opens the database and applies migrations.
pub async fn open_store(cfg: &Config) -> anyhow::Result<Store> {
    if cfg.database.is_none() {
        private_data_dir(cfg)?;
    }
    let timeout = std::time::Duration::from_secs(cfg.database_timeout_seconds.max(1));
    let store = Store::connect_with(&cfg.database_url(), 8, timeout)
        .await
        .context("opening the database")?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// The data directory only its user may enter (0700) and the SQLite file only its user may
/// read (0600; SQLite gives its WAL and shared-memory files the database file's mode): they
/// hold holders' data, wrapped keys and the audit trail (issue 21). Created so, or tightened.
fn private_data_dir(cfg: &Config) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = &cfg.data_dir;
    rinnova_app::util::create_private_dir(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let tighten = |path: &std::path::Path, mode: u32| -> anyhow::Result<()> {
        let meta = std::fs::metadata(path)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("making {} private", path.display()))?;
        }
        Ok(())
    };
    tighten(dir, 0o700)?;
    let db = dir.join(DATABASE_FILE);
    // Created here, before SQLite would create it with the umask's mode.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&db)
        .with_context(|| format!("creating {}", db.display()))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        let path = std::path::PathBuf::from(name);
        if path.exists() {
            tighten(&path, 0o600)?;
        }
    }
    Ok(())
}

/// The SQLite file in the data directory.
pub const DATABASE_FILE: &str = "rinnova.sqlite3";

/// Opens the database to read it only: no migration (the database must be at this version's
/// schema), no file created; for `audit verify`.
pub async fn open_store_to_read(cfg: &Config) -> anyhow::Result<Store> {
    if cfg.database.is_none() {
        let db = cfg.data_dir.join(DATABASE_FILE);
        anyhow::ensure!(db.exists(), "no database at {}", db.display());
    }
    let timeout = std::time::Duration::from_secs(cfg.database_timeout_seconds.max(1));
    let store = Store::connect_with(&cfg.database_url(), 2, timeout)
        .await
        .context("opening the database")?;
    anyhow::ensure!(
        store.is_migrated().await?,
        "the database is from another version of rinnova: start this version's `rinnova serve` \
         (or any command that migrates) once, then verify"
    );
    Ok(store)
}

/// Who the CA's creation is recorded as done by: the operator running `ca init` (or `keys
/// init`), or the demo's first start.
fn ceremony_operator(demo: bool) -> rinnova_app::Operator {
    if demo {
        rinnova_app::Operator {
            actor: "demo".into(),
            ctx: rinnova_app::Ctx::default(),
        }
    } else {
        crate::cmd::operator()
    }
}

/// Creates the CA unless it exists.
pub async fn init_ca(store: &Store, cfg: &Config, demo: bool) -> anyhow::Result<bool> {
    let mut ca = CaConfig::demo(&cfg.public_url());
    let pds = cfg.pds_url()?;
    ca.urls.pds_en = format!("{pds}/en");
    ca.urls.pds_it = format!("{pds}/it");
    ca.algorithm = cfg.ca.algorithm;
    if let Some(o) = &cfg.ca.organization {
        ca.organization = o.clone();
    }
    if let Some(o) = &cfg.ca.organization_identifier {
        ca.organization_identifier = o.clone();
    }
    if let Some(o) = &cfg.ca.policy_oid {
        ca.policy_oid = o.clone();
    }
    let today = crate::cmd::now();
    let now = today;
    // The demo's holders hold certificates issued up to three years ago: its CA is dated four
    // years back so that every one of them lies within its issuer's validity (a real CA's
    // `ca init` is dated now).
    let now = if demo {
        now.checked_sub(jiff::SignedDuration::from_hours(24 * (4 * 365 + 1)))?
    } else {
        now
    };
    if cfg.keys.backend == Some(crate::config::KeyBackend::Pkcs11) {
        // The key ceremony's CA part: the root's key on its own token, the issuing CA's on
        // the service's.
        if rinnova_app::ca_service::exists(store).await? {
            return Ok(false);
        }
        let root = std::sync::Arc::new(
            rinnova_ca::Hsm::open(&cfg.keys.root_hsm()?).context("opening the root's token")?,
        );
        let service = std::sync::Arc::new(
            rinnova_ca::Hsm::open(&cfg.keys.hsm()?).context("opening the service's token")?,
        );
        let created =
            rinnova_app::ca_service::init_in_tokens(store, &ca, &root, &service, now).await?;
        if created {
            rinnova_app::ca_service::first_root_crl(
                store,
                RootKeys::Token(root),
                &ceremony_operator(demo),
                today,
            )
            .await?;
        }
        return Ok(created);
    }
    let passphrase = cfg.passphrase(demo)?;
    let created = rinnova_app::ca_service::init(
        store,
        &ca,
        &passphrase,
        rinnova_ca::KdfParams::default(),
        now,
    )
    .await?;
    if created {
        // Dated today even in the demo, whose CA is dated back: the CRL must be current.
        rinnova_app::ca_service::first_root_crl(
            store,
            RootKeys::Passphrase(passphrase),
            &ceremony_operator(demo),
            today,
        )
        .await?;
    }
    Ok(created)
}

/// Where `serve --demo` keeps keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoKeys {
    /// Holders' keys sealed in software under their PIN.
    Software,
    /// A SoftHSM2 token under the data directory.
    Softhsm,
}

/// The demo token's label and PINs (a demo's, printed at start: never a real token's).
pub const DEMO_TOKEN_LABEL: &str = "rinnova-demo";
pub const DEMO_TOKEN_USER_PIN: &str = "rinnova-demo-user";
const DEMO_TOKEN_SO_PIN: &str = "rinnova-demo-so";
pub const DEMO_ROOT_TOKEN_LABEL: &str = "root-rinnova-demo";
const DEMO_ROOT_TOKEN_USER_PIN: &str = "root-rinnova-demo-user";

/// `serve --demo --keys softhsm`: SoftHSM2's tokens under `<data_dir>/softhsm` (re-executes
/// this process with `SOFTHSM2_CONF` naming them, unless it does already).
pub fn demo_softhsm_environment(data_dir: &std::path::Path) -> anyhow::Result<()> {
    Ok(rinnova_ca::hsm::softhsm_environment(
        &data_dir.join("softhsm"),
    )?)
}

/// `serve --demo --keys softhsm`: the demo token, made on first run (and its key ceremony),
/// becomes the configured key backend.
pub fn demo_softhsm(cfg: &mut Config) -> anyhow::Result<()> {
    use crate::config::{KeyBackend, SOFTHSM_MODULE};
    let module = std::path::Path::new(SOFTHSM_MODULE);
    anyhow::ensure!(
        module.exists(),
        "--keys softhsm needs SoftHSM2 ({SOFTHSM_MODULE}): apt-get install softhsm2"
    );
    cfg.keys.backend = Some(KeyBackend::Pkcs11);
    cfg.keys.module = module.to_path_buf();
    cfg.keys.token_label = DEMO_TOKEN_LABEL.into();
    cfg.keys.user_pin = Some(DEMO_TOKEN_USER_PIN.into());
    cfg.keys.root_token_label = DEMO_ROOT_TOKEN_LABEL.into();
    cfg.keys.root_user_pin = Some(DEMO_ROOT_TOKEN_USER_PIN.into());
    rinnova_ca::hsm::own_token(
        module,
        DEMO_TOKEN_LABEL,
        DEMO_TOKEN_SO_PIN,
        &DEMO_TOKEN_USER_PIN.into(),
        true,
    )?;
    // The root's token: only the CA's creation (first run) opens it.
    rinnova_ca::hsm::own_token(
        module,
        DEMO_ROOT_TOKEN_LABEL,
        DEMO_TOKEN_SO_PIN,
        &DEMO_ROOT_TOKEN_USER_PIN.into(),
        false,
    )?;
    Ok(())
}

/// SIGINT or SIGTERM (the service stops gracefully; a benchmark gives back what it pinned).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Runs the service until SIGINT/SIGTERM.
pub async fn serve(mut cfg: Config, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    // With port 0 the real address is known only now.
    cfg.listen = addr.to_string();
    let store = open_store(&cfg).await?;
    if demo {
        cfg.app.demo = true;
        if init_ca(&store, &cfg, true).await? {
            tracing::info!("demo CA created");
        }
    }
    cfg.app.public_url = cfg.public_url();
    cfg.app.audit_export_dir = Some(cfg.audit_export_dir());
    cfg.app.outside_tsa = cfg.outside_tsa()?;
    let clock: Arc<dyn Clock> = crate::cmd::clock();
    let keys = cfg.keys(demo)?;
    // Holders log in and the certificates' disclosure statements are read there: outside the
    // demo only over TLS (issue 21).
    anyhow::ensure!(
        demo || cfg.public_url().starts_with("https://"),
        "public_url must be an https address outside the demo (it is {}): set public_url to \
         the address holders use, behind a TLS-terminating proxy (docs/DEPLOYMENT.md)",
        cfg.public_url()
    );
    tracing::info!(backend = keys.holders.kind(), "holders' keys");
    let app = App::open(store.clone(), cfg.app.clone(), clock.clone(), keys).await?;
    if demo {
        if app.seed_demo().await? {
            tracing::info!("demo holders created");
        }
        print_demo(&cfg);
    }
    let channels = cfg.channels()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(rinnova_notify::run_worker(
        store.clone(),
        channels,
        clock,
        Duration::from_secs(2),
        async move {
            let mut rx = stop_rx;
            let _ = rx.wait_for(|s| *s).await;
        },
    ));
    let sweeper = {
        let app = app.clone();
        tokio::spawn(every(
            cfg.app.reminder_sweep_minutes,
            stop_tx.subscribe(),
            move || {
                let app = app.clone();
                async move {
                    if let Err(e) = app.send_reminders().await {
                        tracing::error!(error = %rinnova_app::error::chain(&e), "reminder sweep failed");
                    }
                }
            },
        ))
    };
    let sealer = {
        let app = app.clone();
        tokio::spawn(every(
            cfg.audit.seal_minutes,
            stop_tx.subscribe(),
            move || {
                let app = app.clone();
                async move {
                    if let Err(e) = app.seal_audit().await {
                        tracing::error!(error = %rinnova_app::error::chain(&e), "audit seal failed");
                    }
                }
            },
        ))
    };
    // Signed forms are time-stamped again before their last unit's certificate ends.
    let restamper = {
        let app = app.clone();
        tokio::spawn(every(60, stop_tx.subscribe(), move || {
            let app = app.clone();
            async move {
                if let Err(e) = app.restamp_forms().await {
                    tracing::error!(error = %rinnova_app::error::chain(&e), "evidence time-stamping failed");
                }
            }
        }))
    };
    // The CRL is issued again on change (at the next request) and at least hourly.
    let crl = {
        let app = app.clone();
        tokio::spawn(every(10, stop_tx.subscribe(), move || {
            let app = app.clone();
            async move {
                if let Err(e) = app.crl().await {
                    tracing::error!(error = %rinnova_app::error::chain(&e), "CRL issuance failed");
                }
            }
        }))
    };
    let secure = cfg
        .secure_cookies
        .unwrap_or_else(|| cfg.public_url().starts_with("https://"));
    let router = rinnova_web::router(rinnova_web::WebState {
        app,
        secure_cookies: secure,
        trusted_proxies: cfg.trusted_proxies.clone(),
        metrics: rinnova_web::metrics_recorder(),
    });
    // Tests and scripts read this line to find the port.
    println!("rinnova listening on http://{addr}");
    tracing::info!(%addr, demo, "rinnova listening");
    let limits = crate::http::Limits {
        header_timeout: Duration::from_secs(cfg.header_timeout_seconds.max(1)),
        max_connections: crate::http::connection_cap(cfg.max_connections),
    };
    crate::http::serve(listener, router, limits, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = sweeper.await;
    let _ = sealer.await;
    let _ = crl.await;
    let _ = restamper.await;
    Ok(())
}

/// Runs `job` at start and every `minutes` (0: never) until stopped: the reminder sweep (SPEC
/// N1; several instances may sweep at once, the unique reminder record lets one send each) and
/// the audit seal (SPEC X2; one seal per head, whoever signs first).
async fn every<F, Fut>(minutes: u64, mut stop: tokio::sync::watch::Receiver<bool>, job: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if minutes == 0 {
        return;
    }
    loop {
        job().await;
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(Duration::from_secs(minutes * 60)) => {}
        }
    }
}

fn print_demo(cfg: &Config) {
    println!("rinnova demo — {}", cfg.public_url());
    println!(
        "  password for every holder: {}   signature PIN: {}",
        rinnova_app::demo::DEMO_PASSWORD,
        rinnova_app::demo::DEMO_PIN
    );
    for h in rinnova_app::demo::holders() {
        println!("  {:<8} {}", h.user_id, h.situation.1);
    }
    println!(
        "  TOTP token of JZLF006: oathtool --totp -d 6 {}",
        rinnova_app::demo::DEMO_TOKEN_SECRET
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let coupons: Vec<String> = rinnova_app::demo::coupons()
        .iter()
        .map(|c| c.display())
        .collect();
    println!("  reseller's coupons (JZLF009): {}", coupons.join(" "));
    println!(
        "  prepaid account: {} / {}",
        rinnova_app::demo::DEMO_PREPAID.0,
        rinnova_app::demo::DEMO_PREPAID.1
    );
    println!(
        "  RAO operator: {} / {}",
        rinnova_app::demo::DEMO_RAO.0,
        rinnova_app::demo::DEMO_RAO.1
    );
    println!("  SMS and e-mails: {}/demo/outbox", cfg.public_url());
    if cfg.keys.backend == Some(crate::config::KeyBackend::Pkcs11) {
        println!(
            "  holders' keys: SoftHSM2 token {DEMO_TOKEN_LABEL} (user PIN {DEMO_TOKEN_USER_PIN}); \
             SOFTHSM2_CONF={} pkcs11-tool --module {} --token-label {DEMO_TOKEN_LABEL} --login \
             --pin {DEMO_TOKEN_USER_PIN} --list-objects",
            std::env::var("SOFTHSM2_CONF").unwrap_or_default(),
            cfg.keys.module.display()
        );
    } else {
        println!("  holders' keys: software (serve --demo --keys softhsm keeps them in SoftHSM2)");
    }
}
