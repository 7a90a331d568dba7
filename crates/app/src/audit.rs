//! The audit trail's seals and verification (SPEC X2). The chain itself lives in the store
//! (`repo::audit`); here its head is signed with the issuing CA's key, and `verify` checks the
//! chain and every seal with only the CA's public certificate.

use crate::util::secs;
use crate::{App, AppError};
use rinnova_store::repo::audit::{ChainBreak, Seal};
use rinnova_store::{Store, StoreError, repo};
use serde::Serialize;

/// What is signed: a domain tag, the head's seq and hash.
fn seal_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = b"rinnova audit seal v1\0".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
}

/// The outcome of `rinnova audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditVerdict {
    pub rows: u64,
    pub seals: usize,
    /// The newest seal's seq (rows after it are chained but not yet sealed).
    pub sealed_up_to: i64,
    /// The first problem, in words; none when everything verifies.
    pub problem: Option<String>,
    /// The row it names.
    pub row: Option<i64>,
}

impl AuditVerdict {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

impl App {
    /// Signs the chain's current head unless it is sealed already; returns the seq sealed.
    pub async fn seal_audit(&self) -> Result<Option<i64>, AppError> {
        let now = secs(self.now());
        let mut tx = self.store().begin().await?;
        let (seq, hash) = repo::audit::head(&mut tx).await?;
        if seq == 0 {
            return Ok(None);
        }
        let signature = self.ca().sign(&seal_message(seq, &hash))?;
        let hash_for_log = hash.clone();
        let sealed = repo::audit::insert_seal(
            &mut tx,
            &Seal {
                seq,
                head_hash: hash,
                sealed_at: now,
                signature,
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        if sealed {
            // Also in the service log, kept outside the database.
            tracing::info!(seq, head = %hex::encode(&hash_for_log), "audit chain sealed");
        }
        Ok(sealed.then_some(seq))
    }
}

/// Recomputes the chain from its first row and checks every seal against the issuing CA's
/// certificate; names the first row that does not match. Needs no passphrase.
pub async fn verify(store: &Store) -> Result<AuditVerdict, AppError> {
    let material = crate::ca_service::material(store).await?;
    let mut c = store.conn().await?;
    let report = repo::audit::verify_chain(&mut c).await?;
    let seals = repo::audit::seals(&mut c).await?;
    let mut v = AuditVerdict {
        rows: report.rows,
        seals: seals.len(),
        sealed_up_to: seals.last().map_or(0, |s| s.seq),
        problem: None,
        row: None,
    };
    if let Some(b) = report.first_break {
        let (row, words) = match b {
            ChainBreak::Edited { seq } => (
                seq,
                format!("audit row {seq} was altered: its content no longer gives its hash"),
            ),
            ChainBreak::Unlinked { seq } => (
                seq,
                format!(
                    "audit row {seq} does not follow the row before it: a row was removed or inserted before it"
                ),
            ),
            ChainBreak::Truncated { head_seq, last_seq } => (
                last_seq + 1,
                format!(
                    "the chain ends at row {last_seq} but its head names row {head_seq}: rows were removed from the end"
                ),
            ),
        };
        v.problem = Some(words);
        v.row = Some(row);
        return Ok(v);
    }
    for s in &seals {
        if !rinnova_ca::authority::verify_signed_by(
            &material.issuing_cert_der,
            &seal_message(s.seq, &s.head_hash),
            &s.signature,
        ) {
            v.problem = Some(format!("the seal of row {} is not signed by the CA", s.seq));
            v.row = Some(s.seq);
            return Ok(v);
        }
        match repo::audit::hash_at(&mut c, s.seq).await? {
            Some(h) if h == s.head_hash => {}
            Some(_) => {
                v.problem = Some(format!(
                    "audit rows up to {} were rewritten after they were sealed",
                    s.seq
                ));
                v.row = Some(s.seq);
                return Ok(v);
            }
            None => {
                v.problem = Some(format!("sealed audit row {} is missing", s.seq));
                v.row = Some(s.seq);
                return Ok(v);
            }
        }
    }
    Ok(v)
}
