//! The sandbox acquirer's hosted checkout page and the shop's notification endpoint. The page
//! stands in for the provider's site: it posts its signed notification to the shop over HTTP,
//! as a real provider does, and only then sends the browser back.

use crate::session::request_lang;
use crate::templates::Tr;
use crate::{RequestCtx, WebState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rinnova_app::AppError;
use rinnova_domain::Money;
use rinnova_pay::sandbox::{SIGNATURE_HEADER, SandboxProvider};
use rinnova_pay::{CheckoutRequest, Outcome};
use serde::Deserialize;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/sandbox/checkout", get(checkout_page).post(checkout_done))
        .route("/payments/sandbox/notify", post(notify))
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox.html")]
struct SandboxPage {
    tr: Tr,
    checkout: Option<CheckoutRequest>,
    token: String,
    amount: String,
}

fn provider(s: &WebState) -> SandboxProvider {
    let cfg = s.app.config();
    SandboxProvider::new(
        cfg.shop.sandbox_secret(),
        &format!("{}/sandbox/checkout", cfg.public_url.trim_end_matches('/')),
    )
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    t: String,
}

async fn checkout_page(
    State(s): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    let lang = request_lang(&headers);
    let checkout = provider(&s).open_token(&q.t, s.app.now().as_second()).ok();
    let amount = checkout
        .as_ref()
        .and_then(|c| Money::from_cents(c.amount_cents).ok())
        .map(|m| m.display(lang.code()))
        .unwrap_or_default();
    let status = if checkout.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        status,
        SandboxPage {
            tr: Tr(lang),
            checkout,
            token: q.t,
            amount,
        },
    )
        .into_response()
}

#[derive(Deserialize)]
struct DoneForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    outcome: String,
}

async fn checkout_done(
    State(s): State<WebState>,
    headers: HeaderMap,
    Form(f): Form<DoneForm>,
) -> Response {
    let p = provider(&s);
    let Ok(req) = p.open_token(&f.t, s.app.now().as_second()) else {
        return checkout_page(State(s), headers, Query(TokenQuery { t: f.t })).await;
    };
    let outcome = match f.outcome.as_str() {
        "paid" => Outcome::Paid,
        "declined" => Outcome::Declined,
        _ => Outcome::Cancelled,
    };
    let event_id = uuid::Uuid::new_v4().to_string();
    let sent = match p.notification(&req, outcome, &event_id) {
        Ok((body, sig)) => reqwest::Client::new()
            .post(&req.notify_url)
            .header(SIGNATURE_HEADER, sig)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map(|r| r.status().is_success()),
        Err(e) => {
            tracing::error!(error = %rinnova_app::error::chain(&e), "sandbox notification");
            Ok(false)
        }
    };
    if !matches!(sent, Ok(true)) {
        // A real provider retries; the sandbox tells the tester.
        tracing::warn!(?sent, order = %req.order_id, "sandbox notification not accepted");
    }
    Redirect::to(&req.return_url).into_response()
}

async fn notify(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match s.app.payment_notified(&body, signature, &ctx).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e @ (AppError::BadNotification | AppError::NotFound)) => {
            tracing::warn!(code = e.code(), "payment notification refused");
            (crate::errors::status(&e), e.code()).into_response()
        }
        Err(e) => (crate::errors::status(&e), e.code()).into_response(),
    }
}
