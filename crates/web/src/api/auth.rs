//! Logging in and out, and what belongs to the holder rather than to one renewal: home,
//! history, certificates, the token's resynchronisation and reminder links.

use super::error::{AnswerLang, ApiError, ApiErrorBody, ApiJson, ApiPath, ApiResult, json};
use crate::{RequestCtx, WebState};
use axum::extract::{FromRequestParts, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::IntoResponse;
use rinnova_app::AppError;
use rinnova_app::auth::{SessionInfo, SessionKind};
use rinnova_app::views::{HomeView, RenewalView};
use rinnova_domain::{CertificateId, HolderId, RenewalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A bearer-authenticated holder; the API answers in their language.
pub struct ApiHolder {
    pub token: rinnova_domain::secret::Secret,
    pub session: SessionInfo,
}

impl FromRequestParts<WebState> for ApiHolder {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let session = state.app.session_of(token, SessionKind::Api).await?;
        AnswerLang::set(parts, session.lang);
        Ok(ApiHolder {
            token: rinnova_domain::secret::Secret::new(token),
            session,
        })
    }
}

impl ApiHolder {
    /// The holder's id.
    pub fn id(&self) -> &HolderId {
        &self.session.holder_id
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub user_id: String,
    #[schema(value_type = String)]
    pub password: rinnova_domain::secret::Secret,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// A renewal in progress, to resume.
    #[schema(value_type = Option<String>)]
    pub resume_renewal: Option<RenewalId>,
}

/// Log in with user-id and password (SPEC A1).
#[utoipa::path(post, path = "/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn login(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<LoginResponse> {
    let n = s
        .app
        .login(&req.user_id, req.password.expose(), SessionKind::Api, &ctx)
        .await?;
    Ok(axum::Json(LoginResponse {
        token: n.token.expose().to_owned(),
        resume_renewal: n.resume_renewal,
    }))
}

/// End the session.
#[utoipa::path(post, path = "/logout", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(
    State(s): State<WebState>,
    h: ApiHolder,
    RequestCtx(ctx): RequestCtx,
) -> Result<StatusCode, ApiError> {
    s.app.logout(h.token.expose(), &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holder's certificates and renewal windows (SPEC W5).
#[utoipa::path(get, path = "/home", security(("bearer" = [])), responses((status = 200, body = HomeView)))]
pub async fn home(State(s): State<WebState>, h: ApiHolder) -> ApiResult<HomeView> {
    json(s.app.home(h.id()).await)
}

/// The holder's own history from the audit trail, newest first (SPEC X2).
#[utoipa::path(get, path = "/history", security(("bearer" = [])),
    responses((status = 200, body = Vec<rinnova_app::history::HistoryEntry>)))]
pub async fn history(
    State(s): State<WebState>,
    h: ApiHolder,
) -> ApiResult<Vec<rinnova_app::history::HistoryEntry>> {
    json(s.app.history(h.id()).await)
}

/// One of the holder's certificates, PEM-encoded.
#[utoipa::path(get, path = "/certificates/{id}/pem", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "application/x-pem-file", body = String)))]
pub async fn certificate_pem(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<CertificateId>,
) -> Result<impl IntoResponse, ApiError> {
    let pem = s.app.certificate_pem(h.id(), &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem))
}

#[derive(Deserialize, ToSchema)]
pub struct ResyncRequest {
    /// A code the token shows now.
    #[schema(pattern = "^[0-9]{6,8}$")]
    pub first: String,
    /// The next code it shows.
    #[schema(pattern = "^[0-9]{6,8}$")]
    pub second: String,
}

/// Resynchronise a drifted hardware/app token with two consecutive codes (SPEC O2).
#[utoipa::path(post, path = "/token/resync", security(("bearer" = [])), request_body = ResyncRequest,
    responses((status = 204), (status = 404, body = ApiErrorBody, description = "the holder has no token"), (status = 422, body = ApiErrorBody)))]
pub async fn resync(
    State(s): State<WebState>,
    h: ApiHolder,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<ResyncRequest>,
) -> Result<StatusCode, ApiError> {
    s.app
        .resync_token(h.id(), &r.first, &r.second, &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open the link of a reminder e-mail (SPEC N2): starts, or returns, the renewal of the
/// certificate it names, if it is the logged-in holder's.
#[utoipa::path(post, path = "/reminder-links/{token}", security(("bearer" = [])), params(("token" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn open_reminder_link(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(token): ApiPath<String>,
    RequestCtx(ctx): RequestCtx,
) -> ApiResult<RenewalView> {
    json(s.app.open_reminder_link(h.id(), &token, &ctx).await)
}
