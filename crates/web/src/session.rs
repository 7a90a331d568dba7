//! Session cookies, language, and the extractors that find who is asking.

use crate::WebState;
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rinnova_app::auth::SessionInfo;
use rinnova_app::i18n::Lang;
use time::Duration;

pub const SESSION_COOKIE: &str = "rnv_session";
pub const LANG_COOKIE: &str = "rnv_lang";

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: the whole site, not for scripts, not sent on cross-site posts;
/// `max_age` 0 removes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::seconds(max_age))
        .secure(secure)
        .build()
        .to_string()
}

/// The language of a request without a session: cookie, then `Accept-Language`.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .map(|l| Lang::parse(&l))
        .unwrap_or_else(|| {
            Lang::from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        })
}

/// Whoever asks: a holder with a session, or nobody; and the language to answer in.
pub struct Visitor {
    pub token: Option<String>,
    pub session: Option<SessionInfo>,
    pub lang: Lang,
    pub path: String,
}

impl FromRequestParts<WebState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty());
        let session = match &token {
            Some(t) => state
                .app
                .session_of(t, rinnova_app::auth::SessionKind::Web)
                .await
                .ok(),
            None => None,
        };
        let lang = session
            .as_ref()
            .map_or_else(|| request_lang(&parts.headers), |s| s.lang);
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        Ok(Visitor {
            token,
            session,
            lang,
            path,
        })
    }
}

/// A logged-in holder (pages): anyone else is sent to the login page, and back here after.
pub struct Holder {
    pub token: rinnova_domain::secret::Secret,
    pub session: SessionInfo,
    pub path: String,
}

impl FromRequestParts<WebState> for Holder {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let v = Visitor::from_request_parts(parts, state)
            .await
            .map_err(|e| match e {})?;
        match (v.token, v.session) {
            (Some(token), Some(session)) => Ok(Holder {
                token: rinnova_domain::secret::Secret::new(token),
                session,
                path: v.path,
            }),
            _ => {
                let next = if parts.method == axum::http::Method::GET {
                    v.path
                } else {
                    "/".into()
                };
                Err(Redirect::to(&format!("/login?next={}", encode(&next))).into_response())
            }
        }
    }
}

/// Percent-encoding for a query value (a path stays readable: `/` is kept).
pub fn encode(s: &str) -> String {
    const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// A local path to go back to after login; anything else (other hosts, `//evil`) is home.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

/// Whether a submitted form token is the session's (constant time; an empty one never is).
pub fn csrf_matches(expected: &str, submitted: &str) -> bool {
    use subtle::ConstantTimeEq;
    !submitted.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next("/renewals/1"), "/renewals/1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", ""] {
            assert_eq!(safe_next(bad), "/");
        }
    }

    #[test]
    fn cookies_are_found_among_many() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; rnv_session=tok; rnv_lang=en".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(request_lang(&h), Lang::En);
        let set = set_cookie("x", "y", 10, true);
        for part in [
            "x=y",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=10",
            "Secure",
        ] {
            assert!(set.contains(part), "{set} lacks {part}");
        }
        assert!(!set_cookie("x", "", 0, false).contains("Secure"));
        assert_eq!(
            encode("/renewals/1?a=b c&é"),
            "/renewals/1%3Fa%3Db%20c%26%C3%A9"
        );
    }
}
