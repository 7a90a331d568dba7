//! Steps 5 and 6 through the real server: coupon, shop (sandbox and bank transfer), RAO,
//! prepaid account, and the organisation's approval.

use super::*;

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
    let (status, _) = b.login("JZLF009", "").await;
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
        include_str!("../../../pay/tests/fixtures/camt053_v02.xml")
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
    // Each credit is reported with the reference it named and what became of it (issue 18).
    let item = &report["items"][0];
    assert_eq!(item["reference"], json!(reference));
    assert_eq!(item["outcome"], "settled");
    let r = api.ok("GET", &format!("/renewals/{id}"), None).await;
    assert_eq!(r["step"], "activate");
    let report: Value = serde_json::from_slice(&import().stdout).unwrap();
    assert_eq!(report["already_imported"], 1);
    // Only a pending transfer can be cancelled; the refusal is a clear error, not a crash.
    let out = bin(tmp.path())
        .args(["payments", "cancel"])
        .arg(item["order_id"].as_str().unwrap())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("internal error"), "{err}");
    // Nothing to give back here: the refunds list is empty, as JSON.
    let due = rinnova_ok(tmp.path(), &["payments", "refunds", "--json"]);
    let due: Value = serde_json::from_str(&due).unwrap();
    assert_eq!(due, json!([]));
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
    let cli = |args: &[&str]| rinnova_ok(tmp.path(), args);
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
    holder.login("JZLF011", "").await;
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
