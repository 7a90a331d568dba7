//! Step 5 (SPEC §5, seed 002): paying a renewal with a coupon, once.

use crate::renewal::{ctx, env, holder_id, last_code};
use jiff::SignedDuration;
use rinnova_app::coupons::{NewCouponBatch, create_coupons};
use rinnova_app::demo::{self, DEMO_DISTRIBUTOR, DEMO_PIN};
use rinnova_app::{App, AppError};
use rinnova_domain::coupon::{CouponCode, CouponIssuer};
use rinnova_domain::{CertificateKind, HolderId, RenewalId, RenewalStep};
use rinnova_store::repo;

/// Walks a holder who pays to step 5; returns the renewal id.
pub async fn to_payment(app: &App, h: &HolderId) -> RenewalId {
    let r = crate::renewal::to_sign(app, h).await;
    let code = last_code(app, h).await;
    let r = app.sign(h, &r, DEMO_PIN, &code, &ctx()).await.unwrap();
    assert_eq!(r.step, RenewalStep::Payment);
    r.id
}

async fn batch(app: &App, issuer: CouponIssuer, kind: CertificateKind, days: i64) -> String {
    let (_, codes) = create_coupons(
        app.store(),
        app.now(),
        &NewCouponBatch {
            issuer,
            kind,
            expires_at: app.now() + SignedDuration::from_hours(24 * days),
            count: 3,
            note: None,
        },
        "test",
        &ctx(),
    )
    .await
    .unwrap();
    codes[0].display()
}

async fn refused(app: &App, h: &HolderId, r: &RenewalId, code: &str) -> String {
    app.pay_with_coupon(h, r, code, &ctx())
        .await
        .unwrap_err()
        .code()
        .to_owned()
}

#[tokio::test]
async fn step5_coupon_refusals_are_clear_and_the_right_one_pays() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;

    let v = app.renewal(&h, &r).await.unwrap();
    let pay = v.payment.as_ref().unwrap();
    assert_eq!(
        (pay.price.gross.as_str(), pay.price.gross_cents),
        ("48,80 €", 4_880)
    );
    assert_eq!(pay.price.vat_percent, "22");
    assert!(pay.methods.iter().any(|m| m == "coupon"));
    assert!(
        v.steps
            .iter()
            .any(|s| s.step == RenewalStep::Payment && s.current)
    );
    assert!(!v.otp.sent, "no code is due while paying");

    // A typo in the demo code is caught by its check character.
    let good = demo::coupons()[0].display();
    let mut typo: Vec<char> = good.chars().collect();
    typo[2] = if typo[2] == '7' { '8' } else { '7' };
    let typo: String = typo.into_iter().collect();
    assert_eq!(refused(app, &h, &r, &typo).await, "RNV-CPN-001");
    let unknown = CouponCode::from_random([0xa5; 8]).display();
    assert_eq!(refused(app, &h, &r, &unknown).await, "RNV-CPN-002");
    // An organisation's coupon does not pay for a private holder's certificate.
    let org = repo::holders::by_user_id(&mut app.store().conn().await.unwrap(), "JZLF008")
        .await
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    let theirs = batch(
        app,
        CouponIssuer::Organisation(org),
        CertificateKind::RemoteSignature,
        30,
    )
    .await;
    assert_eq!(refused(app, &h, &r, &theirs).await, "RNV-CPN-006");
    let distributor = || CouponIssuer::Distributor(DEMO_DISTRIBUTOR.into());
    let cns = batch(app, distributor(), CertificateKind::Cns, 30).await;
    assert_eq!(refused(app, &h, &r, &cns).await, "RNV-CPN-005");
    let short = batch(app, distributor(), CertificateKind::RemoteSignature, 1).await;
    e.clock.advance(SignedDuration::from_hours(25));
    assert_eq!(refused(app, &h, &r, &short).await, "RNV-CPN-004");
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "coupon_refused")
            .count(),
        5
    );
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Payment,
        "refusals leave the renewal at step 5"
    );

    // Typed sloppily, the right code pays; the first activation code goes out.
    let sloppy = good.to_lowercase().replace('-', " ");
    let v = app.pay_with_coupon(&h, &r, &sloppy, &ctx()).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    assert!(v.otp.sent);
    let paid = v.payment.unwrap().paid.unwrap();
    assert_eq!((paid.method.as_str(), paid.pending), ("coupon", false));
    assert_eq!(paid.reference, good.replace('-', ""));

    // The renewal goes on to a new certificate.
    let code = last_code(app, &h).await;
    let v = app.activation_code(&h, &r, &code, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    let v = app
        .activate(&h, &v.id, DEMO_PIN, DEMO_PIN, &code, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Completed);
    // The renewed certificate stays with its distributor, so its coupons renew it next time.
    let new_id = v.new_certificate.unwrap().id;
    let new = repo::certificates::by_id(&mut app.store().conn().await.unwrap(), &new_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.distributor_id.as_deref(), Some(DEMO_DISTRIBUTOR));
}

#[tokio::test]
async fn step5_fifty_concurrent_coupon_submits_use_it_once_and_pay_once() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    let code = demo::coupons()[1].display();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, h, r, code) = (app.clone(), h.clone(), r.clone(), code.clone());
            tokio::spawn(async move { app.pay_with_coupon(&h, &r, &code, &ctx()).await })
        })
        .collect();
    for t in tasks {
        let v = t.await.unwrap();
        match v {
            Ok(v) => assert_eq!(v.step, RenewalStep::Activate),
            Err(AppError::Conflict) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    let mut c = app.store().conn().await.unwrap();
    let coupon = repo::coupons::by_code(&mut c, &code.replace('-', ""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(coupon.used_by.as_deref(), Some(r.as_str()));
    let payment = repo::payments::of_renewal(&mut c, &r)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (payment.method.as_str(), payment.amount_cents),
        ("coupon", 4_880)
    );
    let audit = repo::audit::about(&mut c, r.as_str()).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "payment_settled")
            .count(),
        1
    );
    // One activation SMS, not fifty.
    let sms = repo::outbox::recent(&mut c, Some(&h), 100).await.unwrap();
    assert_eq!(
        sms.iter()
            .filter(|m| m.body.contains("attiva") || m.body.contains("activat"))
            .count(),
        1,
        "{sms:?}"
    );
    // The renewal cannot use a second coupon.
    let other = demo::coupons()[2].display();
    let v = app.pay_with_coupon(&h, &r, &other, &ctx()).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    let unused = repo::coupons::by_code(&mut c, &other.replace('-', ""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unused.used_by, None);
}

/// Issue 18 item 12: coupon codes cannot be guessed at will — wrong ones are counted per holder
/// and lock the coupon box for a while (the renewal itself stays at step 5).
#[tokio::test]
async fn step5_coupon_guesses_are_throttled() {
    let e = crate::renewal::env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    for i in 0..5 {
        let err = app
            .pay_with_coupon(&h, &r, &format!("ZZZZ-ZZZZ-ZZZZ-{i}"), &ctx())
            .await
            .unwrap_err();
        assert!(
            ["RNV-CPN-001", "RNV-CPN-002"].contains(&err.code()),
            "{err:?}"
        );
    }
    let good = rinnova_app::demo::coupons()[0].display();
    let err = app
        .pay_with_coupon(&h, &r, &good, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-CPN-010");
    assert!(err.retry_after_seconds().is_some());
    e.clock.advance(jiff::SignedDuration::from_mins(16));
    let v = app.pay_with_coupon(&h, &r, &good, &ctx()).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
}
