//! Step 5 in the shop (SPEC §5, seed 002): card and PayPal through the sandbox acquirer's
//! signed notifications, promo codes, and bank transfers settled by a CAMT.053 statement.

use crate::payment::to_payment;
use crate::renewal::{ctx, env, holder_id};
use jiff::SignedDuration;
use rinnova_app::shop::{ShopStart, create_promo};
use rinnova_app::{App, AppError};
use rinnova_domain::promo::{Discount, PromoCode};
use rinnova_domain::{CertificateKind, HolderId, RenewalId, RenewalStep};
use rinnova_pay::sandbox::SandboxProvider;
use rinnova_pay::{CheckoutRequest, Outcome, ShopMethod};
use rinnova_store::repo;

/// What the sandbox's hosted page would read from the checkout URL.
pub fn checkout_of(app: &App, url: &str) -> CheckoutRequest {
    let token = url.split_once("?t=").expect("a checkout token").1;
    sandbox(app)
        .open_token(token, app.now().as_second())
        .unwrap()
}

fn sandbox(app: &App) -> SandboxProvider {
    SandboxProvider::new(app.config().shop.sandbox_secret(), "unused")
}

pub async fn start(
    app: &App,
    h: &HolderId,
    r: &RenewalId,
    method: ShopMethod,
    promo: Option<&str>,
) -> String {
    match app
        .start_shop_payment(h, r, method, promo, &ctx())
        .await
        .unwrap()
    {
        ShopStart::Redirect(url) => url,
        ShopStart::Renewal(v) => panic!("expected a redirect, got {:?}", v.step),
    }
}

/// The acquirer's notification, delivered as the webhook receives it.
pub async fn notify(app: &App, req: &CheckoutRequest, outcome: Outcome, event: &str) {
    let (body, sig) = sandbox(app).notification(req, outcome, event).unwrap();
    app.payment_notified(&body, &sig, &ctx()).await.unwrap();
}

pub async fn count(app: &App, renewal: &str, action: &str) -> usize {
    repo::audit::about(&mut app.store().conn().await.unwrap(), renewal)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.action == action)
        .count()
}

async fn emails(app: &App, h: &HolderId) -> Vec<String> {
    repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(h), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.channel == "email")
        .map(|m| format!("{} | {}", m.subject.unwrap_or_default(), m.body))
        .collect()
}

#[tokio::test]
async fn step5_card_declined_then_paid_with_a_promo_code_once() {
    let e = env().await;
    let app = &e.app;
    let now = app.now();
    create_promo(
        app.store(),
        now,
        &PromoCode {
            code: "WELCOME10".into(),
            discount: Discount::Percent(1_000),
            valid_from: now - SignedDuration::from_hours(1),
            valid_until: now + SignedDuration::from_hours(24 * 30),
            kind: Some(CertificateKind::RemoteSignature),
            max_uses: Some(1),
            uses: 0,
        },
    )
    .await
    .unwrap();
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;

    let err = app
        .start_shop_payment(&h, &r, ShopMethod::Card, Some("nope10"), &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PAY-001");

    // Declined: the renewal stays at step 5 and says so.
    let url = start(app, &h, &r, ShopMethod::Card, None).await;
    let declined = checkout_of(app, &url);
    assert_eq!(declined.amount_cents, 4_880);
    notify(app, &declined, Outcome::Declined, "ev-1").await;
    let v = app.renewal(&h, &r).await.unwrap();
    assert_eq!(v.step, RenewalStep::Payment);
    assert_eq!(v.payment.unwrap().last_order.unwrap().status, "declined");

    // A forged or tampered notification is refused and changes nothing.
    let again = start(app, &h, &r, ShopMethod::Paypal, Some(" welcome-10 ")).await;
    let req = checkout_of(app, &again);
    assert_eq!(req.amount_cents, 4_392, "10 % off the net, then VAT");
    let (body, _) = sandbox(app)
        .notification(&req, Outcome::Paid, "ev-2")
        .unwrap();
    let forged = SandboxProvider::new(b"guess", "x")
        .notification(&req, Outcome::Paid, "ev-2")
        .unwrap()
        .1;
    assert!(matches!(
        app.payment_notified(&body, &forged, &ctx()).await,
        Err(AppError::BadNotification)
    ));
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Payment
    );

    // Paid, and the same notification delivered again is a no-op.
    notify(app, &req, Outcome::Paid, "ev-2").await;
    notify(app, &req, Outcome::Paid, "ev-2").await;
    let v = app.renewal(&h, &r).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    assert!(v.otp.sent, "the first activation code went out");
    let paid = v.payment.unwrap().paid.unwrap();
    assert_eq!(
        (paid.method.as_str(), paid.amount.as_str()),
        ("shop", "43,92 €")
    );
    assert_eq!(count(app, r.as_str(), "payment_settled").await, 1);
    let mut c = app.store().conn().await.unwrap();
    assert_eq!(
        repo::shop::promo(&mut c, "WELCOME10")
            .await
            .unwrap()
            .unwrap()
            .uses,
        1
    );
    assert!(
        emails(app, &h)
            .await
            .iter()
            .any(|m| m.contains("Pagamento del rinnovo ricevuto") && m.contains("43,92 €"))
    );
}

#[tokio::test]
async fn step5_two_checkouts_paid_concurrently_charge_once_and_refund_the_other() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    // The holder opened five checkouts (tabs, switching between card and PayPal: the same
    // method again would reopen the same checkout) and paid them all.
    let mut reqs = Vec::new();
    for i in 0..5 {
        let method = if i % 2 == 0 {
            ShopMethod::Card
        } else {
            ShopMethod::Paypal
        };
        let url = start(app, &h, &r, method, None).await;
        reqs.push(checkout_of(app, &url));
    }
    // Each notification is delivered ten times, all at once.
    let tasks: Vec<_> = reqs
        .iter()
        .enumerate()
        .flat_map(|(i, req)| (0..10).map(move |_| (i, req.clone())))
        .map(|(i, req)| {
            let app = app.clone();
            tokio::spawn(async move {
                let (body, sig) = sandbox(&app)
                    .notification(&req, Outcome::Paid, &format!("ev-{i}"))
                    .unwrap();
                app.payment_notified(&body, &sig, &ctx()).await
            })
        })
        .collect();
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) | Err(AppError::Conflict) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Activate
    );
    assert_eq!(count(app, r.as_str(), "payment_settled").await, 1);
    assert_eq!(count(app, r.as_str(), "order_refund_due").await, 4);
    let mut statuses = Vec::new();
    let mut c = app.store().conn().await.unwrap();
    for req in &reqs {
        statuses.push(
            repo::shop::order(&mut c, &req.order_id)
                .await
                .unwrap()
                .unwrap()
                .status,
        );
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            "paid",
            "refund_due",
            "refund_due",
            "refund_due",
            "refund_due"
        ]
    );
}

#[tokio::test]
async fn step5_bank_transfer_waits_for_the_statement_then_resumes() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    let v = match app
        .start_shop_payment(&h, &r, ShopMethod::BankTransfer, None, &ctx())
        .await
        .unwrap()
    {
        ShopStart::Renewal(v) => v,
        ShopStart::Redirect(u) => panic!("a bank transfer goes nowhere, not to {u}"),
    };
    assert_eq!(v.step, RenewalStep::Payment);
    let pay = v.payment.unwrap();
    assert!(pay.paid.unwrap().pending);
    let order = pay.last_order.unwrap();
    let reference = order.remittance_ref.clone().unwrap();
    assert!(reference.starts_with("RNV-") && reference.len() == 12);
    assert!(order.iban.is_some());
    assert!(
        emails(app, &h)
            .await
            .iter()
            .any(|m| m.contains(&reference) && m.contains("48,80 €"))
    );
    // Nothing else can pay while the transfer is awaited.
    let coupon = rinnova_app::demo::coupons()[0].display();
    assert!(matches!(
        app.pay_with_coupon(&h, &r, &coupon, &ctx()).await,
        Err(AppError::PaymentPending)
    ));
    assert!(matches!(
        app.start_shop_payment(&h, &r, ShopMethod::Card, None, &ctx())
            .await,
        Err(AppError::PaymentPending)
    ));

    let fixture = include_str!("../../../pay/tests/fixtures/camt053_v02.xml");
    // First the holder sends too little: recorded, nothing settled.
    let short = fixture
        .replace("REFERENCE_PLACEHOLDER", &reference)
        .replace(
            "<Amt Ccy=\"EUR\">48.80</Amt>",
            "<Amt Ccy=\"EUR\">40.00</Amt>",
        )
        .replace("2026112300012345", "SHORT-1");
    let report = app.import_bank_statement(&short, &ctx()).await.unwrap();
    assert_eq!((report.underpaid, report.settled.len()), (1, 0));
    assert_eq!(report.ignored, 2, "a debit and a pending credit");
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Payment
    );

    // Then the right amount: settled, e-mailed, resumed at activation.
    let statement = fixture.replace("REFERENCE_PLACEHOLDER", &reference.to_lowercase());
    let report = app.import_bank_statement(&statement, &ctx()).await.unwrap();
    assert_eq!(report.settled, vec![r.clone()]);
    let v = app.renewal(&h, &r).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    assert!(!v.payment.unwrap().paid.unwrap().pending);
    assert!(
        emails(app, &h)
            .await
            .iter()
            .any(|m| m.contains("Pagamento del rinnovo ricevuto"))
    );
    // The same statement again changes nothing.
    let again = app.import_bank_statement(&statement, &ctx()).await.unwrap();
    assert_eq!((again.already_imported, again.settled.len()), (1, 0));
    assert_eq!(count(app, r.as_str(), "payment_settled").await, 1);
    // A statement that is not CAMT.053 is refused whole.
    assert_eq!(
        app.import_bank_statement("<Document/>", &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-PAY-021"
    );
}

async fn promo(app: &App, code: &str, discount: Discount, max_uses: Option<u32>) {
    let now = app.now();
    create_promo(
        app.store(),
        now,
        &PromoCode {
            code: code.into(),
            discount,
            valid_from: now - SignedDuration::from_hours(1),
            valid_until: now + SignedDuration::from_hours(24 * 30),
            kind: None,
            max_uses,
            uses: 0,
        },
    )
    .await
    .unwrap();
}

async fn uses(app: &App, code: &str) -> i64 {
    repo::shop::promo(&mut app.store().conn().await.unwrap(), code)
        .await
        .unwrap()
        .unwrap()
        .uses
}

#[tokio::test]
async fn step5_a_one_use_promo_code_is_reserved_by_the_first_order_and_refused_to_others() {
    // Issue 18 item 8: the limit was checked when an order was made and counted at payment, so
    // every order placed before the first payment got the discount.
    let e = env().await;
    let app = &e.app;
    promo(app, "ONCE10", Discount::Percent(1_000), Some(1)).await;
    let a = holder_id(app, "JZLF009").await;
    let b = holder_id(app, "JZLF010").await;
    let (ra, rb) = (to_payment(app, &a).await, to_payment(app, &b).await);

    // In parallel: one order gets the code, the other is told it is used up.
    let c = ctx();
    let (x, y) = tokio::join!(
        app.start_shop_payment(&a, &ra, ShopMethod::Card, Some("ONCE10"), &c),
        app.start_shop_payment(&b, &rb, ShopMethod::Card, Some("ONCE10"), &c)
    );
    let refused: Vec<_> = [&x, &y]
        .into_iter()
        .filter_map(|r| r.as_ref().err())
        .collect();
    assert_eq!(refused.len(), 1, "exactly one order gets a one-use code");
    assert_eq!(refused[0].code(), "RNV-PAY-004");
    assert_eq!(uses(app, "ONCE10").await, 1);
    let (winner, wr, loser, lr) = if x.is_ok() {
        (&a, &ra, &b, &rb)
    } else {
        (&b, &rb, &a, &ra)
    };

    // The holder who has it may place another order with it (a new checkout): still one use.
    start(app, winner, wr, ShopMethod::Paypal, Some("once10")).await;
    assert_eq!(uses(app, "ONCE10").await, 1);
    // Sequentially, too, the other is refused.
    let err = app
        .start_shop_payment(loser, lr, ShopMethod::Card, Some("ONCE10"), &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RNV-PAY-004");

    // Paid without the code (another order, no promo): the use goes back to the code.
    let url = start(app, winner, wr, ShopMethod::Card, None).await;
    notify(app, &checkout_of(app, &url), Outcome::Paid, "evt-once-1").await;
    assert_eq!(uses(app, "ONCE10").await, 0);
    let url = start(app, loser, lr, ShopMethod::Card, Some("ONCE10")).await;
    let req = checkout_of(app, &url);
    assert_eq!(req.amount_cents, 4_392);
    notify(app, &req, Outcome::Paid, "evt-once-2").await;
    assert_eq!(uses(app, "ONCE10").await, 1);
    assert_eq!(
        app.renewal(loser, lr).await.unwrap().step,
        RenewalStep::Activate
    );
}

#[tokio::test]
async fn step5_a_discount_as_large_as_the_price_pays_without_a_checkout() {
    let e = env().await;
    let app = &e.app;
    promo(
        app,
        "GRATIS",
        Discount::Fixed(rinnova_domain::Money::from_cents(100_000).unwrap()),
        None,
    )
    .await;
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;
    match app
        .start_shop_payment(&h, &r, ShopMethod::Card, Some("GRATIS"), &ctx())
        .await
        .unwrap()
    {
        ShopStart::Renewal(v) => {
            assert_eq!(v.step, RenewalStep::Activate);
            let paid = v.payment.unwrap().paid.unwrap();
            assert_eq!(paid.amount, "0,00 €");
        }
        ShopStart::Redirect(url) => panic!("a 0,00 € checkout at {url}"),
    }
}

#[tokio::test]
async fn step5_paying_again_returns_to_the_open_order_instead_of_placing_another() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;
    let first = start(app, &h, &r, ShopMethod::Card, None).await;
    let again = start(app, &h, &r, ShopMethod::Card, None).await;
    assert_eq!(first, again, "the same checkout page");
    let open = repo::shop::open_orders(&mut app.store().conn().await.unwrap(), &r)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    // Another method places a new order; the card one gives way but still pays if paid.
    let paypal = start(app, &h, &r, ShopMethod::Paypal, None).await;
    assert_ne!(paypal, first);
    let open = repo::shop::open_orders(&mut app.store().conn().await.unwrap(), &r)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    notify(
        app,
        &checkout_of(app, &first),
        Outcome::Paid,
        "evt-late-card",
    )
    .await;
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Activate
    );
}

async fn transfer(app: &App, h: &HolderId, r: &RenewalId) -> (String, String) {
    match app
        .start_shop_payment(h, r, ShopMethod::BankTransfer, None, &ctx())
        .await
        .unwrap()
    {
        ShopStart::Renewal(v) => {
            let o = v.payment.unwrap().last_order.unwrap();
            (o.id, o.remittance_ref.unwrap())
        }
        ShopStart::Redirect(u) => panic!("a bank transfer goes nowhere, not to {u}"),
    }
}

/// The fixture's booked credit of 48,80 €, naming `reference`, as entry `entry` of `cents`.
fn credit(reference: &str, entry: &str, cents: i64) -> String {
    include_str!("../../../pay/tests/fixtures/camt053_v02.xml")
        .replace("REFERENCE_PLACEHOLDER", reference)
        .replace(
            "<Amt Ccy=\"EUR\">48.80</Amt>",
            &format!("<Amt Ccy=\"EUR\">{}.{:02}</Amt>", cents / 100, cents % 100),
        )
        .replace("2026112300012345", entry)
}

#[tokio::test]
async fn step5_short_transfers_add_up_and_the_holder_is_told_what_is_missing() {
    // Issue 18 item 9: a short transfer was a dead end — a second one for the difference was
    // "underpaid" too, and the holder still read only "transfer pending".
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    let (order, reference) = transfer(app, &h, &r).await;

    let report = app
        .import_bank_statement(&credit(&reference, "PART-1", 4_000), &ctx())
        .await
        .unwrap();
    let item = &report.items[0];
    assert_eq!(
        (
            item.outcome.as_str(),
            item.reference.as_deref(),
            item.missing_cents
        ),
        ("underpaid", Some(reference.as_str()), 880)
    );
    assert_eq!(item.order_id.as_deref(), Some(order.as_str()));
    let v = app.renewal(&h, &r).await.unwrap();
    let o = v.payment.unwrap().last_order.unwrap();
    assert_eq!(
        (o.received.as_deref(), o.missing.as_deref()),
        (Some("40,00 €"), Some("8,80 €"))
    );
    assert!(
        emails(app, &h)
            .await
            .iter()
            .any(|m| m.contains("8,80 €") && m.contains(&reference))
    );

    // The difference completes it.
    let report = app
        .import_bank_statement(&credit(&reference, "PART-2", 880), &ctx())
        .await
        .unwrap();
    assert_eq!(report.settled, vec![r.clone()]);
    assert_eq!(report.items[0].outcome, "settled");
    assert_eq!(report.items[0].refund_cents, 0);
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Activate
    );

    // A transfer for the order already paid is flagged for refund, whole.
    let report = app
        .import_bank_statement(&credit(&reference, "AGAIN-1", 4_880), &ctx())
        .await
        .unwrap();
    let item = &report.items[0];
    assert_eq!(
        (item.outcome.as_str(), item.refund_cents),
        ("refund", 4_880)
    );
    assert_eq!(report.refunds, 1);
    let due = app.refunds_due().await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(
        (
            due[0].kind.as_str(),
            due[0].id.as_str(),
            due[0].amount_cents
        ),
        ("bank_entry", "AGAIN-1", 4_880)
    );
    assert_eq!(count(app, r.as_str(), "refund_due").await, 1);
    assert_eq!(count(app, r.as_str(), "payment_settled").await, 1);
}

#[tokio::test]
async fn step5_an_overpaid_transfer_settles_and_flags_the_difference() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    let (_, reference) = transfer(app, &h, &r).await;
    let report = app
        .import_bank_statement(&credit(&reference, "OVER-1", 5_000), &ctx())
        .await
        .unwrap();
    let item = &report.items[0];
    assert_eq!(
        (item.outcome.as_str(), item.refund_cents),
        ("overpaid", 120)
    );
    assert_eq!(report.settled, vec![r]);
    let due = app.refunds_due().await.unwrap();
    assert_eq!(
        due.iter().map(|d| d.amount_cents).collect::<Vec<_>>(),
        [120],
        "the part beyond the order's total: {due:?}"
    );
}

#[tokio::test]
async fn step5_staff_settle_or_cancel_a_pending_transfer() {
    let e = env().await;
    let app = &e.app;
    // Cancelled: the holder pays another way; what arrived is to be given back.
    let h = holder_id(app, "JZLF010").await;
    let r = to_payment(app, &h).await;
    let (order, reference) = transfer(app, &h, &r).await;
    app.import_bank_statement(&credit(&reference, "PART-X", 1_000), &ctx())
        .await
        .unwrap();
    app.cancel_transfer(&order, "admin:test", &ctx())
        .await
        .unwrap();
    assert!(
        app.cancel_transfer(&order, "admin:test", &ctx())
            .await
            .is_err(),
        "only a pending transfer is cancelled"
    );
    let status = repo::shop::order(&mut app.store().conn().await.unwrap(), &order)
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(status, "refund_due");
    let due = app.refunds_due().await.unwrap();
    assert!(
        due.iter()
            .any(|d| d.kind == "order" && d.id == order && d.amount_cents == 1_000),
        "what the cancelled transfer had received: {due:?}"
    );
    let url = start(app, &h, &r, ShopMethod::Card, None).await;
    notify(
        app,
        &checkout_of(app, &url),
        Outcome::Paid,
        "evt-after-cancel",
    )
    .await;
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Activate
    );

    // Settled by hand: the renewal moves on.
    let h = holder_id(app, "JZLF009").await;
    let r = to_payment(app, &h).await;
    let (order, _) = transfer(app, &h, &r).await;
    assert!(
        app.settle_transfer(&order, "admin:test", &ctx())
            .await
            .unwrap()
    );
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Activate
    );
    assert_eq!(
        app.settle_transfer("no-such-order", "admin:test", &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-GEN-404"
    );
}
