//! What the staff areas (CDRL, RAO desk) share: the login page, the login answer with its own
//! session cookie, and the logout.

use crate::WebState;
use crate::pages::{error_item, page};
use crate::session::set_cookie;
use crate::templates::{StaffArea, StaffLoginPage};
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use rinnova_app::AppError;
use rinnova_app::i18n::Lang;
use serde::Deserialize;

/// A staff login form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// A form that carries only the session's CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The login page, with the errors of a failed attempt.
pub fn login_page(
    s: &WebState,
    lang: Lang,
    area: StaffArea,
    username: String,
    error: Option<&AppError>,
) -> Response {
    let mut p = page(s, lang, "", None, area.login_path);
    if let Some(e) = error {
        p.errors.push(error_item(lang, e, Some("username")));
    }
    let status = error.map_or(axum::http::StatusCode::OK, crate::errors::status);
    (
        status,
        error.and_then(crate::errors::retry_after),
        StaffLoginPage {
            page: p,
            area,
            username,
        },
    )
        .into_response()
}

/// After a login attempt: the session cookie and the area, or the page again.
pub fn login_done(
    s: &WebState,
    lang: Lang,
    area: StaffArea,
    username: String,
    outcome: Result<String, AppError>,
) -> Response {
    match outcome {
        Ok(token) => (
            AppendHeaders([(
                header::SET_COOKIE,
                set_cookie(area.cookie, &token, 8 * 3600, s.secure_cookies),
            )]),
            Redirect::to(area.home),
        )
            .into_response(),
        Err(e) => login_page(s, lang, area, username, Some(&e)),
    }
}

/// After logout: the cookie cleared, back to the login.
pub fn logout_done(s: &WebState, area: StaffArea) -> Response {
    (
        AppendHeaders([(
            header::SET_COOKIE,
            set_cookie(area.cookie, "", 0, s.secure_cookies),
        )]),
        Redirect::to(area.login_path),
    )
        .into_response()
}
