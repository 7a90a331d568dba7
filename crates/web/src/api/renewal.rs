//! The renewal wizard's steps: start, data and contacts, documents, signature, activation.

use super::auth::ApiHolder;
use super::error::{ApiError, ApiErrorBody, ApiJson, ApiPath, ApiResult, json};
use crate::{RequestCtx, WebState};
use axum::extract::State;
use axum::response::Response;
use rinnova_app::AppError;
use rinnova_app::views::RenewalView;
use rinnova_domain::{CertificateId, RenewalId};
use serde::Deserialize;
use utoipa::ToSchema;

/// Start (or return the open) renewal of a certificate (step 1).
#[utoipa::path(post, path = "/certificates/{id}/renewal", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody)))]
pub async fn start(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<CertificateId>,
    RequestCtx(ctx): RequestCtx,
) -> ApiResult<RenewalView> {
    json(s.app.start_renewal(h.id(), &id, &ctx).await)
}

/// A renewal and the step it is at.
#[utoipa::path(get, path = "/renewals/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView)))]
pub async fn renewal(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
) -> ApiResult<RenewalView> {
    json(s.app.renewal(h.id(), &id).await)
}

/// Confirm the holder's data (step 2); the documents of step 3 are produced.
#[utoipa::path(post, path = "/renewals/{id}/confirm-data", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn confirm_data(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
) -> ApiResult<RenewalView> {
    json(s.app.confirm_data(h.id(), &id, &ctx).await)
}

#[derive(Deserialize, ToSchema)]
pub struct ContactRequest {
    #[schema(value_type = ContactFieldName)]
    pub field: String,
    #[schema(min_length = 1)]
    pub value: String,
    /// The holder's portal password, typed again.
    #[schema(min_length = 1)]
    #[schema(value_type = String)]
    pub password: rinnova_domain::secret::Secret,
}

/// A contact datum the holder may change at step 2.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ContactFieldName {
    Email,
    Mobile,
    Residence,
}

/// Step 2: ask to change a contact datum; an SMS code confirms it (to the new mobile, if the
/// mobile changes).
#[utoipa::path(post, path = "/renewals/{id}/contact", security(("bearer" = [])), params(("id" = String, Path)), request_body = ContactRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn request_contact_change(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<ContactRequest>,
) -> ApiResult<RenewalView> {
    let field = rinnova_app::contact::ContactField::parse(&r.field)
        .ok_or(AppError::Invalid(rinnova_domain::DomainError::MissingField))?;
    json(
        s.app
            .request_contact_change(h.id(), &id, field, &r.value, r.password.expose(), &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The one-time code received by SMS (or shown by the token).
    #[schema(pattern = "^[0-9]{6,8}$")]
    pub otp: String,
}

/// Step 2: the SMS code applies the pending change.
#[utoipa::path(post, path = "/renewals/{id}/contact/confirm", security(("bearer" = [])), params(("id" = String, Path)), request_body = CodeRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn confirm_contact_change(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<CodeRequest>,
) -> ApiResult<RenewalView> {
    json(
        s.app
            .confirm_contact_change(h.id(), &id, &r.otp, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptRequest {
    /// `documents_hash` of the renewal, as shown.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub documents_hash: String,
    /// Both consents are needed: `true`.
    pub accept_terms: bool,
    pub confirm_data: bool,
}

/// Give both consents on the documents shown (step 3).
#[utoipa::path(post, path = "/renewals/{id}/documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = AcceptRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn accept_documents(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<AcceptRequest>,
) -> ApiResult<RenewalView> {
    json(
        s.app
            .accept_documents(
                h.id(),
                &id,
                &r.documents_hash,
                r.accept_terms,
                r.confirm_data,
                &ctx,
            )
            .await,
    )
}

/// A document of step 3 (`renewal-form` or `conditions`), as PDF.
#[utoipa::path(get, path = "/renewals/{id}/documents/{name}", security(("bearer" = [])), params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
pub async fn document(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath((id, name)): ApiPath<(RenewalId, String)>,
) -> Result<Response, ApiError> {
    let name = name.strip_suffix(".pdf").unwrap_or(&name).to_owned();
    let pdf = s.app.document(h.id(), &id, &name).await?;
    Ok(crate::pages::pdf_response(pdf, &name, true))
}

/// Send a new SMS code for the current operation (SPEC O1: limited resends).
#[utoipa::path(post, path = "/renewals/{id}/otp", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody, description = "too soon, or the send limit reached: `Retry-After` says when to come back")))]
pub async fn resend(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
) -> ApiResult<RenewalView> {
    json(s.app.resend_code(h.id(), &id, &ctx).await)
}

#[derive(Deserialize, ToSchema)]
pub struct SignRequest {
    /// The signature PIN: 8 to 32 digits.
    #[schema(pattern = "^[0-9]{8,32}$")]
    #[schema(value_type = String)]
    pub pin: rinnova_domain::secret::Secret,
    #[schema(pattern = "^[0-9]{6,8}$")]
    pub otp: String,
}

/// Sign the renewal request with PIN + OTP (step 4).
#[utoipa::path(post, path = "/renewals/{id}/sign", security(("bearer" = [])), params(("id" = String, Path)), request_body = SignRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 423, body = ApiErrorBody)))]
pub async fn sign(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<SignRequest>,
) -> ApiResult<RenewalView> {
    json(s.app.sign(h.id(), &id, r.pin.expose(), &r.otp, &ctx).await)
}

/// The first activation code (step 7).
#[utoipa::path(post, path = "/renewals/{id}/activation-code", security(("bearer" = [])), params(("id" = String, Path)), request_body = CodeRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn activation_code(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<CodeRequest>,
) -> ApiResult<RenewalView> {
    json(s.app.activation_code(h.id(), &id, &r.otp, &ctx).await)
}

#[derive(Deserialize, ToSchema)]
pub struct ActivateRequest {
    /// The new signature PIN, 8 to 32 digits, typed twice.
    #[schema(pattern = "^[0-9]{8,32}$")]
    #[schema(value_type = String)]
    pub pin: rinnova_domain::secret::Secret,
    #[schema(pattern = "^[0-9]{8,32}$")]
    #[schema(value_type = String)]
    pub pin_confirm: rinnova_domain::secret::Secret,
    #[schema(pattern = "^[0-9]{6,8}$")]
    pub otp: String,
}

/// PIN twice and the second code: the new certificate is issued (step 7).
#[utoipa::path(post, path = "/renewals/{id}/activate", security(("bearer" = [])), params(("id" = String, Path)), request_body = ActivateRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn activate(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<ActivateRequest>,
) -> ApiResult<RenewalView> {
    json(
        s.app
            .activate(
                h.id(),
                &id,
                r.pin.expose(),
                r.pin_confirm.expose(),
                &r.otp,
                &ctx,
            )
            .await,
    )
}
