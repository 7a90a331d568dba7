//! Step 5 from a prepaid account (SPEC §5, seed 004): reserved at the request, debited when
//! the certificate is issued, refused with the amounts when the credit is short.

use crate::payment::to_payment;
use crate::renewal::{ctx, env, holder_id, last_code};
use rinnova_app::AppError;
use rinnova_app::demo::{DEMO_PIN, DEMO_PREPAID};
use rinnova_app::i18n::Lang;
use rinnova_app::prepaid::{balances, create_account, top_up};
use rinnova_domain::prepaid::Purse;
use rinnova_domain::{Money, RenewalStep};
use rinnova_store::repo;

/// A prepaid account `user` (password "twelve chars pw") with `tariffa` and `diritti` cents.
/// The CA's staff member at the command line.
fn staff() -> rinnova_app::Operator {
    rinnova_app::Operator {
        actor: "admin:test".into(),
        ctx: rinnova_app::Ctx::default(),
    }
}

pub(crate) async fn prepaid_account(
    app: &rinnova_app::App,
    user: &str,
    name: &str,
    tariffa: i64,
    diritti: i64,
) {
    create_account(
        app.store(),
        app.now(),
        app.config().password_kdf,
        user,
        "twelve chars pw",
        name,
        &staff(),
    )
    .await
    .unwrap();
    for (purse, cents) in [(Purse::Tariffa, tariffa), (Purse::Diritti, diritti)] {
        top_up(
            app.store(),
            app.now(),
            user,
            purse,
            Money::from_cents(cents).unwrap(),
            None,
            &staff(),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn step5_prepaid_reserves_then_debits_at_issuance_and_refuses_short_credit() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;

    let err = app
        .pay_with_prepaid(&h, &r, DEMO_PREPAID.0, "wrong password", &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PRE-010");

    // An account with 10 € on Tariffa cannot pay 48,80 €; the message says both amounts.
    prepaid_account(app, "POOR001", "Poco Credito", 1_000, 9_000).await;
    let err = app
        .pay_with_prepaid(&h, &r, "poor001", "twelve chars pw", &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PRE-001");
    let text = Lang::It.error(&err);
    assert!(
        text.contains("10,00 €") && text.contains("48,80 €"),
        "{text}"
    );
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Payment
    );

    // The demo account pays: reserved, not yet debited.
    let v = app
        .pay_with_prepaid(&h, &r, DEMO_PREPAID.0, DEMO_PREPAID.1, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    assert_eq!(v.payment.unwrap().paid.unwrap().method, "prepaid");
    let b = balances(app.store(), DEMO_PREPAID.0).await.unwrap();
    assert_eq!(b.tariffa, (10_000, 5_120));
    assert_eq!(
        b.diritti,
        (5_000, 5_000),
        "a remote-signature renewal takes from Tariffa"
    );

    // Issuing the certificate debits the reservation, once.
    let code = last_code(app, &h).await;
    app.activation_code(&h, &r, &code, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    let v = app
        .activate(&h, &r, DEMO_PIN, DEMO_PIN, &code, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Completed);
    let b = balances(app.store(), DEMO_PREPAID.0).await.unwrap();
    assert_eq!(b.tariffa, (5_120, 5_120));
    let mut c = app.store().conn().await.unwrap();
    let p = repo::payments::of_renewal(&mut c, &r)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "settled");
}

#[tokio::test]
async fn step5_fifty_concurrent_prepaid_submits_reserve_once() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, h, r) = (app.clone(), h.clone(), r.clone());
            tokio::spawn(async move {
                app.pay_with_prepaid(&h, &r, DEMO_PREPAID.0, DEMO_PREPAID.1, &ctx())
                    .await
            })
        })
        .collect();
    for t in tasks {
        match t.await.unwrap() {
            Ok(v) => assert_eq!(v.step, RenewalStep::Activate),
            Err(AppError::Conflict | AppError::PaymentPending) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    let b = balances(app.store(), DEMO_PREPAID.0).await.unwrap();
    assert_eq!(b.tariffa, (10_000, 5_120), "one reservation of 48,80 €");
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "prepaid_reserved")
            .count(),
        1
    );
}
