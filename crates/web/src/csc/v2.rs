//! CSC API v2.0 (`/csc/v2/…`).

use super::{
    ABOUT, Basic, CscCaller, CscError, CscErrorBody, CscJson, Version, b64, basic_login,
    generalized,
};
use crate::{RequestCtx, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rinnova_app::csc::{CredentialInfo, OtpKind};
use rinnova_domain::csc::{ECDSA_SIGNATURE_ALGORITHMS, P256_CURVE};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(info))
        .routes(routes!(login))
        .routes(routes!(revoke))
        .routes(routes!(list))
        .routes(routes!(credential_info))
        .routes(routes!(send_otp))
        .routes(routes!(authorize))
        .routes(routes!(extend))
        .routes(routes!(sign_hash))
}

const V: Version = Version::V2;

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct InfoRequest {
    pub lang: Option<String>,
}

/// The service and the methods it implements.
#[utoipa::path(post, path = "/info", request_body = Option<InfoRequest>,
    responses((status = 200, body = Object), (status = 400, body = CscErrorBody)))]
pub(crate) async fn info(
    State(s): State<WebState>,
    CscJson(_body): CscJson<InfoRequest>,
) -> Json<Value> {
    Json(json!({
        "specs": "2.0.0.2",
        "name": ABOUT.name,
        "logo": format!("{}/static/logo.png", s.app.config().public_url.trim_end_matches('/')),
        "region": "IT",
        "lang": "it-IT",
        "description": ABOUT.description,
        "authType": ["basic", "oauth2client"],
        "oauth2": s.app.config().public_url.trim_end_matches('/'),
        "methods": ABOUT.methods,
        "signAlgorithms": {"algos": ECDSA_SIGNATURE_ALGORITHMS.iter().map(|(o, _)| *o).collect::<Vec<_>>()},
        "signature_formats": {"formats": [], "envelope_properties": []},
        "conformance_levels": [],
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct LoginRequest {
    #[serde(rename = "rememberMe")]
    pub remember_me: Option<bool>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub expires_in: i64,
}

/// A service access token for the holder's user-id and password (HTTP Basic).
#[utoipa::path(post, path = "/auth/login", request_body = Option<LoginRequest>, security(("basic" = [])),
    responses((status = 200, body = LoginResponse), (status = 400, body = CscErrorBody),
        (status = 401, body = CscErrorBody), (status = 429, body = CscErrorBody)))]
pub(crate) async fn login(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    basic: Basic,
    CscJson(_body): CscJson<LoginRequest>,
) -> Result<Json<LoginResponse>, CscError> {
    let (access_token, expires_in) = basic_login(&s, &basic, &ctx).await?;
    Ok(Json(LoginResponse {
        access_token,
        expires_in,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RevokeRequest {
    pub token: String,
    pub token_type_hint: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// Ends the caller's access token.
#[utoipa::path(post, path = "/auth/revoke", request_body = RevokeRequest, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn revoke(
    State(s): State<WebState>,
    c: CscCaller,
    RequestCtx(ctx): RequestCtx,
    CscJson(r): CscJson<RevokeRequest>,
) -> Result<StatusCode, CscError> {
    super::revoke(&s, &c, &r.token, &ctx).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ListRequest {
    /// Only for a signing application's token: the holder's user-id.
    #[serde(rename = "userID")]
    pub user_id: Option<String>,
    #[serde(rename = "credentialInfo")]
    pub credential_info: Option<bool>,
    /// `none`, `single` or `chain`.
    pub certificates: Option<String>,
    #[serde(rename = "certInfo")]
    pub cert_info: Option<bool>,
    #[serde(rename = "authInfo")]
    pub auth_info: Option<bool>,
    #[serde(rename = "onlyValid")]
    pub only_valid: Option<bool>,
    pub lang: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

fn certificates_of(choice: Option<&str>) -> Result<usize, CscError> {
    match choice.unwrap_or("single") {
        "none" => Ok(0),
        "single" => Ok(1),
        "chain" => Ok(usize::MAX),
        _ => Err(CscError::invalid("Invalid parameter certificates")),
    }
}

/// A credential's description in v2's shape.
fn describe(c: &CredentialInfo, certificates: usize, cert_info: bool, auth_info: bool) -> Value {
    let mut cert = json!({"status": c.status});
    if certificates > 0 {
        cert["certificates"] = c.chain.iter().take(certificates).map(|d| b64(d)).collect();
    }
    if cert_info {
        cert["issuerDN"] = c.issuer_dn.clone().into();
        cert["subjectDN"] = c.subject_dn.clone().into();
        cert["serialNumber"] = c.serial_hex.to_uppercase().into();
        cert["validFrom"] = generalized(c.not_before).into();
        cert["validTo"] = generalized(c.not_after).into();
    }
    let mut out = json!({
        "credentialID": c.id.as_str(),
        "description": "Remote qualified signature certificate",
        "signatureQualifier": "eu_eidas_qes",
        "key": {
            "status": if c.enabled { "enabled" } else { "disabled" },
            "algo": ECDSA_SIGNATURE_ALGORITHMS.iter().map(|(o, _)| *o).collect::<Vec<_>>(),
            "len": 256,
            "curve": P256_CURVE,
        },
        "cert": cert,
        "auth": {"mode": "explicit"},
        "SCAL": "2",
        "multisign": c.multisign,
        "lang": "it-IT",
    });
    if auth_info {
        let otp = match c.otp {
            OtpKind::Sms => json!({"type": "Password", "id": "OTP", "format": "N", "label": "OTP",
                "description": "The code sent by SMS to your registered mobile (credentials/sendOTP)"}),
            OtpKind::Totp => {
                json!({"type": "Password", "id": "OTP", "format": "N", "generator": "totp",
                "label": "OTP", "description": "The code your token shows"})
            }
            OtpKind::Hotp => {
                json!({"type": "Password", "id": "OTP", "format": "N", "generator": "hotp",
                "label": "OTP", "description": "The code your token shows"})
            }
        };
        out["auth"] = json!({
            "mode": "explicit",
            "expression": "PIN AND OTP",
            "objects": [
                {"type": "Password", "id": "PIN", "format": "N", "label": "PIN",
                 "description": "Your signature PIN (8 digits)"},
                otp,
            ],
        });
    }
    out
}

/// The holder's live remote-signature credentials (after a renewal: the new one only).
#[utoipa::path(post, path = "/credentials/list", request_body = Option<ListRequest>, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn list(
    State(s): State<WebState>,
    c: CscCaller,
    CscJson(r): CscJson<ListRequest>,
) -> Result<Json<Value>, CscError> {
    let certificates = certificates_of(r.certificates.as_deref())?;
    let creds = s
        .app
        .csc_credentials(&c.caller, r.user_id.as_deref())
        .await
        .map_err(|e| CscError::of(e, V))?;
    let mut out = json!({
        "credentialIDs": creds.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
    });
    if r.only_valid == Some(true) {
        out["onlyValid"] = true.into();
    }
    if r.credential_info == Some(true) {
        out["credentialInfos"] = creds
            .iter()
            .map(|x| {
                describe(
                    x,
                    certificates,
                    r.cert_info == Some(true),
                    r.auth_info == Some(true),
                )
            })
            .collect();
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct InfoOfRequest {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    pub certificates: Option<String>,
    #[serde(rename = "certInfo")]
    pub cert_info: Option<bool>,
    #[serde(rename = "authInfo")]
    pub auth_info: Option<bool>,
    pub lang: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// One credential: its key, certificate chain and how signatures are authorised.
#[utoipa::path(post, path = "/credentials/info", request_body = InfoOfRequest, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn credential_info(
    State(s): State<WebState>,
    c: CscCaller,
    CscJson(r): CscJson<InfoOfRequest>,
) -> Result<Json<Value>, CscError> {
    let certificates = certificates_of(r.certificates.as_deref())?;
    let info = s
        .app
        .csc_credential(&c.caller, &r.credential_id)
        .await
        .map_err(|e| CscError::of(e, V))?;
    let mut out = describe(
        &info,
        certificates,
        r.cert_info == Some(true),
        r.auth_info != Some(false),
    );
    if let Some(o) = out.as_object_mut() {
        o.remove("credentialID");
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct SendOtpRequest {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// Sends the holder an SMS code to authorise signatures (a token holder uses the token).
#[utoipa::path(post, path = "/credentials/sendOTP", request_body = SendOtpRequest, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn send_otp(
    State(s): State<WebState>,
    c: CscCaller,
    RequestCtx(ctx): RequestCtx,
    CscJson(r): CscJson<SendOtpRequest>,
) -> Result<StatusCode, CscError> {
    s.app
        .csc_send_otp(&c.caller, &r.credential_id, &ctx)
        .await
        .map_err(|e| CscError::of(e, V))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct AuthObject {
    pub id: String,
    pub value: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct AuthorizeRequest {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "numSignatures")]
    pub num_signatures: i64,
    /// The hashes to sign (base64), one per signature (SCAL 2).
    pub hashes: Option<Vec<String>>,
    #[serde(rename = "hashAlgorithmOID")]
    pub hash_algorithm_oid: Option<String>,
    /// `PIN` and `OTP`.
    #[serde(rename = "authData")]
    pub auth_data: Option<Vec<AuthObject>>,
    pub description: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SadResponse {
    #[serde(rename = "SAD")]
    pub sad: String,
    #[serde(rename = "expiresIn")]
    pub expires_in: i64,
}

fn auth_value<'a>(objects: &'a [AuthObject], id: &str) -> Result<&'a str, CscError> {
    objects
        .iter()
        .find(|o| o.id == id)
        .and_then(|o| o.value.as_deref())
        .ok_or_else(|| {
            CscError::bad(
                "invalid_authentication_data",
                format!("Missing authentication object {id}"),
            )
        })
}

/// Authorises signatures of the listed hashes with PIN and one-time code; the SAD allows those
/// hashes only, each once, for a few minutes.
#[utoipa::path(post, path = "/credentials/authorize", request_body = AuthorizeRequest, security(("bearer" = [])),
    responses((status = 200, body = SadResponse), (status = 400, body = CscErrorBody),
        (status = 401, body = CscErrorBody), (status = 429, body = CscErrorBody)))]
pub(crate) async fn authorize(
    State(s): State<WebState>,
    c: CscCaller,
    RequestCtx(ctx): RequestCtx,
    CscJson(r): CscJson<AuthorizeRequest>,
) -> Result<Json<SadResponse>, CscError> {
    let objects = r.auth_data.unwrap_or_default();
    let pin = auth_value(&objects, "PIN")?;
    let otp = auth_value(&objects, "OTP")?;
    let sad = s
        .app
        .csc_authorize(
            &c.caller,
            &r.credential_id,
            r.num_signatures,
            &r.hashes.unwrap_or_default(),
            r.hash_algorithm_oid.as_deref(),
            pin,
            otp,
            r.description.as_deref(),
            &ctx,
        )
        .await
        .map_err(|e| CscError::of(e, V))?;
    Ok(Json(SadResponse {
        sad: sad.sad.expose().to_owned(),
        expires_in: sad.expires_in,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ExtendRequest {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "SAD")]
    pub sad: String,
    pub hashes: Option<Vec<String>>,
    #[serde(rename = "hashAlgorithmOID")]
    pub hash_algorithm_oid: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// A new SAD, with a new lifetime, for what an unexpired one still allows; the old one ends.
#[utoipa::path(post, path = "/credentials/extendTransaction", request_body = ExtendRequest, security(("bearer" = [])),
    responses((status = 200, body = SadResponse), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn extend(
    State(s): State<WebState>,
    c: CscCaller,
    CscJson(r): CscJson<ExtendRequest>,
) -> Result<Json<SadResponse>, CscError> {
    let sad = s
        .app
        .csc_extend(&c.caller, &r.credential_id, &r.sad)
        .await
        .map_err(|e| CscError::of(e, V))?;
    Ok(Json(SadResponse {
        sad: sad.sad.expose().to_owned(),
        expires_in: sad.expires_in,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct SignHashRequest {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "SAD")]
    pub sad: String,
    pub hashes: Vec<String>,
    #[serde(rename = "hashAlgorithmOID")]
    pub hash_algorithm_oid: Option<String>,
    /// ecdsa-with-SHA256/384/512.
    #[serde(rename = "signAlgo")]
    pub sign_algo: String,
    #[serde(rename = "signAlgoParams")]
    pub sign_algo_params: Option<String>,
    /// `S` (synchronous) only.
    #[serde(rename = "operationMode")]
    pub operation_mode: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SignHashResponse {
    /// DER ECDSA signatures (base64), in the order of the hashes.
    pub signatures: Vec<String>,
}

/// Raw signatures of hashes the SAD was issued for.
#[utoipa::path(post, path = "/signatures/signHash", request_body = SignHashRequest, security(("bearer" = [])),
    responses((status = 200, body = SignHashResponse), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn sign_hash(
    State(s): State<WebState>,
    c: CscCaller,
    RequestCtx(ctx): RequestCtx,
    CscJson(r): CscJson<SignHashRequest>,
) -> Result<Json<SignHashResponse>, CscError> {
    if r.operation_mode.as_deref().is_some_and(|m| m != "S") {
        return Err(CscError::invalid("Invalid parameter operationMode"));
    }
    if r.hashes.is_empty() {
        return Err(CscError::invalid("Empty hash array"));
    }
    let signatures = s
        .app
        .csc_sign_hash(
            &c.caller,
            &r.credential_id,
            &r.sad,
            &r.hashes,
            r.hash_algorithm_oid.as_deref(),
            &r.sign_algo,
            &ctx,
        )
        .await
        .map_err(|e| CscError::of(e, V))?;
    Ok(Json(SignHashResponse {
        signatures: signatures.iter().map(|s| b64(s)).collect(),
    }))
}
