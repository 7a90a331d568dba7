//! For operators: readiness, and Prometheus metrics (request latency by route, renewals by
//! outcome, OTP failures, delivery queue depth). Keep `/metrics` behind the reverse proxy.

use crate::WebState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;

/// The histogram of request latencies.
pub const REQUEST_SECONDS: &str = "rinnova_http_request_duration_seconds";

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_page))
}

/// 200 when the database answers, 503 otherwise (a load balancer stops sending requests).
async fn ready(State(s): State<WebState>) -> Response {
    match s.app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            // The cause, for whoever looks: the load balancer only reads the status.
            let why = rinnova_app::error::chain(&e);
            tracing::warn!(error = %why, code = e.code(), "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why} ({})", e.code()),
            )
                .into_response()
        }
    }
}

async fn metrics_page(State(s): State<WebState>) -> Response {
    let Some(handle) = &s.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match s.app.queue_depth().await {
        Ok(depths) => {
            for channel in ["email", "sms"] {
                let n = depths
                    .iter()
                    .find(|(c, _)| c == channel)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("rinnova_outbox_pending", "channel" => channel).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %rinnova_app::error::chain(&e), "queue depth unavailable"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Records each request's latency, labelled by method, route pattern (never the raw path:
/// ids would explode the label set) and status class.
pub async fn record_latency(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let resp = next.run(req).await;
    let status = format!("{}xx", resp.status().as_u16() / 100);
    metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route, "status" => status)
        .record(start.elapsed().as_secs_f64());
    resp
}

/// Installs the Prometheus recorder once per process; its handle renders `/metrics`.
pub fn metrics_recorder() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    let built = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(REQUEST_SECONDS.to_owned()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ],
        )
        .and_then(PrometheusBuilder::install_recorder);
    match built {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "metrics off");
            None
        }
    }
}
