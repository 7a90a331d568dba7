//! The JSON API (`/api/v1`): the same renewal flow for programs, authenticated with a bearer
//! token from `POST /api/v1/login`. Errors are `{"error": {"code", "message"}}` in the holder's
//! language (or `Accept-Language` before login). The OpenAPI document is at `openapi.json`.

use crate::errors::status;
use crate::session::request_lang;
use crate::{RequestCtx, WebState};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rinnova_app::AppError;
use rinnova_app::auth::{SessionInfo, SessionKind};
use rinnova_app::i18n::Lang;
use rinnova_app::recovery::{Recovered, RecoveryPurpose, RecoveryView};
use rinnova_app::views::*;
use rinnova_store::repo;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/home", get(home))
        .route("/certificates/{id}/renewal", post(start))
        .route("/certificates/{id}/pem", get(certificate_pem))
        .route("/renewals/{id}", get(renewal))
        .route("/renewals/{id}/confirm-data", post(confirm_data))
        .route("/renewals/{id}/documents", post(accept_documents))
        .route("/renewals/{id}/documents/{name}", get(document))
        .route("/renewals/{id}/otp", post(resend))
        .route("/renewals/{id}/sign", post(sign))
        .route("/renewals/{id}/payment/coupon", post(pay_with_coupon))
        .route("/renewals/{id}/payment/shop", post(pay_in_shop))
        .route("/renewals/{id}/payment/rao", post(pay_by_rao))
        .route("/renewals/{id}/payment/prepaid", post(pay_with_prepaid))
        .route("/renewals/{id}/contact", post(request_contact_change))
        .route(
            "/renewals/{id}/contact/confirm",
            post(confirm_contact_change),
        )
        .route("/renewals/{id}/activation-code", post(activation_code))
        .route("/renewals/{id}/activate", post(activate))
        .route("/token/resync", post(resync))
        .route("/reminder-links/{token}", post(open_reminder_link))
        .route("/history", get(history))
        .route("/card/status", post(card_status))
        .route("/card/renewals", post(card_renewal_request))
        .route("/card/renewals/{id}", get(card_renewal))
        .route("/card/renewals/{id}/stored", post(card_renewal_stored))
        .route("/recover/password", post(recover_password))
        .route("/recover/user-id", post(recover_user_id))
        .route("/recover/{token}", get(recovery).post(complete_recovery))
        .route("/recover/{token}/code", post(recovery_code))
        .route("/demo/outbox", get(demo_outbox))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "rinnova API", description = "Renewal of qualified remote-signature certificates (SPEC §5)."),
    paths(login, logout, home, certificate_pem, resync, start, renewal, confirm_data, accept_documents, document, resend, sign, pay_with_coupon, pay_in_shop, pay_by_rao, pay_with_prepaid, request_contact_change, confirm_contact_change, activation_code, activate,
        open_reminder_link, history, card_status, card_renewal_request, card_renewal, card_renewal_stored, recover_password, recover_user_id, recovery, recovery_code, complete_recovery),
    components(schemas(ResyncRequest, ApiError, ErrorBody, LoginRequest, LoginResponse, AcceptRequest, SignRequest, CodeRequest, ActivateRequest,
        HomeView, HolderView, CertificateView, NotRenewableView, OpenRenewal, RenewedBy, RenewalView, StepView, OtpView, rinnova_app::views::EndedView,
        rinnova_app::history::HistoryEntry, CardStatusRequest, rinnova_app::card::CardCertificateStatus, CardRenewalApiRequest, rinnova_app::card::CardRenewalView, PasswordRecoveryRequest, UserIdRecoveryRequest, RecoveryCompletion, RecoveryView, Recovered, RecoveryPurpose)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: ErrorBody,
}

/// A stable code and its translated message.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

fn fail(lang: Lang, e: &AppError) -> Response {
    (
        status(e),
        crate::errors::retry_after(e),
        Json(ApiError {
            error: ErrorBody {
                code: e.code().into(),
                message: lang.error(e),
            },
        }),
    )
        .into_response()
}

fn answer<T: Serialize>(lang: Lang, r: Result<T, AppError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(lang, &e),
    }
}

/// A bearer-authenticated holder.
pub struct ApiHolder {
    token: String,
    session: SessionInfo,
}

impl FromRequestParts<WebState> for ApiHolder {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.headers);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| fail(lang, &AppError::Unauthenticated))?;
        let session = state
            .app
            .session_of(token, SessionKind::Api)
            .await
            .map_err(|e| fail(lang, &e))?;
        Ok(ApiHolder {
            token: token.to_owned(),
            session,
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub user_id: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// A renewal in progress, to resume.
    pub resume_renewal: Option<String>,
}

/// Log in with user-id and password (SPEC A1).
#[utoipa::path(post, path = "/api/v1/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiError), (status = 429, body = ApiError)))]
async fn login(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Json(req): Json<LoginRequest>,
) -> Response {
    let lang = request_lang(&headers);
    answer(
        lang,
        s.app
            .login(&req.user_id, &req.password, SessionKind::Api, &ctx)
            .await
            .map(|n| LoginResponse {
                token: n.token,
                resume_renewal: n.resume_renewal,
            }),
    )
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/logout", security(("bearer" = [])), responses((status = 204)))]
async fn logout(State(s): State<WebState>, h: ApiHolder, RequestCtx(ctx): RequestCtx) -> Response {
    match s.app.logout(&h.token, &ctx).await {
        Ok(()) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(h.session.lang, &e),
    }
}

/// The holder's certificates and renewal windows (SPEC W5).
#[utoipa::path(get, path = "/api/v1/home", security(("bearer" = [])), responses((status = 200, body = HomeView), (status = 401, body = ApiError)))]
async fn home(State(s): State<WebState>, h: ApiHolder) -> Response {
    answer(h.session.lang, s.app.home(&h.session.holder_id).await)
}

/// One of the holder's certificates, PEM-encoded.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/pem", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "application/x-pem-file", body = String), (status = 404, body = ApiError)))]
async fn certificate_pem(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
) -> Response {
    match s.app.certificate_pem(&h.session.holder_id, &id).await {
        Ok(pem) => ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response(),
        Err(e) => fail(h.session.lang, &e),
    }
}

/// Start (or return the open) renewal of a certificate (step 1).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/renewal", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 409, body = ApiError)))]
async fn start(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    answer(
        h.session.lang,
        s.app.start_renewal(&h.session.holder_id, &id, &ctx).await,
    )
}

/// A renewal and the step it is at.
#[utoipa::path(get, path = "/api/v1/renewals/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 404, body = ApiError)))]
async fn renewal(State(s): State<WebState>, h: ApiHolder, Path(id): Path<String>) -> Response {
    answer(
        h.session.lang,
        s.app.renewal(&h.session.holder_id, &id).await,
    )
}

/// Confirm the holder's data (step 2); the documents of step 3 are produced.
#[utoipa::path(post, path = "/api/v1/renewals/{id}/confirm-data", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView)))]
async fn confirm_data(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    answer(
        h.session.lang,
        s.app.confirm_data(&h.session.holder_id, &id, &ctx).await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptRequest {
    /// `documents_hash` of the renewal, as shown.
    pub documents_hash: String,
    pub accept_terms: bool,
    pub confirm_data: bool,
}

/// Give both consents on the documents shown (step 3).
#[utoipa::path(post, path = "/api/v1/renewals/{id}/documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = AcceptRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError)))]
async fn accept_documents(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<AcceptRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .accept_documents(
                &h.session.holder_id,
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
#[utoipa::path(get, path = "/api/v1/renewals/{id}/documents/{name}", security(("bearer" = [])), params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn document(
    State(s): State<WebState>,
    h: ApiHolder,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    let name = name.strip_suffix(".pdf").unwrap_or(&name).to_owned();
    match s.app.document(&h.session.holder_id, &id, &name).await {
        Ok(pdf) => crate::pages::pdf_response(pdf, &name, true),
        Err(e) => fail(h.session.lang, &e),
    }
}

/// Send a new SMS code for the current operation (SPEC O1: limited resends).
#[utoipa::path(post, path = "/api/v1/renewals/{id}/otp", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError),
        (status = 429, body = ApiError, description = "too soon, or the send limit reached: `Retry-After` says when to come back")))]
async fn resend(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    answer(
        h.session.lang,
        s.app.resend_code(&h.session.holder_id, &id, &ctx).await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct SignRequest {
    pub pin: String,
    pub otp: String,
}

/// Sign the renewal request with PIN + OTP (step 4).
#[utoipa::path(post, path = "/api/v1/renewals/{id}/sign", security(("bearer" = [])), params(("id" = String, Path)), request_body = SignRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError), (status = 423, body = ApiError)))]
async fn sign(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<SignRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .sign(&h.session.holder_id, &id, &r.pin, &r.otp, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct ShopRequest {
    /// `card`, `paypal` or `bank_transfer`.
    pub method: String,
    pub promo_code: Option<String>,
}

/// Where the shop sends the holder: the acquirer's page (card, PayPal), or nowhere (a bank
/// transfer: its instructions are in the renewal and by e-mail).
#[derive(Serialize, ToSchema)]
pub struct ShopAnswer {
    pub redirect_url: Option<String>,
    pub renewal: Option<RenewalView>,
}

/// Pay in the shop (step 5): an order at the certificate's price, less the promo code.
#[utoipa::path(post, path = "/api/v1/renewals/{id}/payment/shop", security(("bearer" = [])), params(("id" = String, Path)), request_body = ShopRequest,
    responses((status = 200, body = ShopAnswer), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn pay_in_shop(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<ShopRequest>,
) -> Response {
    let Some(method) = rinnova_pay::ShopMethod::parse(&r.method) else {
        let e = AppError::Invalid(rinnova_domain::DomainError::MissingField);
        return answer::<RenewalView>(h.session.lang, Err(e));
    };
    let out = s
        .app
        .start_shop_payment(
            &h.session.holder_id,
            &id,
            method,
            r.promo_code.as_deref(),
            &ctx,
        )
        .await
        .map(|start| match start {
            rinnova_app::shop::ShopStart::Redirect(url) => ShopAnswer {
                redirect_url: Some(url),
                renewal: None,
            },
            rinnova_app::shop::ShopStart::Renewal(v) => ShopAnswer {
                redirect_url: None,
                renewal: Some(*v),
            },
        });
    answer(h.session.lang, out)
}

#[derive(Deserialize, ToSchema)]
pub struct RaoRequest {
    /// The operator's own credentials, typed at the desk.
    pub username: String,
    pub password: String,
}

/// An RAO verifies at the desk (step 5): the office approves and pays the renewal.
#[utoipa::path(post, path = "/api/v1/renewals/{id}/payment/rao", security(("bearer" = [])), params(("id" = String, Path)), request_body = RaoRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn pay_by_rao(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<RaoRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .pay_by_rao(&h.session.holder_id, &id, &r.username, &r.password, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct PrepaidRequest {
    /// The prepaid account's own user-id and password.
    pub user_id: String,
    pub password: String,
}

/// Pay from a prepaid account (step 5): reserved now, debited when the certificate is issued.
#[utoipa::path(post, path = "/api/v1/renewals/{id}/payment/prepaid", security(("bearer" = [])), params(("id" = String, Path)), request_body = PrepaidRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn pay_with_prepaid(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<PrepaidRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .pay_with_prepaid(&h.session.holder_id, &id, &r.user_id, &r.password, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct ContactRequest {
    /// `email`, `mobile` or `residence`.
    pub field: String,
    pub value: String,
    /// The holder's portal password, typed again.
    pub password: String,
}

/// Step 2: ask to change a contact datum; an SMS code confirms it (to the new mobile, if the
/// mobile changes).
#[utoipa::path(post, path = "/api/v1/renewals/{id}/contact", security(("bearer" = [])), params(("id" = String, Path)), request_body = ContactRequest,
    responses((status = 200, body = RenewalView), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
async fn request_contact_change(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<ContactRequest>,
) -> Response {
    let Some(field) = rinnova_app::contact::ContactField::parse(&r.field) else {
        let e = AppError::Invalid(rinnova_domain::DomainError::MissingField);
        return answer::<RenewalView>(h.session.lang, Err(e));
    };
    answer(
        h.session.lang,
        s.app
            .request_contact_change(
                &h.session.holder_id,
                &id,
                field,
                &r.value,
                &r.password,
                &ctx,
            )
            .await,
    )
}

/// Step 2: the SMS code applies the pending change.
#[utoipa::path(post, path = "/api/v1/renewals/{id}/contact/confirm", security(("bearer" = [])), params(("id" = String, Path)), request_body = CodeRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError)))]
async fn confirm_contact_change(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<CodeRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .confirm_contact_change(&h.session.holder_id, &id, &r.otp, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct CouponRequest {
    /// As handed out: case, spaces and dashes do not matter.
    pub code: String,
}

/// Pay with a coupon (step 5). Used exactly once; the same code again for the same renewal
/// answers with the renewal as it is.
#[utoipa::path(post, path = "/api/v1/renewals/{id}/payment/coupon", security(("bearer" = [])), params(("id" = String, Path)), request_body = CouponRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn pay_with_coupon(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<CouponRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .pay_with_coupon(&h.session.holder_id, &id, &r.code, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    pub otp: String,
}

/// The first activation code (step 7).
#[utoipa::path(post, path = "/api/v1/renewals/{id}/activation-code", security(("bearer" = [])), params(("id" = String, Path)), request_body = CodeRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError)))]
async fn activation_code(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<CodeRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .activation_code(&h.session.holder_id, &id, &r.otp, &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct ActivateRequest {
    pub pin: String,
    pub pin_confirm: String,
    pub otp: String,
}

/// PIN twice and the second code: the new certificate is issued (step 7).
#[utoipa::path(post, path = "/api/v1/renewals/{id}/activate", security(("bearer" = [])), params(("id" = String, Path)), request_body = ActivateRequest,
    responses((status = 200, body = RenewalView), (status = 422, body = ApiError)))]
async fn activate(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<ActivateRequest>,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .activate(
                &h.session.holder_id,
                &id,
                &r.pin,
                &r.pin_confirm,
                &r.otp,
                &ctx,
            )
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct ResyncRequest {
    /// A code the token shows now.
    pub first: String,
    /// The next code it shows.
    pub second: String,
}

/// Resynchronise a drifted hardware/app token with two consecutive codes (SPEC O2).
#[utoipa::path(post, path = "/api/v1/token/resync", security(("bearer" = [])), request_body = ResyncRequest,
    responses((status = 204), (status = 422, body = ApiError)))]
async fn resync(
    State(s): State<WebState>,
    h: ApiHolder,
    RequestCtx(ctx): RequestCtx,
    Json(r): Json<ResyncRequest>,
) -> Response {
    match s
        .app
        .resync_token(&h.session.holder_id, &r.first, &r.second, &ctx)
        .await
    {
        Ok(()) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(h.session.lang, &e),
    }
}

#[derive(Deserialize)]
struct OutboxQuery {
    user_id: Option<String>,
}

#[derive(Serialize)]
struct DemoMessage {
    channel: String,
    recipient: String,
    subject: Option<String>,
    body: String,
    created_at: i64,
}

/// Demo only (not in the OpenAPI document): the messages a holder would receive, newest first.
async fn demo_outbox(
    State(s): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<OutboxQuery>,
) -> Response {
    let lang = request_lang(&headers);
    if !s.app.config().demo {
        return fail(lang, &AppError::NotFound);
    }
    let result = async {
        let mut c = s.app.store().conn().await?;
        let ms = match &q.user_id {
            Some(u) => {
                let u = u.to_ascii_uppercase();
                let ms = repo::outbox::recent_of_user(&mut c, &u, 100).await?;
                if ms.is_empty() && repo::holders::by_user_id(&mut c, &u).await?.is_none() {
                    return Err(AppError::NotFound);
                }
                ms
            }
            None => repo::outbox::recent(&mut c, None, 100).await?,
        };
        Ok::<_, AppError>(
            ms.into_iter()
                .map(|m| DemoMessage {
                    channel: m.channel,
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body,
                    created_at: m.created_at,
                })
                .collect::<Vec<_>>(),
        )
    }
    .await;
    answer(lang, result)
}

/// Open the link of a reminder e-mail (SPEC N2): starts, or returns, the renewal of the
/// certificate it names, if it is the logged-in holder's.
#[utoipa::path(post, path = "/api/v1/reminder-links/{token}", security(("bearer" = [])), params(("token" = String, Path)),
    responses((status = 200, body = RenewalView), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
async fn open_reminder_link(
    State(s): State<WebState>,
    h: ApiHolder,
    Path(token): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    answer(
        h.session.lang,
        s.app
            .open_reminder_link(&h.session.holder_id, &token, &ctx)
            .await,
    )
}

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
#[utoipa::path(post, path = "/api/v1/recover/password", request_body = PasswordRecoveryRequest,
    responses((status = 202), (status = 429, body = ApiError)))]
async fn recover_password(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Json(req): Json<PasswordRecoveryRequest>,
) -> Response {
    let r = s
        .app
        .request_password_reset(&req.user_id, &req.email, &ctx)
        .await;
    accepted(request_lang(&headers), r)
}

/// Recovery of a forgotten user-id (SPEC A2), by codice fiscale and registered e-mail.
#[utoipa::path(post, path = "/api/v1/recover/user-id", request_body = UserIdRecoveryRequest,
    responses((status = 202), (status = 429, body = ApiError)))]
async fn recover_user_id(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Json(req): Json<UserIdRecoveryRequest>,
) -> Response {
    let r = s
        .app
        .request_user_id_reminder(&req.codice_fiscale, &req.email, &ctx)
        .await;
    accepted(request_lang(&headers), r)
}

fn accepted(lang: Lang, r: Result<(), AppError>) -> Response {
    match r {
        Ok(()) => axum::http::StatusCode::ACCEPTED.into_response(),
        Err(e) => fail(lang, &e),
    }
}

/// A recovery link: what it recovers and the masked mobile its code goes to.
#[utoipa::path(get, path = "/api/v1/recover/{token}", params(("token" = String, Path)),
    responses((status = 200, body = RecoveryView), (status = 400, body = ApiError)))]
async fn recovery(
    State(s): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    answer(request_lang(&headers), s.app.recovery(&token).await)
}

/// Send (or resend) the SMS code of a recovery.
#[utoipa::path(post, path = "/api/v1/recover/{token}/code", params(("token" = String, Path)),
    responses((status = 200, body = RecoveryView), (status = 400, body = ApiError), (status = 422, body = ApiError)))]
async fn recovery_code(
    State(s): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    answer(
        request_lang(&headers),
        s.app.recovery_send_code(&token, &ctx).await,
    )
}

/// Complete a recovery with the SMS code (and the new password): the user-id is returned; a
/// new password ends every session.
#[utoipa::path(post, path = "/api/v1/recover/{token}", params(("token" = String, Path)), request_body = RecoveryCompletion,
    responses((status = 200, body = Recovered), (status = 400, body = ApiError), (status = 422, body = ApiError)))]
async fn complete_recovery(
    State(s): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Json(req): Json<RecoveryCompletion>,
) -> Response {
    let password = req
        .password
        .as_deref()
        .map(|p| (p, req.password_again.as_deref().unwrap_or_default()));
    answer(
        request_lang(&headers),
        s.app
            .complete_recovery(&token, &req.code, password, &ctx)
            .await,
    )
}

/// The holder's own history from the audit trail, newest first (SPEC X2).
#[utoipa::path(get, path = "/api/v1/history", security(("bearer" = [])),
    responses((status = 200, body = Vec<rinnova_app::history::HistoryEntry>), (status = 401, body = ApiError)))]
async fn history(State(s): State<WebState>, h: ApiHolder) -> Response {
    answer(h.session.lang, s.app.history(&h.session.holder_id).await)
}

#[derive(Deserialize, ToSchema)]
pub struct CardStatusRequest {
    /// The certificates read from the card, base64 DER.
    pub certificates: Vec<String>,
}

/// What the card client asks about the certificates on a card (SPEC C1): renewable, or why not.
/// Certificates are public: no login (the renewal itself is proven by the card's old key).
#[utoipa::path(post, path = "/api/v1/card/status", request_body = CardStatusRequest,
    responses((status = 200, body = Vec<rinnova_app::card::CardCertificateStatus>), (status = 422, body = ApiError)))]
async fn card_status(
    State(s): State<WebState>,
    headers: HeaderMap,
    Json(req): Json<CardStatusRequest>,
) -> Response {
    use base64::Engine;
    let lang = request_lang(&headers);
    let ders: Result<Vec<Vec<u8>>, _> = req
        .certificates
        .iter()
        .take(16)
        .map(|c| base64::engine::general_purpose::STANDARD.decode(c.trim()))
        .collect();
    match ders {
        Ok(ders) => answer(lang, s.app.card_status(&ders, lang).await),
        Err(_) => fail(
            lang,
            &AppError::Invalid(rinnova_domain::DomainError::MissingField),
        ),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CardRenewalApiRequest {
    /// The certificate to renew, as read from the card: base64 DER.
    pub certificate: String,
    /// The PKCS#10 request signed by the new key made on the card: base64 DER.
    pub request: String,
    /// The old key's signature over the context "rinnova card renewal request v1\n" followed by
    /// the request: base64 DER (ECDSA).
    pub proof: String,
    /// The prepaid account, for a paid renewal (`paid` in the card status).
    pub prepaid_user_id: Option<String>,
    pub prepaid_password: Option<String>,
}

/// A card asks to renew one of its certificates (SPEC C2). No login: the proof by the card's
/// old key identifies the holder. Sending the same request again answers with the same renewal
/// and charges nothing more (C5).
#[utoipa::path(post, path = "/api/v1/card/renewals", request_body = CardRenewalApiRequest,
    responses((status = 200, body = rinnova_app::card::CardRenewalView), (status = 404, body = ApiError),
        (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn card_renewal_request(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Json(req): Json<CardRenewalApiRequest>,
) -> Response {
    use base64::Engine;
    let lang = request_lang(&headers);
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.decode(v.trim());
    let (Ok(certificate), Ok(request), Ok(proof)) =
        (b64(&req.certificate), b64(&req.request), b64(&req.proof))
    else {
        return fail(
            lang,
            &AppError::CardRequest(rinnova_ca::request::RequestError::Malformed),
        );
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
    answer(lang, s.app.request_card_renewal(&r, lang, &ctx).await)
}

/// A card renewal: waiting for the organisation, rejected, or issued with the certificate to
/// download (C3).
#[utoipa::path(get, path = "/api/v1/card/renewals/{id}", params(("id" = String, Path)),
    responses((status = 200, body = rinnova_app::card::CardRenewalView), (status = 404, body = ApiError)))]
async fn card_renewal(
    State(s): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let lang = request_lang(&headers);
    answer(lang, s.app.card_renewal(&id, lang).await)
}

/// The card client stored the new certificate on the card (C3).
#[utoipa::path(post, path = "/api/v1/card/renewals/{id}/stored", params(("id" = String, Path)),
    responses((status = 200, body = rinnova_app::card::CardRenewalView), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn card_renewal_stored(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Path(id): Path<String>,
) -> Response {
    let lang = request_lang(&headers);
    answer(lang, s.app.card_renewal_stored(&id, lang, &ctx).await)
}
