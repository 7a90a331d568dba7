//! The JSON API (`/api/v1`): the same renewal flow for programs, authenticated with a bearer
//! token from `POST /api/v1/login`. Errors are `{"error": {"code", "message"}}` in the holder's
//! language (or `Accept-Language` before login). The OpenAPI document is at `openapi.json`.
//!
//! Each area has its module; a route and its OpenAPI entry are declared once, together
//! (`routes!`), and the document is made from the router itself.

mod auth;
mod card;
mod demo;
pub mod error;
mod payment;
mod recover;
mod renewal;

pub use auth::ApiHolder;
pub use error::{ApiError, ApiErrorBody, ApiJson, ApiPath, ApiResult};

use crate::WebState;
use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "rinnova API", description = "Renewal of qualified remote-signature certificates (SPEC §5)."),
    components(schemas(ApiErrorBody)),
    modifiers(&Bearer)
)]
struct ApiDoc;

/// The API's routes under `/api/v1`, their OpenAPI document at `/api/v1/openapi.json`, and a
/// JSON 404 for any other path there.
pub fn routes() -> Router<WebState> {
    let api = OpenApiRouter::new()
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::home))
        .routes(routes!(auth::history))
        .routes(routes!(auth::certificate_pem))
        .routes(routes!(auth::resync))
        .routes(routes!(auth::open_reminder_link))
        .routes(routes!(renewal::start))
        .routes(routes!(renewal::renewal))
        .routes(routes!(renewal::confirm_data))
        .routes(routes!(renewal::request_contact_change))
        .routes(routes!(renewal::confirm_contact_change))
        .routes(routes!(renewal::accept_documents))
        .routes(routes!(renewal::document))
        .routes(routes!(renewal::resend))
        .routes(routes!(renewal::sign))
        .routes(routes!(renewal::activation_code))
        .routes(routes!(renewal::activate))
        .routes(routes!(payment::pay_with_coupon))
        .routes(routes!(payment::pay_in_shop))
        .routes(routes!(payment::pay_by_rao))
        .routes(routes!(payment::pay_with_prepaid))
        .routes(routes!(card::card_status))
        .routes(routes!(card::card_renewal_request))
        .routes(routes!(card::card_renewal))
        .routes(routes!(card::card_renewal_stored))
        .routes(routes!(recover::recover_password))
        .routes(routes!(recover::recover_user_id))
        .routes(routes!(recover::recovery, recover::complete_recovery))
        .routes(routes!(recover::recovery_code))
        // Demo only, not in the document.
        .route("/demo/outbox", get(demo::outbox))
        .fallback(|| async {
            ApiError::Request {
                status: axum::http::StatusCode::NOT_FOUND,
                detail: None,
            }
        });
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .split_for_parts();
    common_errors(&mut doc);
    let doc = Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
        }),
    )
}

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds to every operation the error answers any request of its shape can get, beside the ones
/// its own entry names: 400 (a path or body that cannot be read), 401 (bearer-authenticated:
/// no or an ended session), 404 (a path naming something), 413/415/422 (a JSON body too large,
/// of another type, or not of the schema), 503 (the database unreachable for a moment) and
/// 500.
fn common_errors(doc: &mut utoipa::openapi::OpenApi) {
    let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ApiErrorBody"))),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let named = path.contains('{');
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            };
            add("400", "The request could not be read (`RNV-REQ-400`).");
            if named {
                add("404", "Not found, or not the caller's (`RNV-GEN-404`).");
            }
            add(
                "500",
                "An internal error (`RNV-GEN-500`); nothing was lost.",
            );
            add(
                "503",
                "The database cannot be reached for a moment (`RNV-GEN-503`, `Retry-After`).",
            );
            if op.request_body.is_some() {
                add("413", "The body is larger than 64 KiB (`RNV-REQ-413`).");
                add("415", "The body is not `application/json` (`RNV-REQ-415`).");
                add("422", "The body is not of the schema (`RNV-REQ-422`).");
            }
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                add("401", "No session, or it ended (`RNV-AUTH-001`).");
            }
        }
    }
}
