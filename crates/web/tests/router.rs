//! The web layer's own logic in process (`tower::ServiceExt::oneshot`, no socket): the CSRF
//! form extractor for holders and staff, the API's error mapping, and the headers every answer
//! carries. The end-to-end behaviour is in `crates/cli/tests/http`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::Timestamp;
use rinnova_app::auth::SessionKind;
use rinnova_app::demo::{DEMO_CDRL, DEMO_PASSWORD};
use rinnova_app::i18n::Lang;
use rinnova_app::{App, Ctx};
use rinnova_domain::clock::ManualClock;
use rinnova_web::{WebState, router};
use tower::ServiceExt;

struct Env {
    app: App,
    _dir: tempfile::TempDir,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    let app = rinnova_app::testing::demo_app(dir.path(), ManualClock::new(now))
        .await
        .unwrap();
    app.seed_demo().await.unwrap();
    Env { app, _dir: dir }
}

fn web(app: &App) -> axum::Router {
    router(WebState {
        app: app.clone(),
        secure_cookies: false,
        trusted_proxies: vec![],
        metrics: None,
    })
}

fn form(path: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn text(r: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn a_holders_form_needs_the_sessions_token_and_a_login() {
    let e = env().await;
    let s = e
        .app
        .login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &Ctx::default())
        .await
        .unwrap();
    let cookie = format!("rnv_session={}", s.token.expose());

    // No token, a wrong one: 403 with the form's code, before any use case runs.
    for body in ["", "csrf=not-the-token"] {
        let r = web(&e.app)
            .oneshot(form("/logout", &cookie, body))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{body}");
        assert!(text(r).await.contains("RNV-CSRF-001"));
    }
    assert!(
        e.app
            .session_of(s.token.expose(), SessionKind::Web)
            .await
            .is_ok(),
        "still logged in"
    );
    // Not logged in: to the login page, whatever the token.
    let r = web(&e.app)
        .oneshot(form("/logout", "", &format!("csrf={}", s.csrf)))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // The right token: the logout happens.
    let r = web(&e.app)
        .oneshot(form("/logout", &cookie, &format!("csrf={}", s.csrf)))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        e.app
            .session_of(s.token.expose(), SessionKind::Web)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_staff_form_is_checked_the_same_way_by_the_one_staff_extractor() {
    let e = env().await;
    let token = e
        .app
        .cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::En, &Ctx::default())
        .await
        .unwrap();
    let csrf = e.app.cdrl_session(&token).await.unwrap().csrf;
    let cookie = format!("rnv_staff={token}");
    let r = web(&e.app)
        .oneshot(form("/cdrl/renewals/x/approve", &cookie, "csrf=wrong"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = text(r).await;
    assert!(
        page.contains("RNV-CSRF-001") && page.contains("The form"),
        "{page}"
    );
    // Without the staff cookie (a holder's is not one): the area's login page.
    let r = web(&e.app)
        .oneshot(form(
            "/cdrl/logout",
            "rnv_session=x",
            &format!("csrf={csrf}"),
        ))
        .await
        .unwrap();
    assert_eq!(r.headers()[header::LOCATION], "/cdrl/login");
    let r = web(&e.app)
        .oneshot(form("/cdrl/logout", &cookie, &format!("csrf={csrf}")))
        .await
        .unwrap();
    assert_eq!(r.headers()[header::LOCATION], "/cdrl/login");
    assert!(e.app.cdrl_session(&token).await.is_err(), "logged out");
}

#[tokio::test]
async fn api_errors_are_json_with_a_code_and_every_answer_has_its_headers() {
    let e = env().await;
    let r = web(&e.app)
        .oneshot(
            Request::post("/api/v1/login")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::from("user_id=x"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    assert!(r.headers()["x-request-id"].len() >= 32);
    assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let v: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
    assert_eq!(v["error"]["code"], "RNV-REQ-415");

    // A use case's refusal keeps its own code and status; a throttle its Retry-After.
    let r = web(&e.app)
        .oneshot(
            Request::get("/api/v1/home")
                .header(header::AUTHORIZATION, "Bearer nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
    assert_eq!(v["error"]["code"], "RNV-AUTH-001");

    // The portal's pages are not touched by the API's error shape.
    let r = web(&e.app)
        .oneshot(Request::get("/no-such-page").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        r.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
}
