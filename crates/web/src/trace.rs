//! Request ids and request traces. Every request gets an id — the client's `X-Request-Id` when
//! it sent a sane one (1–64 of `A-Z a-z 0-9 . _ -`), else a new UUID — which is returned in the
//! `X-Request-Id` header, carried by every log line of the request (a `request` span opened by
//! tower-http's `TraceLayer`), written in the audit rows it causes and printed on error pages.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnFailure, DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: Arc<str>;
}

/// The id of the request being answered, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|id| id.to_string()).ok()
}

fn sane(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    (1..=64).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// Gives the request its id (in the request's and the response's `X-Request-Id`) and answers
/// it with the id current.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = match req.headers().get(X_REQUEST_ID) {
        Some(v) if sane(v) => v.clone(),
        _ => HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
            .unwrap_or(HeaderValue::from_static("-")),
    };
    req.headers_mut().insert(X_REQUEST_ID, id.clone());
    let current: Arc<str> = Arc::from(id.to_str().unwrap_or("-"));
    let mut res = CURRENT.scope(current, next.run(req)).await;
    res.headers_mut().insert(X_REQUEST_ID, id);
    res
}

/// The `request` span of each request: its id, method and route pattern (never the raw path,
/// which may hold a link's token). The response is logged at DEBUG
/// (`RUST_LOG=tower_http=debug` for an access log), a server error at ERROR.
pub fn layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, impl Fn(&Request) -> tracing::Span + Clone>
{
    TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get(X_REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("-", MatchedPath::as_str);
            tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
        })
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(DefaultOnResponse::new().level(Level::DEBUG))
        .on_failure(DefaultOnFailure::new().level(Level::ERROR))
}
