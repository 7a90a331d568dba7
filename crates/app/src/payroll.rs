//! Organisation-paid certificates charged through payroll (SPEC §5 step 5, seed 000): each
//! completed renewal, and each new certificate issued at an RAO desk, is a charge to the
//! holder's organisation, exported as CSV for the payroll office.

use crate::home::rome_date;
use crate::renewal::commit;
use crate::util::{secs, ts};
use crate::{App, AppError};
use jiff::Timestamp;
use rinnova_domain::{CertificateKind, Money};
use rinnova_store::{Conn, HolderRecord, PayrollChargeRecord, RenewalRecord, Store, repo};

impl App {
    /// Records the charge of a completed organisation-paid renewal, in its transaction.
    pub(crate) async fn charge_payroll(
        &self,
        c: &mut Conn,
        rec: &RenewalRecord,
        h: &HolderRecord,
        kind: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        if rec.payment_mode != "organisation" {
            return Ok(());
        }
        self.charge_organisation(c, rec.id.as_str(), "renewal", h, kind, now)
            .await
    }

    /// Charges the holder's organisation for a certificate of `kind`, if it pays through
    /// payroll (a renewal, or a new certificate at the desk).
    pub(crate) async fn charge_organisation(
        &self,
        c: &mut Conn,
        reference: &str,
        origin: &str,
        h: &HolderRecord,
        kind: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let Some(org) = &h.organisation_id else {
            return Ok(());
        };
        let pays = repo::holders::organisation(c, org)
            .await?
            .is_some_and(|o| o.payment_mode == "organisation");
        if !pays
            || h.payment_mode
                .as_deref()
                .is_some_and(|m| m != "organisation")
        {
            return Ok(());
        }
        let kind_ = CertificateKind::parse(kind)
            .ok_or_else(|| AppError::Internal("certificate kind".into()))?;
        let price = self.config().prices.price(kind_);
        repo::payroll::charge(
            c,
            &PayrollChargeRecord {
                reference: reference.into(),
                origin: origin.into(),
                organisation_id: org.clone(),
                holder_id: h.id.clone(),
                kind: kind.into(),
                net_cents: price.net.cents(),
                vat_cents: price.vat.cents(),
                gross_cents: price.gross.cents(),
                charged_at: secs(now),
                exported_at: None,
            },
        )
        .await?;
        Ok(())
    }
}

fn euro(cents: i64) -> String {
    Money::from_cents(cents)
        .map(|m| format!("{}.{:02}", m.cents() / 100, m.cents() % 100))
        .unwrap_or_default()
}

/// The organisation's charges in `[from, until)` as CSV (comma-separated, UTF-8, a header
/// line, amounts in euro with a dot), optionally marking them exported.
pub async fn payroll_csv(
    store: &Store,
    organisation_id: &str,
    from: Timestamp,
    until: Timestamp,
    mark_exported: Option<Timestamp>,
) -> Result<String, AppError> {
    let mut tx = store.begin().await?;
    repo::holders::organisation(&mut tx, organisation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = repo::payroll::lines(&mut tx, organisation_id, secs(from), secs(until)).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    w.write_record([
        "reference",
        "origin",
        "date",
        "surname",
        "given_name",
        "codice_fiscale",
        "iut",
        "kind",
        "net_eur",
        "vat_eur",
        "gross_eur",
    ])
    .map_err(csv_err)?;
    for l in &lines {
        w.write_record([
            l.reference.as_str(),
            &l.origin,
            &rome_date(ts(l.charged_at)),
            &l.surname,
            &l.given_name,
            &l.codice_fiscale,
            &l.iut,
            &l.kind,
            &euro(l.net_cents),
            &euro(l.vat_cents),
            &euro(l.gross_cents),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| AppError::Internal(e.into()))?;
    if let Some(now) = mark_exported {
        repo::payroll::mark_exported(&mut tx, organisation_id, secs(from), secs(until), secs(now))
            .await?;
    }
    commit(tx).await?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

/// Every organisation (id, payment mode, whether its manager approves, name), for
/// administrators.
pub async fn organisations(
    store: &Store,
) -> Result<Vec<rinnova_store::OrganisationRecord>, AppError> {
    Ok(repo::holders::organisations(&mut *store.conn().await?).await?)
}
