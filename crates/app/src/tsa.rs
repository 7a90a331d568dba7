//! The time-stamping unit (RFC 3161, issue 21): `/tsa` answers time-stamp queries with tokens
//! signed by the TSA delegate; every token issued is recorded in the audit trail.

use crate::util::{blocking, secs};
use crate::{App, AppError, Ctx};
use rinnova_ca::{Purpose, tsa};
use rinnova_store::StoreError;

impl App {
    /// The answer to a time-stamp query (`application/timestamp-query`, DER): a token, or a
    /// refusal saying why. Only a failure of the service itself is an error.
    pub async fn time_stamp(&self, query_der: &[u8], ctx: &Ctx) -> Result<Vec<u8>, AppError> {
        let policy = der_oid(&self.config().tsa_policy_oid)?;
        let req = match tsa::parse_request(query_der, &policy) {
            Ok(req) => req,
            Err(refused) => return Ok(tsa::refusal(refused)?),
        };
        self.issue_token(req, policy, Some(ctx)).await
    }

    /// A time-stamp (TimeStampResp, DER, with the unit's certificate) over a SHA-256 digest,
    /// from this CA's own time-stamping unit: the audit seals' trusted time. Kept by the
    /// caller (with the seal), so not recorded as a row of the trail — which would give every
    /// seal a new row to seal.
    /// With an outside TSA configured (`[tsa] url`), it comes from there instead, checked
    /// against the configured trust anchors before it is kept.
    pub async fn time_stamp_sha256(&self, digest: &[u8; 32]) -> Result<Vec<u8>, AppError> {
        if let Some(outside) = &self.config().outside_tsa {
            return outside.time_stamp_sha256(digest).await;
        }
        let policy = der_oid(&self.config().tsa_policy_oid)?;
        let req = tsa::request_for_sha256(digest)?;
        self.issue_token(req, policy, None).await
    }

    /// Issues a token; `record`: the request's context, to record it in the audit trail.
    async fn issue_token(
        &self,
        req: tsa::TimeStampReq,
        policy: der::oid::ObjectIdentifier,
        record: Option<&Ctx>,
    ) -> Result<Vec<u8>, AppError> {
        let unit = self.delegate(Purpose::TimeStamping).await?;
        let serial = tsa::serial_from(rinnova_ca::random_bytes()?);
        let now = self.now();
        let algorithm = self.ca().material().config.algorithm;
        let imprint = format!(
            "{} {}",
            req.message_imprint.hash_algorithm.oid,
            hex::encode(req.message_imprint.hashed_message.as_bytes())
        );
        let answer =
            blocking(move || tsa::grant(&unit, algorithm, &policy, &req, &serial, now)).await??;
        // Recorded before it is handed out: a token nobody can find in the trail was never
        // given.
        if let Some(ctx) = record {
            let mut tx = self.store().begin().await?;
            crate::auth::audit(
                &mut tx,
                secs(now),
                "tsa",
                crate::audit::AuditAction::TimeStampIssued,
                Some(&hex::encode(serial)),
                ctx,
                Some(imprint),
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
        }
        Ok(answer)
    }
}

pub(crate) fn der_oid(s: &str) -> Result<der::oid::ObjectIdentifier, AppError> {
    der::oid::ObjectIdentifier::new(s.trim())
        .map_err(|e| AppError::Internal(format!("app.tsa_policy_oid {s:?}: {e}").into()))
}

/// An outside time-stamping authority (RFC 3161 over HTTP): `[tsa]` in the configuration.
#[derive(Clone, Default)]
pub struct OutsideTsa {
    /// Where queries are posted.
    pub url: String,
    /// HTTP basic authentication, if the TSA asks for it.
    pub username: Option<String>,
    pub password: Option<rinnova_domain::secret::Secret>,
    /// The certificates (DER) its units' certificates must come from.
    pub anchors: Vec<Vec<u8>>,
    /// One client for every query (its connections kept), with a 20-second timeout.
    pub client: reqwest::Client,
}

impl OutsideTsa {
    /// The TSA at `url`, trusted through `anchors`.
    pub fn new(
        url: String,
        username: Option<String>,
        password: Option<rinnova_domain::secret::Secret>,
        anchors: Vec<Vec<u8>>,
    ) -> Result<OutsideTsa, AppError> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| AppError::Internal(e.into()))?;
        Ok(OutsideTsa {
            url,
            username,
            password,
            anchors,
            client,
        })
    }
}

impl std::fmt::Debug for OutsideTsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutsideTsa")
            .field("url", &self.url)
            .field("anchors", &self.anchors.len())
            .finish_non_exhaustive()
    }
}

impl OutsideTsa {
    /// A token over `digest` from the outside TSA, checked: granted, over this digest, by a
    /// time-stamping unit whose certificate one of the anchors signed.
    pub async fn time_stamp_sha256(&self, digest: &[u8; 32]) -> Result<Vec<u8>, AppError> {
        use der::Encode;
        let query = tsa::request_for_sha256(digest)?
            .to_der()
            .map_err(|e| AppError::Internal(e.into()))?;
        let failed =
            |why: String| AppError::Internal(format!("the TSA at {}: {why}", self.url).into());
        let mut post = self
            .client
            .post(&self.url)
            .header("content-type", "application/timestamp-query")
            .body(query);
        if let Some(user) = &self.username {
            post = post.basic_auth(user, self.password.as_ref().map(|p| p.expose().to_owned()));
        }
        let resp = post.send().await.map_err(|e| failed(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(failed(format!("HTTP {}", resp.status())));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| failed(e.to_string()))?
            .to_vec();
        tsa::check_response_trusting(&body, digest, tsa::TsaTrust::Anchors(&self.anchors))
            .map_err(failed)?;
        Ok(body)
    }
}
