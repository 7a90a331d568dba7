//! Step 5: coupon, shop, RAO desk, prepaid account.

use super::wizard::after_step;
use super::*;
use rinnova_domain::RenewalId;

#[derive(Deserialize)]
pub(super) struct CouponForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn pay_with_coupon(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CouponForm>,
) -> Response {
    let out = s
        .app
        .pay_with_coupon(&h.session.holder_id, &id, &f.code, &ctx)
        .await;
    after_step(&s, &h, &id, out, Some("code"), (false, false)).await
}

#[derive(Deserialize)]
pub(super) struct ShopForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    promo_code: String,
}

pub(super) async fn pay_in_shop(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, ShopForm>,
) -> Response {
    let Some(method) = rinnova_pay::ShopMethod::parse(&f.method) else {
        let e = AppError::Invalid(rinnova_domain::DomainError::MissingField);
        return after_step(&s, &h, &id, Err(e), Some("method-card"), (false, false)).await;
    };
    match s
        .app
        .start_shop_payment(&h.session.holder_id, &id, method, Some(&f.promo_code), &ctx)
        .await
    {
        Ok(rinnova_app::shop::ShopStart::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(rinnova_app::shop::ShopStart::Renewal(_)) => {
            Redirect::to(&format!("/renewals/{id}")).into_response()
        }
        Err(e) => after_step(&s, &h, &id, Err(e), Some("promo_code"), (false, false)).await,
    }
}

#[derive(Deserialize)]
pub(super) struct RaoForm {
    #[serde(default)]
    rao_username: String,
    #[serde(default)]
    rao_password: rinnova_domain::secret::Secret,
}

pub(super) async fn pay_by_rao(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, RaoForm>,
) -> Response {
    let out = s
        .app
        .pay_by_rao(
            &h.session.holder_id,
            &id,
            &f.rao_username,
            f.rao_password.expose(),
            &ctx,
        )
        .await;
    after_step(&s, &h, &id, out, Some("rao_username"), (false, false)).await
}

#[derive(Deserialize)]
pub(super) struct PrepaidForm {
    #[serde(default)]
    account_user_id: String,
    #[serde(default)]
    account_password: rinnova_domain::secret::Secret,
}

pub(super) async fn pay_with_prepaid(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, PrepaidForm>,
) -> Response {
    let out = s
        .app
        .pay_with_prepaid(
            &h.session.holder_id,
            &id,
            &f.account_user_id,
            f.account_password.expose(),
            &ctx,
        )
        .await;
    after_step(&s, &h, &id, out, Some("account_user_id"), (false, false)).await
}
