//! CSC API v1.0.4.0 (`/csc/v1/…`), where it differs from v2: field names (`hash`, `hashAlgo`,
//! `PIN`, `OTP`) and the shape of `credentials/info`. pyHanko's `CSCSigner` speaks this one.

use super::v2::{
    LoginRequest, LoginResponse, RevokeRequest, SadResponse, SendOtpRequest, SignHashResponse,
};
use super::{
    ABOUT, Basic, CscCaller, CscError, CscErrorBody, CscJson, Version, b64, basic_login,
    generalized,
};
use crate::{RequestCtx, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rinnova_app::csc::OtpKind;
use rinnova_domain::csc::{ECDSA_SIGNATURE_ALGORITHMS, P256_CURVE};
use serde::Deserialize;
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

const V: Version = Version::V1;

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct InfoRequestV1 {
    pub lang: Option<String>,
}

/// The service and the methods it implements.
#[utoipa::path(post, path = "/info", request_body = Option<InfoRequestV1>,
    responses((status = 200, body = Object), (status = 400, body = CscErrorBody)))]
pub(crate) async fn info(
    State(s): State<WebState>,
    CscJson(_body): CscJson<InfoRequestV1>,
) -> Json<Value> {
    let base = s.app.config().public_url.trim_end_matches('/').to_owned();
    Json(json!({
        "specs": "1.0.4.0",
        "name": ABOUT.name,
        "logo": format!("{base}/static/logo.png"),
        "region": "IT",
        "lang": "it-IT",
        "description": ABOUT.description,
        "authType": ["basic", "oauth2client"],
        "oauth2": base,
        "methods": ABOUT.methods,
    }))
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
pub struct ListRequestV1 {
    /// Only for a signing application's token: the holder's user-id.
    #[serde(rename = "userID")]
    pub user_id: Option<String>,
    #[serde(rename = "maxResults")]
    pub max_results: Option<i64>,
    #[serde(rename = "pageToken")]
    pub page_token: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// The holder's live remote-signature credentials (after a renewal: the new one only).
#[utoipa::path(post, path = "/credentials/list", request_body = Option<ListRequestV1>, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn list(
    State(s): State<WebState>,
    c: CscCaller,
    CscJson(r): CscJson<ListRequestV1>,
) -> Result<Json<Value>, CscError> {
    let creds = s
        .app
        .csc_credentials(&c.caller, r.user_id.as_deref())
        .await
        .map_err(|e| CscError::of(e, V))?;
    Ok(Json(json!({
        "credentialIDs": creds.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, ToSchema)]
pub struct InfoOfRequestV1 {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    /// `none`, `single` or `chain`.
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
#[utoipa::path(post, path = "/credentials/info", request_body = InfoOfRequestV1, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn credential_info(
    State(s): State<WebState>,
    c: CscCaller,
    CscJson(r): CscJson<InfoOfRequestV1>,
) -> Result<Json<Value>, CscError> {
    let take = match r.certificates.as_deref().unwrap_or("single") {
        "none" => 0,
        "single" => 1,
        "chain" => usize::MAX,
        _ => return Err(CscError::invalid("Invalid parameter certificates")),
    };
    let i = s
        .app
        .csc_credential(&c.caller, &r.credential_id)
        .await
        .map_err(|e| CscError::of(e, V))?;
    let mut cert = json!({"status": i.status});
    if take > 0 {
        cert["certificates"] = i.chain.iter().take(take).map(|d| b64(d)).collect();
    }
    if r.cert_info == Some(true) {
        cert["issuerDN"] = i.issuer_dn.clone().into();
        cert["subjectDN"] = i.subject_dn.clone().into();
        cert["serialNumber"] = i.serial_hex.to_uppercase().into();
        cert["validFrom"] = generalized(i.not_before).into();
        cert["validTo"] = generalized(i.not_after).into();
    }
    let otp = match i.otp {
        OtpKind::Sms => json!({"presence": "true", "type": "online", "format": "N", "label": "OTP",
            "description": "The code sent by SMS to your registered mobile (credentials/sendOTP)",
            "ID": "sms", "provider": "rinnova"}),
        OtpKind::Totp | OtpKind::Hotp => {
            json!({"presence": "true", "type": "offline", "format": "N",
            "label": "OTP", "description": "The code your token shows",
            "ID": if i.otp == OtpKind::Totp { "totp" } else { "hotp" }, "provider": "rinnova"})
        }
    };
    Ok(Json(json!({
        "description": "Remote qualified signature certificate",
        "key": {
            "status": if i.enabled { "enabled" } else { "disabled" },
            "algo": ECDSA_SIGNATURE_ALGORITHMS.iter().map(|(o, _)| *o).collect::<Vec<_>>(),
            "len": 256,
            "curve": P256_CURVE,
        },
        "cert": cert,
        "authMode": "explicit",
        "PIN": {"presence": "true", "format": "N", "label": "PIN",
            "description": "Your signature PIN (8 digits)"},
        "OTP": otp,
        "multisign": i.multisign,
        "lang": "it-IT",
        "SCAL": "2",
    })))
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
pub struct AuthorizeRequestV1 {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "numSignatures")]
    pub num_signatures: i64,
    /// The hashes to sign (base64), one per signature (SCAL 2).
    pub hash: Option<Vec<String>>,
    #[serde(rename = "PIN")]
    pub pin: Option<String>,
    #[serde(rename = "OTP")]
    pub otp: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// Authorises signatures of the listed hashes with PIN and one-time code.
#[utoipa::path(post, path = "/credentials/authorize", request_body = AuthorizeRequestV1, security(("bearer" = [])),
    responses((status = 200, body = SadResponse), (status = 400, body = CscErrorBody),
        (status = 401, body = CscErrorBody), (status = 429, body = CscErrorBody)))]
pub(crate) async fn authorize(
    State(s): State<WebState>,
    c: CscCaller,
    RequestCtx(ctx): RequestCtx,
    CscJson(r): CscJson<AuthorizeRequestV1>,
) -> Result<Json<SadResponse>, CscError> {
    let pin = r
        .pin
        .as_deref()
        .ok_or_else(|| CscError::invalid("Missing (or invalid type) string parameter PIN"))?;
    let otp = r
        .otp
        .as_deref()
        .ok_or_else(|| CscError::invalid("Missing (or invalid type) string parameter OTP"))?;
    let sad = s
        .app
        .csc_authorize(
            &c.caller,
            &r.credential_id,
            r.num_signatures,
            &r.hash.unwrap_or_default(),
            None,
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
pub struct ExtendRequestV1 {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "SAD")]
    pub sad: String,
    pub hash: Option<Vec<String>>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// A new SAD, with a new lifetime, for what an unexpired one still allows.
#[utoipa::path(post, path = "/credentials/extendTransaction", request_body = ExtendRequestV1, security(("bearer" = [])),
    responses((status = 200, body = SadResponse), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn extend(
    State(s): State<WebState>,
    c: CscCaller,
    CscJson(r): CscJson<ExtendRequestV1>,
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
pub struct SignHashRequestV1 {
    #[serde(rename = "credentialID")]
    pub credential_id: String,
    #[serde(rename = "SAD")]
    pub sad: String,
    pub hash: Vec<String>,
    #[serde(rename = "hashAlgo")]
    pub hash_algo: Option<String>,
    /// ecdsa-with-SHA256/384/512.
    #[serde(rename = "signAlgo")]
    pub sign_algo: String,
    #[serde(rename = "signAlgoParams")]
    pub sign_algo_params: Option<String>,
    #[serde(rename = "clientData")]
    pub client_data: Option<String>,
}

/// Raw signatures of hashes the SAD was issued for.
#[utoipa::path(post, path = "/signatures/signHash", request_body = SignHashRequestV1, security(("bearer" = [])),
    responses((status = 200, body = SignHashResponse), (status = 400, body = CscErrorBody), (status = 401, body = CscErrorBody)))]
pub(crate) async fn sign_hash(
    State(s): State<WebState>,
    c: CscCaller,
    RequestCtx(ctx): RequestCtx,
    CscJson(r): CscJson<SignHashRequestV1>,
) -> Result<Json<SignHashResponse>, CscError> {
    if r.hash.is_empty() {
        return Err(CscError::invalid("Empty hash array"));
    }
    let signatures = s
        .app
        .csc_sign_hash(
            &c.caller,
            &r.credential_id,
            &r.sad,
            &r.hash,
            r.hash_algo.as_deref(),
            &r.sign_algo,
            &ctx,
        )
        .await
        .map_err(|e| CscError::of(e, V))?;
    Ok(Json(SignHashResponse {
        signatures: signatures.iter().map(|s| b64(s)).collect(),
    }))
}
