//! "Non riesci ad accedere?" pages (SPEC A2): ask for a link, open it, prove the mobile, set a
//! new password or read the user-id. Anonymous forms (no session exists); the link's token
//! authorises the later steps. The token sits in the path: the portal-wide
//! `Referrer-Policy: same-origin` keeps it from other sites (`no-referrer` would make Chromium
//! send `Origin: null` with the page's forms, which the same-origin check refuses).

use crate::errors::{retry_after, status};
use crate::pages::{error_item, page};
use crate::session::Visitor;
use crate::templates::{RecoverDonePage, RecoverLinkPage, RecoverPage};
use crate::{RequestCtx, WebState};
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rinnova_app::AppError;
use rinnova_app::i18n::Lang;
use rinnova_app::recovery::RecoveryPurpose;
use serde::Deserialize;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/recover", get(start))
        .route("/recover/password", post(request_password))
        .route("/recover/user-id", post(request_user_id))
        .route("/recover/{token}", get(link).post(complete))
        .route("/recover/{token}/code", post(send_code))
}

#[derive(Deserialize, Default)]
struct RequestForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    codice_fiscale: String,
    #[serde(default)]
    email: String,
}

fn start_page(
    s: &WebState,
    lang: Lang,
    f: &RequestForm,
    which: &str,
    e: Option<&AppError>,
) -> RecoverPage {
    let mut p = page(s, lang, "", None, "/recover");
    if let Some(e) = e {
        p.errors.push(error_item(lang, e, Some(which)));
    }
    RecoverPage {
        page: p,
        user_id: f.user_id.clone(),
        codice_fiscale: f.codice_fiscale.clone(),
        email: f.email.clone(),
        sent: false,
    }
}

async fn start(State(s): State<WebState>, v: Visitor) -> Response {
    start_page(&s, v.lang, &RequestForm::default(), "", None).into_response()
}

async fn requested(
    s: &WebState,
    lang: Lang,
    f: &RequestForm,
    which: &str,
    result: Result<(), AppError>,
) -> Response {
    match result {
        Ok(()) => {
            let mut pg = start_page(s, lang, &RequestForm::default(), which, None);
            pg.sent = true;
            pg.page.notice = Some(lang.t_args(
                "recover-sent",
                &[("minutes", s.app.config().recovery_link_minutes.to_string())],
            ));
            pg.into_response()
        }
        Err(e) => (
            status(&e),
            retry_after(&e),
            start_page(s, lang, f, which, Some(&e)),
        )
            .into_response(),
    }
}

async fn request_password(
    State(s): State<WebState>,
    v: Visitor,
    RequestCtx(ctx): RequestCtx,
    Form(f): Form<RequestForm>,
) -> Response {
    let r = s
        .app
        .request_password_reset(&f.user_id, &f.email, &ctx)
        .await;
    requested(&s, v.lang, &f, "user_id", r).await
}

async fn request_user_id(
    State(s): State<WebState>,
    v: Visitor,
    RequestCtx(ctx): RequestCtx,
    Form(f): Form<RequestForm>,
) -> Response {
    let r = s
        .app
        .request_user_id_reminder(&f.codice_fiscale, &f.email, &ctx)
        .await;
    requested(&s, v.lang, &f, "codice_fiscale", r).await
}

async fn link_page(s: &WebState, lang: Lang, token: &str, e: Option<AppError>) -> Response {
    match s.app.recovery(token).await {
        Ok(view) => {
            let mut p = page(s, lang, "", None, "/recover");
            let code = e.as_ref().map(|e| (status(e), e));
            if let Some((_, e)) = &code {
                let field = match e {
                    AppError::WeakPassword(_) => "password",
                    _ => "code",
                };
                p.errors.push(error_item(lang, e, Some(field)));
            }
            let st = code.map_or(axum::http::StatusCode::OK, |(st, _)| st);
            (
                st,
                e.as_ref().and_then(retry_after),
                RecoverLinkPage {
                    page: p,
                    token: token.to_owned(),
                    password: view.purpose == RecoveryPurpose::Password,
                    view,
                },
            )
                .into_response()
        }
        Err(e) => {
            let mut pg = start_page(s, lang, &RequestForm::default(), "", Some(&e));
            pg.page.path = "/recover".into();
            (status(&e), retry_after(&e), pg).into_response()
        }
    }
}

async fn link(State(s): State<WebState>, v: Visitor, Path(token): Path<String>) -> Response {
    link_page(&s, v.lang, &token, None).await
}

async fn send_code(
    State(s): State<WebState>,
    v: Visitor,
    Path(token): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    match s.app.recovery_send_code(&token, &ctx).await {
        Ok(_) => Redirect::to(&format!("/recover/{token}")).into_response(),
        Err(e) => link_page(&s, v.lang, &token, Some(e)).await,
    }
}

#[derive(Deserialize)]
struct CompleteForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: rinnova_domain::secret::Secret,
    #[serde(default)]
    password_again: rinnova_domain::secret::Secret,
}

async fn complete(
    State(s): State<WebState>,
    v: Visitor,
    Path(token): Path<String>,
    RequestCtx(ctx): RequestCtx,
    Form(f): Form<CompleteForm>,
) -> Response {
    let r = s
        .app
        .complete_recovery(
            &token,
            &f.code,
            Some((f.password.expose(), f.password_again.expose())),
            &ctx,
        )
        .await;
    match r {
        Ok(done) => (RecoverDonePage {
            page: page(&s, v.lang, "", None, "/recover"),
            password: done.purpose == RecoveryPurpose::Password,
            user_id: done.user_id,
        },)
            .into_response(),
        Err(e) => link_page(&s, v.lang, &token, Some(e)).await,
    }
}
