//! The renewal through the JSON API from start to finish: wrong codes and PINs, double
//! submits, a crash (SIGKILL) in the middle and the resume after it, a token holder's codes, and
//! the issued certificate checked by OpenSSL.

use super::*;

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
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("PIN errato") && message.ends_with("Tentativi PIN rimasti: 4."),
        "{message}"
    );
    let (status, err) = api
        .call(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "1234", "otp": "123456"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "RNV-PIN-001");
    // Resend is spaced (O1): too soon now — 429, saying when to come back (issue 18 item 15).
    let resp = api
        .http
        .post(format!("{}/api/v1/renewals/{id}/otp", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    let err: Value = resp.json().await.unwrap();
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
    let pem = api.certificate_pem(new["id"].as_str().unwrap()).await;
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
    // Every schema referred to is in the document (the renewal's `ended`, issue 18, too).
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
    assert!(doc["components"]["schemas"]["EndedView"].is_object());

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

/// Issue 18 item 18: every demo holder's certificate — the expired, the superseded, the ones
/// issued three years ago — was issued while its issuer was valid: OpenSSL verifies each chain at
/// the certificate's own first instant (the demo CA used to start after them).
#[tokio::test]
async fn demo_certificates_lie_within_their_issuers_validity() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let dir = tempfile::tempdir().unwrap();
    save_ca_certificates(&server.base, dir.path()).await;
    let mut checked = 0;
    for user in ["JZLF001", "JZLF003", "JZLF004", "JZLF005", "JZLF007"] {
        let (api, _) = Api::login(&server.base, user).await;
        let home = api.ok("GET", "/home", None).await;
        for c in home["certificates"].as_array().unwrap() {
            let pem = api.certificate_pem(c["id"].as_str().unwrap()).await;
            std::fs::write(dir.path().join("leaf.pem"), pem).unwrap();
            let start: jiff::Timestamp = c["not_before"].as_str().unwrap().parse().unwrap();
            let out = openssl(
                &[
                    "verify",
                    "-attime",
                    &(start.as_second() + 1).to_string(),
                    "-CAfile",
                    "root.pem",
                    "-untrusted",
                    "issuing.pem",
                    "leaf.pem",
                ],
                dir.path(),
            );
            assert!(out.contains("leaf.pem: OK"), "{user}: {out}");
            checked += 1;
        }
    }
    assert!(checked >= 6, "{checked}");
}
