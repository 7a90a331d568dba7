//! Revocation status (SPEC X1): revoking, the CRL at the URL in the certificates' CDP, and
//! OCSP answers at the URL in their AIA.

use crate::auth::audit;
use crate::util::{blocking, secs, ts};
use crate::{App, AppError, Ctx};
use rinnova_ca::revocation::{Reason, Revoked, Status, ocsp_malformed};
use rinnova_store::repo::revocation::{CrlRow, RevokedRow};
use rinnova_store::{StoreError, repo};

/// A CRL is issued again after this long even without a change, and promises the next one
/// within `CRL_VALIDITY`.
const CRL_REFRESH_SECONDS: i64 = 3600;
const CRL_VALIDITY_SECONDS: i64 = 24 * 3600;

fn status_of(r: &RevokedRow) -> Option<(i64, Reason)> {
    let at = r.status_changed_at.unwrap_or(0);
    let reason = match r.status.as_str() {
        "superseded" => Reason::Superseded,
        "suspended" => Reason::CertificateHold,
        "revoked" => r
            .revocation_reason
            .as_deref()
            .and_then(Reason::parse)
            .unwrap_or(Reason::Unspecified),
        _ => return None,
    };
    Some((at, reason))
}

/// Whether the stored CRL can still be served at `now`: nothing changed since and it is less
/// than `CRL_REFRESH_SECONDS` old.
fn crl_is_current(c: &CrlRow, now: i64) -> bool {
    c.stale == 0 && now < c.this_update + CRL_REFRESH_SECONDS
}

impl App {
    /// Revokes a certificate by serial for `reason` (`rinnova ca revoke`): the CRL is issued
    /// again at the next request or sweep, OCSP answers "revoked" at once.
    pub async fn revoke(
        &self,
        serial_hex: &str,
        reason: Reason,
        actor: &str,
        ctx: &Ctx,
    ) -> Result<(), AppError> {
        let now = secs(self.now());
        let serial = rinnova_ca::revocation::normalise_serial(serial_hex);
        let mut tx = self.store().begin().await?;
        if !repo::revocation::revoke(&mut tx, &serial, reason.as_str(), now).await? {
            return Err(AppError::NotFound);
        }
        audit(
            &mut tx,
            now,
            actor,
            crate::audit::AuditAction::CertificateRevoked,
            Some(&serial),
            ctx,
            Some(reason.as_str().into()),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        tracing::info!(serial, reason = reason.as_str(), "certificate revoked");
        Ok(())
    }

    /// The current CRL (DER), issued again when a status changed, or when the stored one is
    /// an hour old.
    pub async fn crl(&self) -> Result<Vec<u8>, AppError> {
        let now = secs(self.now());
        let mut conn = self.store().conn().await?;
        if let Some(c) = repo::revocation::crl(&mut conn).await?
            && crl_is_current(&c, now)
        {
            return Ok(c.der);
        }
        drop(conn);
        self.issue_crl().await
    }

    /// Issues a new CRL now (numbered one above the last) and stores it — unless another
    /// request or instance did so while this one waited for the write lock: then that one is
    /// served, so instances refreshing at once issue one CRL, not one each.
    async fn issue_crl(&self) -> Result<Vec<u8>, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let last = repo::revocation::crl(&mut tx).await?;
        if let Some(c) = last.as_ref()
            && crl_is_current(c, secs(now))
        {
            return Ok(c.der.clone());
        }
        let number = last.map_or(1, |c| c.number + 1);
        let revoked: Vec<Revoked> = repo::revocation::revoked(&mut tx, secs(now))
            .await?
            .iter()
            .filter_map(|r| {
                status_of(r).map(|(at, reason)| Revoked {
                    serial_hex: r.serial_hex.clone(),
                    at: ts(at),
                    reason,
                })
            })
            .collect();
        let next = ts(secs(now) + CRL_VALIDITY_SECONDS);
        let der = self
            .ca()
            .crl(u64::try_from(number).unwrap_or(1), now, next, &revoked)?;
        repo::revocation::put_crl(
            &mut tx,
            &CrlRow {
                number,
                this_update: secs(now),
                next_update: secs(next),
                der: der.clone(),
                stale: 0,
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(der)
    }

    /// Answers an OCSP request (DER): good, revoked (time and reason) or unknown for each
    /// certificate asked about; `malformedRequest` for what cannot be parsed.
    pub async fn ocsp(&self, request_der: &[u8]) -> Result<Vec<u8>, AppError> {
        let Ok(q) = self.ca().ocsp_questions(request_der) else {
            return Ok(ocsp_malformed());
        };
        self.ocsp_answer(q).await
    }

    /// The responder's answer about one of this CA's certificates (`cert_der`), as a relying
    /// party would get it now: what a signed document keeps as evidence of the status at
    /// signing time (PAdES B-LT).
    pub async fn ocsp_of(&self, cert_der: &[u8]) -> Result<Vec<u8>, AppError> {
        let q = self.ca().ocsp_question_for(cert_der)?;
        self.ocsp_answer(q).await
    }

    async fn ocsp_answer(
        &self,
        q: rinnova_ca::revocation::OcspQuestions,
    ) -> Result<Vec<u8>, AppError> {
        let mut conn = self.store().conn().await?;
        let mut answers = Vec::with_capacity(q.questions.len());
        for question in &q.questions {
            let row = repo::revocation::status_of(&mut conn, &question.serial_hex).await?;
            answers.push(match row {
                // The CA's own units (time-stamping, audit seal, responder) are never
                // revoked by rinnova: good while their certificate is kept.
                None if repo::ca::delegate_cert_by_serial(&mut conn, &question.serial_hex)
                    .await?
                    .is_some() =>
                {
                    Status::Good
                }
                None => Status::Unknown,
                Some(r) => match status_of(&r) {
                    Some((at, reason)) => Status::Revoked { at: ts(at), reason },
                    None => Status::Good,
                },
            });
        }
        drop(conn);
        let responder = self.delegate(rinnova_ca::Purpose::OcspResponder).await?;
        let app = self.clone();
        let now = self.now();
        Ok(blocking(move || app.ca().ocsp_answer(&responder, &q, &answers, now)).await??)
    }
}
