//! The API's one error shape: `{"error": {"code", "message", "detail"?}}` with the status and
//! `Retry-After` of the failure. A handler returns `Result<_, ApiError>` and uses `?`; the body
//! is written once, by [`render`], in the caller's language (the session's, or
//! `Accept-Language`). Axum's own rejections (bad JSON, wrong content type, body too large,
//! unknown path, wrong method) come out in the same shape, with an `RNV-REQ-…` code.

use crate::errors;
use crate::session::request_lang;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rinnova_app::AppError;
use rinnova_app::i18n::Lang;
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use utoipa::ToSchema;

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: ErrorBody,
}

/// A stable code, its translated message and, for a request the API could not read, what was
/// wrong with it (technical, in English).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Why an API request failed.
#[derive(Debug)]
pub enum ApiError {
    /// A use case said no, or failed.
    App(AppError),
    /// The request could not be read: its status, code and what was wrong.
    Request {
        status: StatusCode,
        detail: Option<String>,
    },
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl ApiError {
    /// A request the API could not read, answered with `status`.
    pub fn request(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError::Request {
            status,
            detail: Some(detail.into()),
        }
    }

    /// The body, written for `lang`.
    pub fn body(&self, lang: Lang) -> ApiErrorBody {
        let (code, message, detail) = match self {
            ApiError::App(e) => (e.code().to_owned(), lang.error(e), None),
            ApiError::Request { status, detail } => {
                let code = request_code(*status);
                (
                    code.to_owned(),
                    lang.t(&format!("err-{code}")),
                    detail.clone(),
                )
            }
        };
        ApiErrorBody {
            error: ErrorBody {
                code,
                message,
                detail,
            },
        }
    }
}

/// The code of a request the API could not read, by its status.
fn request_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "RNV-AUTH-001",
        403 => "RNV-CSRF-002",
        404 => "RNV-GEN-404",
        405 => "RNV-REQ-405",
        413 => "RNV-REQ-413",
        415 => "RNV-REQ-415",
        422 => "RNV-REQ-422",
        429 => "RNV-REQ-429",
        500..=599 => "RNV-GEN-500",
        _ => "RNV-REQ-400",
    }
}

/// The failure travels to [`render`] inside the response.
#[derive(Clone)]
struct Failure(Arc<ApiError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = match &self {
            // Status and Retry-After set (and a 5xx logged) once, by `decorate`.
            ApiError::App(e) => {
                let mut r = Response::default();
                errors::decorate(&mut r, e);
                r
            }
            ApiError::Request { status, .. } => status.into_response(),
        };
        r.extensions_mut().insert(Failure(Arc::new(self)));
        r
    }
}

/// The language of the API's answer, once the caller is known: the logged-in holder's. An
/// extractor that finds the session sets it; [`render`] reads it.
#[derive(Clone, Default)]
pub struct AnswerLang(Arc<OnceLock<Lang>>);

impl AnswerLang {
    /// Answer in `lang` (the first call wins).
    pub fn set(parts: &Parts, lang: Lang) {
        if let Some(cell) = parts.extensions.get::<AnswerLang>() {
            let _ = cell.0.set(lang);
        }
    }
}

/// Writes every error answer of the API (`/api/…`): a handler's [`ApiError`] in the caller's
/// language, and any other error status without a JSON body (a layer's 413, the router's 404
/// and 405) as the same shape.
pub async fn render(mut req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let fallback = request_lang(req.headers());
    let cell = AnswerLang::default();
    req.extensions_mut().insert(cell.clone());
    let mut res = next.run(req).await;
    let lang = cell.0.get().copied().unwrap_or(fallback);
    let failure = match res.extensions_mut().remove::<Failure>() {
        Some(Failure(f)) => f,
        None => {
            let status = res.status();
            let json = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            if !(status.is_client_error() || status.is_server_error()) || json {
                return res;
            }
            Arc::new(ApiError::Request {
                status,
                detail: None,
            })
        }
    };
    let body = match serde_json::to_vec(&failure.body(lang)) {
        Ok(b) => b,
        Err(_) => return res,
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// A JSON request body; what cannot be read is an [`ApiError`] (400 syntax, 413 too large,
/// 415 not `application/json`, 422 not the expected shape).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A path parameter; one that cannot be decoded is an [`ApiError`] (400).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// A query string; one that cannot be read is an [`ApiError`] (400).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError::request(r.status(), r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::request(StatusCode::BAD_REQUEST, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::request(StatusCode::BAD_REQUEST, r.body_text())
    }
}

/// The language of a caller without a session (`Accept-Language`, or the language cookie).
pub struct CallerLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for CallerLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CallerLang(request_lang(&parts.headers)))
    }
}

/// Answers of a handler: a JSON value or an error.
pub type ApiResult<T> = Result<axum::Json<T>, ApiError>;

/// The value as a JSON answer.
pub fn json<T>(r: Result<T, AppError>) -> ApiResult<T> {
    Ok(axum::Json(r?))
}
