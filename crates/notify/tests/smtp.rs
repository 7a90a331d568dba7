//! E-mail delivery over SMTP against a real server on loopback (aiosmtpd, started by
//! `smtp_server.py`): STARTTLS with authentication, implicit TLS, multipart text + HTML,
//! retries with backoff after a 4xx, giving up after a 5xx, and a relay whose certificate is
//! not trusted (SPEC N1; issue 4 "E-mail").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use jiff::Timestamp;
use rinnova_domain::Clock;
use rinnova_domain::clock::ManualClock;
use rinnova_notify::{SmtpConfig, SmtpMailer, SmtpSecurity, deliver_due_email};
use rinnova_store::{OutboxRecord, Store, repo};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// A running aiosmtpd; killed on drop.
struct SmtpServer {
    port: u16,
    lines: Lines<BufReader<ChildStdout>>,
    _child: Child,
}

impl SmtpServer {
    async fn start(args: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test installs it)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP server did not start in 20 s")
            .unwrap()
            .expect("the SMTP server exited: is aiosmtpd installed?");
        let port = first
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .parse()
            .unwrap();
        Self {
            port,
            lines,
            _child: child,
        }
    }

    /// The next message the server accepted.
    async fn received(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("no message reached the SMTP server")
            .unwrap()
            .expect("the SMTP server exited");
        serde_json::from_str(&line).unwrap()
    }

    /// Asserts that nothing more arrives for a moment.
    async fn nothing_more(&mut self) {
        let next = tokio::time::timeout(Duration::from_millis(300), self.lines.next_line()).await;
        assert!(next.is_err(), "unexpected message: {next:?}");
    }
}

/// A relay certificate for 127.0.0.1 issued by a private CA, written as PEM files.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let dir = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test relay CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let write = |name: &str, pem: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, pem).unwrap();
        p
    };
    Pki {
        ca: write("ca.pem", ca_cert.pem()),
        cert: write("relay.pem", leaf.pem()),
        key: write("relay.key", leaf_key.serialize_pem()),
        _dir: dir,
    }
}

async fn store_with(messages: &[(&str, &str, &str, Option<&str>)]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = rinnova_store::testing::store(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for (i, (to, subject, body, html)) in messages.iter().enumerate() {
        repo::outbox::push(
            &mut tx,
            &OutboxRecord {
                seq: 0,
                id: format!("msg{i}"),
                channel: "email".into(),
                recipient: (*to).into(),
                holder_id: None,
                subject: Some((*subject).into()),
                body: (*body).into(),
                created_at: 0,
                attempts: 0,
                next_attempt_at: 0,
                sent_at: None,
                last_error: None,
                html: html.map(str::to_owned),
                gave_up_at: None,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    (dir, store)
}

async fn message(store: &Store, id: &str) -> OutboxRecord {
    let mut c = store.conn().await.unwrap();
    repo::outbox::recent(&mut c, None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .unwrap()
}

fn config(port: u16, security: SmtpSecurity) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security,
        from: "Rinnova CA <rinnovi@ca.example>".into(),
        timeout_seconds: 5,
        ..SmtpConfig::default()
    }
}

fn clock() -> ManualClock {
    ManualClock::new("2026-11-23T10:00:00Z".parse::<Timestamp>().unwrap())
}

#[tokio::test]
async fn starttls_with_login_delivers_multipart_text_and_html() {
    let pki = pki();
    let (cert, key) = (pki.cert.to_str().unwrap(), pki.key.to_str().unwrap());
    let mut server = SmtpServer::start(&[
        "--security",
        "starttls",
        "--cert",
        cert,
        "--key",
        key,
        "--user",
        "rinnova",
        "--password",
        "s3cret",
    ])
    .await;
    let (_d, store) = store_with(&[(
        "mario.rossi@example.it",
        "Il tuo certificato scade tra 30 giorni",
        "Gentile Mario,\nrinnova qui: https://rinnova.example/l/abc",
        Some("<p>Gentile Mario,</p><p><a href=\"https://rinnova.example/l/abc\">Rinnova</a></p>"),
    )])
    .await;
    let mut cfg = config(server.port, SmtpSecurity::Starttls);
    cfg.username = Some("rinnova".into());
    cfg.password = Some("s3cret".into());
    cfg.ca_file = Some(pki.ca.clone());
    let mailer = SmtpMailer::new(&cfg).unwrap();
    let clock = clock();

    let sent = deliver_due_email(&store, &mailer, 12, &clock)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let got = server.received().await;
    assert_eq!(got["tls"], true, "STARTTLS was used");
    assert_eq!(sent, 1, "{:?}", message(&store, "msg0").await);
    assert_eq!(got["from"], "rinnovi@ca.example");
    assert_eq!(got["to"][0], "mario.rossi@example.it");
    let data = got["data"].as_str().unwrap();
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("text/plain; charset=utf-8"), "{data}");
    assert!(data.contains("text/html; charset=utf-8"), "{data}");
    assert!(data.contains("Message-ID: <msg0@ca.example>"), "{data}");
    // The subject is plain ASCII here; the text part travels intact.
    assert!(
        data.contains("Subject: Il tuo certificato scade tra 30 giorni"),
        "{data}"
    );
    assert!(data.contains("https://rinnova.example/l/abc"), "{data}");
    let m = message(&store, "msg0").await;
    assert!(m.sent_at.is_some());
    // Delivered once: another pass sends nothing.
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        0
    );
    server.nothing_more().await;
}

#[tokio::test]
async fn implicit_tls_and_non_ascii_subject() {
    let pki = pki();
    let mut server = SmtpServer::start(&[
        "--security",
        "tls",
        "--cert",
        pki.cert.to_str().unwrap(),
        "--key",
        pki.key.to_str().unwrap(),
    ])
    .await;
    let (_d, store) = store_with(&[(
        "anna@example.it",
        "Rinnovo completato — è attivo",
        "Il certificato è attivo.",
        None,
    )])
    .await;
    let mut cfg = config(server.port, SmtpSecurity::Tls);
    cfg.ca_file = Some(pki.ca.clone());
    let mailer = SmtpMailer::new(&cfg).unwrap();
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock())
            .await
            .unwrap(),
        1
    );
    let got = server.received().await;
    assert_eq!(got["tls"], true);
    let data = got["data"].as_str().unwrap();
    // RFC 2047 encoded-word for the non-ASCII subject.
    assert!(
        data.contains("Subject: Rinnovo completato =?utf-8?b?"),
        "{data}"
    );
    assert!(
        !data.contains("multipart"),
        "text only when there is no HTML: {data}"
    );
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_after_backoff() {
    let mut server = SmtpServer::start(&["--fail-first", "1"]).await;
    let (_d, store) = store_with(&[("anna@example.it", "Promemoria", "Testo", None)]).await;
    let mailer = SmtpMailer::new(&config(server.port, SmtpSecurity::None)).unwrap();
    let clock = clock();

    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        0
    );
    let m = message(&store, "msg0").await;
    assert!(m.sent_at.is_none() && m.gave_up_at.is_none());
    assert!(m.last_error.as_deref().unwrap().contains("451"), "{m:?}");
    assert_eq!(
        m.next_attempt_at,
        clock.now().as_second() + 10,
        "first backoff: 10 s"
    );
    // Not due before the backoff ends.
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        0
    );
    clock.advance(jiff::SignedDuration::from_secs(10));
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        1
    );
    let got = server.received().await;
    assert_eq!(got["to"][0], "anna@example.it");
    let m = message(&store, "msg0").await;
    assert_eq!(m.attempts, 2);
    assert!(m.sent_at.is_some());
}

#[tokio::test]
async fn a_permanent_refusal_is_given_up_and_others_still_go() {
    let server = SmtpServer::start(&["--reject"]).await;
    let (_d, store) = store_with(&[
        ("nobody@example.it", "Promemoria", "Testo", None),
        ("not an address", "Promemoria", "Testo", None),
    ])
    .await;
    let mailer = SmtpMailer::new(&config(server.port, SmtpSecurity::None)).unwrap();
    let clock = clock();
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        0
    );
    for id in ["msg0", "msg1"] {
        let m = message(&store, id).await;
        assert!(m.gave_up_at.is_some(), "{m:?}");
        assert!(m.sent_at.is_none());
    }
    assert!(
        message(&store, "msg0")
            .await
            .last_error
            .unwrap()
            .contains("550")
    );
    // Given up: never claimed again.
    clock.advance(jiff::SignedDuration::from_hours(24));
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        0
    );
    assert_eq!(message(&store, "msg0").await.attempts, 1);
}

#[tokio::test]
async fn an_untrusted_relay_or_wrong_login_is_retried_not_given_up() {
    let pki = pki();
    let mut server = SmtpServer::start(&[
        "--security",
        "starttls",
        "--cert",
        pki.cert.to_str().unwrap(),
        "--key",
        pki.key.to_str().unwrap(),
        "--user",
        "rinnova",
        "--password",
        "s3cret",
    ])
    .await;
    let (_d, store) = store_with(&[("anna@example.it", "Promemoria", "Testo", None)]).await;
    let clock = clock();
    // The relay's CA is not trusted: the TLS handshake fails, nothing is sent.
    let mut cfg = config(server.port, SmtpSecurity::Starttls);
    cfg.username = Some("rinnova".into());
    cfg.password = Some("s3cret".into());
    let untrusting = SmtpMailer::new(&cfg).unwrap();
    assert_eq!(
        deliver_due_email(&store, &untrusting, 12, &clock)
            .await
            .unwrap(),
        0
    );
    let m = message(&store, "msg0").await;
    assert!(m.gave_up_at.is_none() && m.sent_at.is_none(), "{m:?}");
    // Trusted, but a wrong password (535): the relay's settings, retried.
    clock.advance(jiff::SignedDuration::from_secs(10));
    cfg.ca_file = Some(pki.ca.clone());
    cfg.password = Some("wrong".into());
    let wrong = SmtpMailer::new(&cfg).unwrap();
    assert_eq!(
        deliver_due_email(&store, &wrong, 12, &clock).await.unwrap(),
        0
    );
    let m = message(&store, "msg0").await;
    assert!(m.gave_up_at.is_none() && m.sent_at.is_none(), "{m:?}");
    // Mended settings: delivered.
    clock.advance(jiff::SignedDuration::from_secs(20));
    cfg.password = Some("s3cret".into());
    let mended = SmtpMailer::new(&cfg).unwrap();
    assert_eq!(
        deliver_due_email(&store, &mended, 12, &clock)
            .await
            .unwrap(),
        1
    );
    assert_eq!(server.received().await["login"], "rinnova");
}

#[tokio::test]
async fn too_many_failures_give_up() {
    // Nothing listens on this port: every attempt fails to connect.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (_d, store) = store_with(&[("anna@example.it", "Promemoria", "Testo", None)]).await;
    let mailer = SmtpMailer::new(&config(port, SmtpSecurity::None)).unwrap();
    let clock = clock();
    for _ in 0..3 {
        assert_eq!(
            deliver_due_email(&store, &mailer, 3, &clock).await.unwrap(),
            0
        );
        clock.advance(jiff::SignedDuration::from_hours(1));
    }
    let m = message(&store, "msg0").await;
    assert_eq!(m.attempts, 3);
    assert!(m.gave_up_at.is_some(), "{m:?}");
}

#[test]
fn bad_settings_are_refused() {
    let mut cfg = config(25, SmtpSecurity::None);
    cfg.from = "not a mailbox".into();
    assert!(SmtpMailer::new(&cfg).is_err());
    let mut cfg = config(25, SmtpSecurity::None);
    cfg.username = Some("only-user".into());
    assert!(SmtpMailer::new(&cfg).is_err());
    let mut cfg = config(25, SmtpSecurity::Tls);
    cfg.ca_file = Some("/nonexistent/ca.pem".into());
    assert!(SmtpMailer::new(&cfg).is_err());
}

/// Counts what it is asked to send.
#[derive(Default)]
struct Counting(std::sync::Mutex<Vec<String>>);

impl rinnova_notify::Mailer for Counting {
    fn send<'a>(
        &'a self,
        m: &'a rinnova_notify::OutgoingEmail<'a>,
    ) -> rinnova_notify::BoxFuture<'a, Result<(), rinnova_notify::NotifyError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.0.lock().unwrap().push(m.id.to_owned());
            Ok(())
        })
    }
}

#[tokio::test]
async fn two_workers_at_once_deliver_each_message_once_in_batches() {
    let messages: Vec<(String, String)> = (0..100)
        .map(|i| (format!("h{i}@example.it"), format!("Promemoria {i}")))
        .collect();
    let rows: Vec<(&str, &str, &str, Option<&str>)> = messages
        .iter()
        .map(|(to, subject)| (to.as_str(), subject.as_str(), "Testo", None))
        .collect();
    let (_d, store) = store_with(&rows).await;
    let mailer = Counting::default();
    let clock = clock();
    let (a, b) = tokio::join!(
        deliver_due_email(&store, &mailer, 12, &clock),
        deliver_due_email(&store, &mailer, 12, &clock)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 100);
    let mut sent = mailer.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 100, "no message handed over twice");
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 100, "each once");
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock)
            .await
            .unwrap(),
        0
    );
}

/// Issue 21 (secrets at rest): a recovery e-mail's one-time link leaves with the message and
/// is not kept: once delivered, the outbox holds it with the token redacted, in the text and
/// in the HTML part; the rest of the message stays as it was.
#[tokio::test]
async fn a_delivered_recovery_link_is_not_kept_in_the_outbox() {
    let mut server = SmtpServer::start(&[]).await;
    let (_d, store) = store_with(&[(
        "anna@example.it",
        "Recupero",
        "Apri https://rinnova.example/recover/Zq3-x_9TOKEN entro 30 minuti",
        Some("<a href=\"https://rinnova.example/recover/Zq3-x_9TOKEN\">Apri</a>"),
    )])
    .await;
    let mailer = SmtpMailer::new(&config(server.port, SmtpSecurity::None)).unwrap();
    assert_eq!(
        deliver_due_email(&store, &mailer, 12, &clock())
            .await
            .unwrap(),
        1
    );
    let got = server.received().await;
    assert!(
        got["data"]
            .as_str()
            .unwrap()
            .contains("/recover/Zq3-x_9TOKEN"),
        "the holder gets the link"
    );
    let m = message(&store, "msg0").await;
    assert_eq!(
        m.body,
        "Apri https://rinnova.example/recover/•••••••• entro 30 minuti"
    );
    assert_eq!(
        m.html.as_deref(),
        Some("<a href=\"https://rinnova.example/recover/••••••••\">Apri</a>")
    );
}
