//! Step 2 (SPEC §5, seed 001): editing e-mail, mobile and residence with the password and an
//! SMS code; contact data of another person refused, and a shared one blocks the renewal.

use crate::renewal::{ctx, env, holder_id};
use rinnova_app::App;
use rinnova_app::contact::ContactField;
use rinnova_app::demo::DEMO_PASSWORD;
use rinnova_domain::RenewalStep;
use rinnova_store::{ContactChangeRecord, repo};

async fn sms_to(app: &App, number: &str) -> Option<String> {
    repo::outbox::recent(&mut app.store().conn().await.unwrap(), None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.channel == "sms" && m.recipient == number)
        .map(|m| {
            m.body
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .unwrap()
                .to_owned()
        })
}

#[tokio::test]
async fn step2_contact_changes_need_password_and_sms_code_and_stay_personal() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap().id;
    let change = |field, value: &'static str, password: &'static str| {
        let (app, h, r) = (app.clone(), h.clone(), r.clone());
        async move {
            app.request_contact_change(&h, &r, field, value, password, &ctx())
                .await
        }
    };
    let code = |res: Result<_, rinnova_app::AppError>| res.unwrap_err().code().to_owned();
    assert_eq!(
        code(change(ContactField::Email, "mario@esempio.it", "wrong").await),
        "RNV-DATA-003",
        "a wrong password, not 'wrong user-id or password' (issue 18 item 16)"
    );
    assert_eq!(
        code(change(ContactField::Email, "not an address", DEMO_PASSWORD).await),
        "RNV-INP-003"
    );
    // Giulia Bianchi's address: refused, without naming her.
    let err = change(
        ContactField::Email,
        "GIULIA.bianchi@example.it",
        DEMO_PASSWORD,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "RNV-DATA-001");
    assert!(!rinnova_app::i18n::Lang::It.error(&err).contains("Bianchi"));

    // A new e-mail: the code goes to the registered mobile; a wrong code changes nothing.
    let v = change(ContactField::Email, "Mario.Rossi@Nuovo.it", DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(v.contact_change.unwrap().field, "email");
    let code_sent = sms_to(app, "+393330000001")
        .await
        .expect("an SMS to the mobile");
    assert!(
        app.confirm_contact_change(&h, &r, "000000", &ctx())
            .await
            .is_err()
    );
    let v = app
        .confirm_contact_change(&h, &r, &code_sent, &ctx())
        .await
        .unwrap();
    assert_eq!(v.holder.email, "Mario.Rossi@Nuovo.it");
    assert!(v.contact_change.is_none());
    let old_told = repo::outbox::recent(&mut app.store().conn().await.unwrap(), None, 100)
        .await
        .unwrap()
        .into_iter()
        .any(|m| {
            m.recipient == "mario.rossi@example.it" && m.body.contains("Mario.Rossi@Nuovo.it")
        });
    assert!(old_told, "the old address hears of the change");

    // A new mobile: the code goes to the new number itself.
    change(ContactField::Mobile, "+39 347 1234567", DEMO_PASSWORD)
        .await
        .unwrap();
    let code_sent = sms_to(app, "+393471234567")
        .await
        .expect("an SMS to the new number");
    let v = app
        .confirm_contact_change(&h, &r, &code_sent, &ctx())
        .await
        .unwrap();
    assert_eq!(v.holder.mobile, "+393471234567");
    assert_eq!(v.step, RenewalStep::CheckData);
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "contact_changed")
            .count(),
        2
    );
}

#[tokio::test]
async fn step2_a_contact_shared_with_another_person_blocks_until_changed() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF001").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap().id;
    // The registry gave Mario Rossi the same mobile as Giulia Bianchi.
    let mut tx = app.store().begin().await.unwrap();
    repo::holders::apply_contact_change(
        &mut tx,
        &ContactChangeRecord {
            id: "registry".into(),
            holder_id: h.clone(),
            renewal_id: r.clone(),
            field: "mobile".into(),
            old_value: "+393330000001".into(),
            new_value: "+393330000002".into(),
            created_at: 0,
            applied_at: None,
        },
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let v = app.renewal(&h, &r).await.unwrap();
    assert!(v.contact_blocked.is_some());
    let err = app.confirm_data(&h, &r, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "RNV-DATA-002");
    // Changing it (the code goes to the new number) unblocks the renewal.
    app.request_contact_change(
        &h,
        &r,
        ContactField::Mobile,
        "+393479999999",
        DEMO_PASSWORD,
        &ctx(),
    )
    .await
    .unwrap();
    let code = sms_to(app, "+393479999999").await.unwrap();
    let v = app
        .confirm_contact_change(&h, &r, &code, &ctx())
        .await
        .unwrap();
    assert!(v.contact_blocked.is_none());
    let v = app.confirm_data(&h, &r, &ctx()).await.unwrap();
    assert_eq!(v.step, RenewalStep::Documents);
}
