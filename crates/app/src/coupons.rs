//! Coupon batches (seed 002): an organisation or a distributor hands out codes that pay the
//! renewal of its holders' or its customers' certificates of one kind.

use crate::auth::audit;
use crate::renewal::commit;
use crate::util::{new_id, secs};
use crate::{AppError, Ctx};
use jiff::Timestamp;
use rinnova_domain::CertificateKind;
use rinnova_domain::coupon::{CouponCode, CouponIssuer};
use rinnova_store::{CouponBatchRecord, Store, repo};
use std::collections::BTreeSet;

/// The most codes in one batch.
pub const MAX_BATCH: usize = 10_000;

/// What a new batch is for.
#[derive(Debug, Clone)]
pub struct NewCouponBatch {
    pub issuer: CouponIssuer,
    pub kind: CertificateKind,
    pub expires_at: Timestamp,
    pub count: usize,
    pub note: Option<String>,
}

/// Why a batch cannot be created (operator input, in English: the CLI is for CA staff).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("a batch holds 1 to {MAX_BATCH} coupons")]
    Count,
    #[error("the expiry must be in the future")]
    Expiry,
    #[error("no organisation or distributor with id {0:?}")]
    UnknownIssuer(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<rinnova_store::StoreError> for BatchError {
    fn from(e: rinnova_store::StoreError) -> Self {
        Self::App(e.into())
    }
}

/// `count` distinct new codes.
fn fresh_codes(count: usize) -> Result<Vec<CouponCode>, AppError> {
    let mut seen = BTreeSet::new();
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count {
        let code = CouponCode::from_random(rinnova_ca::random_bytes()?);
        if seen.insert(code.as_str().to_owned()) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Creates a batch of coupons and returns its id and codes (shown once, to hand out). CA staff
/// do this from the command line, which needs the database but not the CA's keys.
pub async fn create_coupons(
    store: &Store,
    now: Timestamp,
    spec: &NewCouponBatch,
    created_by: &str,
    ctx: &Ctx,
) -> Result<(String, Vec<CouponCode>), BatchError> {
    {
        if spec.count == 0 || spec.count > MAX_BATCH {
            return Err(BatchError::Count);
        }
        if spec.expires_at <= now {
            return Err(BatchError::Expiry);
        }
        let (issuer_kind, issuer_id) = match &spec.issuer {
            CouponIssuer::Organisation(id) => ("organisation", id),
            CouponIssuer::Distributor(id) => ("distributor", id),
        };
        // Codes are 60 random bits: a clash with an existing code is next to impossible, and
        // would only make this transaction fail and be retried with new codes.
        for attempt in 0..3 {
            let mut tx = store.begin().await?;
            let exists = match &spec.issuer {
                CouponIssuer::Organisation(id) => {
                    repo::holders::organisation(&mut tx, id).await?.is_some()
                }
                CouponIssuer::Distributor(id) => {
                    repo::holders::distributor(&mut tx, id).await?.is_some()
                }
            };
            if !exists {
                return Err(BatchError::UnknownIssuer(issuer_id.clone()));
            }
            let codes = fresh_codes(spec.count)?;
            let batch = CouponBatchRecord {
                id: new_id(),
                issuer_kind: issuer_kind.into(),
                issuer_id: issuer_id.clone(),
                kind: spec.kind.as_str().into(),
                expires_at: secs(spec.expires_at),
                size: i64::try_from(spec.count).map_err(|_| BatchError::Count)?,
                note: spec.note.clone(),
                created_by: created_by.into(),
                created_at: secs(now),
            };
            let stored: Vec<String> = codes.iter().map(|c| c.as_str().to_owned()).collect();
            match repo::coupons::insert_batch(&mut tx, &batch, &stored).await {
                Ok(()) => {}
                Err(e) if e.is_unique_violation() && attempt < 2 => continue,
                Err(e) => return Err(e.into()),
            }
            audit(
                &mut tx,
                secs(now),
                created_by,
                crate::audit::AuditAction::CouponsCreated,
                Some(&batch.id),
                ctx,
                Some(format!(
                    "{} {} for {issuer_kind} {issuer_id}, {}, until {}",
                    spec.count,
                    if spec.count == 1 { "coupon" } else { "coupons" },
                    spec.kind.as_str(),
                    spec.expires_at
                )),
            )
            .await?;
            commit(tx).await?;
            return Ok((batch.id, codes));
        }
        Err(AppError::Conflict.into())
    }
}
