//! `bench renew`: complete renewals through the real server, against the crypto they cannot avoid.

use super::*;
use crate::issue::subject;

/// What `bench renew` was asked for.
pub(crate) struct RenewRun<'a> {
    pub renewals: usize,
    pub clients: usize,
    pub seconds: f64,
    pub database: Option<&'a str>,
    pub instances: usize,
    pub database_cpus: &'a [usize],
    pub keys: BenchKeys,
}

pub(crate) async fn renew(
    run: RenewRun<'_>,
    interrupted: impl std::future::Future<Output = ()>,
) -> anyhow::Result<Value> {
    let RenewRun {
        renewals,
        clients,
        seconds,
        database,
        instances,
        database_cpus,
        keys,
    } = run;
    anyhow::ensure!(
        database_cpus.is_empty() || database.is_some(),
        "--database-cpus pins a PostgreSQL server: name it with --database"
    );
    let db = BenchDb::new(database).await?;
    // Interrupted (SIGINT, SIGTERM) or failed, the run is dropped — its instances stop, a
    // PostgreSQL it pinned gets its CPUs back (the guards' drops) — and its database goes.
    let figures = tokio::select! {
        r = renew_on(&db, renewals, clients, seconds, instances, database_cpus, keys) => r,
        () = interrupted => Err(anyhow::anyhow!("interrupted")),
    };
    db.close().await;
    figures
}

pub(crate) async fn renew_on(
    db: &BenchDb,
    renewals: usize,
    clients: usize,
    seconds: f64,
    instances: usize,
    database_cpus: &[usize],
    keys: BenchKeys,
) -> anyhow::Result<Value> {
    // Real Argon2id costs, as in production.
    let config = AppConfig {
        demo: true,
        ..AppConfig::default()
    };
    let app = db.app(&config, keys).await?;
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
        let (base, server) = serve_in_process(&app).await?;
        bases.push(base);
        in_process = Some(server);
    } else {
        // Instances on one machine share its cores, as `cpu_threads` says to deploy them.
        let share = (instances > 1).then(|| (cores() / instances).max(1));
        for _ in 0..instances.max(1) {
            let i = Instance::start(db, share, keys)?;
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

    // The crypto a renewal cannot avoid, on the same cores: password check at login, the PIN
    // checked and the key used at step 4, a new key made and sealed (software: under the
    // PIN; HSM: wrapped, with its PIN tag) and the CA's signature at step 7.
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
        "keys": keys.as_str(),
        "instances": bases.len(),
        "server_ms_per_renewal_by_route": by_route,
    }))
}

/// Pins the PostgreSQL server under `app` (on this machine) to `database_cpus` and this process
/// — the clients, the crypto-bound measurement and the instances it starts — to the others.
pub(crate) async fn pin_database(
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

pub(crate) async fn crypto_bound(
    app: &App,
    config: &AppConfig,
    seconds: f64,
) -> anyhow::Result<f64> {
    let pin = Pin::parse(rinnova_app::demo::DEMO_PIN)?;
    // The app's own device: software, or the token.
    let device = app.holder_device().clone();
    let key = device.create_key(&pin)?;
    let hash =
        rinnova_app::util::hash_password(rinnova_app::demo::DEMO_PASSWORD, config.password_kdf)?;
    let form = vec![0x25; 3000];
    // The signature's time-stamp (PAdES B-T): one more signature by the CA's unit.
    let unit = app.delegate(rinnova_ca::Purpose::TimeStamping).await?;
    let policy = rinnova_ca::tsa::ObjectIdentifier::new(&app.config().tsa_policy_oid)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let query = rinnova_ca::tsa::request_for_sha256(&[7; 32])?;
    let algorithm = app.ca().material().config.algorithm;
    // PAdES B-LT and B-LTA: the responder's answer about the signer's certificate and the
    // document time-stamp, one more signature by the unit (the answer about the unit itself is
    // shared by the forms of five minutes: not counted).
    let responder = app.delegate(rinnova_ca::Purpose::OcspResponder).await?;
    let question = app.ca().ocsp_question_for(&unit.cert_der)?;
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..cores() {
        let (pin, key, hash, form, app, device, unit, query, responder, question) = (
            pin.clone(),
            key.clone(),
            hash.clone(),
            form.clone(),
            app.clone(),
            device.clone(),
            unit.clone(),
            query.clone(),
            responder.clone(),
            question.clone(),
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
                    for _ in 0..2 {
                        rinnova_ca::tsa::grant(
                            &unit,
                            algorithm,
                            &policy,
                            &query,
                            &[9; 16],
                            SystemClock.now(),
                        )?;
                    }
                    app.ca().ocsp_answer(
                        &responder,
                        &question,
                        &[rinnova_ca::revocation::Status::Good],
                        SystemClock.now(),
                    )?;
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

pub(crate) async fn post(
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

pub(crate) async fn last_code(
    http: &reqwest::Client,
    base: &str,
    user: &str,
) -> anyhow::Result<String> {
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
pub(crate) async fn one_renewal(
    http: &reqwest::Client,
    base: &str,
    user: &str,
) -> anyhow::Result<()> {
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

/// Where a renewal's server time goes: the request-latency histograms of every instance
/// (`/metrics`), summed per route and divided by the renewals — milliseconds per renewal,
/// largest first.
pub(crate) async fn time_by_route(
    http: &reqwest::Client,
    bases: &[String],
    renewals: usize,
) -> Value {
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
