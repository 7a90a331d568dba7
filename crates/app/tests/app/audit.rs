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
    let v = rinnova_app::audit::verify(app.store(), None).await.unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!((v.seals, v.sealed_up_to), (1, sealed));

    // Rows after the seal are chained but not sealed yet: still intact.
    app.login("JZLF002", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    assert!(
        rinnova_app::audit::verify(app.store(), None)
            .await
            .unwrap()
            .ok()
    );

    // Edit a sealed row and recompute every hash, as someone who knows the scheme would.
    exec(
        app,
        "UPDATE audit SET actor = 'someone-else' WHERE action = 'login_failed'",
    )
    .await;
    rehash_everything(app).await;
    let v = rinnova_app::audit::verify(app.store(), None).await.unwrap();
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
    let v = rinnova_app::audit::verify(app.store(), None).await.unwrap();
    let problem = v.problem.unwrap();
    assert!(
        problem.starts_with(&format!(
            "the seal of row {sealed}: the signature is not by the certificate's key"
        )),
        "{problem}"
    );
}

/// Recomputes every row's hash from the first, as someone who knows the scheme and has the
/// database would after editing rows.
async fn rehash_everything(app: &rinnova_app::App) {
    exec(app, "UPDATE audit SET prev_hash = NULL, row_hash = NULL").await;
    exec(app, "DELETE FROM audit_head").await;
    let mut tx = app.store().begin().await.unwrap();
    repo::audit::chain_unchained(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// Three logins, each sealed: the seals' rows.
async fn three_seals(app: &rinnova_app::App) -> Vec<i64> {
    let mut sealed = Vec::new();
    for user in ["JZLF001", "JZLF002", "JZLF003"] {
        app.login(user, DEMO_PASSWORD, SessionKind::Web, &ctx())
            .await
            .unwrap();
        sealed.push(app.seal_audit().await.unwrap().unwrap());
    }
    sealed
}

/// The first problem `audit verify` names (there must be one).
async fn first_problem(app: &rinnova_app::App) -> String {
    rinnova_app::audit::verify(app.store(), None)
        .await
        .unwrap()
        .problem
        .expect("a problem")
}

/// The seal's own sealed key and certificate, as stored (software keys in these tests).
async fn one_seal(app: &rinnova_app::App) -> (i64, String, Vec<u8>) {
    let mut c = app.store().conn().await.unwrap();
    let seals = repo::audit::seals(&mut c).await.unwrap();
    let s = seals.last().unwrap();
    let serial = s.signer_serial.clone().expect("sealed by the delegate");
    let cert = repo::ca::delegate_cert_by_serial(&mut c, &serial)
        .await
        .unwrap()
        .unwrap();
    (s.seq, serial, cert.der)
}

/// One key, one purpose (issue 20): seals are made by a key of their own whose certificate
/// the issuing CA signed for document signing only; a seal said to be by another delegate (the
/// OCSP responder) or by the CA itself does not verify; seals the issuing key made before
/// still do.
#[tokio::test]
async fn x2_seals_are_made_by_the_audit_seal_delegate_and_older_seals_by_the_ca_still_verify() {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let e = env().await;
    let app = &e.app;
    app.login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    let seq = app.seal_audit().await.unwrap().unwrap();
    let (sealed, serial, der) = one_seal(app).await;
    assert_eq!(sealed, seq);
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    assert_eq!(
        eku.other
            .iter()
            .map(|o| o.to_id_string())
            .collect::<Vec<_>>(),
        ["1.3.6.1.5.5.7.3.36"],
        "id-kp-documentSigning only"
    );
    assert!(!eku.ocsp_signing && !eku.any);
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.non_repudiation() && !ku.key_cert_sign());
    let material = rinnova_app::ca_service::material(app.store())
        .await
        .unwrap();
    let (_, issuing) = X509Certificate::from_der(&material.issuing_cert_der).unwrap();
    assert_eq!(cert.issuer(), issuing.subject());
    assert_ne!(
        cert.public_key().raw,
        issuing.public_key().raw,
        "not the issuing CA's key"
    );
    assert!(
        rinnova_app::audit::verify(app.store(), None)
            .await
            .unwrap()
            .ok()
    );

    // The same seal said to be by the OCSP responder's certificate.
    let responder = app
        .delegate(rinnova_ca::Purpose::OcspResponder)
        .await
        .unwrap()
        .serial_hex
        .clone();
    exec(
        app,
        &format!("UPDATE audit_seals SET signer_serial = '{responder}'"),
    )
    .await;
    let problem = first_problem(app).await;
    assert!(
        problem.contains("the certificate is not for audit-seal"),
        "{problem}"
    );
    // Said to be by the CA's own key.
    exec(app, "UPDATE audit_seals SET signer_serial = NULL").await;
    let problem = first_problem(app).await;
    assert_eq!(
        problem,
        format!("the seal of row {seq}: it is not signed by the CA")
    );

    // A seal made before issue 20, by the issuing CA's key: it still verifies.
    let pkcs8 = rinnova_ca::seal::open(&material.issuing_key_sealed, b"pass").unwrap();
    let issuing_key =
        rinnova_ca::ca_key::CaKey::software_from_pkcs8(&pkcs8, material.config.algorithm).unwrap();
    let (head_seq, head_hash) = repo::audit::head(&mut app.store().conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(head_seq, seq);
    let signature = issuing_key
        .sign_message(&rinnova_app::audit::seal_message(seq, &head_hash))
        .unwrap();
    // (Made before issue 21 too: it names no seal before it, and signed the v1 message.)
    sqlx::query("UPDATE audit_seals SET signature = $1, prev_seal = NULL, timestamp_token = NULL")
        .bind(signature)
        .execute(&mut *app.store().conn().await.unwrap())
        .await
        .unwrap();
    let v = rinnova_app::audit::verify(app.store(), None).await.unwrap();
    assert!(v.ok(), "{v:?}");

    // The delegate's certificate gone: named.
    exec(
        app,
        &format!("UPDATE audit_seals SET signer_serial = '{serial}'"),
    )
    .await;
    exec(
        app,
        &format!("DELETE FROM delegate_certs WHERE serial_hex = '{serial}'"),
    )
    .await;
    let problem = first_problem(app).await;
    assert!(
        problem.contains(&format!("its certificate {serial} is missing")),
        "{problem}"
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
    // Issue 21: everything the desk did about the holder is found under their user-id — the
    // search that showed them and the form retrieved.
    let entries = app
        .audit_search(Some("JZLF010"), None, rinnova_app::i18n::Lang::En)
        .await
        .unwrap();
    let by_desk: Vec<&str> = entries
        .iter()
        .filter(|e| e.actor == "rao:rao.demo")
        .map(|e| e.action.as_str())
        .collect();
    assert!(by_desk.contains(&"desk_search"), "{by_desk:?}");
    assert!(by_desk.contains(&"evidence_retrieved"), "{by_desk:?}");
    // A search that found nobody is recorded with what was asked.
    assert!(
        app.desk_find(&rao, "ZZZZ999", &ctx())
            .await
            .unwrap()
            .is_empty()
    );
    let asked = repo::audit::by_actor(&mut app.store().conn().await.unwrap(), "rao:rao.demo")
        .await
        .unwrap();
    assert_eq!(
        asked.last().and_then(|r| r.detail.as_deref()),
        Some("no holder for ZZZZ999")
    );
}

/// The seal's certificate is renewed before its end; seals made under the earlier one still
/// verify, each against the certificate valid when it was made.
#[tokio::test]
async fn x2_seals_verify_across_the_seal_certificates_renewal() {
    let e = env().await;
    let app = &e.app;
    app.login("JZLF001", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    app.seal_audit().await.unwrap().unwrap();
    let (_, first, _) = one_seal(app).await;
    e.clock.advance(jiff::SignedDuration::from_hours(24 * 70));
    app.login("JZLF002", DEMO_PASSWORD, SessionKind::Web, &ctx())
        .await
        .unwrap();
    app.seal_audit().await.unwrap().unwrap();
    let (_, second, _) = one_seal(app).await;
    assert_ne!(first, second, "a new certificate within 30 days of the end");
    let v = rinnova_app::audit::verify(app.store(), None).await.unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!(v.seals, 2);
}

/// Issue 21: the seals form a chain of their own, so a seal removed from the database is named
/// by the next; and the seals exported outside the database catch what the database alone
/// cannot: every seal removed and the chain recomputed, or an exported seal removed.
#[tokio::test]
async fn x2_seals_chain_and_the_export_catches_a_rewrite_the_database_alone_cannot() {
    let e = env().await;
    let app = &e.app;
    let export = tempfile::tempdir().unwrap();
    let sealed = three_seals(app).await;
    assert_eq!(
        rinnova_app::audit::export_seals(app.store(), export.path())
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        rinnova_app::audit::export_seals(app.store(), export.path())
            .await
            .unwrap(),
        0,
        "each seal is exported once"
    );
    let v = rinnova_app::audit::verify(app.store(), Some(export.path()))
        .await
        .unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!((v.exported, v.exported_up_to), (Some(3), Some(sealed[2])));
    let seals = repo::audit::seals(&mut app.store().conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        seals[1].prev_seal.as_deref(),
        Some(&rinnova_app::audit::seal_digest(&seals[0])[..])
    );

    // Each seal is time-stamped by the CA's time-stamping unit, over its own message: a
    // time-stamp moved to another seal does not hold.
    assert!(seals.iter().all(|s| s.timestamp_token.is_some()));
    sqlx::query("UPDATE audit_seals SET timestamp_token = $1 WHERE seq = $2")
        .bind(seals[0].timestamp_token.clone())
        .bind(seals[1].seq)
        .execute(&mut *app.store().conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        first_problem(app).await,
        format!(
            "the seal of row {}: its time-stamp does not hold: the token is over another digest",
            sealed[1]
        )
    );
    sqlx::query("UPDATE audit_seals SET timestamp_token = $1 WHERE seq = $2")
        .bind(seals[1].timestamp_token.clone())
        .bind(seals[1].seq)
        .execute(&mut *app.store().conn().await.unwrap())
        .await
        .unwrap();
    assert!(
        rinnova_app::audit::verify(app.store(), None)
            .await
            .unwrap()
            .ok()
    );

    // A seal removed from the database: the next one names it.
    exec(
        app,
        &format!("DELETE FROM audit_seals WHERE seq = {}", sealed[1]),
    )
    .await;
    assert_eq!(
        first_problem(app).await,
        format!(
            "the seal of row {}: it does not name the seal before it (a seal was removed or changed)",
            sealed[2]
        )
    );
    repo::audit::insert_seal(&mut app.store().conn().await.unwrap(), &seals[1])
        .await
        .unwrap();
    assert!(
        rinnova_app::audit::verify(app.store(), None)
            .await
            .unwrap()
            .ok()
    );

    // Someone with the database edits a sealed row, deletes every seal and recomputes every
    // hash: the database alone still looks intact; the export does not.
    exec(
        app,
        "UPDATE audit SET actor = 'someone-else' WHERE action = 'login' AND actor = 'JZLF002'",
    )
    .await;
    exec(app, "DELETE FROM audit_seals").await;
    rehash_everything(app).await;
    assert!(
        rinnova_app::audit::verify(app.store(), None)
            .await
            .unwrap()
            .ok()
    );
    let v = rinnova_app::audit::verify(app.store(), Some(export.path()))
        .await
        .unwrap();
    assert_eq!(
        v.problem.as_deref(),
        Some(
            format!(
                "the seal of row {}, exported, is missing from the database",
                sealed[0]
            )
            .as_str()
        )
    );
    // The seals put back as they were: the rows they sealed were rewritten since.
    for s in &seals {
        repo::audit::insert_seal(&mut app.store().conn().await.unwrap(), s)
            .await
            .unwrap();
    }
    let v = rinnova_app::audit::verify(app.store(), Some(export.path()))
        .await
        .unwrap();
    assert!(
        v.problem
            .as_deref()
            .is_some_and(|p| p.contains("were rewritten after")),
        "{v:?}"
    );

    // An exported seal removed from the export: the next exported one names it.
    let e2 = env().await;
    let app = &e2.app;
    let sealed = three_seals(app).await;
    let export = tempfile::tempdir().unwrap();
    rinnova_app::audit::export_seals(app.store(), export.path())
        .await
        .unwrap();
    std::fs::remove_file(export.path().join(format!("seal-{:012}.json", sealed[1]))).unwrap();
    let v = rinnova_app::audit::verify(app.store(), Some(export.path()))
        .await
        .unwrap();
    assert_eq!(
        v.problem.as_deref(),
        Some(
            format!(
                "the exported seal of row {} names a seal that is not in the export: an exported seal is missing",
                sealed[2]
            )
            .as_str()
        ),
    );
}
