//! Forms posted in a session: the CSRF check done once, by the extractor.

use crate::WebState;
use crate::session::csrf_matches;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rinnova_app::i18n::Lang;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A session a form can be posted in (a holder's, a CDRL's, an RAO's): its form token and the
/// language to answer in.
pub trait FormSession {
    fn csrf(&self) -> &str;
    fn lang(&self) -> Lang;
}

/// A form posted by a logged-in `U`, whose `csrf` field must be `U`'s session token (compared
/// in constant time): the handler gets the user and the form's other fields, and never sees the
/// token. Someone not logged in gets `U`'s answer (the login page); a wrong or missing token,
/// 403 with RNV-CSRF-001; a body that is not a form of `T`'s shape, 422 with RNV-REQ-422.
pub struct CsrfForm<U, T>(pub U, pub T);

/// The fields of a form that carries nothing but its token (a button).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize, Default)]
struct Token {
    #[serde(default)]
    csrf: String,
}

impl<U, T> FromRequest<WebState> for CsrfForm<U, T>
where
    U: FromRequestParts<WebState> + FormSession + Send,
    U::Rejection: IntoResponse,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, s: &WebState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = U::from_request_parts(&mut parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), s)
            .await
            .map_err(IntoResponse::into_response)?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if !csrf_matches(user.csrf(), &token.csrf) {
            return Err(crate::pages::csrf_refused(s, user.lang()));
        }
        match serde_urlencoded::from_bytes(&bytes) {
            Ok(form) => Ok(CsrfForm(user, form)),
            Err(_) => Err(crate::pages::request_error_page(
                s,
                user.lang(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "RNV-REQ-422",
            )),
        }
    }
}

impl FormSession for crate::session::Holder {
    fn csrf(&self) -> &str {
        &self.session.csrf
    }
    fn lang(&self) -> Lang {
        self.session.lang
    }
}
