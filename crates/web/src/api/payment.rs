//! Step 5: paying for the renewal — coupon, shop, RAO desk, prepaid account.

use super::auth::ApiHolder;
use super::error::{ApiErrorBody, ApiJson, ApiPath, ApiResult, json};
use crate::{RequestCtx, WebState};
use axum::extract::State;
use rinnova_app::AppError;
use rinnova_app::views::RenewalView;
use rinnova_domain::RenewalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct CouponRequest {
    /// As handed out: case, spaces and dashes do not matter.
    #[schema(min_length = 1)]
    pub code: String,
}

/// Pay with a coupon (step 5). Used exactly once; the same code again for the same renewal
/// answers with the renewal as it is.
#[utoipa::path(post, path = "/renewals/{id}/payment/coupon", security(("bearer" = [])), params(("id" = String, Path)), request_body = CouponRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn pay_with_coupon(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<CouponRequest>,
) -> ApiResult<RenewalView> {
    json(s.app.pay_with_coupon(h.id(), &id, &r.code, &ctx).await)
}

#[derive(Deserialize, ToSchema)]
pub struct ShopRequest {
    #[schema(value_type = ShopMethodName)]
    pub method: String,
    pub promo_code: Option<String>,
}

/// How the holder pays in the shop.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ShopMethodName {
    Card,
    Paypal,
    BankTransfer,
}

/// Where the shop sends the holder: the acquirer's page (card, PayPal), or nowhere (a bank
/// transfer: its instructions are in the renewal and by e-mail).
#[derive(Serialize, ToSchema)]
pub struct ShopAnswer {
    pub redirect_url: Option<String>,
    pub renewal: Option<RenewalView>,
}

/// Pay in the shop (step 5): an order at the certificate's price, less the promo code.
#[utoipa::path(post, path = "/renewals/{id}/payment/shop", security(("bearer" = [])), params(("id" = String, Path)), request_body = ShopRequest,
    responses((status = 200, body = ShopAnswer), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn pay_in_shop(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<ShopRequest>,
) -> ApiResult<ShopAnswer> {
    let method = rinnova_pay::ShopMethod::parse(&r.method)
        .ok_or(AppError::Invalid(rinnova_domain::DomainError::MissingField))?;
    let start = s
        .app
        .start_shop_payment(h.id(), &id, method, r.promo_code.as_deref(), &ctx)
        .await?;
    Ok(axum::Json(match start {
        rinnova_app::shop::ShopStart::Redirect(url) => ShopAnswer {
            redirect_url: Some(url),
            renewal: None,
        },
        rinnova_app::shop::ShopStart::Renewal(v) => ShopAnswer {
            redirect_url: None,
            renewal: Some(*v),
        },
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RaoRequest {
    /// The operator's own credentials, typed at the desk.
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(min_length = 1)]
    #[schema(value_type = String)]
    pub password: rinnova_domain::secret::Secret,
}

/// An RAO verifies at the desk (step 5): the office approves and pays the renewal.
#[utoipa::path(post, path = "/renewals/{id}/payment/rao", security(("bearer" = [])), params(("id" = String, Path)), request_body = RaoRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn pay_by_rao(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<RaoRequest>,
) -> ApiResult<RenewalView> {
    json(
        s.app
            .pay_by_rao(h.id(), &id, &r.username, r.password.expose(), &ctx)
            .await,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct PrepaidRequest {
    /// The prepaid account's own user-id and password.
    #[schema(min_length = 1)]
    pub user_id: String,
    #[schema(min_length = 1)]
    #[schema(value_type = String)]
    pub password: rinnova_domain::secret::Secret,
}

/// Pay from a prepaid account (step 5): reserved now, debited when the certificate is issued.
#[utoipa::path(post, path = "/renewals/{id}/payment/prepaid", security(("bearer" = [])), params(("id" = String, Path)), request_body = PrepaidRequest,
    responses((status = 200, body = RenewalView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn pay_with_prepaid(
    State(s): State<WebState>,
    h: ApiHolder,
    ApiPath(id): ApiPath<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    ApiJson(r): ApiJson<PrepaidRequest>,
) -> ApiResult<RenewalView> {
    json(
        s.app
            .pay_with_prepaid(h.id(), &id, &r.user_id, r.password.expose(), &ctx)
            .await,
    )
}
