//! Organisation-paid renewals charged through payroll and exported as CSV (seed 000).

use crate::renewal::{ctx, env, holder_id, last_code};
use jiff::SignedDuration;
use rinnova_app::demo::DEMO_PIN;
use rinnova_app::payroll::payroll_csv;
use rinnova_domain::RenewalStep;
use rinnova_store::repo;

#[tokio::test]
async fn organisation_paid_renewal_is_charged_once_and_exported_as_csv() {
    let e = env().await;
    let app = &e.app;
    let h = holder_id(app, "JZLF008").await;
    let cert = app.home(&h).await.unwrap().certificates[0].id.clone();
    let r = app.start_renewal(&h, &cert, &ctx()).await.unwrap();
    assert!(r.payment.is_none(), "no step 5: the organisation pays");
    let r = app.confirm_data(&h, &r.id, &ctx()).await.unwrap();
    let hash = r.documents_hash.clone().unwrap();
    app.accept_documents(&h, &r.id, &hash, true, true, &ctx())
        .await
        .unwrap();
    let code = last_code(app, &h).await;
    app.sign(&h, &r.id, DEMO_PIN, &code, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    app.activation_code(&h, &r.id, &code, &ctx()).await.unwrap();
    let code = last_code(app, &h).await;
    let v = app
        .activate(&h, &r.id, DEMO_PIN, DEMO_PIN, &code, &ctx())
        .await
        .unwrap();
    assert_eq!(v.step, RenewalStep::Completed);

    let org = repo::holders::by_id(&mut app.store().conn().await.unwrap(), &h)
        .await
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    let day = SignedDuration::from_hours(24);
    let (from, until) = (app.now() - day, app.now() + day);
    let csv_text = payroll_csv(app.store(), &org, from, until, Some(app.now()))
        .await
        .unwrap();
    let mut rows = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    assert_eq!(&headers[3], "surname");
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1, "{csv_text}");
    assert_eq!((&records[0][0], &records[0][1]), (r.id.as_str(), "renewal"));
    assert_eq!(&records[0][3], "Russo");
    assert_eq!(&records[0][7], "remote_signature");
    assert_eq!((&records[0][8], &records[0][10]), ("40.00", "48.80"));
    // An unknown organisation is refused.
    assert!(
        payroll_csv(app.store(), "nobody", from, until, None)
            .await
            .is_err()
    );
}
