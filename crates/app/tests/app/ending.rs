//! A renewal that cannot go on (SPEC W2/W3, issue 18 items 1–3): the window is enforced at every
//! step, not only at the first; the holder reads why a renewal stopped, on the renewal page and
//! on home; a paid renewal that stops is flagged for refund; an expired certificate and a blocked
//! credential say so.

use crate::approval::to_approval;
use crate::payment::to_payment;
use crate::renewal::{ctx, env, holder_id, last_code};
use crate::shop::{checkout_of, count, notify, start};
use jiff::SignedDuration;
use rinnova_app::demo::{DEMO_CDRL, DEMO_PIN};
use rinnova_app::i18n::Lang;
use rinnova_app::{App, AppError};
use rinnova_domain::{CertificateId, HolderId, NotRenewable, RenewalStep};
use rinnova_pay::{Outcome, ShopMethod};
use rinnova_store::repo;

/// Moves the clock past the midnight that closes the window of the holder's first certificate.
async fn close_window(e: &crate::renewal::Env, h: &HolderId) {
    let days = e.app.home(h).await.unwrap().certificates[0]
        .days_left
        .expect("the window is open");
    e.clock
        .advance(SignedDuration::from_hours(24 * i64::from(days)));
}

/// The window closed (or, later that day, the certificate expired).
fn closed(e: &AppError) -> bool {
    matches!(
        e,
        AppError::NotRenewable(NotRenewable::WindowClosed | NotRenewable::Expired)
    )
}

#[tokio::test]
async fn w2_no_step_completes_after_the_window_closes_and_the_holder_is_told_why() {
    let e = env().await;
    let app = &e.app;
    // JZLF002 renews on the last day and reaches the signature.
    let h = holder_id(app, "JZLF002").await;
    let cert = app.home(&h).await.unwrap().certificates[0].clone();
    assert!(cert.last_day);
    let r = app.start_renewal(&h, &cert.id, &ctx()).await.unwrap();
    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    let hash = r.documents_hash.clone().unwrap();
    let r = app
        .accept_documents(&h, &r.id, &hash, true, true, &ctx())
        .await
        .unwrap();
    let code = last_code(app, &h).await;
    // Home keeps the days left visible while the renewal is open.
    let home = app.home(&h).await.unwrap().certificates[0].clone();
    assert!(home.open_renewal.is_some() && home.last_day, "{home:?}");

    // Past midnight the signature does not happen, whatever the code and PIN.
    close_window(&e, &h).await;
    let before = app.renewal(&h, &r.id).await.unwrap();
    assert_eq!(
        before.ended.as_ref().map(|x| x.reason.as_str()),
        Some("window_closed"),
        "the page says so before the next click"
    );
    let err = app
        .sign(&h, &r.id, DEMO_PIN, &code, &ctx())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::NotRenewable(NotRenewable::WindowClosed)),
        "{err:?}"
    );
    let v = app.renewal(&h, &r.id).await.unwrap();
    assert_eq!(v.step, RenewalStep::Cancelled);
    let ended = v.ended.expect("the reason is kept");
    assert_eq!(ended.code.as_deref(), Some("RNV-WIN-002"));
    assert!(ended.text.contains("nuovo certificato"), "{}", ended.text);
    assert!(!ended.refund_due, "a free renewal has nothing to refund");
    // Nothing else moves it: not another signature, not a new start.
    assert!(app.sign(&h, &r.id, DEMO_PIN, &code, &ctx()).await.is_err());
    assert_eq!(
        app.start_renewal(&h, &cert.id, &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-WIN-002"
    );
    let home = app.home(&h).await.unwrap().certificates[0].clone();
    assert_eq!(
        home.last_renewal_ended.map(|x| x.reason),
        Some("window_closed".into())
    );
    assert!(home.open_renewal.is_none() && !home.renewable);
    assert!(
        count(app, r.id.as_str(), "renewal_ended").await == 1,
        "the ending is audited once"
    );
    // No signature was recorded.
    assert!(app.signer_key(&r.id).await.unwrap().is_none());
}

#[tokio::test]
async fn w2_the_organisation_cannot_approve_after_the_window_closes() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF011").await;
    let r = to_approval(app, &h).await;
    close_window(&e, &h).await;
    let token = app
        .cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::It, &ctx())
        .await
        .unwrap();
    let cdrl = app.cdrl_session(&token).await.unwrap();
    let err = app.decide(&cdrl, &r, true, None, &ctx()).await.unwrap_err();
    assert!(closed(&err), "{err:?}");
    let v = app.renewal(&h, &r).await.unwrap();
    assert_eq!(v.step, RenewalStep::Cancelled);
    assert!(["window_closed", "expired"].contains(&v.ended.unwrap().reason.as_str()));
    assert!(app.pending_approvals(&cdrl).await.unwrap().is_empty());
    // And nothing can be activated.
    assert!(app.activation_code(&h, &r, "123456", &ctx()).await.is_err());
}

#[tokio::test]
async fn w3_a_paid_renewal_that_cannot_finish_is_flagged_for_refund() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;
    let url = start(app, &h, &r, ShopMethod::Card, None).await;
    notify(app, &checkout_of(app, &url), Outcome::Paid, "evt-paid-1").await;
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Activate
    );
    close_window(&e, &h).await;
    let err = app
        .activation_code(&h, &r, &last_code(app, &h).await, &ctx())
        .await
        .unwrap_err();
    assert!(closed(&err), "{err:?}");
    let v = app.renewal(&h, &r).await.unwrap();
    let ended = v.ended.unwrap();
    assert!(ended.refund_due, "{ended:?}");
    assert!(ended.text.contains("rimborsato"), "{}", ended.text);
    assert_eq!(count(app, r.as_str(), "refund_due").await, 1);
    let due = repo::renewals::refunds_due(&mut app.store().conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|d| d.renewal_id.as_str())
            .collect::<Vec<_>>(),
        [r.as_str()]
    );
    let listed = app.refunds_due().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (listed[0].kind.as_str(), listed[0].amount_cents),
        ("renewal", 4_880)
    );
}

#[tokio::test]
async fn w3_open_renewals_whose_window_closed_are_ended_by_the_sweep() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap();
    assert_eq!(app.end_stopped_renewals(&ctx()).await.unwrap(), 0);
    close_window(&e, &h).await;
    assert_eq!(app.end_stopped_renewals(&ctx()).await.unwrap(), 1);
    assert_eq!(app.end_stopped_renewals(&ctx()).await.unwrap(), 0);
    assert_eq!(
        app.renewal(&h, &r.id).await.unwrap().step,
        RenewalStep::Cancelled
    );
}

#[tokio::test]
async fn w5_an_expired_certificate_and_a_blocked_credential_say_so() {
    let e = env().await;
    let app = &e.app;
    let expired = holder_id(app, "JZLF004").await;
    assert_eq!(
        app.home(&expired).await.unwrap().certificates[0].status,
        "expired"
    );

    // JZLF001's credential blocked by five wrong PINs (SPEC O3).
    let h = holder_id(app, "JZLF001").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap();
    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    let hash = r.documents_hash.clone().unwrap();
    app.accept_documents(&h, &r.id, &hash, true, true, &ctx())
        .await
        .unwrap();
    block_credential(app, &cert).await;
    let home = app.home(&h).await.unwrap().certificates[0].clone();
    assert_eq!(home.status, "blocked");
    assert!(home.credential_blocked);
    let v = app.renewal(&h, &r.id).await.unwrap();
    assert!(
        v.certificate.credential_blocked,
        "the sign page shows the block, not the PIN box"
    );
    let err = app
        .sign(&h, &r.id, DEMO_PIN, &last_code(app, &h).await, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PIN-004");
}

async fn block_credential(app: &App, certificate_id: &CertificateId) {
    let mut tx = app.store().begin().await.unwrap();
    let cert = repo::certificates::by_id(&mut tx, certificate_id)
        .await
        .unwrap()
        .unwrap();
    let cred = cert.credential_id.unwrap();
    for _ in 0..5 {
        repo::holders::pin_failed(&mut tx, &cred, 5, app.now().as_second())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn w3_a_certificate_revoked_during_its_renewal_ends_it_with_the_reason() {
    // Issue 18 item 2: this was a generic RNV-GEN-409.
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let cert = app.home(&h).await.unwrap().certificates[0].clone();
    let r = app.start_renewal(&h, &cert.id, &ctx()).await.unwrap();
    app.revoke(
        &cert.serial,
        rinnova_ca::revocation::Reason::KeyCompromise,
        "admin:test",
        &ctx(),
    )
    .await
    .unwrap();
    let err = app.confirm_data(&h, &r.id, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "RNV-WIN-004");
    let v = app.renewal(&h, &r.id).await.unwrap();
    assert_eq!(v.step, RenewalStep::Cancelled);
    let ended = v.ended.unwrap();
    assert_eq!(ended.reason, "revoked");
    assert!(ended.text.contains("revocato"), "{}", ended.text);
    let home = app.home(&h).await.unwrap().certificates[0].clone();
    assert_eq!(home.status, "revoked");
    assert_eq!(home.last_renewal_ended.unwrap().reason, "revoked");
}
