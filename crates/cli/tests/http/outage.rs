//! A database outage (issue 18 item 19): requests are answered 503 with their own code and a
//! `Retry-After` (the request can be retried), not 500 "internal error"; `/readyz` and the log
//! name the cause; service resumes by itself when the database is back. The outage is real: the
//! server reaches PostgreSQL through a TCP relay that the test cuts.

use super::{Api, Server, database_at};
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections from a loopback port to PostgreSQL until cut.
struct Relay {
    port: u16,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let r = Relay { port, tasks };
        r.serve(listener, target);
        r
    }

    fn serve(&self, listener: TcpListener, target: String) {
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let target = target.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                tasks.lock().unwrap().push(pipe);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Drops every connection and stops listening: the database is gone.
    fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    async fn resume(&self, target: String) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener, target);
    }
}

// Several workers: the relay runs beside the test's blocking calls (psql, the server's start).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_with_retry_after_and_readyz_names_it_on_postgres() {
    let base = rinnova_store::testing::postgres_base()
        .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432".into());
    let (auth, host) = base
        .trim_start_matches("postgres://")
        .rsplit_once('@')
        .expect("postgres://user:password@host:port");
    let relay = Relay::start(host.to_owned()).await;
    let data = tempfile::tempdir().unwrap();
    database_at(
        data.path(),
        &format!("postgres://{auth}@127.0.0.1:{}", relay.port),
    );
    let server = Server::start_with(
        data.path(),
        &[
            ("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0"),
            // Give up on the database quickly (the pool waits this long for a connection).
            ("RINNOVA_DATABASE_TIMEOUT_SECONDS", "2"),
        ],
    );
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    api.ok("GET", "/home", None).await;

    relay.cut();
    let resp = api
        .http
        .get(format!("{}/api/v1/home", server.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry = resp
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(retry > 0);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RNV-GEN-503", "{body}");
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("interno"),
        "{body}"
    );
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let why = ready.text().await.unwrap();
    assert!(why.contains("database"), "{why}");

    // The database is back: so is the service, with nothing lost.
    relay.resume(host.to_owned()).await;
    let mut ok = false;
    for _ in 0..50 {
        let (status, _) = api.call("GET", "/home", None).await;
        if status == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(ok, "the service resumes when the database is back");
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

/// Issue 18 item 13: more idle and half-sent connections than the server's file limit allows
/// do not take it down. It keeps descriptors in reserve, closes connections that send no
/// request head within the header timeout, and answers `/healthz` while they pile up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_file_limit_do_not_take_the_server_down() {
    use std::io::{Read, Write};
    let data = tempfile::tempdir().unwrap();
    // The server under a file limit of 128 descriptors (the shell lowers it, then becomes it).
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n 128 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_rinnova"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("RINNOVA_HEADER_TIMEOUT_SECONDS", "2")
        .env("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0");
    if let Some(url) = super::database_of(data.path()) {
        cmd.env("RINNOVA_DATABASE", url);
    }
    let server = Server::spawn(cmd);
    let addr = server.base.trim_start_matches("http://").to_owned();

    // 300 connections: half silent, half stopping in the middle of a request's head.
    let mut held = Vec::new();
    for i in 0..300 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        if i % 2 == 1 {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
        }
        held.push(s);
    }
    // The service still answers, within a few header timeouts.
    let started = std::time::Instant::now();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let resp = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("/healthz answers while idle connections pile up");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    // The first idle connection was closed by the server (end of stream, or a reset).
    let mut first = held.remove(0);
    first
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 16];
    match first.read(&mut buf) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("an idle connection got {n} bytes instead of being closed"),
    }
    drop(held);
    // And the service works as usual.
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    api.ok("GET", "/home", None).await;
}

/// Issue 18 item 7: messages are delivered again only if they were in flight when the server
/// died. A slow SMS gateway and a slow SMTP relay on loopback (each message its own delay, so a
/// batch's sends end one after the other) record every message; the server is killed (SIGKILL)
/// in the middle of a batch, and a new one resumes. Every message arrives; one arrives twice
/// only if its send was under way at the kill; the outbox id travels as the idempotency key
/// (SMS) and the Message-ID (e-mail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_killed_mid_batch_are_resent_only_if_in_flight_and_none_is_lost() {
    use axum::routing::post;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Gateway {
        received: Mutex<Vec<String>>,
        active: AtomicUsize,
        completed: AtomicUsize,
    }
    let gw = Arc::new(Gateway::default());
    let app = axum::Router::new().route(
        "/sms",
        post({
            let gw = gw.clone();
            move |headers: axum::http::HeaderMap, body: axum::Json<serde_json::Value>| {
                let gw = gw.clone();
                async move {
                    let id = body["id"].as_str().unwrap_or_default().to_owned();
                    assert_eq!(
                        headers.get("idempotency-key").and_then(|v| v.to_str().ok()),
                        Some(id.as_str()),
                        "the outbox id is the idempotency key"
                    );
                    gw.active.fetch_add(1, Ordering::SeqCst);
                    let n: u64 = id.trim_start_matches("t-").parse().unwrap_or(0);
                    gw.received.lock().unwrap().push(id);
                    tokio::time::sleep(std::time::Duration::from_millis(150 + (n % 8) * 150)).await;
                    gw.active.fetch_sub(1, Ordering::SeqCst);
                    gw.completed.fetch_add(1, Ordering::SeqCst);
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A slow SMTP relay too (aiosmtpd): it prints each message as it arrives.
    let mut smtp = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../notify/tests/smtp_server.py"
        ))
        .args(["--delay-ms", "150"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (scripts/test installs it)");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(smtp.stdout.take().unwrap()));
    let first = lines.next().expect("aiosmtpd started").unwrap();
    let smtp_port = first.strip_prefix("listening ").unwrap().to_owned();
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    {
        let mails = mails.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                // The outbox id is the Message-ID's left part: the same at every attempt.
                let data = v["data"].as_str().unwrap_or_default().to_owned();
                let id = data
                    .lines()
                    .find_map(|l| l.strip_prefix("Message-ID: <"))
                    .map(|m| m.split('@').next().unwrap_or_default().to_owned())
                    .unwrap_or_default();
                mails.lock().unwrap().push(id);
            }
        });
    }

    let data = tempfile::tempdir().unwrap();
    let env = [
        ("RINNOVA_SMS__GATEWAY", "http"),
        ("RINNOVA_SMS__URL", url.as_str()),
        ("RINNOVA_MAIL__TRANSPORT", "smtp"),
        ("RINNOVA_MAIL__SMTP__HOST", "127.0.0.1"),
        ("RINNOVA_MAIL__SMTP__PORT", smtp_port.as_str()),
        ("RINNOVA_MAIL__SMTP__SECURITY", "none"),
        ("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0"),
    ];
    let server = Server::start_with(data.path(), &env);
    let mut rows: Vec<String> = (1..=40)
        .map(|i| {
            format!("('t-{i:02}', 'sms', '+39333000{i:04}', NULL, NULL, 'prova {i}', 0, 0, 0)")
        })
        .collect();
    rows.extend((1..=24).map(|i| {
        format!(
            "('m-{i:02}', 'email', 'titolare{i}@example.it', NULL, 'Prova {i}', 'prova {i}', 0, 0, 0)"
        )
    }));
    let data_path = data.path().to_owned();
    tokio::task::spawn_blocking(move || {
        super::tamper(
            &data_path,
            &format!(
                "INSERT INTO outbox (id, channel, recipient, holder_id, subject, body, created_at, \
                 attempts, next_attempt_at) VALUES {}",
                rows.join(", ")
            ),
        )
    })
    .await
    .unwrap();

    // Killed once a dozen sends have ended: the batch under way has sends still in flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while gw.completed.load(Ordering::SeqCst) < 12 || mails.lock().unwrap().len() < 6 {
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway got nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let in_flight = gw.active.load(Ordering::SeqCst);
    server.kill();
    let mails_at_kill = mails.lock().unwrap().len();

    // A new instance resumes (the dead one's lease runs out first).
    let _again = Server::start_with(data.path(), &env);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let distinct: std::collections::BTreeSet<String> =
            gw.received.lock().unwrap().iter().cloned().collect();
        if distinct.len() == 40 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "lost: {} of 40 arrived",
            distinct.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Counted once the outbox records every message sent (the dead instance's lease over).
    loop {
        let data_path = data.path().to_owned();
        let unsent = tokio::task::spawn_blocking(move || {
            super::tamper(
                &data_path,
                "SELECT COUNT(*) FROM outbox WHERE (id LIKE 't-%' OR id LIKE 'm-%') \
                 AND sent_at IS NULL",
            )
        })
        .await
        .unwrap();
        if unsent.trim() == "0" || unsent.trim() == "[(0,)]" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still unsent: {unsent}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let received = gw.received.lock().unwrap().clone();
    let twice = received.len() - 40;
    assert!(
        twice <= in_flight + 1,
        "{twice} messages arrived twice, {in_flight} were in flight at the kill"
    );
    // E-mails: every one arrived; a repeat is one of the batch (8) under way at the kill.
    let got = mails.lock().unwrap().clone();
    let distinct: std::collections::BTreeSet<&String> = got.iter().collect();
    assert_eq!(distinct.len(), 24, "{got:?}");
    assert!(
        got.len() - 24 <= 8,
        "{} e-mails arrived twice ({mails_at_kill} had arrived at the kill)",
        got.len() - 24
    );
    let _ = smtp.kill();
    let _ = smtp.wait();
}

/// Issue 18 item 18: two `serve --demo` started at once on one empty PostgreSQL database both
/// come up (one exited with "internal error"), and the demo data is there once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_demo_instances_started_at_once_on_one_empty_database_on_postgres() {
    let base = rinnova_store::testing::postgres_base()
        .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432".into());
    let data = tempfile::tempdir().unwrap();
    database_at(data.path(), &base);
    let env = [("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0")];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start_with(data.path(), &env));
        let b = s.spawn(|| Server::start_with(data.path(), &env));
        (a.join().unwrap(), b.join().unwrap())
    });
    for server in [&a, &b] {
        let (api, _) = Api::login(&server.base, "JZLF001").await;
        let home = api.ok("GET", "/home", None).await;
        assert_eq!(home["certificates"].as_array().unwrap().len(), 1, "{home}");
    }
    let data_path = data.path().to_owned();
    let holders = tokio::task::spawn_blocking(move || {
        super::tamper(
            &data_path,
            "SELECT COUNT(*) FROM holders WHERE user_id = 'JZLF001'",
        )
    })
    .await
    .unwrap();
    assert_eq!(holders.trim(), "1");
}
