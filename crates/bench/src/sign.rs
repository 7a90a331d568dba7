//! `bench sign`: remote signatures through the CSC API (issue 22) against the device signing
//! the same batches directly, in the same run on the same cores.

use super::*;
use crate::renew::post;

/// What `bench sign` was asked for.
pub(crate) struct SignRun {
    /// Hashes per authorisation (one `credentials/authorize`, one `signatures/signHash`).
    pub batch: usize,
    /// Concurrent signing applications, one holder each.
    pub clients: usize,
    /// Seconds of API load, and of the raw measurement (half before, half after).
    pub seconds: f64,
    pub keys: BenchKeys,
}

pub(crate) async fn sign(run: SignRun) -> anyhow::Result<Value> {
    let db = BenchDb::new(None).await?;
    let figures = sign_on(&db, &run).await;
    db.close().await;
    figures
}

async fn sign_on(db: &BenchDb, run: &SignRun) -> anyhow::Result<Value> {
    anyhow::ensure!(
        (1..=100).contains(&run.batch),
        "--batch: 1 to 100 hashes (the service's multisign)"
    );
    let config = AppConfig {
        demo: true,
        ..AppConfig::default()
    };
    let app = db.app(&config, run.keys).await?;
    let users = app.seed_bench_holders(run.clients.max(1)).await?;
    let (base, server) = serve_in_process(&app).await?;

    // A warm-up, not counted (the token's sessions opened, the cores at speed).
    raw_signatures(&app, 1.0, run.batch).await?;
    let raw_before = raw_signatures(&app, run.seconds / 2.0, run.batch).await?;
    let http = reqwest::Client::new();
    let cpu = CpuTimes::now(&crate::cpus::allowed()?);
    let start = Instant::now();
    let budget = Duration::from_secs_f64(run.seconds);
    let mut tasks = Vec::new();
    for (n, user) in users.into_iter().enumerate() {
        let (http, base, batch, app) = (http.clone(), base.clone(), run.batch, app.clone());
        tasks.push(tokio::spawn(async move {
            signing_application(&app, &http, &base, &user, batch, n, start, budget).await
        }));
    }
    let (mut signatures, mut authorizations) = (0usize, 0usize);
    for t in tasks {
        let (s, a) = t.await??;
        signatures += s;
        authorizations += a;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cores_busy = cpu.and_then(|c| c.cores_busy_since());
    server.abort();
    let raw_after = raw_signatures(&app, run.seconds / 2.0, run.batch).await?;
    let raw = (raw_before + raw_after) / 2.0;
    let api = signatures as f64 / elapsed;
    Ok(json!({
        "signatures": signatures,
        "authorizations": authorizations,
        "hashes_per_authorization": run.batch,
        "clients": run.clients,
        "seconds": round(elapsed),
        "api_signatures_per_s": round(api),
        "raw_signatures_per_s": round(raw),
        "raw_before_after_per_s": [round(raw_before), round(raw_after)],
        "ratio": round(api / raw),
        "cores": cores(),
        "cores_busy": cores_busy,
        "keys": run.keys.as_str(),
        "database": db.backend(),
        "what": "API: per authorisation, credentials/sendOTP, the code read from the demo \
                 outbox (in the store, as a phone would show it), credentials/authorize (code, PIN checked in the device, the SAD stored \
                 bound to the hashes), signatures/signHash of all of them (SAD spent, the key \
                 opened once, one ECDSA signature per hash, audited). Raw: the same device \
                 signing the same batches directly (PIN checked, key opened once, one ECDSA \
                 signature per hash), one thread per core.",
    }))
}

/// A signing application: logs its holder in (`auth/login`), then authorises and signs
/// batches until the budget is spent. Returns signatures and authorisations made. The holder
/// reads each SMS code on their phone: here, the newest message of the demo outbox, read
/// from the store (not an API call to count).
#[expect(clippy::too_many_arguments, reason = "the run's parameters, one each")]
async fn signing_application(
    app: &App,
    http: &reqwest::Client,
    base: &str,
    user: &str,
    batch: usize,
    n: usize,
    start: Instant,
    budget: Duration,
) -> anyhow::Result<(usize, usize)> {
    let login: Value = http
        .post(format!("{base}/csc/v2/auth/login"))
        .basic_auth(user, Some(rinnova_app::demo::DEMO_PASSWORD))
        .json(&json!({}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .context("CSC login failed")?
        .to_owned();
    let list = post(
        http,
        format!("{base}/csc/v2/credentials/list"),
        &token,
        json!({}),
    )
    .await?;
    let credential = list["credentialIDs"][0]
        .as_str()
        .context("no credential")?
        .to_owned();
    let b64 = base64::engine::general_purpose::STANDARD;
    let (mut signatures, mut authorizations, mut counter) = (0, 0, 0u64);
    while start.elapsed() < budget {
        let hashes: Vec<String> = (0..batch)
            .map(|_| {
                counter += 1;
                base64::Engine::encode(
                    &b64,
                    rinnova_app::util::sha256(format!("{n}/{counter}").as_bytes()),
                )
            })
            .collect();
        let sent = http
            .post(format!("{base}/csc/v2/credentials/sendOTP"))
            .bearer_auth(&token)
            .json(&json!({"credentialID": credential}))
            .send()
            .await?;
        anyhow::ensure!(sent.status().is_success(), "sendOTP: {}", sent.status());
        let sms = app.demo_outbox(Some(user), 3).await?;
        let code = sms
            .iter()
            .find(|m| m.channel == "sms")
            .and_then(|m| {
                m.body
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
            })
            .context("no SMS code")?
            .to_owned();
        let sad = post(
            http,
            format!("{base}/csc/v2/credentials/authorize"),
            &token,
            json!({"credentialID": credential, "numSignatures": batch, "hashes": hashes,
                   "authData": [{"id": "PIN", "value": rinnova_app::demo::DEMO_PIN},
                                {"id": "OTP", "value": code}]}),
        )
        .await?;
        authorizations += 1;
        let signed = post(
            http,
            format!("{base}/csc/v2/signatures/signHash"),
            &token,
            json!({"credentialID": credential, "SAD": sad["SAD"], "hashes": hashes,
                   "signAlgo": "1.2.840.10045.4.3.2"}),
        )
        .await?;
        let got = signed["signatures"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(got == batch, "{got} signatures for {batch} hashes");
        signatures += got;
    }
    Ok((signatures, authorizations))
}

/// Signatures per second by the app's device itself, batches of `batch` digests with one
/// opening of the key each, one thread per core.
async fn raw_signatures(app: &App, seconds: f64, batch: usize) -> anyhow::Result<f64> {
    let pin = Pin::parse(rinnova_app::demo::DEMO_PIN)?;
    let device = app.holder_device().clone();
    let key = device.create_key(&pin)?;
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut workers = Vec::new();
    for w in 0..cores() {
        let (device, pin, sealed) = (device.clone(), pin.clone(), key.sealed_private.clone());
        workers.push(tokio::task::spawn_blocking(
            move || -> anyhow::Result<usize> {
                let mut n = 0usize;
                while start.elapsed() < budget {
                    let digests: Vec<Vec<u8>> = (0..batch)
                        .map(|i| {
                            rinnova_app::util::sha256(format!("raw {w}/{n}/{i}").as_bytes())
                                .to_vec()
                        })
                        .collect();
                    let signed = device
                        .sign_digests(&sealed, &pin, &digests)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    n += signed.len();
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
