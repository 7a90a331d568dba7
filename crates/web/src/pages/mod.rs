//! The holder portal: one handler per action; each parses, calls a use case, then redirects
//! (POST → redirect → GET) or re-renders the page with a translated error summary. One module
//! per area; what they share is here.

mod auth;
mod ca;
mod demo;
mod home;
mod payment;
mod wizard;

use crate::errors::{retry_after, status};
use crate::forms::{CsrfForm, NoFields};
use crate::session::{
    Holder, LANG_COOKIE, SESSION_COOKIE, Visitor, request_lang, safe_next, set_cookie,
};
use crate::templates::{
    ErrorItem, ErrorPage, HomePage, LoginPage, OutboxItem, OutboxPage, PageCtx, RenewalPage, Tr,
};
use crate::{RequestCtx, WebState};
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rinnova_app::AppError;
use rinnova_app::auth::SessionKind;
use rinnova_app::i18n::Lang;
use rinnova_app::views::RenewalView;
use serde::Deserialize;
pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::set_lang))
        .route("/certificates/{id}/renew", post(home::renew))
        .route("/r/{token}", get(home::reminder_link))
        .route("/history", get(home::history))
        .route("/renewals/{id}", get(wizard::renewal_page))
        .route("/renewals/{id}/confirm-data", post(wizard::confirm_data))
        .route("/renewals/{id}/documents", post(wizard::accept_documents))
        .route("/renewals/{id}/documents/{name}", get(wizard::document))
        .route("/renewals/{id}/resend", post(wizard::resend))
        .route("/renewals/{id}/sign", post(wizard::sign))
        .route("/renewals/{id}/pay/coupon", post(payment::pay_with_coupon))
        .route("/renewals/{id}/pay/shop", post(payment::pay_in_shop))
        .route("/renewals/{id}/pay/rao", post(payment::pay_by_rao))
        .route(
            "/renewals/{id}/pay/prepaid",
            post(payment::pay_with_prepaid),
        )
        .route(
            "/renewals/{id}/contact",
            post(wizard::request_contact_change),
        )
        .route(
            "/renewals/{id}/contact/confirm",
            post(wizard::confirm_contact_change),
        )
        .route(
            "/renewals/{id}/activation-code",
            post(wizard::activation_code),
        )
        .route("/renewals/{id}/activate", post(wizard::activate))
        .route("/renewals/{id}/token-resync", post(wizard::token_resync))
        .route("/demo/outbox", get(demo::outbox))
        .route("/static/style.css", get(stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .route("/ca/root.der", get(ca::ca_root))
        .route("/ca/issuing.der", get(ca::ca_issuing))
        .route("/ca/crl.der", get(ca::ca_crl))
        .route("/ca/root-crl.der", get(ca::ca_root_crl))
        .route("/ca/ocsp", post(ca::ocsp_post))
        .route("/ca/ocsp/{*request}", get(ca::ocsp_get))
        .route("/tsa", post(ca::tsa_post))
}

pub(crate) fn page(
    state: &WebState,
    lang: Lang,
    csrf: &str,
    user: Option<&str>,
    path: &str,
) -> PageCtx {
    PageCtx {
        tr: Tr(lang),
        demo: state.app.config().demo,
        csrf: csrf.to_owned(),
        user: user.map(str::to_owned),
        path: path.to_owned(),
        other_lang: if lang == Lang::It { "en" } else { "it" },
        errors: vec![],
        notice: None,
        logout: "/logout",
    }
}

fn holder_page(state: &WebState, h: &Holder) -> PageCtx {
    page(
        state,
        h.session.lang,
        &h.session.csrf,
        Some(&h.session.user_id),
        &h.path,
    )
}

pub(crate) fn error_item(lang: Lang, e: &AppError, field: Option<&str>) -> ErrorItem {
    ErrorItem {
        message: lang.error(e),
        code: e.code().into(),
        field: field.map(str::to_owned),
    }
}

/// A full-page error (not found, internal…), translated.
pub(crate) fn error_page(state: &WebState, lang: Lang, e: &AppError) -> Response {
    let mut p = page(state, lang, "", None, "/");
    p.errors.push(error_item(lang, e, None));
    (
        status(e),
        retry_after(e),
        ErrorPage {
            page: p,
            request_id: crate::current_request_id(),
        },
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

/// A form whose token is not the session's (403).
pub(crate) fn csrf_refused(s: &WebState, lang: Lang) -> Response {
    request_error_page(s, lang, StatusCode::FORBIDDEN, "RNV-CSRF-001")
}

/// The error page of a request refused before any use case ran, with its code.
pub(crate) fn request_error_page(
    s: &WebState,
    lang: Lang,
    status: StatusCode,
    code: &str,
) -> Response {
    let mut p = page(s, lang, "", None, "/");
    p.errors.push(ErrorItem {
        message: lang.t(&format!("err-{code}")),
        code: code.into(),
        field: None,
    });
    (
        status,
        ErrorPage {
            page: p,
            request_id: crate::current_request_id(),
        },
    )
        .into_response()
}

/// A PDF, shown in the browser or downloaded.
pub fn pdf_response(pdf: Vec<u8>, name: &str, download: bool) -> Response {
    let disposition = format!(
        "{}; filename=\"{name}.pdf\"",
        if download { "attachment" } else { "inline" }
    );
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response()
}
