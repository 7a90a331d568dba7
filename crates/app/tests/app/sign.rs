//! Step 4 survives a crash (issue 18 item 6): the code is spent when the PIN is about to be tried
//! and held for that one try; if the server dies before the outcome is recorded, the same
//! request with the same code finishes the step instead of answering "already used". Two
//! requests with one code try one PIN: the second waits for the first and answers as it did.

use crate::renewal::{ctx, env, holder_id, last_code};
use jiff::SignedDuration;
use rinnova_app::App;
use rinnova_app::demo::DEMO_PIN;
use rinnova_app::renewal::sign_code_hash;
use rinnova_domain::RenewalStep;
use rinnova_domain::{HolderId, RenewalId};
use rinnova_store::{SignAttemptRecord, repo};

/// JZLF001 at step 4; the renewal's id and the SMS code sent for it.
async fn at_sign(app: &App, h: &HolderId) -> (RenewalId, String) {
    let r = crate::renewal::to_sign(app, h).await;
    (r, last_code(app, h).await)
}

/// What the first transaction of a signature leaves when the server dies right after it: the
/// code spent, the try recorded, no outcome.
async fn crash_after_spending(app: &App, h: &HolderId, r: &RenewalId, code: &str, held_for: i64) {
    let mut tx = app.store().begin().await.unwrap();
    let purpose = format!("renewal:{r}:sign");
    let otp = repo::otp::get(&mut tx, h, &purpose).await.unwrap().unwrap();
    repo::otp::record_attempt(&mut tx, &otp.id, otp.attempts + 1, 1)
        .await
        .unwrap();
    let now = app.now().as_second();
    repo::renewals::put_sign_attempt(
        &mut tx,
        &SignAttemptRecord {
            renewal_id: r.into(),
            code_hash: sign_code_hash(r, code),
            valid_until: now + 300,
            held_until: now + held_for,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn o1_a_retry_after_a_crash_mid_signature_finishes_with_the_same_code() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let (r, code) = at_sign(app, &h).await;
    crash_after_spending(app, &h, &r, &code, 10).await;
    // The code is spent: without the recorded try it would be "already used".
    e.clock.advance(SignedDuration::from_secs(11));
    let v = app.sign(&h, &r, DEMO_PIN, &code, &ctx()).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    assert!(app.signer_key(&r).await.unwrap().is_some());
    assert!(
        repo::renewals::sign_attempt(&mut app.store().conn().await.unwrap(), &r)
            .await
            .unwrap()
            .is_none(),
        "the outcome closes the try"
    );
}

#[tokio::test]
async fn o1_a_held_code_serves_one_pin_try_and_a_wrong_pin_voids_it() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let (r, code) = at_sign(app, &h).await;
    crash_after_spending(app, &h, &r, &code, 10).await;
    e.clock.advance(SignedDuration::from_secs(11));
    let err = app
        .sign(&h, &r, "87654321", &code, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PIN-003");
    // The wrong PIN voided the code: the right PIN with it is refused.
    let err = app.sign(&h, &r, DEMO_PIN, &code, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "RNV-OTP-004");
    // A code recorded for another renewal's try, or another code, is not taken for it.
    let other = sign_code_hash(&"another-renewal".into(), &code);
    assert_ne!(other, sign_code_hash(&r, &code));
    assert_ne!(sign_code_hash(&r, "000000"), sign_code_hash(&r, &code));
}

#[tokio::test]
async fn o1_two_requests_with_one_code_sign_once_and_both_answer_the_outcome() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let (r, code) = at_sign(app, &h).await;
    let c = ctx();
    let (a, b) = tokio::join!(
        app.sign(&h, &r, DEMO_PIN, &code, &c),
        app.sign(&h, &r, DEMO_PIN, &code, &c)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        (a.step, b.step),
        (RenewalStep::Activate, RenewalStep::Activate)
    );
    let signed = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap()
        .iter()
        .filter(|x| x.action == "request_signed")
        .count();
    assert_eq!(signed, 1);
}

/// Marks the holder's queued messages delivered, as the outbox worker does.
async fn delivered(app: &App, h: &HolderId) {
    let mut tx = app.store().begin().await.unwrap();
    let ids: Vec<String> = repo::outbox::recent(&mut tx, Some(h), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.sent_at.is_none())
        .map(|m| m.id)
        .collect();
    repo::outbox::mark_sent(&mut tx, &ids, app.now().as_second())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn o1_the_send_limit_says_when_to_retry_and_a_wrong_pin_does_not_use_it_up() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let (r, _) = at_sign(app, &h).await;
    // Four wrong PINs, each voiding its code: the new codes do not count.
    for i in 0..4 {
        e.clock.advance(SignedDuration::from_secs(31));
        let code = last_code(app, &h).await;
        let err = app
            .sign(&h, &r, "87654321", &code, &ctx())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "RNV-PIN-003", "try {i}");
        let text = rinnova_app::i18n::Lang::It.error(&err);
        assert!(text.contains("non vale più"), "{text}");
        app.resend_code(&h, &r, &ctx()).await.unwrap();
    }
    // A code never delivered (the gateway has not taken it) is replaced without counting…
    for _ in 0..6 {
        e.clock.advance(SignedDuration::from_secs(31));
        app.resend_code(&h, &r, &ctx()).await.unwrap();
    }
    // …while delivered ones do: four more reach the limit of five, and the sixth says how long
    // to wait.
    for _ in 0..4 {
        delivered(app, &h).await;
        e.clock.advance(SignedDuration::from_secs(31));
        app.resend_code(&h, &r, &ctx()).await.unwrap();
    }
    delivered(app, &h).await;
    e.clock.advance(SignedDuration::from_secs(31));
    let err = app.resend_code(&h, &r, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "RNV-OTP-007");
    let text = rinnova_app::i18n::Lang::It.error(&err);
    assert!(text.contains("15 minuti"), "{text}");
    // The renewal is intact, and after the window the holder gets a code and signs.
    e.clock.advance(SignedDuration::from_mins(15));
    app.resend_code(&h, &r, &ctx()).await.unwrap();
    let v = app
        .sign(&h, &r, DEMO_PIN, &last_code(app, &h).await, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
}
