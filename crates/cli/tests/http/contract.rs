//! The API keeps its OpenAPI contract (issue 19): every answer, errors too, is JSON of the
//! documented shape with a documented status, checked by schemathesis (`st run --checks all`)
//! logged in and logged out, and the error answers of requests the API cannot read.

use super::*;

/// Runs schemathesis against the server with the repository's `schemathesis.toml`; the
/// output on failure.
fn schemathesis(base: &str, work: &Path, extra: &[&str]) -> Result<(), String> {
    schemathesis_of(base, "/api/v1/openapi.json", work, extra)
}

/// Runs schemathesis against the OpenAPI document at `doc` on the server.
fn schemathesis_of(base: &str, doc: &str, work: &Path, extra: &[&str]) -> Result<(), String> {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemathesis.toml");
    let out = Command::new("st")
        .current_dir(work)
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{base}{doc}"), "--url", base])
        .args(["--checks", "all", "--max-examples", "25", "--seed", "19"])
        .args(["--phases", "examples,coverage,fuzzing", "--no-color"])
        .args(["--generation-database", "none", "--request-timeout", "20"])
        .args(extra)
        .output()
        .expect("schemathesis (`st`) is installed by scripts/test");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[tokio::test]
async fn schemathesis_finds_no_mismatch_logged_in_or_out() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    // Logged in (the holder with a renewal to walk), without `logout`, which would end the
    // session under the run.
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let bearer = format!("Authorization: Bearer {}", api.token);
    let logged_in = schemathesis(
        &server.base,
        tmp.path(),
        &["-H", &bearer, "--exclude-path", "/api/v1/logout"],
    );
    assert!(logged_in.is_ok(), "logged in: {}", logged_in.unwrap_err());
    // Logged out: every operation, `logout` too.
    let logged_out = schemathesis(&server.base, tmp.path(), &[]);
    assert!(
        logged_out.is_ok(),
        "logged out: {}",
        logged_out.unwrap_err()
    );
}

/// Issue 22: the CSC API keeps its own OpenAPI document (`/csc/openapi.json`): every answer,
/// refusals too, is CSC's JSON with a documented status, with a holder's token and without.
#[tokio::test]
async fn schemathesis_finds_no_mismatch_in_the_csc_api() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let r = reqwest::Client::new()
        .post(format!("{}/csc/v2/auth/login", server.base))
        .basic_auth("JZLF001", Some("rinnova-demo"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Authorization: Bearer {token}");
    let logged_in = schemathesis_of(
        &server.base,
        "/csc/openapi.json",
        tmp.path(),
        &[
            "-H",
            &bearer,
            "--exclude-path-regex",
            "auth/(revoke|login)$",
        ],
    );
    assert!(logged_in.is_ok(), "logged in: {}", logged_in.unwrap_err());
    let logged_out = schemathesis_of(&server.base, "/csc/openapi.json", tmp.path(), &[]);
    assert!(
        logged_out.is_ok(),
        "logged out: {}",
        logged_out.unwrap_err()
    );
}

#[tokio::test]
async fn requests_the_api_cannot_read_get_json_errors_in_the_callers_language() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1{p}", server.base);
    let error_of = |r: reqwest::Response| async move {
        let status = r.status();
        let ct = r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(ct, "application/json", "{status}");
        let v: Value = r.json().await.unwrap();
        (status, v["error"].clone())
    };

    // Not JSON: 415, in English when asked so.
    let (status, e) = error_of(
        http.post(url("/login"))
            .header("accept-language", "en")
            .body("user_id=x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(e["code"], "RNV-REQ-415");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Send the data as JSON")
    );

    // JSON of another shape: 422 naming the field; broken JSON: 400 (Italian by default).
    let (status, e) = error_of(
        http.post(url("/login"))
            .json(&json!({"user_id": 7}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["code"], "RNV-REQ-422");
    assert!(e["detail"].as_str().unwrap().contains("user_id"), "{e}");
    let (status, e) = error_of(
        http.post(url("/login"))
            .header("content-type", "application/json")
            .body("{\"user_id\":")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["code"], "RNV-REQ-400");
    assert!(e["message"].as_str().unwrap().starts_with("La richiesta"));

    // Too large (on a connection of its own: the server closes it, the body unread), unknown
    // path, wrong method.
    let (status, e) = error_of(
        reqwest::Client::new()
            .post(url("/login"))
            .header("content-type", "application/json")
            .body(vec![b' '; 100 * 1024])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(e["code"], "RNV-REQ-413");
    let (status, e) = error_of(http.get(url("/no-such-thing")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["code"], "RNV-GEN-404");
    let r = http.delete(url("/login")).send().await.unwrap();
    assert_eq!(r.headers()["allow"], "POST");
    let (status, e) = error_of(r).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(e["code"], "RNV-REQ-405");

    // A logged-in holder is answered in their own language, whatever the request says.
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (status, e) = error_of(
        http.post(url("/renewals/nope/sign"))
            .bearer_auth(&api.token)
            .header("accept-language", "en")
            .json(&json!({"pin": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["message"].as_str().unwrap().starts_with("I dati inviati"),
        "{e}"
    );

    // The document lists the errors an operation can answer with.
    let doc: Value = http
        .get(url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sign = &doc["paths"]["/api/v1/renewals/{id}/sign"]["post"]["responses"];
    for status in [
        "400", "401", "404", "413", "415", "422", "423", "500", "503",
    ] {
        assert!(sign[status].is_object(), "sign lacks {status}: {sign}");
    }
    let home = &doc["paths"]["/api/v1/home"]["get"]["responses"];
    assert!(home["401"].is_object() && home["415"].is_null(), "{home}");
}

#[tokio::test]
async fn every_request_has_an_id_in_its_answer_its_audit_rows_and_its_error_page() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let http = reqwest::Client::new();
    let id_of = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();

    // A sane id sent by the client is kept; anything else is replaced by a new one.
    let r = http
        .post(format!("{}/api/v1/login", server.base))
        .header("x-request-id", "it-test.login_1")
        .json(&json!({"user_id": "JZLF002", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(id_of(&r), "it-test.login_1");
    let r = http
        .get(format!("{}/api/v1/home", server.base))
        .header("x-request-id", "no spaces <or> markup")
        .send()
        .await
        .unwrap();
    let fresh = id_of(&r);
    assert_eq!(fresh.len(), 36, "a UUID: {fresh}");

    // The audit row of the failed login names the request.
    let found = rinnova(
        tmp.path(),
        &["audit", "search", "--holder", "JZLF002", "--json"],
    );
    let entries: Value = serde_json::from_slice(&found.stdout).unwrap();
    let failed = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "login_failed")
        .expect("the failed login is audited");
    assert_eq!(failed["request_id"], "it-test.login_1", "{failed}");

    // The portal's error page prints the id to quote to support.
    let mut b = Browser::new(&server.base);
    b.login("JZLF001", "/").await;
    let resp = b
        .http
        .get(format!("{}/renewals/no-such-renewal", server.base))
        .header("cookie", b.cookie_header())
        .header("x-request-id", "page-err-7")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let page = resp.text().await.unwrap();
    assert!(page.contains("<code>page-err-7</code>"), "{page}");
}

#[tokio::test]
async fn json_logs_carry_the_request_id_on_each_line_of_a_request() {
    let tmp = tempfile::tempdir().unwrap();
    let log_path = tmp.path().join("server.log");
    let mut cmd = bin(tmp.path());
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("RINNOVA_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,tower_http=debug");
    let server = Server::spawn_logging(cmd, std::fs::File::create(&log_path).unwrap().into());
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/home", server.base))
        .header("x-request-id", "json-log-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    server.kill();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == "json-log-1")
        .collect();
    assert!(of_request.len() >= 2, "started and finished: {logs}");
    assert!(
        of_request
            .iter()
            .all(|l| l["span"]["route"] == "/api/v1/home")
    );
    assert!(
        of_request.iter().any(|l| l["fields"]["status"] == 401),
        "{logs}"
    );
}
