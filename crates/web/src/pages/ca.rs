//! The CA's public endpoints: its certificates, CRL and OCSP responder.

use super::*;

pub(super) fn der(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pkix-cert"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}

pub(super) async fn ca_root(State(s): State<WebState>) -> Response {
    der(s.app.ca().material().root_cert_der.clone())
}

pub(super) async fn ca_issuing(State(s): State<WebState>) -> Response {
    der(s.app.ca().material().issuing_cert_der.clone())
}

/// The CRL (RFC 5280) at the URL of the certificates' CRL distribution point.
pub(super) async fn ca_crl(State(s): State<WebState>) -> Response {
    match s.app.crl().await {
        Ok(der) => (
            [
                (header::CONTENT_TYPE, "application/pkix-crl"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            der,
        )
            .into_response(),
        Err(e) => error_page(&s, Lang::It, &e),
    }
}

/// The root's CRL (issue 20), at the URL of the issuing CA certificate's CRL distribution
/// point; the root signs it offline (`rinnova ca root-crl`), the service only serves it.
pub(super) async fn ca_root_crl(State(s): State<WebState>) -> Response {
    match rinnova_app::root::latest_root_crl(s.app.store()).await {
        Ok(Some(der)) => (
            [
                (header::CONTENT_TYPE, "application/pkix-crl"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            der,
        )
            .into_response(),
        Ok(None) => error_page(&s, Lang::It, &AppError::NotFound),
        Err(e) => error_page(&s, Lang::It, &e),
    }
}

pub(super) fn ocsp_response(s: &WebState, r: Result<Vec<u8>, AppError>) -> Response {
    match r {
        Ok(der) => ([(header::CONTENT_TYPE, "application/ocsp-response")], der).into_response(),
        Err(e) => error_page(s, Lang::It, &e),
    }
}

/// OCSP (RFC 6960 §A.1) by POST: the DER request is the body.
pub(super) async fn ocsp_post(State(s): State<WebState>, body: axum::body::Bytes) -> Response {
    ocsp_response(&s, s.app.ocsp(&body).await)
}

/// OCSP by GET: the base64 of the DER request is the rest of the path (URL-encoded).
pub(super) async fn ocsp_get(State(s): State<WebState>, Path(request): Path<String>) -> Response {
    use base64::Engine;
    let b64 = request.trim_start_matches('/');
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64))
        .unwrap_or_default();
    ocsp_response(&s, s.app.ocsp(&der).await)
}

/// The time-stamping unit (RFC 3161 over HTTP, §3.4): the DER query is the body
/// (`application/timestamp-query`), the answer a `TimeStampResp` (`application/timestamp-reply`)
/// — a token, or a refusal that says why.
pub(super) async fn tsa_post(
    State(s): State<WebState>,
    crate::RequestCtx(ctx): crate::RequestCtx,
    body: axum::body::Bytes,
) -> Response {
    match s.app.time_stamp(&body, &ctx).await {
        Ok(der) => ([(header::CONTENT_TYPE, "application/timestamp-reply")], der).into_response(),
        Err(e) => error_page(&s, Lang::It, &e),
    }
}
