//! The API keeps its OpenAPI contract (issue 19): every answer, errors too, is JSON of the
//! documented shape with a documented status, checked by schemathesis (`st run --checks all`)
//! logged in and logged out, and the error answers of requests the API cannot read.

use super::*;

/// Runs schemathesis against the server with the repository's `schemathesis.toml`; the
/// output on failure.
fn schemathesis(base: &str, work: &Path, extra: &[&str]) -> Result<(), String> {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemathesis.toml");
    let out = Command::new("st")
        .current_dir(work)
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{base}/api/v1/openapi.json"), "--url", base])
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

    // Too large, unknown path, wrong method.
    let (status, e) = error_of(
        http.post(url("/login"))
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
