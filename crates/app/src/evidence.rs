//! Evidence that stays valid (SPEC X1, issue 21): the signed renewal form made PAdES B-LT and
//! B-LTA at signing time, while the holder's certificate is still good. The document security
//! store keeps the chain and the status answers a validator needs later, when the certificate
//! has been superseded and has expired; the document time-stamp proves that this data, and the
//! signature, existed before the supersession. Before the certificate of the unit that made the
//! last document time-stamp ends, the form gets fresh validation data for it and a new
//! document time-stamp (`restamp_forms`), and so on for as long as the form is kept.

use crate::App;
use crate::error::AppError;
use crate::util::secs;
use rinnova_ca::Purpose;
use rinnova_domain::RenewalId;
use rinnova_store::{StoreError, repo};

/// How long before the last time-stamping unit's certificate ends a form is time-stamped
/// again (the unit's own certificate is renewed 60 days before its end: a new one is ready).
pub const RESTAMP_DAYS: i64 = 45;
/// Forms extended per run of the sweep.
const RESTAMP_BATCH: i64 = 200;

/// How long an answer about one of the CA's units, and the root's CRL, are reused for the forms
/// signed meanwhile (the answer is valid an hour; a unit's status changes only by a ceremony,
/// the root's CRL only by `ca root-crl`, which a form signed minutes later need not carry).
const SHARED_SECONDS: i64 = 300;

/// A DER object and when it was produced or read (Unix seconds).
type Produced = (i64, Vec<u8>);

/// Validation data every signed form shares: the responder's answer about each of the CA's
/// time-stamping units (a pre-produced answer, RFC 6960 §2.4), and the root's newest CRL.
#[derive(Default)]
pub(crate) struct Shared {
    unit_answers: std::sync::Mutex<std::collections::HashMap<Vec<u8>, Produced>>,
    root_crl: std::sync::Mutex<Option<(i64, Option<Vec<u8>>)>>,
}

fn pdf_error(e: rinnova_docs::pades::PadesError) -> AppError {
    AppError::Internal(e.into())
}

impl App {
    /// `pdf` (signed with `signer_der`, its signature time-stamped by `stamp`, a token) made
    /// B-LTA: a document security store with the signer's chain up to the root, the OCSP
    /// answer about the signer's certificate and about this CA's time-stamping unit, the
    /// root's CRL (for the issuing CA), the responder's and the unit's certificates; then a
    /// document time-stamp. Also when the last time-stamp's unit certificate ends.
    pub(crate) async fn long_term(
        &self,
        pdf: Vec<u8>,
        signer_der: &[u8],
        stamp: &[u8],
    ) -> Result<(Vec<u8>, Option<i64>), AppError> {
        let mut certs = vec![signer_der.to_vec()];
        let mut ocsps = vec![self.ocsp_of(signer_der).await?];
        let units = rinnova_ca::tsa::token_certificates(stamp)?;
        self.validation_data(units, &mut certs, &mut ocsps).await?;
        self.extend(&pdf, &certs, &ocsps).await
    }

    /// Adds to `certs` and `ocsps` what validates time-stamps by `units` and by the unit that
    /// stamps now: their certificates, this CA's answers about those that are its own, the
    /// issuing CA's and the root's certificates, the responder's.
    async fn validation_data(
        &self,
        mut units: Vec<Vec<u8>>,
        certs: &mut Vec<Vec<u8>>,
        ocsps: &mut Vec<Vec<u8>>,
    ) -> Result<(), AppError> {
        let material = self.ca().material();
        certs.push(material.issuing_cert_der.clone());
        certs.push(material.root_cert_der.clone());
        if self.config().outside_tsa.is_none() {
            let current = self.delegate(Purpose::TimeStamping).await?;
            if !units.contains(&current.cert_der) {
                units.push(current.cert_der.clone());
            }
        }
        for unit in units {
            // An outside TSA's status is that TSA's to publish: its certificates go in, its
            // answers are the validator's to fetch.
            if self.ca().ocsp_question_for(&unit).is_ok() {
                ocsps.push(self.unit_answer(&unit).await?);
            }
            certs.push(unit);
        }
        certs.push(
            self.delegate(Purpose::OcspResponder)
                .await?
                .cert_der
                .clone(),
        );
        Ok(())
    }

    /// The responder's answer about unit certificate `unit`, produced within the last
    /// `SHARED_SECONDS`.
    async fn unit_answer(&self, unit: &[u8]) -> Result<Vec<u8>, AppError> {
        let now = secs(self.now());
        let shared = &self.inner.evidence.unit_answers;
        if let Ok(kept) = shared.lock()
            && let Some((at, der)) = kept.get(unit)
            && (now - SHARED_SECONDS..=now).contains(at)
        {
            return Ok(der.clone());
        }
        let der = self.ocsp_of(unit).await?;
        if let Ok(mut kept) = shared.lock() {
            kept.retain(|_, (at, _)| now - *at <= SHARED_SECONDS);
            kept.insert(unit.to_vec(), (now, der.clone()));
        }
        Ok(der)
    }

    /// The root's newest CRL, as read within the last `SHARED_SECONDS`.
    async fn root_crl(&self) -> Result<Option<Vec<u8>>, AppError> {
        let now = secs(self.now());
        let shared = &self.inner.evidence.root_crl;
        if let Ok(kept) = shared.lock()
            && let Some((at, der)) = kept.as_ref()
            && (now - SHARED_SECONDS..=now).contains(at)
        {
            return Ok(der.clone());
        }
        let der = crate::root::latest_root_crl(self.store()).await?;
        if let Ok(mut kept) = shared.lock() {
            *kept = Some((now, der.clone()));
        }
        Ok(der)
    }

    /// `pdf` with a document security store (`certs`, `ocsps`, the root's newest CRL) and a
    /// document time-stamp over all of it; and when that time-stamp's unit certificate ends.
    async fn extend(
        &self,
        pdf: &[u8],
        certs: &[Vec<u8>],
        ocsps: &[Vec<u8>],
    ) -> Result<(Vec<u8>, Option<i64>), AppError> {
        let crls: Vec<Vec<u8>> = self.root_crl().await?.into_iter().collect();
        let pdf = rinnova_docs::pades::append_dss(pdf, certs, ocsps, &crls).map_err(pdf_error)?;
        let prepared = rinnova_docs::pades::prepare_doc_timestamp(&pdf).map_err(pdf_error)?;
        let token = rinnova_ca::tsa::token_of(&self.time_stamp_sha256(&prepared.digest()).await?)?;
        let until = rinnova_ca::tsa::token_valid_until(&token)?;
        Ok((prepared.finish(&token).map_err(pdf_error)?, until))
    }

    /// The archive sweep: every signed form whose last document time-stamp's unit certificate
    /// ends within `RESTAMP_DAYS` gets a new store (the status of that unit now, and of the
    /// unit stamping now) and a new document time-stamp, each recorded in the audit trail.
    /// Forms without a document time-stamp (signed before PAdES B-LTA) are kept as they are.
    /// Several instances may sweep at once: a form extended meanwhile is left to the other.
    /// Returns how many forms it extended.
    pub async fn restamp_forms(&self) -> Result<usize, AppError> {
        let now = secs(self.now());
        let due = repo::renewals::forms_to_restamp(
            &mut *self.store().conn().await?,
            now + RESTAMP_DAYS * 86_400,
            RESTAMP_BATCH,
        )
        .await?;
        let mut done = 0;
        for (renewal_id, was) in due {
            let id = RenewalId::new(renewal_id.clone());
            let Some(pdf) =
                repo::renewals::signed_form(&mut *self.store().conn().await?, &id).await?
            else {
                continue;
            };
            let last = rinnova_docs::pades::last_doc_timestamp(&pdf)
                .map_err(pdf_error)?
                .ok_or_else(|| AppError::Internal("a B-LTA form without time-stamp".into()))?;
            let units = rinnova_ca::tsa::token_certificates(&last)?;
            let (mut certs, mut ocsps) = (Vec::new(), Vec::new());
            self.validation_data(units, &mut certs, &mut ocsps).await?;
            let (extended, until) = self.extend(&pdf, &certs, &ocsps).await?;
            // The form is due again when the new unit's certificate is within the window. A
            // token whose certificates cannot be read, or a unit whose certificate ends within
            // the window itself (an outside TSA late with its renewal), gains nothing now: the
            // form is looked at again in a day, not at every sweep.
            let tomorrow = now + 86_400 + RESTAMP_DAYS * 86_400;
            let until = match until {
                Some(u) if u >= tomorrow => u,
                _ => {
                    tracing::warn!(renewal = %renewal_id, ?until, "the new document time-stamp's unit certificate ends within the window");
                    tomorrow
                }
            };
            let mut tx = self.store().begin().await?;
            if repo::renewals::restamp_signed_form(&mut tx, &renewal_id, was, &extended, until)
                .await?
            {
                crate::auth::audit(
                    &mut tx,
                    now,
                    "tsa",
                    crate::audit::AuditAction::EvidenceRestamped,
                    Some(&renewal_id),
                    &crate::Ctx::default(),
                    Some(format!("time-stamped until {until}")),
                )
                .await?;
                done += 1;
            }
            tx.commit().await.map_err(StoreError::from)?;
        }
        if done > 0 {
            tracing::info!(forms = done, "signed forms time-stamped again");
        }
        Ok(done)
    }
}
