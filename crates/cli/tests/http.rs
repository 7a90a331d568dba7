//! The real server, started as the real binary on a random loopback port, driven over HTTP:
//! the whole renewal through the JSON API and the portal, wrong codes and PINs, double submits,
//! a crash (SIGKILL) in the middle and the resume after it, and the issued certificate checked
//! by OpenSSL.

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
        let mut child = bin(data)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
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

#[tokio::test]
async fn api_renewal_end_to_end_with_errors_double_submit_and_openssl() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let (api, login) = Api::login(&server.base, "JZLF001").await;
    assert!(login["resume_renewal"].is_null());

    // Wrong credentials: one generic, translated answer.
    let bad = reqwest::Client::new()
        .post(format!("{}/api/v1/login", server.base))
        .header("accept-language", "en")
        .json(&json!({"user_id": "JZLF001", "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error"]["code"], "RNV-AUTH-002");
    assert_eq!(bad["error"]["message"], "Wrong user-id or password.");

    let home = api.ok("GET", "/home", None).await;
    let cert = &home["certificates"][0];
    assert_eq!(cert["renewable"], true);
    assert_eq!(cert["days_left"], 45);

    // Wrong OTP then wrong PIN, in the holder's language (Italian), each with its code.
    let cert_id = cert["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/certificates/{cert_id}/renewal"), None)
        .await;
    let id = r["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/renewals/{id}/confirm-data"), None)
        .await;
    let hash = r["documents_hash"].as_str().unwrap().to_owned();
    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/documents"),
            Some(json!({"documents_hash": hash, "accept_terms": false, "confirm_data": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-WF-003");
    api.ok(
        "POST",
        &format!("/renewals/{id}/documents"),
        Some(json!({"documents_hash": hash, "accept_terms": true, "confirm_data": true})),
    )
    .await;
    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "12345678", "otp": "000000"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-OTP-001");
    assert_eq!(
        err["error"]["message"],
        "Codice OTP errato. Tentativi rimasti: 2."
    );
    let code = api.last_code("JZLF001").await;
    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "11111111", "otp": code})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-PIN-003");
    assert_eq!(err["error"]["message"], "PIN errato. Tentativi rimasti: 4.");
    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "1234", "otp": "123456"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-PIN-001");
    // Resend is spaced (O1): too soon now.
    let (status, err) = api.call("POST", &format!("/renewals/{id}/otp"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["code"], "RNV-OTP-006");
    // The code of the failed PIN try was spent; a new one is needed. Wait out the resend spacing.
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    api.ok("POST", &format!("/renewals/{id}/otp"), None).await;
    let code = api.last_code("JZLF001").await;
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "12345678", "otp": code})),
        )
        .await;
    assert_eq!(r["step"], "activate");

    let code = api.last_code("JZLF001").await;
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/activation-code"),
            Some(json!({"otp": code})),
        )
        .await;
    assert_eq!(r["activation_otp_verified"], true);
    let code = api.last_code("JZLF001").await;
    // Five identical submits at once: one certificate, the same answer for all.
    let body = json!({"pin": "87654321", "pin_confirm": "87654321", "otp": code});
    let path = format!("/renewals/{id}/activate");
    let answers = futures_join(&api, &path, body, 5).await;
    let new_ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|v| v["new_certificate"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(new_ids.len(), 1, "{answers:?}");
    let home = api.ok("GET", "/home", None).await;
    let certs = home["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2, "exactly one new certificate");
    let new = certs.iter().find(|c| c["status"] == "active").unwrap();
    let old = certs.iter().find(|c| c["status"] == "superseded").unwrap();
    assert_eq!(old["renewable"], false);
    assert!(old["open_renewal"].is_null());
    assert_eq!(old["renewed_by"]["expiry_date"], new["expiry_date"]);

    // X1 over HTTP: the new certificate chains to the CA that the server publishes.
    let dir = tempfile::tempdir().unwrap();
    let pem = api
        .http
        .get(format!(
            "{}/api/v1/certificates/{}/pem",
            server.base,
            new["id"].as_str().unwrap()
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    verify_against_server_chain(&server.base, dir.path(), &pem).await;
    let text = openssl(
        &[
            "x509", "-in", "new.pem", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
        dir.path(),
    );
    assert!(
        text.contains("serialNumber=TINIT-RSSMRA85T10A562S"),
        "{text}"
    );

    // The confirmation e-mail is in the outbox.
    let msgs: Value = outbox_of(&server.base, "JZLF001").await;
    assert_eq!(msgs[0]["channel"], "email");
    assert!(
        msgs[0]["body"]
            .as_str()
            .unwrap()
            .contains(new["serial"].as_str().unwrap())
    );

    // The OpenAPI document describes the API.
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/renewals/{id}/activate"]["post"].is_object());
    assert!(doc["components"]["schemas"]["RenewalView"].is_object());

    // Operators: ready, and Prometheus metrics that saw this renewal, its wrong code and the
    // requests by route pattern (not by raw path).
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        r#"rinnova_renewals_total{channel="portal",outcome="completed"} 1"#,
        r#"rinnova_otp_failures_total{step="sign"} 1"#,
        r#"rinnova_outbox_pending{channel="email"}"#,
        r#"rinnova_http_request_duration_seconds_bucket{method="POST",route="/api/v1/renewals/{id}/activate",status="2xx",le="0.25"}"#,
    ] {
        assert!(
            metrics.contains(expected),
            "{expected} missing from:\n{metrics}"
        );
    }
    assert!(!metrics.contains(&id), "no raw ids in labels");
}

async fn futures_join(api: &Api, path: &str, body: Value, n: usize) -> Vec<Value> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let (http, url, token, body) = (
            api.http.clone(),
            format!("{}/api/v1{path}", api.base),
            api.token.clone(),
            body.clone(),
        );
        handles.push(tokio::spawn(async move {
            let resp = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json::<Value>().await.unwrap()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn crash_in_the_middle_resumes_at_the_same_step() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let (api, _) = Api::login(&server.base, "JZLF008").await;
    let (id, _) = to_activation(&api, "JZLF008").await;
    let code = api.last_code("JZLF008").await;
    api.ok(
        "POST",
        &format!("/renewals/{id}/activation-code"),
        Some(json!({"otp": code})),
    )
    .await;
    server.kill();

    let server = Server::start(data.path());
    let (api, login) = Api::login(&server.base, "JZLF008").await;
    assert_eq!(
        login["resume_renewal"],
        id.as_str(),
        "the next login resumes the renewal"
    );
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "activate");
    assert_eq!(r["activation_otp_verified"], true);
    assert_eq!(r["payment_mode"], "organisation");
    let code = api.last_code("JZLF008").await;
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/activate"),
            Some(json!({"pin": "12345678", "pin_confirm": "12345678", "otp": code})),
        )
        .await;
    assert_eq!(r["step"], "completed");
}

#[tokio::test]
async fn o2_token_holder_renews_with_oathtool_codes() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let (api, _) = Api::login(&server.base, "JZLF006").await;
    let home = api.ok("GET", "/home", None).await;
    let cert = home["certificates"][0]["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/certificates/{cert}/renewal"), None)
        .await;
    assert_eq!(r["otp"]["channel"], "token");
    let id = r["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/renewals/{id}/confirm-data"), None)
        .await;
    api.ok("POST", &format!("/renewals/{id}/documents"), Some(json!({"documents_hash": r["documents_hash"], "accept_terms": true, "confirm_data": true}))).await;
    // Start at the beginning of a 30-second step, so three consecutive steps stay acceptable.
    loop {
        let now = jiff::Timestamp::now().as_second();
        if now % 30 < 15 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let now = jiff::Timestamp::now().as_second();
    // Codes from Debian's oathtool, an independent generator (RFC 6238 seed of the demo token).
    let code = |offset: i64| {
        let at = format!("@{}", now + offset);
        let out = Command::new("oathtool")
            .args([
                "--totp",
                "-d",
                "6",
                "--now",
                &at,
                "3132333435363738393031323334353637383930",
            ])
            .output()
            .expect("oathtool is installed by scripts/test");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    api.ok(
        "POST",
        &format!("/renewals/{id}/sign"),
        Some(json!({"pin": "12345678", "otp": code(-30)})),
    )
    .await;
    // The same code again is a replay.
    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/activation-code"),
            Some(json!({"otp": code(-30)})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-OTP-012");
    api.ok(
        "POST",
        &format!("/renewals/{id}/activation-code"),
        Some(json!({"otp": code(0)})),
    )
    .await;
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/activate"),
            Some(json!({"pin": "12345678", "pin_confirm": "12345678", "otp": code(30)})),
        )
        .await;
    assert_eq!(r["step"], "completed");
}

/// A tiny cookie-keeping browser for the portal (no JavaScript involved: none is needed).
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            base: base.to_owned(),
            cookies: vec![],
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, resp: &reqwest::Response) {
        for sc in resp.headers().get_all("set-cookie") {
            let (kv, _) = sc.to_str().unwrap().split_once(';').unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            self.cookies.push((k.to_owned(), v.to_owned()));
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        (resp.status(), resp.text().await.unwrap())
    }

    async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> (StatusCode, Option<String>, String) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let resp = req.send().await.unwrap();
        self.keep(&resp);
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (resp.status(), location, resp.text().await.unwrap())
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

#[tokio::test]
async fn portal_forms_need_login_csrf_and_same_origin() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let mut b = Browser::new(&server.base);
    let (status, _) = b.get("/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, login) = b.get("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(login.contains("JZLF001"), "demo credentials are shown");
    let (status, _, page) = b
        .post(
            "/login",
            &[("user_id", "JZLF001"), ("password", "wrong"), ("next", "")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("User-id o password errati.") && page.contains("RNV-AUTH-002"));
    assert!(
        page.contains(r#"value="JZLF001""#),
        "the typed user-id is kept"
    );
    let (status, location, _) = b
        .post(
            "/login",
            &[
                ("user_id", "JZLF001"),
                ("password", "rinnova-demo"),
                ("next", ""),
            ],
            None,
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/"))
    );
    let (status, home) = b.get("/").await;
    assert!(
        home.contains("45 giorni per rinnovare"),
        "{status} {:?} {home}",
        b.cookies
    );
    let csrf = csrf_of(&home);
    let cert = regex::Regex::new(r#"/certificates/([0-9a-f-]+)/renew"#)
        .unwrap()
        .captures(&home)
        .unwrap()[1]
        .to_owned();
    let renew = format!("/certificates/{cert}/renew");
    // Without the form token, or from another site: refused.
    let (status, _, _) = b.post(&renew, &[("csrf", "forged")], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b
        .post(&renew, &[("csrf", &csrf)], Some("https://evil.example"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, location, _) = b.post(&renew, &[("csrf", &csrf)], Some(&server.base)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page_path = location.unwrap();
    let (_, page) = b.get(&page_path).await;
    assert!(page.contains(r#"aria-current="step">Dati"#), "{page}");
    assert!(page.contains("RSSMRA85T10A562S"));
    // English on request, kept in the session.
    let (status, _, _) = b
        .post("/lang", &[("lang", "en"), ("next", &page_path)], None)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = b.get(&page_path).await;
    assert!(
        page.contains("Check your data") && page.contains(r#"<html lang="en">"#),
        "{page}"
    );
    // A step error re-renders the page with a summary linked to the field.
    b.post(
        &format!("{page_path}/confirm-data"),
        &[("csrf", &csrf)],
        None,
    )
    .await;
    let (status, _, page) = b
        .post(
            &format!("{page_path}/documents"),
            &[
                ("csrf", &csrf),
                ("documents_hash", "00"),
                ("accept_terms", "on"),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r##"href="#confirm_data""##) && page.contains("RNV-WF-003"),
        "{page}"
    );
    assert!(
        page.contains(r#"name="accept_terms" value="on" checked"#),
        "the ticked box stays ticked"
    );
    let (status, _, _) = b.post("/logout", &[("csrf", &csrf)], None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = b.get(&page_path).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "logged out");
}

/// SPEC §5 step 5 over HTTP: the order is priced for the certificate's kind, a bad coupon is
/// refused with a translated message, the demo distributor's coupon pays, the holder resumes
/// at activation after logging in again, and the code cannot pay twice.
#[tokio::test]
async fn coupon_pays_step5_over_the_api() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (api, _) = Api::login(&server.base, "JZLF009").await;
    let (id, _, r) = through_signing(&api, "JZLF009").await;
    assert_eq!(r["step"], "payment");
    assert_eq!(r["payment"]["price"]["gross_cents"], 4880);
    assert_eq!(r["payment"]["price"]["gross"], "48,80 €");

    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/payment/coupon"),
            Some(json!({"code": "AAAA-BBBB-CCCC-D"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-CPN-001");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("coupon"),
        "{err}"
    );

    // The demo coupons are printed on the login page.
    let login = reqwest::get(format!("{}/login", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let coupon = regex::Regex::new(r#"data-testid="demo-coupon">([0-9A-Z-]{16})<"#)
        .unwrap()
        .captures(&login)
        .expect("a demo coupon on the login page")[1]
        .to_owned();

    // In the portal, the holder resumes at step 5 and sees the order.
    let mut b = Browser::new(&server.base);
    b.get("/login").await;
    let (status, _, _) = b
        .post(
            "/login",
            &[
                ("user_id", "JZLF009"),
                ("password", "rinnova-demo"),
                ("next", ""),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = b.get(&format!("/renewals/{id}")).await;
    assert!(
        page.contains("48,80 €") && page.contains("IVA 22%"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let path = format!("/renewals/{id}/pay/coupon");
    let (status, _, page) = b
        .post(&path, &[("csrf", &csrf), ("code", "7KQ2")], None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("RNV-CPN-001") && page.contains(r##"href="#code""##),
        "{page}"
    );
    let (status, location, _) = b
        .post(
            &path,
            &[("csrf", &csrf), ("code", &coupon.to_lowercase())],
            None,
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("/renewals/{id}").as_str())
        )
    );

    // The API sees the same: paid, at activation; the code again changes nothing.
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "activate");
    assert_eq!(r["payment"]["paid"]["method"], "coupon");
    let again = api
        .ok(
            "POST",
            &format!("/renewals/{id}/payment/coupon"),
            Some(json!({"code": coupon})),
        )
        .await;
    assert_eq!(again["step"], "activate");

    let spec = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(spec["paths"]["/api/v1/renewals/{id}/payment/coupon"].is_object());

    // CA staff create batches from the command line, beside the running server.
    let create = |issuer: &str| {
        bin(tmp.path())
            .args(["coupons", "create", "--distributor", issuer, "--count", "3"])
            .args(["--until", "2099-12-31", "--kind", "cns"])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = create("demo-distributor");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let codes = String::from_utf8(out.stdout).unwrap();
    let code =
        regex::Regex::new(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}-[0-9A-HJKMNP-TV-Z]$")
            .unwrap();
    assert_eq!(
        codes.lines().filter(|l| code.is_match(l)).count(),
        3,
        "{codes}"
    );
    let out = create("nobody");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no organisation or distributor"));
}

/// SPEC §5 step 5 in the shop, through the real server: the card is paid on the sandbox's
/// hosted page, whose signed notification reaches the shop's webhook over HTTP; a forged one is
/// refused; a bank transfer waits until `rinnova payments import` reads a CAMT.053 statement.
#[tokio::test]
async fn shop_card_through_the_sandbox_and_bank_transfer_through_a_statement() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Card: a declined attempt, then a paid one.
    let (api, _) = Api::login(&server.base, "JZLF009").await;
    let (id, _, r) = through_signing(&api, "JZLF009").await;
    assert_eq!(r["step"], "payment");
    let pay = |outcome: &'static str| {
        let (api, raw, id) = (&api, &raw, id.clone());
        async move {
            let a = api
                .ok(
                    "POST",
                    &format!("/renewals/{id}/payment/shop"),
                    Some(json!({"method": "card"})),
                )
                .await;
            let url = a["redirect_url"].as_str().unwrap().to_owned();
            let page = raw.get(&url).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("48,80 €"), "{page}");
            let token = url.split_once("?t=").unwrap().1.to_owned();
            let done = raw
                .post(format!("{}/sandbox/checkout", api.base))
                .form(&[("t", token.as_str()), ("outcome", outcome)])
                .send()
                .await
                .unwrap();
            assert_eq!(done.status(), StatusCode::SEE_OTHER);
            assert!(
                done.headers()["location"]
                    .to_str()
                    .unwrap()
                    .ends_with(&format!("/renewals/{id}"))
            );
        }
    };
    pay("declined").await;
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "payment");
    assert_eq!(r["payment"]["last_order"]["status"], "declined");
    pay("paid").await;
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "activate", "{r}");
    assert_eq!(r["payment"]["paid"]["method"], "shop");

    // A notification without the acquirer's key is refused.
    let forged = raw
        .post(format!("{}/payments/sandbox/notify", server.base))
        .header("x-sandbox-signature", "00".repeat(32))
        .body(r#"{"event_id":"x","provider_ref":"sbx_x","order_id":"x","outcome":"paid","amount_cents":1,"currency":"EUR"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);

    // Bank transfer for another holder, settled by the CLI import of the bank's statement.
    let (api, _) = Api::login(&server.base, "JZLF010").await;
    let (id, _, _) = through_signing(&api, "JZLF010").await;
    let a = api
        .ok(
            "POST",
            &format!("/renewals/{id}/payment/shop"),
            Some(json!({"method": "bank_transfer"})),
        )
        .await;
    assert!(a["redirect_url"].is_null());
    let reference = a["renewal"]["payment"]["last_order"]["remittance_ref"]
        .as_str()
        .unwrap()
        .to_owned();
    let statement = tmp.path().join("statement.xml");
    std::fs::write(
        &statement,
        include_str!("../../pay/tests/fixtures/camt053_v02.xml")
            .replace("REFERENCE_PLACEHOLDER", &reference),
    )
    .unwrap();
    let import = || {
        bin(tmp.path())
            .args(["payments", "import", "--json"])
            .arg(&statement)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = import();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["settled"], json!([id]));
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "activate");
    let report: Value = serde_json::from_slice(&import().stdout).unwrap();
    assert_eq!(report["already_imported"], 1);
    let mails = api.ok("GET", "/demo/outbox", None).await;
    assert!(
        mails.to_string().contains(&reference),
        "transfer instructions by e-mail"
    );
}

/// SPEC §5 step 5 by an RAO over the API, with an operator created by `rinnova rao add`
/// (password on standard input).
#[tokio::test]
async fn rao_created_from_the_cli_verifies_over_the_api() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let mut add = bin(tmp.path())
        .args(["rao", "add", "Rao.Milano", "--name", "Piero Bassi"])
        .args(["--office", "RAO Milano"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long operator passphrase\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (api, _) = Api::login(&server.base, "JZLF010").await;
    let (id, _, _) = through_signing(&api, "JZLF010").await;
    let path = format!("/renewals/{id}/payment/rao");
    let (status, err) = api
        .call(
            "POST",
            &path,
            Some(json!({"username": "rao.milano", "password": "wrong"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-RAO-001");
    let r = api
        .ok(
            "POST",
            &path,
            Some(json!({"username": "rao.milano", "password": "a long operator passphrase"})),
        )
        .await;
    assert_eq!(r["step"], "activate");
    assert_eq!(
        r["payment"]["paid"]["reference"],
        "Piero Bassi (RAO Milano)"
    );
}

/// SPEC §5 step 5 from a prepaid account over the API; the purses as `rinnova prepaid show`
/// and `top-up` see them.
#[tokio::test]
async fn prepaid_account_pays_over_the_api_and_the_cli_shows_the_reservation() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let cli = |args: &[&str]| {
        let out = bin(tmp.path())
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let shown = cli(&["prepaid", "show", "PPAG001"]);
    assert!(
        shown.contains("Tariffa  balance     100.00   available     100.00"),
        "{shown}"
    );

    let (api, _) = Api::login(&server.base, "JZLF010").await;
    let (id, _, _) = through_signing(&api, "JZLF010").await;
    let path = format!("/renewals/{id}/payment/prepaid");
    let (status, err) = api
        .call(
            "POST",
            &path,
            Some(json!({"user_id": "PPAG001", "password": "wrong"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-PRE-010");
    let r = api
        .ok(
            "POST",
            &path,
            Some(json!({"user_id": "PPAG001", "password": "rinnova-prepagato"})),
        )
        .await;
    assert_eq!(r["step"], "activate");
    let shown = cli(&["prepaid", "show", "ppag001"]);
    assert!(
        shown.contains("Tariffa  balance     100.00   available      51.20"),
        "{shown}"
    );
    let topped = cli(&[
        "prepaid", "top-up", "PPAG001", "--purse", "diritti", "--amount", "5",
    ]);
    assert!(topped.contains("Diritti  balance      55.00"), "{topped}");
}

/// SPEC §5 step 6 through the real server. Whatever the holder's client sends, nothing moves a
/// renewal past the organisation's approval (the test CVE-2021-20179 lacked); only the CDRL,
/// logged in to their own area with its own cookie and CSRF token, approves.
#[tokio::test]
async fn approval_cannot_be_bypassed_and_the_cdrl_approves_in_their_area() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (api, _) = Api::login(&server.base, "JZLF011").await;
    let (id, _, r) = through_signing(&api, "JZLF011").await;
    assert_eq!(r["step"], "approval");

    let attempts = [
        ("/activation-code", json!({"otp": "123456"})),
        (
            "/activate",
            json!({"pin": "12345678", "pin_confirm": "12345678", "otp": "123456"}),
        ),
        ("/payment/coupon", json!({"code": "7KQ2-M9XD-4T8R-J"})),
        ("/payment/shop", json!({"method": "card"})),
        (
            "/payment/rao",
            json!({"username": "rao.demo", "password": "rinnova-rao-demo"}),
        ),
        (
            "/payment/prepaid",
            json!({"user_id": "PPAG001", "password": "rinnova-prepagato"}),
        ),
        ("/approve", json!({})),
        ("/approval", json!({"decision": "approved"})),
    ];
    for (path, body) in attempts {
        let (status, answer) = api
            .call("POST", &format!("/renewals/{id}{path}"), Some(body))
            .await;
        assert!(!status.is_success(), "{path}: {status} {answer}");
    }
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "approval");

    // The holder's browser session does not open the CDRL area.
    let mut holder = Browser::new(&server.base);
    holder.get("/login").await;
    holder
        .post(
            "/login",
            &[
                ("user_id", "JZLF011"),
                ("password", "rinnova-demo"),
                ("next", ""),
            ],
            None,
        )
        .await;
    let (status, _) = holder.get("/cdrl").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, location, _) = holder
        .post(
            &format!("/cdrl/renewals/{id}/approve"),
            &[("csrf", "x")],
            None,
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/cdrl/login"))
    );

    // The CDRL logs in, sees the request, and approves with the area's CSRF token.
    let mut cdrl = Browser::new(&server.base);
    let (status, _, page) = cdrl
        .post(
            "/cdrl/login",
            &[("username", "cdrl.demo"), ("password", "wrong")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("RNV-AUTH-010"));
    let (status, location, _) = cdrl
        .post(
            "/cdrl/login",
            &[("username", "cdrl.demo"), ("password", "rinnova-cdrl-demo")],
            None,
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/cdrl"))
    );
    let (_, page) = cdrl.get("/cdrl").await;
    assert!(
        page.contains("Fontana") && page.contains("FNTGRG79P21H501"),
        "{page}"
    );
    // Which kind of certificate the request renews (a card's requests wait here too).
    assert!(
        page.contains(r#"<dd data-testid="kind">Firma remota</dd>"#),
        "{page}"
    );
    let (status, _, _) = cdrl
        .post(
            &format!("/cdrl/renewals/{id}/approve"),
            &[("csrf", "forged")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf = csrf_of(&page);
    let (status, _, page) = cdrl
        .post(
            &format!("/cdrl/renewals/{id}/approve"),
            &[("csrf", &csrf)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"data-testid="no-pending""#), "{page}");

    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "activate");
    let mails = api.ok("GET", "/demo/outbox", None).await;
    assert!(mails.to_string().contains("approvato"), "{mails}");
}

/// SPEC §5 step 2 in the portal: the residence is edited with the password and an SMS code,
/// and the new value is what the data page then shows.
#[tokio::test]
async fn portal_contact_edit_with_password_and_sms_code() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let home = api.ok("GET", "/home", None).await;
    let cert = home["certificates"][0]["id"].as_str().unwrap().to_owned();
    let r = api
        .ok("POST", &format!("/certificates/{cert}/renewal"), None)
        .await;
    let id = r["id"].as_str().unwrap().to_owned();

    let mut b = Browser::new(&server.base);
    b.get("/login").await;
    b.post(
        "/login",
        &[
            ("user_id", "JZLF001"),
            ("password", "rinnova-demo"),
            ("next", ""),
        ],
        None,
    )
    .await;
    let (_, page) = b.get(&format!("/renewals/{id}")).await;
    let csrf = csrf_of(&page);
    let path = format!("/renewals/{id}/contact");
    let (status, _, page) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("field", "residence"),
                ("value", "Piazza Navona 5, 00186 Roma"),
                ("password", "wrong"),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains(r##"href="#contact_password""##), "{page}");
    let (status, _, _) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("field", "residence"),
                ("value", "Piazza Navona 5, 00186 Roma"),
                ("password", "rinnova-demo"),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = b.get(&format!("/renewals/{id}")).await;
    assert!(
        page.contains("contact_otp"),
        "the confirmation form is shown"
    );
    let code = api.last_code("JZLF001").await;
    let (status, _, _) = b
        .post(
            &format!("{path}/confirm"),
            &[("csrf", &csrf), ("otp", &code)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = b.get(&format!("/renewals/{id}")).await;
    assert!(page.contains("Piazza Navona 5, 00186 Roma"), "{page}");
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["holder"]["residence"], "Piazza Navona 5, 00186 Roma");
}

/// The RAO desk area through the real server: an expired certificate is replaced by a new one
/// after the identity check, and the new certificate verifies with OpenSSL.
#[tokio::test]
async fn rao_desk_issues_a_new_certificate_that_openssl_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let mut rao = Browser::new(&server.base);
    let (status, _) = rao.get("/rao").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "login first");
    let (status, location, _) = rao
        .post(
            "/rao/login",
            &[("username", "rao.demo"), ("password", "rinnova-rao-demo")],
            None,
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/rao"))
    );
    let (_, page) = rao.get("/rao?q=JZLF004").await;
    assert!(
        page.contains("Neri") && page.contains("RNV-WIN-003"),
        "{page}"
    );
    let action = regex::Regex::new(r#"action="(/rao/holders/[^"]+/new)""#)
        .unwrap()
        .captures(&page)
        .expect("a new-certificate form")[1]
        .to_owned();
    let csrf = csrf_of(&page);
    let form = |number: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("q", "JZLF004".to_owned()),
            ("document_type", "passaporto".to_owned()),
            ("document_number", number.to_owned()),
            ("new_role", String::new()),
            ("pin", "24681357".to_owned()),
            ("pin_confirm", "24681357".to_owned()),
        ]
    };
    let bad = form("x");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = rao.post(&action, &bad, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let good = form("YA1234567");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = rao.post(&action, &good, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Nuovo certificato emesso"), "{page}");

    // The holder sees it at home, and OpenSSL verifies it against the published chain.
    let (api, _) = Api::login(&server.base, "JZLF004").await;
    let home = api.ok("GET", "/home", None).await;
    let new = home["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "active" && c["renewable"] == false && c["days_left"].is_null())
        .or_else(|| {
            home["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["status"] == "active")
        })
        .unwrap()
        .clone();
    let pem = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/certificates/{}/pem",
            server.base,
            new["id"].as_str().unwrap()
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    verify_against_server_chain(&server.base, tmp.path(), &pem).await;
}

/// aiosmtpd on loopback (the script of the notify crate's tests): its port, and the messages
/// it accepted, one JSON object per line.
fn smtp_server() -> (
    Child,
    u16,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../notify/tests/smtp_server.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (scripts/test installs it)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("aiosmtpd started").unwrap();
    let port = first.strip_prefix("listening ").unwrap().parse().unwrap();
    (child, port, lines)
}

#[tokio::test]
async fn n1_n2_reminders_leave_over_smtp_and_their_link_opens_the_renewal_after_login() {
    let (mut smtp, port, mut received) = smtp_server();
    let port = port.to_string();
    let data = tempfile::tempdir().unwrap();
    // The sweep runs when serve starts; the outbox worker delivers over SMTP.
    let server = Server::start_with(
        data.path(),
        &[
            ("RINNOVA_MAIL__TRANSPORT", "smtp"),
            ("RINNOVA_MAIL__SMTP__HOST", "127.0.0.1"),
            ("RINNOVA_MAIL__SMTP__PORT", &port),
            ("RINNOVA_MAIL__SMTP__SECURITY", "none"),
            ("RINNOVA_MAIL__SMTP__FROM", "Rinnova <rinnovi@ca.example>"),
        ],
    );
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        for line in received.by_ref() {
            let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let done = v["to"][0] == "mario.rossi@example.it";
            got.push(v);
            if done {
                return got;
            }
        }
        panic!("aiosmtpd stopped before JZLF001's reminder arrived: {got:?}")
    });
    let got = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let mail = got.last().unwrap();
    assert_eq!(mail["from"], "rinnovi@ca.example");
    assert_eq!(
        mail["subject"],
        "Il tuo certificato di firma scade tra 45 giorni"
    );
    let text = mail["text"].as_str().unwrap();
    let html = mail["html"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/r/"))
        .expect("a reminder link")
        .to_owned();
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    let path = link
        .strip_prefix(&server.base)
        .expect("a link to this server");

    // The link, opened before login, leads through the login page back to the renewal.
    let mut b = Browser::new(&server.base);
    let (status, _, _) = b.post("/login", &[("user_id", "x")], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let resp = b
        .http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to_login = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to_login.starts_with("/login?next=%2Fr%2F") || to_login.starts_with("/login?next=/r/"),
        "{to_login}"
    );
    let (status, location, _) = b
        .post(
            "/login",
            &[
                ("user_id", "JZLF001"),
                ("password", "rinnova-demo"),
                ("next", path),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(path));
    let resp = b
        .http
        .get(format!("{}{path}", server.base))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let renewal = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(renewal.starts_with("/renewals/"), "{renewal}");
    let (status, page) = b.get(&renewal).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"aria-current="step">Dati<"#),
        "step 2 is current: {page}"
    );
    // The holder's history shows the login and the renewal the link started (SPEC X2).
    let (status, page) = b.get("/history").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"data-action="renewal_started""#) && page.contains("Rinnovo avviato"),
        "{page}"
    );
    assert!(page.contains(r#"data-action="login""#), "{page}");
    // A holder's session never opens the staff areas (SPEC A3).
    for (area, login) in [("/rao", "/rao/login"), ("/cdrl", "/cdrl/login")] {
        let resp = b
            .http
            .get(format!("{}{area}", server.base))
            .header("cookie", b.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{area}");
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with(login)
        );
    }
    // A forged link: refused with a clear message, nothing started.
    let forged = format!("{}x", &path[..path.len() - 1]);
    let (status, page) = b.get(&forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("RNV-LINK-001"), "{page}");
    let _ = smtp.kill();
}

#[tokio::test]
async fn a2_password_recovery_through_the_portal() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let mut b = Browser::new(&server.base);
    let (_, login) = b.get("/login").await;
    assert!(
        login.contains("href=\"/recover\""),
        "the login page offers recovery"
    );
    let (status, page) = b.get("/recover").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Ho dimenticato la password") && page.contains("Ho dimenticato lo user-id")
    );

    // Known and unknown accounts get the same page.
    let (s1, _, unknown) = b
        .post(
            "/recover/password",
            &[("user_id", "ZZZZ999"), ("email", "nobody@example.it")],
            None,
        )
        .await;
    let (s2, _, known) = b
        .post(
            "/recover/password",
            &[("user_id", "JZLF001"), ("email", "mario.rossi@example.it")],
            None,
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    let notice = |p: &str| {
        p.split("role=\"status\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(notice(&unknown), notice(&known));

    let outbox: Value = outbox_of(&server.base, "JZLF001").await;
    let body = outbox
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"].as_str().unwrap().contains("/recover/"))
        .expect("the recovery e-mail")["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/recover/"))
        .unwrap();
    let path = link.strip_prefix(&server.base).unwrap().to_owned();
    let resp = b
        .http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["referrer-policy"], "same-origin");
    let page = resp.text().await.unwrap();
    assert!(page.contains("••• ••• 0001"), "the mobile, masked: {page}");
    let (status, location, _) = b.post(&format!("{path}/code"), &[], None).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some(path.as_str()))
    );
    let api = Api {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        token: String::new(),
    };
    let code = api.last_code("JZLF001").await;
    let (status, _, page) = b
        .post(
            &path,
            &[
                ("code", &code),
                ("password", "corta1"),
                ("password_again", "corta1"),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("RNV-PWD-001"), "{page}");
    let strong = "Tramonto-sul-Po-2026";
    let (status, _, page) = b
        .post(
            &path,
            &[
                ("code", &code),
                ("password", strong),
                ("password_again", strong),
            ],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("data-testid=\"recovered-user-id\">JZLF001<"),
        "{page}"
    );
    let (status, location, _) = b
        .post(
            "/login",
            &[("user_id", "JZLF001"), ("password", strong), ("next", "")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location:?}");
    // The link is used up.
    let (status, page) = b.get(&path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("RNV-REC-002"));
}

#[tokio::test]
async fn n1_reminders_run_from_the_cli_sends_each_once() {
    let data = tempfile::tempdir().unwrap();
    // No sweep inside serve: cron's `rinnova reminders run` does it.
    let server = Server::start_with(data.path(), &[("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0")]);
    let run = |args: &[&str]| -> Value {
        let out = bin(data.path())
            .args(["reminders", "run", "--json"])
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let dry = run(&["--dry-run"]);
    let due = dry["due"].as_array().unwrap();
    assert_eq!(due.len(), 9, "{dry}");
    assert!(due.iter().any(|d| d["reminder"] == "closed"));
    assert!(
        due.iter()
            .any(|d| d["reminder"] == "days-1" && d["skip"].as_array().unwrap().len() == 4)
    );
    // A dry run records nothing.
    assert_eq!(run(&["--dry-run"])["due"].as_array().unwrap().len(), 9);
    let sent = run(&[]);
    assert_eq!(
        (sent["due"].as_u64(), sent["sent"].as_u64()),
        (Some(9), Some(9))
    );
    let again = run(&[]);
    assert_eq!(
        (again["due"].as_u64(), again["sent"].as_u64()),
        (Some(0), Some(0))
    );
    // The demo outbox page shows them.
    let outbox: Value = outbox_of(&server.base, "JZLF002").await;
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "Il tuo certificato di firma scade domani: rinnovalo oggi")
    );

    // The link over the API: JZLF001's reminder opens its renewal; another holder's is refused.
    let outbox: Value = outbox_of(&server.base, "JZLF001").await;
    let body = outbox[0]["body"].as_str().unwrap();
    let token = body
        .split_whitespace()
        .find_map(|w| w.split("/r/").nth(1))
        .unwrap();
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let r = api
        .ok("POST", &format!("/reminder-links/{token}"), None)
        .await;
    assert_eq!(r["step"], "check_data");
    let (other, _) = Api::login(&server.base, "JZLF006").await;
    let (status, e) = other
        .call("POST", &format!("/reminder-links/{token}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["code"], "RNV-LINK-002");
}

#[tokio::test]
async fn a2_user_id_recovery_over_the_api() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    // JZLF002's codice fiscale and e-mail, as the holder would know them.
    let (api, _) = Api::login(&server.base, "JZLF002").await;
    let home = api.ok("GET", "/home", None).await;
    let (cf, email) = (
        home["holder"]["codice_fiscale"]
            .as_str()
            .unwrap()
            .to_owned(),
        home["holder"]["email"].as_str().unwrap().to_owned(),
    );
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}/api/v1{path}", server.base))
            .json(&body)
            .send()
    };
    for (cf, email) in [
        ("RSSMRA85T10A562X", "nobody@example.it"),
        (cf.as_str(), email.as_str()),
    ] {
        let resp = post(
            "/recover/user-id",
            json!({"codice_fiscale": cf, "email": email}),
        )
        .await
        .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::ACCEPTED,
            "the same answer for {cf}"
        );
    }
    let outbox: Value = outbox_of(&server.base, "JZLF002").await;
    let token = outbox
        .as_array()
        .unwrap()
        .iter()
        .find_map(|m| {
            m["body"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .find_map(|w| w.split("/recover/").nth(1))
        })
        .expect("a recovery e-mail")
        .to_owned();
    let v: Value = http
        .get(format!("{}/api/v1/recover/{token}", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["purpose"].as_str(), v["code_sent"].as_bool()),
        (Some("user_id"), Some(false))
    );
    let v: Value = post(&format!("/recover/{token}/code"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["code_sent"], true);
    let code = api.last_code("JZLF002").await;
    let done: Value = post(&format!("/recover/{token}"), json!({"code": code}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (done["purpose"].as_str(), done["user_id"].as_str()),
        (Some("user_id"), Some("JZLF002"))
    );
    let resp = post(&format!("/recover/{token}"), json!({"code": code}))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "used up");
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

#[tokio::test]
async fn x2_audit_verify_names_the_row_edited_behind_the_applications_back() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with(data.path(), &[("RINNOVA_APP__AUDIT_SEAL_MINUTES", "0")]);
    Api::login(&server.base, "JZLF001").await;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/login", server.base))
        .json(&json!({"user_id": "JZLF002", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    server.kill();

    let seal = rinnova(data.path(), &["audit", "seal"]);
    assert!(
        seal.status.success(),
        "{}",
        String::from_utf8_lossy(&seal.stderr)
    );
    assert!(String::from_utf8_lossy(&seal.stdout).starts_with("audit chain sealed at row "));
    let ok = rinnova(data.path(), &["audit", "verify", "--json"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert!(v["rows"].as_u64().unwrap() >= 2, "{v}");
    assert_eq!(v["seals"], 1);
    assert_eq!(v["problem"], Value::Null);

    // The administrator's search by holder.
    let found = rinnova(
        data.path(),
        &["audit", "search", "--holder", "jzlf002", "--json"],
    );
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    let entries: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(entries[0]["action"], "login_failed", "{entries}");
    assert_eq!(entries[0]["label"], "Failed login");
    let none = rinnova(data.path(), &["audit", "search", "--holder", "NOPE001"]);
    assert!(!none.status.success());

    // Someone with database access hides who failed to log in.
    let seq = tamper(
        data.path(),
        "SELECT seq FROM audit WHERE action = 'login_failed'",
    );
    let seq: i64 = seq
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap();
    tamper(
        data.path(),
        "UPDATE audit SET actor = 'someone-else' WHERE action = 'login_failed'",
    );
    let bad = rinnova(data.path(), &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains(&format!("audit row {seq} was altered")),
        "{text}"
    );
}

/// Saves a holder's certificates as PEM files named `{prefix}-{status}.pem`; returns
/// (status, serial) pairs.
async fn save_certificates(api: &Api, dir: &Path, prefix: &str) -> Vec<(String, String)> {
    let home = api.ok("GET", "/home", None).await;
    let mut out = Vec::new();
    for c in home["certificates"].as_array().unwrap() {
        let (id, status) = (c["id"].as_str().unwrap(), c["status"].as_str().unwrap());
        let pem = api
            .http
            .get(format!("{}/api/v1/certificates/{id}/pem", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        std::fs::write(dir.join(format!("{prefix}-{status}.pem")), pem).unwrap();
        out.push((status.to_owned(), c["serial"].as_str().unwrap().to_owned()));
    }
    out
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

/// The CRL and OCSP through independent clients (SPEC X1): openssl verifies the CRL's
/// signature and reads a superseded certificate in it; `openssl ocsp` gets good, revoked and
/// unknown answers signed by the CA, over POST and GET; an admin revocation shows at once.
#[tokio::test]
async fn x1_crl_and_ocsp_answer_good_revoked_and_unknown_to_openssl() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_ca_certificates(&server.base, d).await;
    // JZLF001 holds a good certificate; JZLF005 renewed, so the old one is superseded.
    let (api1, _) = Api::login(&server.base, "JZLF001").await;
    let good = save_certificates(&api1, d, "jzlf001").await;
    let (api5, _) = Api::login(&server.base, "JZLF005").await;
    let five = save_certificates(&api5, d, "jzlf005").await;
    let old_serial = five
        .iter()
        .find(|(s, _)| s == "superseded")
        .expect("JZLF005's superseded certificate")
        .1
        .clone();

    // The CRL: signed by the issuing CA, the superseded certificate in it.
    fetch(&server.base, "/ca/crl.der", d, "crl1.der").await;
    let verified = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "crl1.der",
            "-CAfile",
            "chain.pem",
            "-noout",
        ],
        d,
    );
    assert!(verified.contains("verify OK"), "{verified}");
    let text = openssl(
        &[
            "crl", "-inform", "DER", "-in", "crl1.der", "-noout", "-text",
        ],
        d,
    );
    assert!(
        text.to_uppercase().contains(&old_serial.to_uppercase()),
        "{text}"
    );
    assert!(text.contains("Superseded"), "{text}");
    assert!(text.contains("X509v3 CRL Number"), "{text}");

    let url = format!("{}/ca/ocsp", server.base);
    let ocsp = |cert: &str| -> String {
        openssl(
            &[
                "ocsp",
                "-issuer",
                "issuing.pem",
                "-cert",
                cert,
                "-url",
                &url,
                "-CAfile",
                "chain.pem",
                "-resp_text",
            ],
            d,
        )
    };
    let answer = ocsp("jzlf001-active.pem");
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(answer.contains("jzlf001-active.pem: good"), "{answer}");
    let answer = ocsp("jzlf005-superseded.pem");
    assert!(
        answer.contains("jzlf005-superseded.pem: revoked"),
        "{answer}"
    );
    assert!(answer.contains("Reason: superseded"), "{answer}");
    let answer = openssl(
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-serial",
            "0x4242",
            "-url",
            &url,
            "-CAfile",
            "chain.pem",
        ],
        d,
    );
    assert!(answer.contains("0x4242: unknown"), "{answer}");

    // GET: the base64 request in the path.
    openssl(
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-cert",
            "jzlf001-active.pem",
            "-no_nonce",
            "-reqout",
            "req.der",
        ],
        d,
    );
    use base64::Engine;
    let b64 =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(d.join("req.der")).unwrap());
    let encoded: String = b64
        .chars()
        .map(|c| match c {
            '+' => "%2B".to_owned(),
            '/' => "%2F".to_owned(),
            '=' => "%3D".to_owned(),
            c => c.to_string(),
        })
        .collect();
    fetch(&server.base, &format!("/ca/ocsp/{encoded}"), d, "resp.der").await;
    let answer = openssl(
        &[
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "issuing.pem",
            "-cert",
            "jzlf001-active.pem",
            "-CAfile",
            "chain.pem",
        ],
        d,
    );
    assert!(answer.contains("jzlf001-active.pem: good"), "{answer}");
    // Garbage: malformedRequest, not an error page.
    let resp = reqwest::Client::new()
        .post(&url)
        .body("not DER")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/ocsp-response");

    // An admin revokes JZLF001's certificate for key compromise: OCSP says so at once, the
    // next CRL (a higher number) lists it.
    let serial = &good[0].1;
    let out = rinnova(
        data.path(),
        &["ca", "revoke", serial, "--reason", "key-compromise"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = rinnova(
        data.path(),
        &["ca", "revoke", serial, "--reason", "key-compromise"],
    );
    assert!(!again.status.success(), "revoked once");
    let answer = ocsp("jzlf001-active.pem");
    assert!(answer.contains("jzlf001-active.pem: revoked"), "{answer}");
    assert!(answer.contains("Reason: keyCompromise"), "{answer}");
    fetch(&server.base, "/ca/crl.der", d, "crl2.der").await;
    let text = openssl(
        &[
            "crl", "-inform", "DER", "-in", "crl2.der", "-noout", "-text",
        ],
        d,
    );
    assert!(
        text.to_uppercase().contains(&serial.to_uppercase()),
        "{text}"
    );
    assert!(text.contains("Key Compromise"), "{text}");
    let n1 = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "crl1.der",
            "-noout",
            "-crlnumber",
        ],
        d,
    );
    let n2 = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "crl2.der",
            "-noout",
            "-crlnumber",
        ],
        d,
    );
    assert_ne!(n1, n2, "a new CRL number");
    let v = rinnova(data.path(), &["audit", "verify", "--json"]);
    assert!(
        v.status.success(),
        "the revocation is in the intact audit trail"
    );
}

/// Step 4's evidence through independent validators (issue 5): the renewal form signed as
/// PAdES B-B with the holder's current certificate validates in pyHanko (our root as the only
/// trust anchor, revocation checked against our OCSP responder) and in poppler's pdfsig; the
/// administrator retrieves the same bytes.
#[tokio::test]
async fn step4_the_signed_form_validates_in_pyhanko_and_pdfsig() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _, r) = through_signing(&api, "JZLF001").await;
    assert_eq!(r["step"], "activate");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let resp = api
        .http
        .get(format!(
            "{}/api/v1/renewals/{id}/documents/signed-renewal-form.pdf",
            server.base
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let signed = resp.bytes().await.unwrap();
    std::fs::write(d.join("signed.pdf"), &signed).unwrap();
    save_ca_certificates(&server.base, d).await;

    let out = Command::new("pdfsig")
        .arg("signed.pdf")
        .current_dir(d)
        .output()
        .expect("pdfsig (poppler-utils) is installed by scripts/test");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("Signature Validation: Signature is Valid."),
        "{text}"
    );
    assert!(text.contains("ETSI.CAdES.detached"), "{text}");
    assert!(text.contains("Total document signed"), "{text}");
    assert!(
        text.contains("Mario Rossi") || text.contains("ROSSI"),
        "{text}"
    );

    let out = Command::new("pyhanko")
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            "root.pem",
            "--trust-replace",
            "--other-certs",
            "issuing.pem",
            "signed.pdf",
        ])
        .current_dir(d)
        .output()
        .expect("pyHanko is installed by scripts/test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    for needle in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "The signature covers the entire file.",
        "The signature is judged VALID.",
        "Common Name: Mario Rossi",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }

    // One byte of the signed revision changed: both validators refuse it.
    let mut forged = signed.to_vec();
    let at = forged
        .windows(5)
        .position(|w| w == b"/Size")
        .expect("a trailer");
    forged[at + 6] = if forged[at + 6] == b'9' { b'8' } else { b'9' };
    std::fs::write(d.join("forged.pdf"), &forged).unwrap();
    let out = Command::new("pdfsig")
        .arg("forged.pdf")
        .current_dir(d)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("Signature is Valid."), "{text}");
    let out = Command::new("pyhanko")
        .args([
            "sign",
            "validate",
            "--trust",
            "root.pem",
            "--trust-replace",
            "--other-certs",
            "issuing.pem",
            "forged.pdf",
        ])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The RAO finds the holder at the desk and downloads the same evidence.
    let mut rao = Browser::new(&server.base);
    let (status, _, _) = rao
        .post(
            "/rao/login",
            &[("username", "rao.demo"), ("password", "rinnova-rao-demo")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page) = rao.get("/rao?q=JZLF001").await;
    assert_eq!(status, StatusCode::OK);
    let link = format!("/rao/renewals/{id}/evidence.pdf");
    assert!(page.contains(&link), "{page}");
    let resp = rao
        .http
        .get(format!("{}{link}", server.base))
        .header("cookie", rao.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap(), signed);

    // The administrator's copy is the same evidence.
    let evidence = rinnova(data.path(), &["renewals", "evidence", &id]);
    assert!(
        evidence.status.success(),
        "{}",
        String::from_utf8_lossy(&evidence.stderr)
    );
    assert_eq!(evidence.stdout, signed.as_ref());
}
