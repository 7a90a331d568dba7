//! The audit trail's seals (SPEC X2): a chain rewritten consistently after a seal, or a forged
//! seal, is caught by `verify` with only the CA's certificate.

use crate::renewal::{ctx, env};
use rinnova_app::auth::SessionKind;
use rinnova_app::demo::DEMO_PASSWORD;
use rinnova_store::repo;

async fn exec(app: &rinnova_app::App, sql: &str) {
    let mut c = app.store().conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *c)
        .await
        .unwrap();
}

#[tokio::test]
async fn x2_seals_catch_a_consistently_rewritten_chain_and_forged_seals() {
    let e = env().await;
    let app = &e.app;
    app.login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    let _ = app
        .login("JZLF001", "wrong", SessionKind::Web, &ctx())
        .await;
    let sealed = app.seal_audit().await.unwrap().expect("a head to seal");
    assert_eq!(
        app.seal_audit().await.unwrap(),
        None,
        "sealed once per head"
    );
    let v = rinnova_app::audit::verify(app.store()).await.unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!((v.seals, v.sealed_up_to), (1, sealed));

    // Rows after the seal are chained but not sealed yet: still intact.
    app.login("JZLF002", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    assert!(rinnova_app::audit::verify(app.store()).await.unwrap().ok());

    // Edit a sealed row and recompute every hash, as someone who knows the scheme would.
    exec(
        app,
        "UPDATE audit SET actor = 'someone-else' WHERE action = 'login_failed'",
    )
    .await;
    exec(app, "UPDATE audit SET prev_hash = NULL, row_hash = NULL").await;
    exec(app, "DELETE FROM audit_head").await;
    {
        let mut tx = app.store().begin().await.unwrap();
        repo::audit::chain_unchained(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let v = rinnova_app::audit::verify(app.store()).await.unwrap();
    assert_eq!(
        v.problem.as_deref(),
        Some(format!("audit rows up to {sealed} were rewritten after they were sealed").as_str())
    );

    // A seal whose signature is not the CA's.
    sqlx::query("UPDATE audit_seals SET signature = $1")
        .bind(vec![0x30u8, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])
        .execute(&mut *app.store().conn().await.unwrap())
        .await
        .unwrap();
    let v = rinnova_app::audit::verify(app.store()).await.unwrap();
    assert_eq!(
        v.problem.as_deref(),
        Some(format!("the seal of row {sealed} is not signed by the CA").as_str())
    );
}

#[tokio::test]
async fn x2_holders_see_their_history_and_the_rao_searches_by_holder_or_certificate() {
    let e = env().await;
    let app = &e.app;
    app.login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    app.login("JZLF002", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    let h1 = crate::renewal::holder_id(app, "JZLF001").await;
    let cert = repo::certificates::of_holder(&mut app.store().conn().await.unwrap(), &h1)
        .await
        .unwrap()
        .remove(0);
    app.start_renewal(&h1, &cert.id, &ctx()).await.unwrap();

    let mine = app.history(&h1).await.unwrap();
    let actions: Vec<&str> = mine.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.first(),
        Some(&"renewal_started"),
        "newest first: {actions:?}"
    );
    assert!(actions.contains(&"login"), "{actions:?}");
    assert_eq!(mine[0].label, "Rinnovo avviato");
    assert!(
        mine.iter().all(|e| e.actor != "JZLF002"),
        "nobody else's entries"
    );

    // The administrator's search by certificate finds the same holder's entries.
    let by_cert = app
        .audit_search(
            None,
            Some(&cert.serial_hex.to_uppercase()),
            rinnova_app::i18n::Lang::En,
        )
        .await
        .unwrap();
    assert_eq!(by_cert.len(), mine.len());
    assert_eq!(by_cert[0].label, "Renewal started");

    // The RAO desk finds the holder by the certificate's serial, with the history.
    let rao = app
        .rao_login(
            rinnova_app::demo::DEMO_RAO.0,
            rinnova_app::demo::DEMO_RAO.1,
            rinnova_app::i18n::Lang::It,
            &ctx(),
        )
        .await
        .unwrap();
    let session = app.rao_session(&rao).await.unwrap();
    let found = app
        .desk_find(&session, &cert.serial_hex, &ctx())
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].holder.user_id, "JZLF001");
    assert!(
        found[0]
            .history
            .iter()
            .any(|e| e.action == "renewal_started")
    );
}

#[tokio::test]
async fn the_rao_retrieves_the_signed_form_and_it_is_audited() {
    let e = env().await;
    let app = &e.app;
    let h = crate::renewal::holder_id(app, "JZLF010").await;
    let renewal = crate::payment::to_payment(app, &h).await;
    let token = app
        .rao_login(
            rinnova_app::demo::DEMO_RAO.0,
            rinnova_app::demo::DEMO_RAO.1,
            rinnova_app::i18n::Lang::It,
            &ctx(),
        )
        .await
        .unwrap();
    let rao = app.rao_session(&token).await.unwrap();
    let found = app.desk_find(&rao, "JZLF010", &ctx()).await.unwrap();
    assert_eq!(found[0].signed_forms.len(), 1);
    assert_eq!(found[0].signed_forms[0].0, renewal);
    let pdf = app.desk_evidence(&rao, &renewal, &ctx()).await.unwrap();
    let own = app
        .document(&h, &renewal, rinnova_app::renewal::SIGNED_FORM)
        .await
        .unwrap();
    assert_eq!(
        pdf, own,
        "the holder's download and the RAO's copy are the same evidence"
    );
    let trail = repo::audit::about(&mut app.store().conn().await.unwrap(), renewal.as_str())
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|r| r.action == "evidence_retrieved" && r.actor == "rao:rao.demo"),
        "{trail:?}"
    );
}
