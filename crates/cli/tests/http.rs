//! The real server, started as the real binary on a random loopback port, driven over HTTP and
//! checked with independent tools. This file holds what the suites share (the server, an API
//! client, a cookie-keeping browser, the test database, OpenSSL); the tests are in `http/`, one
//! file per area: the renewal, the portal, payment and approval, reminders, evidence, smart
//! cards, and several instances.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "TOTP codes must follow the wall clock of the server under test"
)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

#[path = "http/card.rs"]
mod card;
#[path = "http/contract.rs"]
mod contract;
#[path = "http/csc.rs"]
mod csc;
#[path = "http/evidence.rs"]
mod evidence;
#[path = "http/keys.rs"]
mod keys;
#[path = "http/outage.rs"]
mod outage;
#[path = "http/payment.rs"]
mod payment;
#[path = "http/portal.rs"]
mod portal;
#[path = "http/reminders.rs"]
mod reminders;
#[path = "http/renewal.rs"]
mod renewal;
#[path = "http/scale.rs"]
mod scale;

/// A running `rinnova serve --demo` on a fresh data directory.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        Self::start_with(data, &[])
    }

    /// With extra `RINNOVA_*` settings.
    fn start_with(data: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = bin(data);
        cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .envs(env.iter().copied());
        Self::spawn(cmd)
    }

    /// Runs `cmd` (a `rinnova serve` command line, perhaps wrapped) and waits for its address.
    fn spawn(cmd: Command) -> Server {
        Self::spawn_logging(cmd, Stdio::inherit())
    }

    /// The same, its log lines going to `logs`.
    fn spawn_logging(mut cmd: Command, logs: Stdio) -> Server {
        if !cmd.get_envs().any(|(k, _)| k == "RUST_LOG") {
            cmd.env("RUST_LOG", "warn");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(logs)
            .spawn()
            .expect("the rinnova binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            if let Some(rest) = line.strip_prefix("rinnova listening on ") {
                break rest.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    fn kill(mut self) {
        // SIGKILL: no graceful shutdown, as in a crash.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn login(base: &str, user_id: &str) -> (Api, Value) {
        let http = reqwest::Client::new();
        let resp = http
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"user_id": user_id, "password": "rinnova-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.unwrap();
        let token = v["token"].as_str().unwrap().to_owned();
        (
            Api {
                http,
                base: base.to_owned(),
                token,
            },
            v,
        )
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}/api/v1{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        }
        .bearer_auth(&self.token);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {v}");
        v
    }

    /// A certificate of the logged-in holder, as PEM.
    async fn certificate_pem(&self, id: &str) -> String {
        let resp = self
            .http
            .get(format!("{}/api/v1/certificates/{id}/pem", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.text().await.unwrap()
    }

    /// The newest SMS code sent to `user_id` (demo outbox).
    async fn last_code(&self, user_id: &str) -> String {
        let msgs = outbox_of(&self.base, user_id).await;
        let sms = msgs
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["channel"] == "sms")
            .expect("an SMS");
        sms["body"]
            .as_str()
            .unwrap()
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap()
            .to_owned()
    }
}

/// The demo outbox of one holder, newest first.
async fn outbox_of(base: &str, user_id: &str) -> Value {
    reqwest::get(format!("{base}/api/v1/demo/outbox?user_id={user_id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Walks JZLF001 to step 7 (activation), returning the renewal id.
async fn to_activation(api: &Api, user: &str) -> (String, String) {
    let (id, cert, r) = through_signing(api, user).await;
    assert_eq!(r["step"], "activate");
    (id, cert)
}

/// Walks a holder through step 4 (signing); returns the renewal and certificate ids and the
/// renewal as it stands after signing.
async fn through_signing(api: &Api, user: &str) -> (String, String, Value) {
    let (id, cert) = to_sign_step(api).await;
    let code = api.last_code(user).await;
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "12345678", "otp": code})),
        )
        .await;
    (id, cert, r)
}

/// Walks a holder to step 4 (signing), the code sent; returns the renewal and certificate ids.
async fn to_sign_step(api: &Api) -> (String, String) {
    let home = api.ok("GET", "/home", None).await;
    let cert = home["certificates"][0]["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/certificates/{cert}/renewal"), None)
        .await;
    let id = r["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/renewals/{id}/confirm-data"), None)
        .await;
    assert_eq!(r["step"], "documents");
    let hash = r["documents_hash"].as_str().unwrap().to_owned();
    let pdf = api
        .http
        .get(format!(
            "{}/api/v1/renewals/{id}/documents/renewal-form",
            api.base
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/documents"),
            Some(json!({"documents_hash": hash, "accept_terms": true, "confirm_data": true})),
        )
        .await;
    assert_eq!(r["step"], "sign");
    (id, cert)
}

/// Writes `pem` as `new.pem` in `dir` and checks it with `openssl verify` against the root and
/// issuing certificates the server publishes.
async fn verify_against_server_chain(base: &str, dir: &Path, pem: &str) {
    std::fs::write(dir.join("new.pem"), pem).unwrap();
    save_ca_certificates(base, dir).await;
    let verify = openssl(
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "new.pem",
        ],
        dir,
    );
    assert!(verify.contains("new.pem: OK"), "{verify}");
}

fn openssl(args: &[&str], dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed by scripts/test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?}: {text}");
    text
}

/// A tiny cookie-keeping browser for the portal (no JavaScript involved: none is needed): its
/// cookies live in reqwest's cookie store, as a browser keeps them.
struct Browser {
    http: reqwest::Client,
    base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        Self::with_cookies(base, &[])
    }

    /// A browser that starts with these cookies (`name`, `value`) for the server.
    fn with_cookies(base: &str, cookies: &[(String, String)]) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = base.parse().unwrap();
        for (k, v) in cookies {
            jar.add_cookie_str(&format!("{k}={v}; Path=/"), &url);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        Browser {
            http,
            base: base.to_owned(),
            jar,
        }
    }

    /// The cookies the browser holds for the server, as a `Cookie` header.
    fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&self.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The cookies the browser holds for the server: (name, value).
    fn cookies(&self) -> Vec<(String, String)> {
        self.cookie_header()
            .split("; ")
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> (StatusCode, Option<String>, String) {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let resp = req.send().await.unwrap();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (resp.status(), location, resp.text().await.unwrap())
    }

    /// Logs a demo holder in through the portal's form; (status, redirect).
    async fn login(&mut self, user_id: &str, next: &str) -> (StatusCode, Option<String>) {
        let form = [
            ("user_id", user_id),
            ("password", "rinnova-demo"),
            ("next", next),
        ];
        let (status, location, _) = self.post("/login", &form, None).await;
        (status, location)
    }
}

fn csrf_of(html: &str) -> String {
    let re = regex::Regex::new(r#"name="csrf" value="([^"]+)""#).unwrap();
    re.captures(html)
        .expect("a CSRF field")
        .get(1)
        .unwrap()
        .as_str()
        .to_owned()
}

fn rinnova(data: &Path, args: &[&str]) -> std::process::Output {
    bin(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// The binary, on this test's data directory and database: SQLite in `data`, or with
/// `RINNOVA_TEST_POSTGRES` a PostgreSQL database of its own, made on first use and named in
/// `data/database-url` so that every command of the test (server and CLI) shares it.
/// `rinnova ARGS` on the test's data directory, which must succeed: its standard output.
fn rinnova_ok(data: &Path, args: &[&str]) -> String {
    let out = rinnova(data, args);
    assert!(
        out.status.success(),
        "rinnova {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn bin(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rinnova"));
    c.arg("--data-dir").arg(data);
    if let Some(url) = database_of(data) {
        c.env("RINNOVA_DATABASE", url);
    }
    c
}

fn database_of(data: &Path) -> Option<String> {
    if let Ok(url) = std::fs::read_to_string(data.join("database-url")) {
        return Some(url);
    }
    Some(database_at(data, &rinnova_store::testing::postgres_base()?))
}

/// This test's PostgreSQL database on the server at `base`, made on first use.
fn database_at(data: &Path, base: &str) -> String {
    let file = data.join("database-url");
    if let Ok(url) = std::fs::read_to_string(&file) {
        return url;
    }
    let name = format!("rinnova_t_{}", uuid_like());
    let out = Command::new("psql")
        .arg(format!("{base}/postgres"))
        .args(["-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql (postgresql-client) is installed by scripts/test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("{base}/{name}");
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(&file, &url).unwrap();
    url
}

fn uuid_like() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// Runs SQL on the test's database behind the application's back (Python's sqlite3, or psql);
/// prints the first column of the rows.
/// pkilint's RFC 5280 CRL linter on `file` in `dir` (`CRL` or `ARL`): no finding of warning
/// level or above (issue 21).
fn lint_crl(dir: &Path, file: &str, kind: &str) {
    let out = Command::new("lint_crl")
        .args(["lint", "-t", kind, "-p", "PKIX", "-s", "WARNING", file])
        .current_dir(dir)
        .output()
        .expect("pkilint is needed: scripts/test installs it");
    let findings = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && findings.trim().is_empty(),
        "pkilint on {file}: {findings}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tamper(data: &Path, sql: &str) -> String {
    if let Some(url) = database_of(data) {
        let out = Command::new("psql")
            .arg(url)
            .args(["-Atqc", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return String::from_utf8(out.stdout).unwrap();
    }
    let db = data.join("rinnova.sqlite3");
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nr = c.execute(sys.argv[2]).fetchall()\nc.commit()\nprint(r)",
        ])
        .arg(db)
        .arg(sql)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes the server's `root.pem`, `issuing.pem` and `chain.pem` (issuing then root) in `dir`.
async fn save_ca_certificates(base: &str, dir: &Path) {
    for (name, path) in [("root", "/ca/root.der"), ("issuing", "/ca/issuing.der")] {
        fetch(base, path, dir, &format!("{name}.der")).await;
        openssl(
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
            dir,
        );
    }
    let chain = format!(
        "{}{}",
        std::fs::read_to_string(dir.join("issuing.pem")).unwrap(),
        std::fs::read_to_string(dir.join("root.pem")).unwrap()
    );
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
}

async fn fetch(base: &str, path: &str, dir: &Path, file: &str) {
    let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    std::fs::write(dir.join(file), resp.bytes().await.unwrap()).unwrap();
}
