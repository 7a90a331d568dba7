//! The RAO desk (seeds 000, 002, 004): a new certificate where renewal is impossible, after an
//! identity check in person.

use crate::renewal::{ctx, env};
use rinnova_app::demo::DEMO_RAO;
use rinnova_app::desk::{DocumentType, NewCertificateAtDesk};
use rinnova_app::i18n::Lang;
use rinnova_store::repo;

fn request(pin: &str, new_role: Option<&str>) -> NewCertificateAtDesk {
    NewCertificateAtDesk {
        document_type: DocumentType::IdentityCard,
        document_number: "ca 12345 ab".into(),
        new_role: new_role.map(str::to_owned),
        pin: pin.into(),
        pin_confirm: pin.into(),
    }
}

#[tokio::test]
async fn desk_issues_a_new_certificate_only_where_renewal_cannot() {
    let e = env().await;
    let app = &e.app;
    assert_eq!(
        app.rao_login(DEMO_RAO.0, "wrong", Lang::It, &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-AUTH-010"
    );
    let token = app
        .rao_login(DEMO_RAO.0, DEMO_RAO.1, Lang::It, &ctx())
        .await
        .unwrap();
    let rao = app.rao_session(&token).await.unwrap();
    assert!(app.desk_find(&rao, "not a query", &ctx()).await.is_err());

    // Anna Neri's certificate expired: a new one after the identity check.
    let found = app.desk_find(&rao, "jzlf004", &ctx()).await.unwrap();
    assert_eq!(found.len(), 1);
    let anna = &found[0];
    assert_eq!(
        anna.certificates[0].not_renewable.as_ref().unwrap().code,
        "RNV-WIN-003"
    );
    let by_cf = app
        .desk_find(&rao, &anna.holder.codice_fiscale, &ctx())
        .await
        .unwrap();
    assert_eq!(by_cf[0].id, anna.id);
    let old = anna.certificates[0].id.clone();
    let mut mismatched = request("24681357", None);
    mismatched.pin_confirm = "24681358".into();
    assert_eq!(
        app.desk_new_certificate(&rao, &anna.id, &old, &mismatched, &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-PIN-002"
    );
    let new = app
        .desk_new_certificate(&rao, &anna.id, &old, &request("24681357", None), &ctx())
        .await
        .unwrap();
    assert_eq!(new.status, "active");
    assert!(
        new.not_after.starts_with("2029-11-23"),
        "3 years: {}",
        new.not_after
    );
    let audit = repo::audit::about(&mut app.store().conn().await.unwrap(), anna.id.as_str())
        .await
        .unwrap();
    let issued = audit
        .iter()
        .find(|a| a.action == "desk_new_certificate")
        .unwrap();
    assert_eq!(issued.actor, "rao:rao.demo");
    assert!(
        issued
            .detail
            .as_deref()
            .unwrap()
            .contains("carta_identita CA12345AB")
    );
    // Issue 18 item 12: the holder's history and the administrator's search show it.
    assert!(
        app.history(&anna.id)
            .await
            .unwrap()
            .iter()
            .any(|h| h.action == "desk_new_certificate")
    );
    assert!(
        app.audit_search(Some("JZLF004"), None, Lang::It)
            .await
            .unwrap()
            .iter()
            .any(|h| h.action == "desk_new_certificate")
    );
    // The holder's home shows the new certificate.
    let home = app.home(&anna.id).await.unwrap();
    assert!(home.certificates.iter().any(|c| c.id == new.id));

    // Mario Rossi can renew: no new certificate, unless his role data changed.
    let mario = &app.desk_find(&rao, "JZLF001", &ctx()).await.unwrap()[0];
    let cert = mario.certificates[0].id.clone();
    assert_eq!(
        app.desk_new_certificate(&rao, &mario.id, &cert, &request("13572468", None), &ctx())
            .await
            .unwrap_err()
            .code(),
        "RNV-DESK-001"
    );
    app.desk_new_certificate(
        &rao,
        &mario.id,
        &cert,
        &request("13572468", Some("Dirigente")),
        &ctx(),
    )
    .await
    .unwrap();
    let mario = &app.desk_find(&rao, "JZLF001", &ctx()).await.unwrap()[0];
    assert_eq!(mario.holder.role.as_deref(), Some("Dirigente"));
    assert!(
        mario
            .certificates
            .iter()
            .any(|c| c.id == cert && c.status == "superseded")
    );
    // Luca Verdi's organisation pays through payroll: the new certificate is charged to it.
    let luca = &app.desk_find(&rao, "JZLF003", &ctx()).await.unwrap()[0];
    assert_eq!(
        luca.certificates[0].not_renewable.as_ref().unwrap().code,
        "RNV-WIN-002"
    );
    app.desk_new_certificate(
        &rao,
        &luca.id,
        &luca.certificates[0].id,
        &request("11223344", None),
        &ctx(),
    )
    .await
    .unwrap();
    let org = repo::holders::by_id(&mut app.store().conn().await.unwrap(), &luca.id)
        .await
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    let day = jiff::SignedDuration::from_hours(24);
    let csv = rinnova_app::payroll::payroll_csv(
        app.store(),
        &org,
        app.now() - day,
        app.now() + day,
        None,
    )
    .await
    .unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(",desk,") && l.contains("Verdi")),
        "{csv}"
    );
    app.rao_logout(&token).await.unwrap();
    assert!(app.rao_session(&token).await.is_err());
}
