//! The Cloud Signature Consortium API (issue 22): rinnova as the remote signature service
//! provider of the credentials it renews. Version 2 under `/csc/v2` and version 1.0.4.0 (what
//! pyHanko's `CSCSigner` speaks) under `/csc/v1`, the OAuth 2.0 token endpoint at
//! `/oauth2/token` (client credentials), and their OpenAPI document at `/csc/openapi.json`.
//! Errors are CSC's: `{"error", "error_description"}` with status 400 or 401.

pub mod v1;
pub mod v2;

use crate::{RequestCtx, WebState};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use rinnova_app::AppError;
use rinnova_app::auth::SessionKind;
use rinnova_app::csc::{Caller, CscFailure, Refusal};
use rinnova_domain::csc::{AlgorithmError, AuthorizeError, SadError};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A CSC error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CscErrorBody {
    /// The CSC (OAuth 2.0) error code: `invalid_request`, `invalid_token`, `invalid_pin`…
    pub error: String,
    pub error_description: String,
}

/// Why a CSC request failed: the status, the error code and its description.
#[derive(Debug)]
pub struct CscError {
    status: StatusCode,
    error: &'static str,
    description: String,
    retry_after: Option<i64>,
}

impl CscError {
    fn bad(error: &'static str, description: impl Into<String>) -> Self {
        CscError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            retry_after: None,
        }
    }

    fn invalid(description: impl Into<String>) -> Self {
        Self::bad("invalid_request", description)
    }

    fn token() -> Self {
        CscError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: "The access token is not valid".into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for CscError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            axum::Json(CscErrorBody {
                error: self.error.into(),
                error_description: self.description,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rinnova\""),
            );
        }
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// Which version's names an error takes (they differ for a wrong PIN or code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
}

impl CscError {
    /// A use case's failure, named as `version` names it.
    pub(crate) fn of(f: CscFailure, version: Version) -> Self {
        match f {
            CscFailure::App(e) => Self::app(e),
            CscFailure::Refused(r) => Self::refusal(r, version),
        }
    }

    fn app(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated => Self::token(),
            AppError::Unavailable(_) => CscError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                error: "temporarily_unavailable",
                description: "The remote service cannot answer now; nothing was signed".into(),
                retry_after: Some(5),
            },
            AppError::Internal(_) => {
                tracing::error!(error = %rinnova_app::error::chain(&e), "CSC request failed");
                CscError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: "server_error",
                    description: format!(
                        "The remote service failed ({}); nothing was signed",
                        e.code()
                    ),
                    retry_after: None,
                }
            }
            other => Self::invalid(other.to_string()),
        }
    }

    fn refusal(r: Refusal, version: Version) -> Self {
        let auth = |v1: &'static str, what: String| match version {
            Version::V1 => Self::bad(v1, what),
            Version::V2 => Self::bad("invalid_authentication_data", what),
        };
        match r {
            Refusal::InvalidCredential => Self::invalid("Invalid parameter credentialID"),
            Refusal::CredentialDisabled => {
                Self::invalid("The credential identified by credentialID is disabled")
            }
            Refusal::CertificateExpired => Self::invalid("Signing certificate is expired"),
            Refusal::CredentialLocked => Self::invalid("Credential locked"),
            Refusal::Authorize(AuthorizeError::NumSignatures) => {
                Self::invalid("Invalid value for parameter numSignatures")
            }
            Refusal::Authorize(AuthorizeError::TooMany) => {
                Self::invalid("Numbers of signatures is too high")
            }
            Refusal::Authorize(AuthorizeError::HashesRequired) => Self::invalid(
                "Missing (or invalid type) array parameter hash: SCAL 2, list one hash per signature",
            ),
            Refusal::Authorize(AuthorizeError::DigestLength)
            | Refusal::Algorithm(AlgorithmError::DigestLength) => {
                Self::invalid("Invalid digest value length")
            }
            Refusal::Algorithm(AlgorithmError::SignAlgorithm) => {
                Self::invalid("Invalid parameter signAlgo")
            }
            Refusal::Algorithm(AlgorithmError::HashAlgorithm) | Refusal::InvalidHashAlgorithm => {
                Self::invalid(match version {
                    Version::V1 => "Invalid parameter hashAlgo",
                    Version::V2 => "Invalid parameter hashAlgorithmOID",
                })
            }
            Refusal::InvalidBase64 => Self::invalid("Invalid Base64 hash string parameter"),
            Refusal::WrongPin { remaining } => auth(
                "invalid_pin",
                format!(
                    "The PIN is invalid ({remaining} attempts left before the credential is locked)"
                ),
            ),
            Refusal::WrongOtp(code) => auth("invalid_otp", format!("The OTP is invalid ({code})")),
            Refusal::Throttled { minutes } => CscError {
                status: StatusCode::TOO_MANY_REQUESTS,
                error: "access_denied",
                description: format!("Too many failed attempts; try again in {minutes} minutes"),
                retry_after: Some(minutes * 60),
            },
            Refusal::InvalidSad => Self::invalid("Invalid parameter SAD"),
            Refusal::SadExpired => Self::invalid("SAD expired"),
            Refusal::Sad(SadError::HashNotAuthorized) => {
                Self::invalid("Hash is not authorized by the SAD")
            }
            Refusal::Sad(SadError::TooMany) => {
                Self::invalid("More signatures than the SAD authorizes")
            }
            Refusal::Sad(SadError::Repeated) => Self::invalid("The same hash is listed twice"),
            Refusal::UserId => Self::invalid("Invalid parameter userID"),
            Refusal::InvalidClient => Self::invalid("Invalid parameter client_secret"),
        }
    }
}

/// A CSC JSON body; one that cannot be read is a CSC `invalid_request`.
pub(crate) struct CscJson<T>(pub T);

impl<T, S> FromRequest<S> for CscJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = CscError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // CSC clients send `{}` or nothing for methods without parameters.
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        if empty {
            return serde_json::from_str("{}")
                .map(CscJson)
                .map_err(|e| CscError::invalid(e.to_string()));
        }
        // A JSON object: serde would read a struct from an array too.
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) if v.is_object() => v,
            Ok(_) => return Err(CscError::invalid("The body must be a JSON object")),
            Err(e) => return Err(CscError::invalid(e.body_text())),
        };
        serde_json::from_value(value)
            .map(CscJson)
            .map_err(|e| CscError::invalid(format!("Invalid parameter: {e}")))
    }
}

/// The caller of a CSC method: a holder's access token from `auth/login`, or a signing
/// application's from `oauth2/token`.
pub(crate) struct CscCaller {
    pub caller: Caller,
    pub token: String,
}

fn bearer(parts: &Parts) -> Result<&str, CscError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(CscError::token)?
        .to_str()
        .map_err(|_| CscError::invalid("Malformed authorization header"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| CscError::invalid("Malformed authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(CscError::invalid("Malformed authorization header"));
    }
    Ok(token.trim())
}

impl FromRequestParts<WebState> for CscCaller {
    type Rejection = CscError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?.to_owned();
        if let Some(client) = state
            .app
            .client_of_token(&token)
            .await
            .map_err(CscError::app)?
        {
            return Ok(CscCaller {
                caller: client,
                token,
            });
        }
        let session = state
            .app
            .session_of(&token, SessionKind::Api)
            .await
            .map_err(CscError::app)?;
        Ok(CscCaller {
            caller: Caller::Holder(session.holder_id),
            token,
        })
    }
}

/// HTTP Basic credentials (RFC 7617): user-id and password. Checked before the body is read,
/// so a request without them is a 401 whatever its body.
pub(crate) struct Basic {
    user: String,
    password: rinnova_domain::secret::Secret,
}

impl<S: Send + Sync> FromRequestParts<S> for Basic {
    type Rejection = CscError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, rest)| rest.trim())
            .ok_or_else(|| CscError {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_request",
                description: "Malformed authentication parameter".into(),
                retry_after: None,
            })?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| CscError::invalid("Malformed username-password"))?;
        let (user, password) = decoded
            .split_once(':')
            .ok_or_else(|| CscError::invalid("Malformed username-password"))?;
        Ok(Basic {
            user: user.to_owned(),
            password: rinnova_domain::secret::Secret::new(password),
        })
    }
}

/// `auth/login`: the holder's user-id and password by HTTP Basic, throttled and locked as
/// portal logins (SPEC A1); the access token is an API session's.
pub(crate) async fn basic_login(
    s: &WebState,
    basic: &Basic,
    ctx: &rinnova_app::Ctx,
) -> Result<(String, i64), CscError> {
    match s
        .app
        .login(&basic.user, basic.password.expose(), SessionKind::Api, ctx)
        .await
    {
        Ok(n) => Ok((
            n.token.expose().to_owned(),
            s.app.config().session_idle_seconds,
        )),
        Err(AppError::LoginLocked { minutes } | AppError::AddressLocked { minutes }) => {
            Err(CscError {
                status: StatusCode::TOO_MANY_REQUESTS,
                error: "access_denied",
                description: format!("Too many failed logins; try again in {minutes} minutes"),
                retry_after: Some(minutes * 60),
            })
        }
        Err(AppError::LoginFailed) => Err(CscError::bad(
            "authentication_error",
            "An error occurred during authentication process",
        )),
        Err(e) => Err(CscError::app(e)),
    }
}

/// Ends the caller's token (`auth/revoke`): the one named, if it is the caller's own.
pub(crate) async fn revoke(
    s: &WebState,
    c: &CscCaller,
    token: &str,
    ctx: &rinnova_app::Ctx,
) -> Result<StatusCode, CscError> {
    if token.trim() != c.token {
        return Err(CscError::invalid("Invalid string parameter token"));
    }
    match &c.caller {
        Caller::Client { .. } => {
            s.app
                .revoke_client_token(token)
                .await
                .map_err(CscError::app)?;
        }
        Caller::Holder(_) => s.app.logout(token, ctx).await.map_err(CscError::app)?,
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    pub expires_in: i64,
}

/// OAuth 2.0 token endpoint, client credentials grant (RFC 6749 §4.4) for registered signing
/// applications (`rinnova clients add NAME`): the client authenticates with HTTP Basic or
/// `client_id` and `client_secret` in the form. The holder still authorises each signature
/// with PIN and one-time code.
#[utoipa::path(post, path = "/oauth2/token",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), (status = 400, body = CscErrorBody),
        (status = 401, body = CscErrorBody), (status = 429, body = CscErrorBody)))]
pub(crate) async fn oauth2_token(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<axum::Json<TokenResponse>, CscError> {
    let form: TokenRequest = serde_urlencoded::from_bytes(&body)
        .map_err(|e| CscError::invalid(format!("Malformed form: {e}")))?;
    match form.grant_type.as_deref() {
        None => return Err(CscError::invalid("Missing parameter grant_type")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(CscError::bad(
                "unsupported_grant_type",
                "Invalid parameter grant_type",
            ));
        }
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, rest)| {
            base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match (&basic, &form.client_id, &form.client_secret) {
        (Some(pair), _, _) => pair
            .split_once(':')
            .map(|(i, s)| (i.to_owned(), s.to_owned()))
            .ok_or_else(|| CscError::invalid("Malformed authorization header"))?,
        (None, Some(i), Some(s)) => (i.clone(), s.clone()),
        (None, None, _) => return Err(CscError::invalid("Missing parameter client_id")),
        (None, Some(_), None) => {
            return Err(CscError {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_client",
                description: "Client authorization required".into(),
                retry_after: None,
            });
        }
    };
    let t = s
        .app
        .client_token(&id, &secret, &ctx)
        .await
        .map_err(|f| match f {
            CscFailure::Refused(Refusal::InvalidClient) => CscError {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_client",
                description: "Invalid client_id or client_secret".into(),
                retry_after: None,
            },
            other => CscError::of(other, Version::V2),
        })?;
    Ok(axum::Json(TokenResponse {
        access_token: t.token.expose().to_owned(),
        token_type: "Bearer".into(),
        expires_in: t.expires_in,
    }))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "rinnova remote signing (CSC API)",
        description = "Cloud Signature Consortium API v2.0 (`/csc/v2`) and v1.0.4.0 (`/csc/v1`) for the holders' remote-signature credentials (issue 22). Service authorisation: `auth/login` (HTTP Basic, the holder's user-id and password) or `/oauth2/token` (client credentials of a registered signing application). Each authorisation needs the holder's PIN and a one-time code; the SAD it gives is bound to the credential and to the listed hashes (SCAL 2)."),
    components(schemas(CscErrorBody)),
    modifiers(&Security)
)]
struct CscDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// The CSC routes and their OpenAPI document.
pub fn routes() -> Router<WebState> {
    let (router, mut doc) = OpenApiRouter::with_openapi(CscDoc::openapi())
        .nest("/csc/v2", v2::routes())
        .nest("/csc/v1", v1::routes())
        .routes(routes!(oauth2_token))
        .split_for_parts();
    common_errors(&mut doc);
    let doc = Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
    router
        .route(
            "/csc/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
            }),
        )
        .route("/csc/{*rest}", post(not_implemented).get(not_implemented))
}

/// Adds to every operation the error answers any request can get beside its own: 400 (a
/// body that cannot be read), 413 (too large), 429 (too many failures), 500 and 503.
fn common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("CscErrorBody"))),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.post].into_iter().flatten() {
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            };
            add(
                "400",
                "`invalid_request`: the request could not be read, or is refused.",
            );
            add("413", "`invalid_request`: the body is larger than 64 KiB.");
            add(
                "429",
                "`access_denied`: too many failures lately (`Retry-After`).",
            );
            add("500", "`server_error`: nothing was signed.");
            add(
                "503",
                "`temporarily_unavailable`: try again (`Retry-After`).",
            );
        }
    }
}

async fn not_implemented() -> CscError {
    CscError {
        status: StatusCode::NOT_IMPLEMENTED,
        error: "not_implemented_method",
        description: "The method is not implemented".into(),
        retry_after: None,
    }
}

/// Writes the CSC error shape for answers under `/csc/` and `/oauth2/` that carry no JSON
/// (a layer's 413, the router's 405).
pub async fn render(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !(path.starts_with("/csc/") || path.starts_with("/oauth2/")) {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let description = match status.as_u16() {
        413 => "The body is larger than 64 KiB",
        405 => "Use POST",
        404 => "The method is not implemented",
        _ => "The request could not be read",
    };
    let body = serde_json::to_vec(&CscErrorBody {
        error: if status == StatusCode::NOT_FOUND {
            "not_implemented_method".into()
        } else {
            "invalid_request".into()
        },
        error_description: description.into(),
    })
    .unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Base64 of DER.
pub(crate) fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// A time as CSC writes it (`YYYYMMDDHHmmssZ`).
pub(crate) fn generalized(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y%m%d%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// The service's description (`info`).
pub(crate) struct About {
    pub name: &'static str,
    pub description: &'static str,
    pub methods: &'static [&'static str],
}

pub(crate) const ABOUT: About = About {
    name: "rinnova",
    description: "Remote qualified signatures with the certificates rinnova renews",
    methods: &[
        "auth/login",
        "auth/revoke",
        "credentials/list",
        "credentials/info",
        "credentials/authorize",
        "credentials/extendTransaction",
        "credentials/sendOTP",
        "signatures/signHash",
    ],
};
