//! rinnova's HTTP face: the holder portal (server-rendered HTML, Italian by default, English
//! selectable, usable without JavaScript) and the JSON API under `/api/v1` with its OpenAPI
//! document. Handlers are thin: parse → call a use case of `rinnova-app` → render.

pub mod api;
mod cdrl;
pub mod csc;
mod desk;
mod errors;
mod forms;
mod ops;
pub use ops::{REQUEST_SECONDS, metrics_recorder};
mod pages;
mod recover;
mod sandbox;
mod session;
mod staff;
mod templates;
mod trace;
pub use trace::current_request_id;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rinnova_app::{App, Ctx};
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    /// Mark cookies `Secure` (the portal is served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed: behind them the client address
    /// (audit, per-address throttling) is the one they forwarded.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The Prometheus recorder's handle, when metrics are recorded (`/metrics`).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// The whole HTTP application.
pub fn router(state: WebState) -> Router {
    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
               frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
    Router::new()
        .merge(pages::routes())
        .merge(sandbox::routes())
        .merge(cdrl::routes())
        .merge(desk::routes())
        .merge(recover::routes())
        .merge(api::routes())
        .merge(csc::routes())
        .merge(ops::routes())
        .layer(middleware::from_fn(same_origin_posts))
        .layer(middleware::from_fn(ops::record_latency))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024))
        .layer(middleware::from_fn(api::error::render))
        .layer(middleware::from_fn(csc::render))
        .layer(trace::layer())
        .layer(middleware::from_fn(trace::request_id))
        .with_state(state)
}

/// Refuses state-changing browser requests that come from another site (CSRF defence in depth,
/// beside the per-session form tokens): `Sec-Fetch-Site` must not be `cross-site`, and an
/// `Origin`, when sent, must be this host. Bearer-token API calls are not cookie-authenticated
/// and pass.
async fn same_origin_posts(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer = req.headers().get(header::AUTHORIZATION).is_some();
    if unsafe_method && !bearer {
        let h = req.headers();
        let cross_site = h
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site");
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_mismatch = match (h.get(header::ORIGIN).and_then(|v| v.to_str().ok()), host) {
            (Some("null"), _) => true,
            (Some(origin), Some(host)) => {
                origin.split_once("://").map(|(_, rest)| rest) != Some(host)
            }
            _ => false,
        };
        if cross_site || origin_mismatch {
            return (
                StatusCode::FORBIDDEN,
                "cross-site request refused (RNV-CSRF-002)",
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// The request's audit context: client address and request id.
pub struct RequestCtx(pub Ctx);

impl FromRequestParts<WebState> for RequestCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| {
                let forwarded = parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect::<Vec<_>>()
                    .join(",");
                client_ip(c.0.ip(), &forwarded, &state.trusted_proxies).to_string()
            });
        // Set, checked, by the request-id layer.
        let request_id = parts
            .headers
            .get(trace::X_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        Ok(RequestCtx(Ctx {
            ip,
            request_id: Some(request_id),
        }))
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
/// `X-Forwarded-For` entry that is not a trusted proxy itself (entries further left are
/// written by the client and could be forged).
fn client_ip(
    peer: std::net::IpAddr,
    forwarded_for: &str,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut last = peer;
    for entry in forwarded_for.rsplit(',') {
        match entry.trim().parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return ip,
            Err(_) => return last,
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn a1_client_address_behind_trusted_proxies_only() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // Not through a trusted proxy: the header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), "1.2.3.4", &proxies),
            ip("203.0.113.9")
        );
        // Through one or two proxies: the address the outermost trusted one saw.
        assert_eq!(
            client_ip(ip("10.0.0.1"), "198.51.100.7", &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), "6.6.6.6, 198.51.100.7, 10.0.0.2", &proxies),
            ip("198.51.100.7")
        );
        // No or malformed header: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.1"), "", &proxies), ip("10.0.0.1"));
        assert_eq!(client_ip(ip("10.0.0.1"), "junk", &proxies), ip("10.0.0.1"));
    }
}
