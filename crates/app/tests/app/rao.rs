//! Step 5 by a registration-office operator (SPEC §5, seed 002 §6).

use crate::payment::to_payment;
use crate::renewal::{ctx, env, holder_id};
use jiff::SignedDuration;
use rinnova_app::demo::DEMO_RAO;
use rinnova_domain::RenewalStep;
use rinnova_store::repo;

#[tokio::test]
async fn step5_rao_verifies_with_own_credentials_throttled_and_audited() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;
    let v = app.renewal(&h, &r).await.unwrap();
    assert!(v.payment.unwrap().methods.iter().any(|m| m == "rao"));

    // Wrong password, unknown operator, a holder's own credentials: the same answer.
    for (user, pass) in [
        (DEMO_RAO.0, "wrong-password"),
        ("rao.nobody", DEMO_RAO.1),
        ("JZLF010", "rinnova-demo"),
    ] {
        let err = app
            .pay_by_rao(&h, &r, user, pass, &ctx())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "RNV-RAO-001", "{user}");
    }
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "credential_check_failed")
            .count(),
        3
    );
    // Five failures lock this holder's wizard, even for the right password…
    for _ in 0..4 {
        let _ = app.pay_by_rao(&h, &r, DEMO_RAO.0, "wrong", &ctx()).await;
    }
    let err = app
        .pay_by_rao(&h, &r, DEMO_RAO.0, DEMO_RAO.1, &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-RAO-002");
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Payment
    );
    // …but not the operator (issue 18 item 12): another holder's renewal is verified.
    let other = holder_id(app, "JZLF009").await;
    let other_r = crate::payment::to_payment(app, &other).await;
    let v = app
        .pay_by_rao(&other, &other_r, DEMO_RAO.0, DEMO_RAO.1, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Activate);

    // After the lock, the right credentials approve and pay the renewal.
    e.clock.advance(SignedDuration::from_mins(16));
    let v = app
        .pay_by_rao(&h, &r, "  RAO.Demo ", DEMO_RAO.1, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    let paid = v.payment.unwrap().paid.unwrap();
    assert_eq!(paid.method, "rao");
    assert!(paid.reference.contains("RAO Roma Centro"));
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap();
    let verified = audit.iter().find(|a| a.action == "rao_verified").unwrap();
    assert_eq!(verified.actor, "rao:rao.demo");
    // Verifying again changes nothing.
    let again = app
        .pay_by_rao(&h, &r, DEMO_RAO.0, DEMO_RAO.1, &ctx())
        .await
        .unwrap();
    assert_eq!(again.step, RenewalStep::Activate);
    assert_eq!(
        repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
            .await
            .unwrap()
            .iter()
            .filter(|a| a.action == "payment_settled")
            .count(),
        1
    );
}
