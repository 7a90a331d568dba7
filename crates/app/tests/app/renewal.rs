//! The renewal use cases end to end, without HTTP (SPEC §5, O1–O3, W1–W5).

use jiff::{SignedDuration, Timestamp};
use rinnova_app::auth::SessionKind;
use rinnova_app::demo::{DEMO_PASSWORD, DEMO_PIN, DEMO_TOKEN_SECRET};
use rinnova_app::{App, AppError, Ctx};
use rinnova_domain::clock::ManualClock;
use rinnova_domain::{HolderId, RenewalId, RenewalStep};
use rinnova_store::repo;

pub struct Env {
    pub app: App,
    pub clock: ManualClock,
    _dir: tempfile::TempDir,
}

pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    let clock = ManualClock::new(now);
    let app = rinnova_app::testing::demo_app(dir.path(), clock.clone())
        .await
        .unwrap();
    assert!(app.seed_demo().await.unwrap());
    assert!(!app.seed_demo().await.unwrap(), "seeding runs once");
    Env {
        app,
        clock,
        _dir: dir,
    }
}

pub async fn holder_id(app: &App, user_id: &str) -> HolderId {
    repo::holders::by_user_id(&mut app.store().conn().await.unwrap(), user_id)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The last SMS code sent to a holder.
pub async fn last_code(app: &App, holder: &HolderId) -> String {
    let msgs = repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(holder), 20)
        .await
        .unwrap();
    let text = &msgs
        .iter()
        .find(|m| m.channel == "sms")
        .expect("an SMS was sent")
        .body;
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code")
        .to_owned()
}

/// Walks a holder's first certificate to step 4 (signature): the renewal's id.
pub async fn to_sign(app: &App, h: &HolderId) -> RenewalId {
    let cert = app.home(h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(h, &cert, &ctx()).await.unwrap();
    let r = app.confirm_data(h, &r.id, &ctx()).await.unwrap();
    let hash = r.documents_hash.clone().unwrap();
    let r = app
        .accept_documents(h, &r.id, &hash, true, true, &ctx())
        .await
        .unwrap();
    assert_eq!(r.step, RenewalStep::Sign);
    r.id
}

pub fn ctx() -> Ctx {
    Ctx {
        ip: Some("127.0.0.1".into()),
        request_id: Some("test".into()),
    }
}

#[tokio::test]
async fn w5_home_shows_each_demo_situation() {
    let e = env().await;
    let check = |uid: &'static str| {
        let app = e.app.clone();
        async move {
            let id = holder_id(&app, uid).await;
            app.home(&id).await.unwrap().certificates
        }
    };
    let open = check("JZLF001").await;
    assert!(open[0].renewable);
    assert_eq!(open[0].days_left, Some(45));
    let last = check("JZLF002").await;
    assert!(last[0].last_day, "{last:?}");
    let closed = check("JZLF003").await;
    assert_eq!(
        closed[0].not_renewable.as_ref().unwrap().code,
        "RNV-WIN-002"
    );
    assert!(
        closed[0].payroll,
        "W3: payroll holders are told their organisation pays"
    );
    let expired = check("JZLF004").await;
    assert_eq!(
        expired[0].not_renewable.as_ref().unwrap().code,
        "RNV-WIN-003"
    );
    let renewed = check("JZLF005").await;
    assert_eq!(renewed.len(), 2);
    assert!(
        renewed
            .iter()
            .any(|c| c.status == "superseded" && c.renewed_by.is_some())
    );
    assert!(renewed.iter().all(|c| !c.renewable));
    let later = check("JZLF007").await;
    assert!(later[0].not_renewable.as_ref().unwrap().opens_on.is_some());
}

#[tokio::test]
async fn a1_login_is_throttled_and_generic() {
    let e = env().await;
    let app = &e.app;
    assert!(matches!(
        app.login("JZLF001", "wrong", SessionKind::Web, &ctx())
            .await,
        Err(AppError::LoginFailed)
    ));
    assert!(matches!(
        app.login("ZZZZ999", "wrong", SessionKind::Web, &ctx())
            .await,
        Err(AppError::LoginFailed)
    ));
    for _ in 0..4 {
        let _ = app
            .login("JZLF001", "wrong", SessionKind::Web, &ctx())
            .await;
    }
    // Locked now, even with the right password.
    assert!(matches!(
        app.login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
            .await,
        Err(AppError::LoginLocked { .. })
    ));
    e.clock.advance(SignedDuration::from_mins(16));
    let s = app
        .login("jzlf001", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    assert!(app.session(s.token.expose()).await.is_ok());
    app.logout(s.token.expose(), &ctx()).await.unwrap();
    assert!(matches!(
        app.session(s.token.expose()).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn full_renewal_with_sms_codes_issues_a_three_year_certificate() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let home = app.home(&h).await.unwrap();
    let cert = &home.certificates[0];
    let r = app.start_renewal(&h, &cert.id, &ctx()).await.unwrap();
    assert_eq!(r.step, RenewalStep::CheckData);
    // Starting again returns the same renewal.
    assert_eq!(
        app.start_renewal(&h, &cert.id, &ctx()).await.unwrap().id,
        r.id
    );

    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    assert_eq!(r.step, RenewalStep::Documents);
    let form = app.document(&h, &r.id, "renewal-form").await.unwrap();
    assert!(form.starts_with(b"%PDF"));
    let hash = r.documents_hash.clone().unwrap();
    let err = app
        .accept_documents(&h, &r.id, &hash, true, false, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-WF-003");
    let err = app
        .accept_documents(&h, &r.id, &"00".repeat(32), true, true, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-WF-002");
    let r = app
        .accept_documents(&h, &r.id, &hash, true, true, &ctx())
        .await
        .unwrap();
    assert_eq!(r.step, RenewalStep::Sign);
    assert!(r.otp.sent);

    // A wrong code is counted; then the right code with a wrong PIN costs a PIN attempt.
    let err = app
        .sign(&h, &r.id, DEMO_PIN, "000000", &ctx())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Otp(_)), "{err:?}");
    let code = last_code(app, &h).await;
    let err = app
        .sign(&h, &r.id, "87654321", &code, &ctx())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::WrongPin { remaining: 4 }),
        "{err:?}"
    );
    // The code was spent by that try: the same code is refused.
    let err = app
        .sign(&h, &r.id, DEMO_PIN, &code, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-OTP-004");
    e.clock.advance(SignedDuration::from_secs(31));
    app.resend_code(&h, &r.id, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    let r = app.sign(&h, &r.id, DEMO_PIN, &code, &ctx()).await.unwrap();
    assert_eq!(r.step, RenewalStep::Activate);
    // A repeated submit answers with the state reached.
    assert_eq!(
        app.sign(&h, &r.id, DEMO_PIN, &code, &ctx())
            .await
            .unwrap()
            .step,
        RenewalStep::Activate
    );
    // The evidence: the form shown, signed (PAdES) in an incremental update that leaves the
    // shown bytes as its first revision. Independent validators check it in the HTTP tests.
    let signed = app
        .document(&h, &r.id, rinnova_app::renewal::SIGNED_FORM)
        .await
        .unwrap();
    assert!(
        signed.starts_with(&form),
        "the shown form is the first revision"
    );
    let tail = String::from_utf8_lossy(&signed[form.len()..]).into_owned();
    assert!(tail.contains("/SubFilter /ETSI.CAdES.detached"), "{tail}");
    assert!(app.signer_key(&r.id).await.unwrap().is_some());

    let code = last_code(app, &h).await;
    let r = app.activation_code(&h, &r.id, &code, &ctx()).await.unwrap();
    assert!(r.activation_otp_verified);
    let err = app
        .activate(&h, &r.id, "11112222", "11112223", "000000", &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PIN-002");
    let code = last_code(app, &h).await;
    let r = app
        .activate(&h, &r.id, "11112222", "11112222", &code, &ctx())
        .await
        .unwrap();
    assert_eq!(r.step, RenewalStep::Completed);
    let new = r.new_certificate.clone().unwrap();
    // Exactly three years from activation.
    assert_eq!(new.not_before, "2026-11-23T10:00:31Z");
    assert_eq!(new.not_after, "2029-11-23T10:00:31Z");
    // Double submit: same outcome, no second certificate.
    let again = app
        .activate(&h, &r.id, "11112222", "11112222", &code, &ctx())
        .await
        .unwrap();
    assert_eq!(again.new_certificate.unwrap().id, new.id);
    let home = app.home(&h).await.unwrap();
    assert_eq!(home.certificates.len(), 2);
    let old = home.certificates.iter().find(|c| c.id == cert.id).unwrap();
    assert_eq!(old.status, "superseded");
    assert!(!old.renewable && old.open_renewal.is_none());
    // The confirmation e-mail is in the outbox.
    let msgs = repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(&h), 1)
        .await
        .unwrap();
    assert_eq!(msgs[0].channel, "email");
    assert!(msgs[0].body.contains(&new.serial));
    // Every step is in the audit trail.
    let trail: Vec<String> =
        repo::audit::about(&mut app.store().conn().await.unwrap(), r.id.as_str())
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
    for step in [
        "renewal_started",
        "data_confirmed",
        "documents_accepted",
        "otp_failed",
        "pin_failed",
        "request_signed",
        "activation_otp_verified",
        "certificate_issued",
        "certificate_superseded",
    ] {
        assert!(
            trail.iter().any(|a| a == step),
            "{step} missing from {trail:?}"
        );
    }
}

#[tokio::test]
async fn o3_five_wrong_pins_block_the_credential() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap();
    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    let r = app
        .accept_documents(
            &h,
            &r.id,
            r.documents_hash.as_deref().unwrap(),
            true,
            true,
            &ctx(),
        )
        .await
        .unwrap();
    for attempt in 1..=5 {
        if attempt > 1 {
            e.clock.advance(SignedDuration::from_mins(61));
            app.resend_code(&h, &r.id, &ctx()).await.unwrap();
        }
        let code = last_code(app, &h).await;
        let err = app
            .sign(&h, &r.id, "99999999", &code, &ctx())
            .await
            .unwrap_err();
        if attempt < 5 {
            assert!(
                matches!(err, AppError::WrongPin { remaining } if remaining == 5 - attempt),
                "{err:?}"
            );
        } else {
            assert!(matches!(err, AppError::CredentialBlocked), "{err:?}");
        }
    }
    e.clock.advance(SignedDuration::from_mins(61));
    app.resend_code(&h, &r.id, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    assert!(matches!(
        app.sign(&h, &r.id, DEMO_PIN, &code, &ctx()).await,
        Err(AppError::CredentialBlocked)
    ));
}

#[tokio::test]
async fn o2_totp_holder_renews_with_token_codes_never_reused() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF006").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap();
    assert_eq!(r.otp.channel, "token");
    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    let r = app
        .accept_documents(
            &h,
            &r.id,
            r.documents_hash.as_deref().unwrap(),
            true,
            true,
            &ctx(),
        )
        .await
        .unwrap();
    let totp = |at: Timestamp| {
        let step = rinnova_domain::otp::time_step(at, 30);
        rinnova_domain::otp::format_code(
            rinnova_domain::otp::hotp(
                DEMO_TOKEN_SECRET,
                step,
                6,
                rinnova_domain::otp::Algorithm::Sha1,
            ),
            6,
        )
    };
    let r = app
        .sign(&h, &r.id, DEMO_PIN, &totp(app.now()), &ctx())
        .await
        .unwrap();
    // The same code cannot serve the activation.
    let err = app
        .activation_code(&h, &r.id, &totp(app.now()), &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-OTP-012");
    e.clock.advance(SignedDuration::from_secs(30));
    let r = app
        .activation_code(&h, &r.id, &totp(app.now()), &ctx())
        .await
        .unwrap();
    e.clock.advance(SignedDuration::from_secs(30));
    let r = app
        .activate(&h, &r.id, DEMO_PIN, DEMO_PIN, &totp(app.now()), &ctx())
        .await
        .unwrap();
    assert_eq!(r.step, RenewalStep::Completed);
}

/// Issue 21: a token's seed is stored sealed by the key backend, bound to its holder; a seed an
/// earlier version stored in clear is sealed at start (`seal_token_seeds`) and still checks
/// codes; a sealed seed copied to another holder's row opens for nobody.
#[tokio::test]
async fn o2_token_seeds_are_sealed_at_rest_and_clear_ones_sealed_at_start() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF006").await;
    let row = |app: &rinnova_app::App| {
        let app = app.clone();
        let h = h.clone();
        async move {
            repo::holders::token(&mut app.store().conn().await.unwrap(), &h)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let t = row(app).await;
    assert_eq!(t.sealed, 1);
    assert!(
        !t.secret
            .windows(DEMO_TOKEN_SECRET.len())
            .any(|w| w == DEMO_TOKEN_SECRET),
        "the seed is not stored in clear"
    );
    // As an earlier version stored it.
    sqlx::query("UPDATE tokens SET secret = $1, sealed = 0 WHERE holder_id = $2")
        .bind(DEMO_TOKEN_SECRET.to_vec())
        .bind(h.as_str())
        .execute(&mut *app.store().conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(app.seal_token_seeds().await.unwrap(), 1);
    assert_eq!(app.seal_token_seeds().await.unwrap(), 0, "once");
    let t = row(app).await;
    assert_eq!(t.sealed, 1);
    assert_ne!(t.secret, DEMO_TOKEN_SECRET.to_vec());
    // Codes still check against it: a resynchronisation with two consecutive codes.
    let code = |step: u64| {
        rinnova_domain::otp::format_code(
            rinnova_domain::otp::hotp(
                DEMO_TOKEN_SECRET,
                step,
                6,
                rinnova_domain::otp::Algorithm::Sha1,
            ),
            6,
        )
    };
    let step = rinnova_domain::otp::time_step(app.now(), 30);
    app.resync_token(&h, &code(step), &code(step + 1), &ctx())
        .await
        .unwrap();
    // Moved to another holder's row, the sealed seed opens for nobody.
    let other = holder_id(app, "JZLF001").await;
    sqlx::query(
        "INSERT INTO tokens (holder_id, kind, algorithm, digits, step_seconds, secret, drift_steps, sealed) \
         VALUES ($1, 'totp', 'sha1', 6, 30, $2, 0, 1)",
    )
    .bind(other.as_str())
    .bind(t.secret.clone())
    .execute(&mut *app.store().conn().await.unwrap())
    .await
    .unwrap();
    let step = rinnova_domain::otp::time_step(app.now(), 30);
    let err = app
        .resync_token(&other, &code(step + 2), &code(step + 3), &ctx())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Internal(_)),
        "the seed does not open for another holder: {err:?}"
    );
}

#[tokio::test]
async fn o2_drifted_token_is_resynchronised_with_two_consecutive_codes() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF006").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap();
    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    let r = app
        .accept_documents(
            &h,
            &r.id,
            r.documents_hash.as_deref().unwrap(),
            true,
            true,
            &ctx(),
        )
        .await
        .unwrap();
    // The token's clock runs 10 minutes (20 steps) ahead.
    let code = |steps_ahead: u64| {
        let step = rinnova_domain::otp::time_step(app.now(), 30) + steps_ahead;
        rinnova_domain::otp::format_code(
            rinnova_domain::otp::hotp(
                DEMO_TOKEN_SECRET,
                step,
                6,
                rinnova_domain::otp::Algorithm::Sha1,
            ),
            6,
        )
    };
    let err = app
        .sign(&h, &r.id, DEMO_PIN, &code(20), &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-OTP-011");
    assert!(
        app.resync_token(&h, &code(20), &code(22), &ctx())
            .await
            .is_err(),
        "codes must be consecutive"
    );
    app.resync_token(&h, &code(20), &code(21), &ctx())
        .await
        .unwrap();
    e.clock.advance(SignedDuration::from_secs(30));
    let r = app
        .sign(&h, &r.id, DEMO_PIN, &code(21), &ctx())
        .await
        .unwrap();
    assert_eq!(r.step, RenewalStep::Activate);
}

#[tokio::test]
async fn w3_closed_expired_and_renewed_certificates_cannot_start() {
    let e = env().await;
    let app = &e.app;
    for (uid, code) in [
        ("JZLF003", "RNV-WIN-002"),
        ("JZLF004", "RNV-WIN-003"),
        ("JZLF007", "RNV-WIN-001"),
    ] {
        let h = holder_id(app, uid).await;
        let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
        let err = app.start_renewal(&h, &cert, &ctx()).await.unwrap_err();
        assert_eq!(err.code(), code, "{uid}");
    }
    // Someone else's certificate is not found.
    let mario = holder_id(app, "JZLF001").await;
    let giulia = holder_id(app, "JZLF002").await;
    let cert = app.home(&giulia).await.unwrap().certificates[0].id.clone();
    assert!(matches!(
        app.start_renewal(&mario, &cert, &ctx()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn w2_last_day_renewal_refused_after_rome_midnight() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF002").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    // 10:00 UTC on 23 Nov is 11:00 in Rome; midnight in Rome is 23:00 UTC.
    e.clock.set("2026-11-23T22:59:59Z".parse().unwrap());
    assert!(app.home(&h).await.unwrap().certificates[0].last_day);
    e.clock.set("2026-11-23T23:00:00Z".parse().unwrap());
    let err = app.start_renewal(&h, &cert, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "RNV-WIN-002");
}
