//! Issue 7: several instances on one PostgreSQL behave as one service, and losing one mid-load
//! loses nothing — every started renewal completes once (resumed on the other instance), no
//! certificate is issued twice, no payment taken twice, every reminder sent once.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const RENEWALS: usize = 500;
const PAID_EVERY: usize = 5;

/// Cheap Argon2id for load (the costs are not what is tested here).
const CHEAP_KDF: [(&str, &str); 7] = [
    // A client resuming after a lost instance asks for a new code at once.
    ("RINNOVA_APP__SMS_OTP__RESEND_AFTER_SECONDS", "0"),
    ("RINNOVA_APP__PIN_KDF__M_COST", "1024"),
    ("RINNOVA_APP__PIN_KDF__T_COST", "1"),
    ("RINNOVA_APP__PIN_KDF__P_COST", "1"),
    ("RINNOVA_APP__PASSWORD_KDF__M_COST", "1024"),
    ("RINNOVA_APP__PASSWORD_KDF__T_COST", "1"),
    ("RINNOVA_APP__PASSWORD_KDF__P_COST", "1"),
];

async fn post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> Result<Value, String> {
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let v: Value = resp.json().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(v)
    } else {
        Err(format!("HTTP {status}: {v}"))
    }
}

async fn get(http: &reqwest::Client, url: String, token: &str) -> Result<Value, String> {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

async fn last_code(http: &reqwest::Client, base: &str, user: &str) -> Result<String, String> {
    let msgs = get(
        http,
        format!("{base}/api/v1/demo/outbox?user_id={user}"),
        "",
    )
    .await?;
    let body = msgs
        .as_array()
        .and_then(|a| a.iter().find(|m| m["channel"] == "sms"))
        .and_then(|m| m["body"].as_str())
        .ok_or("no SMS")?
        .to_owned();
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .map(str::to_owned)
        .ok_or_else(|| "no code".to_owned())
}

/// Takes `user`'s renewal from wherever it is to the end, through the API of `base`, as a
/// client program that lost its connection would: log in, find the certificate (renewed
/// already: done), start or resume its renewal, then each remaining step.
async fn drive(http: &reqwest::Client, base: &str, user: &str) -> Result<(), String> {
    let login = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user_id": user, "password": "rinnova-demo"}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json::<Value>()
        .await
        .map_err(|e| e.to_string())?;
    let token = login["token"]
        .as_str()
        .ok_or(format!("login: {login}"))?
        .to_owned();
    let home = get(http, format!("{base}/api/v1/home"), &token).await?;
    let certs = home["certificates"].as_array().ok_or("no certificates")?;
    if certs.iter().any(|c| !c["renewed_by"].is_null()) {
        return Ok(());
    }
    let cert = certs[0]["id"].as_str().ok_or("no id")?;
    let mut r = post(
        http,
        format!("{base}/api/v1/certificates/{cert}/renewal"),
        &token,
        json!({}),
    )
    .await?;
    let id = r["id"].as_str().ok_or("no renewal id")?.to_owned();
    let api = |path: &str| format!("{base}/api/v1/renewals/{id}{path}");
    for _ in 0..12 {
        r = match r["step"].as_str().unwrap_or_default() {
            "completed" => return Ok(()),
            "check_data" => post(http, api("/confirm-data"), &token, json!({})).await?,
            "documents" => {
                let hash = r["documents_hash"].clone();
                post(
                    http,
                    api("/documents"),
                    &token,
                    json!({"documents_hash": hash, "accept_terms": true, "confirm_data": true}),
                )
                .await?
            }
            "sign" => {
                let code = last_code(http, base, user).await?;
                match post(
                    http,
                    api("/sign"),
                    &token,
                    json!({"pin": "12345678", "otp": code}),
                )
                .await
                {
                    // The code was spent by a request whose instance died before it finished
                    // (the code is checked and spent first, then the slow PIN work): the
                    // holder asks for a new one.
                    Err(e) if e.contains("RNV-OTP-") => {
                        post(http, api("/otp"), &token, json!({})).await?
                    }
                    r => r?,
                }
            }
            "payment" => {
                post(
                    http,
                    api("/payment/prepaid"),
                    &token,
                    json!({"user_id": "PPAG001", "password": "rinnova-prepagato"}),
                )
                .await?
            }
            "activate" if r["activation_otp_verified"] != true => {
                let code = last_code(http, base, user).await?;
                match post(http, api("/activation-code"), &token, json!({"otp": code})).await {
                    Err(e) if e.contains("RNV-OTP-") => {
                        post(http, api("/otp"), &token, json!({})).await?
                    }
                    r => r?,
                }
            }
            "activate" => {
                let code = last_code(http, base, user).await?;
                match post(
                    http,
                    api("/activate"),
                    &token,
                    json!({"pin": "12345678", "pin_confirm": "12345678", "otp": code}),
                )
                .await
                {
                    Err(e) if e.contains("RNV-OTP-") => {
                        post(http, api("/otp"), &token, json!({})).await?
                    }
                    r => r?,
                }
            }
            other => return Err(format!("unexpected step {other}: {r}")),
        };
    }
    Err(format!("no end in sight: {r}"))
}

fn count(data: &Path, sql: &str) -> i64 {
    tamper(data, sql)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{sql}"))
}

#[tokio::test]
async fn two_instances_on_postgres_lose_one_mid_load_and_nothing_is_lost_or_doubled() {
    let data = tempfile::tempdir().unwrap();
    let base = rinnova_store::testing::postgres_base()
        .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432".into());
    database_at(data.path(), &base);
    let env: Vec<(&str, &str)> = CHEAP_KDF
        .iter()
        .copied()
        .chain([("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0")])
        .collect();
    // One after the other: the first creates the schema, the CA and the demo data.
    let a = Server::start_with(data.path(), &env);
    let b = Server::start_with(data.path(), &env);
    let cli = |args: &[&str]| {
        let out = bin(data.path())
            .args(args)
            .env("RUST_LOG", "warn")
            .envs(CHEAP_KDF.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    cli(&[
        "demo",
        "holders",
        "--count",
        &RENEWALS.to_string(),
        "--paid-every",
        &PAID_EVERY.to_string(),
    ]);
    cli(&[
        "prepaid", "top-up", "PPAG001", "--purse", "tariffa", "--amount", "100000",
    ]);

    // Reminder sweeps from both sides while the renewals run.
    let sweeps: Vec<_> = (0..2)
        .map(|_| {
            bin(data.path())
                .args(["reminders", "run", "--json"])
                .env("RUST_LOG", "warn")
                .envs(CHEAP_KDF.iter().copied())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();

    let users: Vec<String> = (1..=RENEWALS).map(|i| format!("BENCH{i:06}")).collect();
    let queue = Arc::new(std::sync::Mutex::new(users.clone()));
    let completed = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let (base_a, base_b) = (a.base.clone(), b.base.clone());
    let mut tasks = Vec::new();
    for client in 0..12 {
        let (queue, completed, http) = (queue.clone(), completed.clone(), http.clone());
        let (mine, other) = if client % 2 == 0 {
            (base_a.clone(), base_b.clone())
        } else {
            (base_b.clone(), base_a.clone())
        };
        tasks.push(tokio::spawn(async move {
            let mut interrupted = Vec::new();
            loop {
                let Some(user) = queue.lock().unwrap().pop() else {
                    return interrupted;
                };
                match drive(&http, &mine, &user).await {
                    Ok(()) => {
                        completed.fetch_add(1, Ordering::SeqCst);
                    }
                    // Its instance died under it: the user will resume on the other one.
                    Err(e) => interrupted.push((user, other.clone(), e)),
                }
            }
        }));
    }
    // Mid-load, instance B dies (SIGKILL: no graceful anything).
    while completed.load(Ordering::SeqCst) < RENEWALS / 3 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    b.kill();
    let mut interrupted = Vec::new();
    for t in tasks {
        interrupted.extend(t.await.unwrap());
    }
    assert!(
        !interrupted.is_empty(),
        "the kill interrupted renewals under way"
    );
    // Every interrupted renewal resumes on the surviving instance and completes.
    for (user, _, why) in &interrupted {
        drive(&http, &base_a, user)
            .await
            .unwrap_or_else(|e| panic!("{user} (interrupted: {why}) did not resume: {e}"));
    }
    for mut s in sweeps {
        assert!(s.wait().unwrap().success());
    }
    // The killed instance comes back; its start-up sweep finds nothing more to send.
    let b = Server::start_with(data.path(), &CHEAP_KDF);
    for user in users.iter().take(5) {
        drive(&http, &b.base, user).await.unwrap();
    }

    let d = data.path();
    let bench = "SELECT id FROM holders WHERE user_id LIKE 'BENCH%'";
    // Every renewal completed once; none left open.
    assert_eq!(
        count(
            d,
            &format!(
                "SELECT COUNT(*) FROM renewals WHERE step = 'completed' AND holder_id IN ({bench})"
            )
        ),
        RENEWALS as i64
    );
    assert_eq!(
        count(
            d,
            "SELECT COUNT(*) FROM renewals WHERE step NOT IN ('completed', 'cancelled')"
        ),
        0
    );
    // No certificate issued twice: one new certificate per holder, one active each, serials
    // unique, each renewal pointing to its own.
    assert_eq!(
        count(
            d,
            &format!("SELECT COUNT(*) FROM certificates WHERE holder_id IN ({bench})")
        ),
        2 * RENEWALS as i64
    );
    assert_eq!(
        count(
            d,
            &format!(
                "SELECT COUNT(*) FROM (SELECT holder_id FROM certificates WHERE status = 'active' AND holder_id IN ({bench}) GROUP BY holder_id HAVING COUNT(*) <> 1) x"
            )
        ),
        0
    );
    assert_eq!(
        count(
            d,
            "SELECT COUNT(*) - COUNT(DISTINCT serial_hex) FROM certificates"
        ),
        0
    );
    assert_eq!(
        count(
            d,
            "SELECT COUNT(DISTINCT new_certificate_id) FROM renewals WHERE step = 'completed'"
        ),
        count(d, "SELECT COUNT(*) FROM renewals WHERE step = 'completed'")
    );
    // No payment taken twice: one settled payment and one debit per paid renewal.
    let paid = (RENEWALS / PAID_EVERY) as i64;
    assert_eq!(
        count(d, "SELECT COUNT(*) FROM payments WHERE status = 'settled'"),
        paid
    );
    assert_eq!(
        count(
            d,
            "SELECT COUNT(*) FROM prepaid_entries WHERE movement = 'debit'"
        ),
        paid
    );
    assert_eq!(
        count(
            d,
            "SELECT COUNT(*) FROM (SELECT renewal_id FROM prepaid_entries WHERE movement = 'debit' GROUP BY renewal_id HAVING COUNT(*) > 1) x"
        ),
        0
    );
    // Every reminder sent once: one e-mail per reminder recorded as sent, none twice.
    let sent = count(
        d,
        "SELECT COUNT(*) FROM reminders WHERE outbox_id IS NOT NULL",
    );
    assert!(sent > 0, "the sweeps sent reminders");
    assert_eq!(
        count(
            d,
            "SELECT COUNT(*) FROM outbox o JOIN reminders r ON r.outbox_id = o.id"
        ),
        sent
    );
    // No reminder e-mail without its record (a second sweep's message that lost the race).
    assert_eq!(
        count(
            d,
            "SELECT COUNT(*) FROM outbox WHERE subject IN \
             (SELECT DISTINCT o.subject FROM outbox o JOIN reminders r ON r.outbox_id = o.id)"
        ),
        sent
    );
    drop(a);
    drop(b);
}

/// Issue 7, measured as deployed: `bench renew --database-cpus` runs PostgreSQL on CPUs of its
/// own and the service on the others, and gives PostgreSQL its CPUs back when done.
#[test]
fn bench_on_postgres_pins_the_database_cpus_and_gives_them_back() {
    let base = rinnova_store::testing::postgres_base()
        .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432".into());
    let server_cpus = || {
        let out = Command::new("psql")
            .arg(format!("{base}/postgres"))
            // A process that outlives this query (psql's own backend ends with it), whose
            // parent is the server.
            .args([
                "-Atc",
                "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'",
            ])
            .output()
            .expect("psql");
        let checkpointer = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let status = std::fs::read_to_string(format!("/proc/{checkpointer}/status"))
            .expect("PostgreSQL runs on this machine");
        let postmaster = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .unwrap()
            .trim()
            .to_owned();
        let status = std::fs::read_to_string(format!("/proc/{postmaster}/status")).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .unwrap()
            .trim()
            .to_owned()
    };
    let before = server_cpus();
    let data = tempfile::tempdir().unwrap();
    let out = bin(data.path())
        .args(["bench", "renew", "--renewals", "4", "--clients", "2"])
        .args(["--seconds", "0.2", "--database-cpus", "0", "--database"])
        .arg(&base)
        .arg("--json")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["renewals"], 4, "{v}");
    assert_eq!(v["database"], "postgres");
    assert_eq!(v["database_cpus"], json!([0]));
    let cpus = v["cpus"].as_array().unwrap();
    assert!(!cpus.is_empty() && !cpus.contains(&json!(0)), "{v}");
    assert!(v["ratio"].as_f64().unwrap() > 0.0, "{v}");
    assert_eq!(server_cpus(), before, "PostgreSQL gets its CPUs back");
}
