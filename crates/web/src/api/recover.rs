//! Recovery of a forgotten password or user-id (SPEC A2): no login.

use super::error::{ApiError, ApiErrorBody, ApiJson, ApiPath, ApiResult, json};
use crate::{RequestCtx, WebState};
use axum::extract::State;
use axum::http::StatusCode;
use rinnova_app::recovery::{Recovered, RecoveryView};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct PasswordRecoveryRequest {
    pub user_id: String,
    /// The registered e-mail address.
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct UserIdRecoveryRequest {
    pub codice_fiscale: String,
    /// The registered e-mail address.
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RecoveryCompletion {
    /// The SMS code.
    pub code: String,
    /// For a password recovery: the new password, typed twice.
    pub password: Option<String>,
    pub password_again: Option<String>,
}

/// Recovery of a forgotten password (SPEC A2): a link goes to the registered e-mail when the
/// user-id and e-mail match. Always 202, whether or not they did.
#[utoipa::path(post, path = "/recover/password", request_body = PasswordRecoveryRequest,
    responses((status = 202), (status = 429, body = ApiErrorBody)))]
pub async fn recover_password(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(req): ApiJson<PasswordRecoveryRequest>,
) -> Result<StatusCode, ApiError> {
    s.app
        .request_password_reset(&req.user_id, &req.email, &ctx)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Recovery of a forgotten user-id (SPEC A2), by codice fiscale and registered e-mail.
#[utoipa::path(post, path = "/recover/user-id", request_body = UserIdRecoveryRequest,
    responses((status = 202), (status = 429, body = ApiErrorBody)))]
pub async fn recover_user_id(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(req): ApiJson<UserIdRecoveryRequest>,
) -> Result<StatusCode, ApiError> {
    s.app
        .request_user_id_reminder(&req.codice_fiscale, &req.email, &ctx)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// A recovery link: what it recovers and the masked mobile its code goes to.
#[utoipa::path(get, path = "/recover/{token}", params(("token" = String, Path)),
    responses((status = 200, body = RecoveryView), (status = 400, body = ApiErrorBody)))]
pub async fn recovery(
    State(s): State<WebState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<RecoveryView> {
    json(s.app.recovery(&token).await)
}

/// Send (or resend) the SMS code of a recovery.
#[utoipa::path(post, path = "/recover/{token}/code", params(("token" = String, Path)),
    responses((status = 200, body = RecoveryView), (status = 400, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn recovery_code(
    State(s): State<WebState>,
    ApiPath(token): ApiPath<String>,
    RequestCtx(ctx): RequestCtx,
) -> ApiResult<RecoveryView> {
    json(s.app.recovery_send_code(&token, &ctx).await)
}

/// Complete a recovery with the SMS code (and the new password): the user-id is returned; a
/// new password ends every session.
#[utoipa::path(post, path = "/recover/{token}", params(("token" = String, Path)), request_body = RecoveryCompletion,
    responses((status = 200, body = Recovered), (status = 400, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn complete_recovery(
    State(s): State<WebState>,
    ApiPath(token): ApiPath<String>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(req): ApiJson<RecoveryCompletion>,
) -> ApiResult<Recovered> {
    let password = req
        .password
        .as_deref()
        .map(|p| (p, req.password_again.as_deref().unwrap_or_default()));
    json(
        s.app
            .complete_recovery(&token, &req.code, password, &ctx)
            .await,
    )
}
