//! The smart-card client's endpoints (SPEC C1–C5): no login, the card's old key proves who asks.

use super::error::{ApiErrorBody, ApiJson, ApiPath, ApiResult, CallerLang, json};
use crate::{RequestCtx, WebState};
use axum::extract::State;
use base64::Engine;
use rinnova_app::AppError;
use rinnova_app::card::{CardCertificateStatus, CardRenewalView};
use rinnova_domain::RenewalId;
use serde::Deserialize;
use utoipa::ToSchema;

fn base64(v: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .ok()
}

#[derive(Deserialize, ToSchema)]
pub struct CardStatusRequest {
    /// The certificates read from the card, base64 DER (up to 16 are looked at).
    #[schema(value_type = Vec<String>, format = Byte)]
    pub certificates: Vec<String>,
}

/// What the card client asks about the certificates on a card (SPEC C1): renewable, or why not.
/// Certificates are public: no login (the renewal itself is proven by the card's old key).
#[utoipa::path(post, path = "/card/status", request_body = CardStatusRequest,
    responses((status = 200, body = Vec<CardCertificateStatus>), (status = 422, body = ApiErrorBody)))]
pub async fn card_status(
    State(s): State<WebState>,
    CallerLang(lang): CallerLang,
    ApiJson(req): ApiJson<CardStatusRequest>,
) -> ApiResult<Vec<CardCertificateStatus>> {
    let ders: Option<Vec<Vec<u8>>> = req
        .certificates
        .iter()
        .take(16)
        .map(|c| base64(c))
        .collect();
    let ders = ders.ok_or(AppError::Invalid(rinnova_domain::DomainError::MissingField))?;
    json(s.app.card_status(&ders, lang).await)
}

#[derive(Deserialize, ToSchema)]
pub struct CardRenewalApiRequest {
    /// The certificate to renew, as read from the card: base64 DER.
    #[schema(format = Byte, min_length = 1)]
    pub certificate: String,
    /// The PKCS#10 request signed by the new key made on the card: base64 DER.
    #[schema(format = Byte, min_length = 1)]
    pub request: String,
    /// The old key's signature over the context "rinnova card renewal request v1\n" followed by
    /// the request: base64 DER (ECDSA).
    #[schema(format = Byte, min_length = 1)]
    pub proof: String,
    /// The prepaid account, for a paid renewal (`paid` in the card status).
    pub prepaid_user_id: Option<String>,
    pub prepaid_password: Option<String>,
}

/// A card asks to renew one of its certificates (SPEC C2). No login: the proof by the card's
/// old key identifies the holder. Sending the same request again answers with the same renewal
/// and charges nothing more (C5).
#[utoipa::path(post, path = "/card/renewals", request_body = CardRenewalApiRequest,
    responses((status = 200, body = CardRenewalView), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn card_renewal_request(
    State(s): State<WebState>,
    CallerLang(lang): CallerLang,
    RequestCtx(ctx): RequestCtx,
    ApiJson(req): ApiJson<CardRenewalApiRequest>,
) -> ApiResult<CardRenewalView> {
    let (Some(certificate), Some(request), Some(proof)) = (
        base64(&req.certificate),
        base64(&req.request),
        base64(&req.proof),
    ) else {
        return Err(AppError::CardRequest(rinnova_ca::request::RequestError::Malformed).into());
    };
    let prepaid = match (req.prepaid_user_id, req.prepaid_password) {
        (Some(u), Some(p)) if !u.trim().is_empty() => Some((u, p)),
        _ => None,
    };
    let r = rinnova_app::card::CardRenewalRequest {
        certificate,
        request,
        proof,
        prepaid,
    };
    json(s.app.request_card_renewal(&r, lang, &ctx).await)
}

/// A card renewal: waiting for the organisation, rejected, or issued with the certificate to
/// download (C3).
#[utoipa::path(get, path = "/card/renewals/{id}", params(("id" = String, Path)),
    responses((status = 200, body = CardRenewalView)))]
pub async fn card_renewal(
    State(s): State<WebState>,
    CallerLang(lang): CallerLang,
    ApiPath(id): ApiPath<RenewalId>,
) -> ApiResult<CardRenewalView> {
    json(s.app.card_renewal(&id, lang).await)
}

/// The card client stored the new certificate on the card (C3).
#[utoipa::path(post, path = "/card/renewals/{id}/stored", params(("id" = String, Path)),
    responses((status = 200, body = CardRenewalView), (status = 409, body = ApiErrorBody)))]
pub async fn card_renewal_stored(
    State(s): State<WebState>,
    CallerLang(lang): CallerLang,
    RequestCtx(ctx): RequestCtx,
    ApiPath(id): ApiPath<RenewalId>,
) -> ApiResult<CardRenewalView> {
    json(s.app.card_renewal_stored(&id, lang, &ctx).await)
}
