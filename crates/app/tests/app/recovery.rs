//! Access and recovery (SPEC A1–A2): throttling per user-id and per client address, recovery of
//! a forgotten password or user-id by e-mail link + SMS code, the password policy, sessions
//! ended after a reset, and answers that never tell whether an account exists.

use crate::renewal::{ctx, env, holder_id, last_code};
use jiff::SignedDuration;
use rinnova_app::auth::SessionKind;
use rinnova_app::demo::DEMO_PASSWORD;
use rinnova_app::recovery::RecoveryPurpose;
use rinnova_app::{App, AppError, Ctx};
use rinnova_domain::password::WeakPassword;
use rinnova_store::{HolderRecord, repo};

const NEW_PASSWORD: &str = "Tramonto-sul-Po-2026";

async fn holder(app: &App, user: &str) -> HolderRecord {
    repo::holders::by_user_id(&mut app.store().conn().await.unwrap(), user)
        .await
        .unwrap()
        .unwrap()
}

async fn email_count(app: &App) -> usize {
    repo::outbox::recent(&mut app.store().conn().await.unwrap(), None, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.channel == "email")
        .count()
}

/// The token of the newest recovery link e-mailed to a holder.
async fn recovery_token(app: &App, user: &str) -> String {
    let h = holder_id(app, user).await;
    let msgs = repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(&h), 20)
        .await
        .unwrap();
    let body = &msgs
        .iter()
        .find(|m| m.channel == "email" && m.body.contains("/recover/"))
        .expect("a recovery e-mail")
        .body;
    body.split_whitespace()
        .find_map(|w| w.split("/recover/").nth(1))
        .unwrap()
        .to_owned()
}

fn from(ip: &str) -> Ctx {
    Ctx {
        ip: Some(ip.into()),
        request_id: None,
    }
}

#[tokio::test]
async fn a2_password_reset_by_e_mail_link_and_sms_code_ends_every_session() {
    let e = env().await;
    let app = &e.app;
    let h = holder(app, "JZLF001").await;
    let session = app
        .login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();

    // A wrong e-mail: the same answer, and no e-mail leaves.
    let before = email_count(app).await;
    app.request_password_reset("JZLF001", "someone@else.it", &ctx())
        .await
        .unwrap();
    assert_eq!(email_count(app).await, before);
    // The registered one (any case): a link by e-mail.
    app.request_password_reset("jzlf001", &h.email.to_uppercase(), &ctx())
        .await
        .unwrap();
    assert_eq!(email_count(app).await, before + 1);
    let token = recovery_token(app, "JZLF001").await;

    let view = app.recovery(&token).await.unwrap();
    assert_eq!(view.purpose, RecoveryPurpose::Password);
    assert!(!view.code_sent);
    assert!(
        h.mobile
            .ends_with(view.mobile_hint.rsplit(' ').next().unwrap())
    );
    // No code asked yet: refused.
    assert!(matches!(
        app.complete_recovery(&token, "123456", Some((NEW_PASSWORD, NEW_PASSWORD)), &ctx())
            .await,
        Err(AppError::Otp(_))
    ));
    assert!(
        app.recovery_send_code(&token, &ctx())
            .await
            .unwrap()
            .code_sent
    );
    let code = last_code(app, &h.id).await;

    // Policy refusals come before the code is spent.
    for (pw, again, why) in [
        ("corta1", "corta1", WeakPassword::TooShort),
        (
            "Mario-Rossi-2026",
            "Mario-Rossi-2026",
            WeakPassword::Personal,
        ),
        (NEW_PASSWORD, "Tramonto-sul-Po-2025", WeakPassword::Mismatch),
    ] {
        match app
            .complete_recovery(&token, &code, Some((pw, again)), &ctx())
            .await
        {
            Err(AppError::WeakPassword(w)) => assert_eq!(w, why, "{pw}"),
            other => panic!("{pw}: {other:?}"),
        }
    }
    let done = app
        .complete_recovery(&token, &code, Some((NEW_PASSWORD, NEW_PASSWORD)), &ctx())
        .await
        .unwrap();
    assert_eq!(done.user_id, "JZLF001");

    // Every session ended; the old password is gone, the new one works.
    assert!(matches!(
        app.session(session.token.expose()).await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        app.login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
            .await,
        Err(AppError::LoginFailed)
    ));
    app.login("JZLF001", NEW_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    // Single use.
    assert!(matches!(
        app.recovery(&token).await,
        Err(AppError::RecoveryLinkInvalid)
    ));
    let mails = repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(&h.id), 5)
        .await
        .unwrap();
    assert_eq!(
        mails[0].subject.as_deref(),
        Some("La password del servizio di firma è stata cambiata")
    );
    // A further reset must choose a password other than the current one.
    app.request_password_reset("JZLF001", &h.email, &ctx())
        .await
        .unwrap();
    let token = recovery_token(app, "JZLF001").await;
    app.recovery_send_code(&token, &ctx()).await.unwrap();
    let code = last_code(app, &h.id).await;
    assert!(matches!(
        app.complete_recovery(&token, &code, Some((NEW_PASSWORD, NEW_PASSWORD)), &ctx())
            .await,
        Err(AppError::WeakPassword(WeakPassword::Unchanged))
    ));
}

#[tokio::test]
async fn a2_user_id_recovery_and_link_expiry() {
    let e = env().await;
    let app = &e.app;
    let h = holder(app, "JZLF006").await;
    app.request_user_id_reminder(&h.codice_fiscale.to_lowercase(), &h.email, &ctx())
        .await
        .unwrap();
    let token = recovery_token(app, "JZLF006").await;
    assert_eq!(
        app.recovery(&token).await.unwrap().purpose,
        RecoveryPurpose::UserId
    );
    app.recovery_send_code(&token, &ctx()).await.unwrap();
    let code = last_code(app, &h.id).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        app.complete_recovery(&token, wrong, None, &ctx()).await,
        Err(AppError::Otp(_))
    ));
    let done = app
        .complete_recovery(&token, &code, None, &ctx())
        .await
        .unwrap();
    assert_eq!(
        (done.purpose, done.user_id.as_str()),
        (RecoveryPurpose::UserId, "JZLF006")
    );

    // A link not used within its 30 minutes is refused; a newer one replaces an older one.
    app.request_password_reset("JZLF006", &h.email, &ctx())
        .await
        .unwrap();
    let first = recovery_token(app, "JZLF006").await;
    app.request_password_reset("JZLF006", &h.email, &ctx())
        .await
        .unwrap();
    let second = recovery_token(app, "JZLF006").await;
    assert_ne!(first, second);
    assert!(matches!(
        app.recovery(&first).await,
        Err(AppError::RecoveryLinkInvalid)
    ));
    app.recovery(&second).await.unwrap();
    e.clock.advance(SignedDuration::from_mins(31));
    assert!(matches!(
        app.recovery(&second).await,
        Err(AppError::RecoveryLinkInvalid)
    ));
}

#[tokio::test]
async fn a2_requests_are_throttled_alike_for_known_and_unknown_accounts() {
    let e = env().await;
    let app = &e.app;
    let h = holder(app, "JZLF002").await;
    // Three per account per hour, whether or not the account exists.
    for user in ["JZLF002", "ZZZZ999"] {
        for _ in 0..3 {
            app.request_password_reset(user, &h.email, &from("10.0.0.1"))
                .await
                .unwrap();
        }
        assert!(matches!(
            app.request_password_reset(user, &h.email, &from("10.0.0.2"))
                .await,
            Err(AppError::RecoveryThrottled { minutes: 60 })
        ));
    }
    // Ten per client address per hour, whatever accounts it asks about.
    for i in 0..4 {
        app.request_password_reset(&format!("ABC{i:03}"), "x@example.it", &from("10.0.0.1"))
            .await
            .unwrap();
    }
    assert!(matches!(
        app.request_password_reset("ABC999", "x@example.it", &from("10.0.0.1"))
            .await,
        Err(AppError::RecoveryThrottled { .. })
    ));
    // An hour later both lift.
    e.clock.advance(SignedDuration::from_mins(61));
    app.request_password_reset("JZLF002", &h.email, &from("10.0.0.1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a1_a_reset_lifts_the_user_id_lock_and_an_address_lock_lifts_with_time() {
    let e = env().await;
    let app = &e.app;
    let h = holder(app, "JZLF008").await;
    for _ in 0..5 {
        let r = app
            .login("JZLF008", "wrong", SessionKind::Web, &ctx())
            .await;
        assert!(matches!(r, Err(AppError::LoginFailed)));
    }
    assert!(matches!(
        app.login("JZLF008", DEMO_PASSWORD, SessionKind::Web, &ctx())
            .await,
        Err(AppError::LoginLocked { .. })
    ));
    app.request_password_reset("JZLF008", &h.email, &ctx())
        .await
        .unwrap();
    let token = recovery_token(app, "JZLF008").await;
    app.recovery_send_code(&token, &ctx()).await.unwrap();
    let code = last_code(app, &h.id).await;
    app.complete_recovery(&token, &code, Some((NEW_PASSWORD, NEW_PASSWORD)), &ctx())
        .await
        .unwrap();
    app.login("JZLF008", NEW_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();

    // One address trying many user-ids (existing or not) is locked after 30 failures; the
    // same user-ids from elsewhere are not.
    for i in 0..30 {
        // Half existing user-ids (each under its own lock of 5), half unknown.
        let user = match i % 6 {
            0 => "JZLF001".to_owned(),
            2 => "JZLF009".to_owned(),
            4 => "JZLF010".to_owned(),
            _ => format!("NOPE{i:03}"),
        };
        let r = app
            .login(&user, "wrong", SessionKind::Web, &from("192.0.2.7"))
            .await;
        assert!(
            matches!(r, Err(AppError::LoginFailed | AppError::LoginLocked { .. })),
            "{r:?}"
        );
    }
    assert!(matches!(
        app.login(
            "JZLF011",
            DEMO_PASSWORD,
            SessionKind::Web,
            &from("192.0.2.7")
        )
        .await,
        Err(AppError::AddressLocked { minutes: 15 })
    ));
    app.login(
        "JZLF011",
        DEMO_PASSWORD,
        SessionKind::Web,
        &from("198.51.100.1"),
    )
    .await
    .unwrap();
    e.clock.advance(SignedDuration::from_mins(16));
    app.login(
        "JZLF011",
        DEMO_PASSWORD,
        SessionKind::Web,
        &from("192.0.2.7"),
    )
    .await
    .unwrap();
}
