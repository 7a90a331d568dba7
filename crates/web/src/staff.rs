//! What the staff areas (CDRL, RAO desk) share: the login page, the login answer with its own
//! session cookie, and the logout.

use crate::WebState;
use crate::forms::FormSession;
use crate::pages::{error_item, page};
use crate::session::cookie;
use crate::session::set_cookie;
use crate::templates::{StaffArea, StaffLoginPage};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
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
    pub password: rinnova_domain::secret::Secret,
}

/// A staff area: its session cookie, its login page and how its sessions are found.
pub trait StaffKind: Send + Sync + 'static {
    type Session: Send + Sync;
    const COOKIE: &'static str;
    const LOGIN_PATH: &'static str;
    fn session(
        app: &rinnova_app::App,
        token: &str,
    ) -> impl std::future::Future<Output = Result<Self::Session, AppError>> + Send;
    fn csrf(session: &Self::Session) -> &str;
    fn lang(session: &Self::Session) -> Lang;
}

/// A logged-in member of staff of area `K` (a CDRL, an RAO); anyone else is sent to the
/// area's login page.
pub struct Staff<K: StaffKind> {
    pub token: rinnova_domain::secret::Secret,
    pub session: K::Session,
}

impl<K: StaffKind> FromRequestParts<WebState> for Staff<K> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &WebState) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, K::COOKIE).filter(|t| !t.is_empty());
        if let Some(token) = token
            && let Ok(session) = K::session(&s.app, &token).await
        {
            return Ok(Staff {
                token: rinnova_domain::secret::Secret::new(token),
                session,
            });
        }
        Err(Redirect::to(K::LOGIN_PATH).into_response())
    }
}

impl<K: StaffKind> FormSession for Staff<K> {
    fn csrf(&self) -> &str {
        K::csrf(&self.session)
    }
    fn lang(&self) -> Lang {
        K::lang(&self.session)
    }
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
