//! The portal's forms through the real server (login, CSRF, same origin, contact changes) and
//! the recovery of a forgotten password or user-id (SPEC A2).

use super::*;

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
    let (status, location) = b.login("JZLF001", "").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/"))
    );
    let (status, home) = b.get("/").await;
    assert!(
        home.contains("45 giorni per rinnovare"),
        "{status} {:?} {home}",
        b.cookies()
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
    b.login("JZLF001", "").await;
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
    // Logged in already: a wrong password here is a field to fix, not a login (issue 18).
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("RNV-DATA-003"), "{page}");
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

/// Issue 18 item 15: logging in as another user in the same browser ends the earlier session;
/// a portal cookie does not open the API and an API token does not open the portal.
#[tokio::test]
async fn a_new_login_ends_the_browsers_earlier_session_and_each_token_keeps_to_its_channel() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let mut b = Browser::new(&server.base);
    b.login("JZLF001", "/").await;
    let session_cookie = |b: &Browser| {
        b.cookies()
            .into_iter()
            .find(|(k, _)| k.contains("session"))
            .map(|(_, v)| v)
            .expect("a session cookie")
    };
    let first = session_cookie(&b);
    b.login("JZLF002", "/").await;
    let second = session_cookie(&b);
    assert_ne!(first, second);
    let (status, page) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("JZLF002") && !page.contains("JZLF001"),
        "{page}"
    );

    // The first session is over: its cookie, replayed, opens nothing.
    let mut replay = Browser::with_cookies(
        &server.base,
        &b.cookies()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if *v == second {
                        first.clone()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect::<Vec<_>>(),
    );
    let (status, _) = replay.get("/").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the ended session leads to the login"
    );

    // Each token to its channel.
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/api/v1/home", server.base))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "a portal cookie as a bearer token"
    );
    let (api, _) = Api::login(&server.base, "JZLF003").await;
    let mut via_cookie = Browser::with_cookies(
        &server.base,
        &b.cookies()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if *v == second {
                        api.token.clone()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect::<Vec<_>>(),
    );
    let (status, _) = via_cookie.get("/").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "an API token as a portal cookie"
    );
    api.ok("GET", "/home", None).await;
}
