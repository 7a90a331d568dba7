//! Step 6 (SPEC §5, seed 001; A3): the organisation's CDRL approves or rejects, and nothing
//! reaches activation without the approval (CVE-2021-20179 was such a bypass).

use crate::renewal::{ctx, env, holder_id, last_code};
use rinnova_app::App;
use rinnova_app::approval::{NewCdrl, create_cdrl};
use rinnova_app::demo::{DEMO_CDRL, DEMO_PIN};
use rinnova_app::i18n::Lang;
use rinnova_domain::RenewalStep;
use rinnova_domain::{HolderId, RenewalId};
use rinnova_store::repo;

/// Walks JZLF011 (organisation pays, approval required) through signing.
pub async fn to_approval(app: &App, h: &HolderId) -> RenewalId {
    let r = crate::renewal::to_sign(app, h).await;
    let code = last_code(app, h).await;
    let r = app.sign(h, &r, DEMO_PIN, &code, &ctx()).await.unwrap();
    assert_eq!(r.step, RenewalStep::Approval);
    assert!(r.payment.is_none(), "the organisation pays: no step 5");
    r.id
}

async fn outbox_to(app: &App, recipient: &str) -> Vec<String> {
    repo::outbox::recent(&mut app.store().conn().await.unwrap(), None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == recipient)
        .map(|m| format!("{} | {}", m.subject.unwrap_or_default(), m.body))
        .collect()
}

#[tokio::test]
async fn step6_only_the_holders_cdrl_approves_and_nothing_activates_before() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF011").await;
    let r = to_approval(app, &h).await;
    assert!(
        outbox_to(app, "cdrl@ordine-demo.it")
            .await
            .iter()
            .any(|m| m.contains("Giorgio Fontana")),
        "the CDRL is told a request waits"
    );

    // The holder cannot move on: every later step is refused at this point.
    let refused = [
        app.activation_code(&h, &r, "123456", &ctx())
            .await
            .unwrap_err(),
        app.activate(&h, &r, DEMO_PIN, DEMO_PIN, "123456", &ctx())
            .await
            .unwrap_err(),
        app.pay_with_coupon(&h, &r, "7KQ2-M9XD-4T8R-J", &ctx())
            .await
            .unwrap_err(),
    ];
    for e in refused {
        assert!(["RNV-WF-001", "RNV-CPN-001"].contains(&e.code()), "{e:?}");
    }
    assert_eq!(
        app.renewal(&h, &r).await.unwrap().step,
        RenewalStep::Approval
    );

    // Wrong credentials; a CDRL of another organisation does not even see the request.
    assert_eq!(
        app.cdrl_login(DEMO_CDRL.0, "wrong", Lang::It, &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-AUTH-010"
    );
    let comune = repo::holders::by_user_id(&mut app.store().conn().await.unwrap(), "JZLF008")
        .await
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    create_cdrl(
        app.store(),
        app.now(),
        app.config().password_kdf,
        &NewCdrl {
            organisation_id: comune,
            username: "cdrl.comune".into(),
            password: "another long password".into(),
            name: "Altro Responsabile".into(),
            email: "cdrl@comune.example.it".into(),
        },
    )
    .await
    .unwrap();
    let other = app
        .cdrl_login("cdrl.comune", "another long password", Lang::It, &ctx())
        .await
        .unwrap();
    let other = app.cdrl_session(&other).await.unwrap();
    assert!(app.pending_approvals(&other).await.unwrap().is_empty());
    assert_eq!(
        app.decide(&other, &r, true, None, &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-GEN-404"
    );

    // The right CDRL sees the holder's data and approves; the holder gets the activation code.
    let token = app
        .cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::It, &ctx())
        .await
        .unwrap();
    let cdrl = app.cdrl_session(&token).await.unwrap();
    let pending = app.pending_approvals(&cdrl).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].surname.as_str(), pending[0].role.as_deref()),
        ("Fontana", Some("Ingegnere"))
    );
    assert_eq!(
        app.decide(&cdrl, &r, false, Some("   "), &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-INP-010",
        "a rejection needs a reason"
    );
    app.decide(&cdrl, &r, true, None, &ctx()).await.unwrap();
    app.decide(&cdrl, &r, true, None, &ctx()).await.unwrap();
    assert_eq!(
        app.decide(&cdrl, &r, false, Some("changed my mind"), &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-GEN-409"
    );
    let v = app.renewal(&h, &r).await.unwrap();
    assert_eq!(v.step, RenewalStep::Activate);
    // Issue 18 item 4: no code went out at approval (it would expire before the holder logs
    // in); the holder asks for it at the step.
    assert!(!v.otp.sent);
    let sent_at_approval =
        repo::outbox::recent(&mut app.store().conn().await.unwrap(), Some(&h), 50)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.channel == "sms")
            .count();
    assert_eq!(sent_at_approval, 1, "only the signature's code");
    let v = app.resend_code(&h, &r, &ctx()).await.unwrap();
    assert!(v.otp.sent);
    let code = last_code(app, &h).await;
    app.activation_code(&h, &r, &code, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    let v = app
        .activate(&h, &r, DEMO_PIN, DEMO_PIN, &code, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Completed);
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), r.as_str())
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "approved" && a.actor == "cdrl:cdrl.demo")
    );
}

#[tokio::test]
async fn step6_rejection_ends_the_renewal_and_tells_the_holder_why() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF011").await;
    let r = to_approval(app, &h).await;
    let token = app
        .cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::It, &ctx())
        .await
        .unwrap();
    let cdrl = app.cdrl_session(&token).await.unwrap();
    app.decide(
        &cdrl,
        &r,
        false,
        Some("Non più iscritto all'Ordine"),
        &ctx(),
    )
    .await
    .unwrap();
    let v = app.renewal(&h, &r).await.unwrap();
    assert_eq!(v.step, RenewalStep::Cancelled);
    // Issue 18 item 2: the reason is on the renewal page and on home, not only in the e-mail.
    let ended = v.ended.expect("the holder reads why");
    assert_eq!(ended.reason, "rejected");
    assert!(
        ended.text.contains("Non più iscritto all'Ordine"),
        "{}",
        ended.text
    );
    let home = app.home(&h).await.unwrap().certificates[0].clone();
    assert!(
        home.last_renewal_ended
            .is_some_and(|x| x.text.contains("Non più iscritto all'Ordine"))
    );
    let holder = repo::holders::by_id(&mut app.store().conn().await.unwrap(), &h)
        .await
        .unwrap()
        .unwrap();
    assert!(
        outbox_to(app, &holder.email)
            .await
            .iter()
            .any(|m| m.contains("Non più iscritto all'Ordine"))
    );
    assert!(app.pending_approvals(&cdrl).await.unwrap().is_empty());
    app.cdrl_logout(&token).await.unwrap();
    assert!(app.cdrl_session(&token).await.is_err());
}

/// The notice of a request to approve is written in the language the CDRL last used in their
/// area (Italian before their first login).
#[tokio::test]
async fn step6_the_cdrl_is_told_in_the_language_of_their_last_login() {
    let e = env().await;
    let app = &e.app;
    app.cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::En, &ctx())
        .await
        .unwrap();
    let h = holder_id(app, "JZLF011").await;
    to_approval(app, &h).await;
    let notices = outbox_to(app, "cdrl@ordine-demo.it").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].starts_with("A renewal request to approve | Dear Marta Ricci"),
        "{notices:?}"
    );

    // Back to Italian at the next login: the next notice follows.
    app.cdrl_login(DEMO_CDRL.0, DEMO_CDRL.1, Lang::It, &ctx())
        .await
        .unwrap();
    let mut c = app.store().conn().await.unwrap();
    let account = repo::cdrl::by_username(&mut c, DEMO_CDRL.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.lang, "it");
}
