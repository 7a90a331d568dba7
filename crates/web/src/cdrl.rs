//! The organisation manager's (CDRL) area (SPEC §5 step 6, A3): their own login and session
//! cookie, the requests of their organisation's people, approve or reject with a reason.

use crate::forms::{CsrfForm, NoFields};
use crate::pages::{error_item, error_page, page};
use crate::session::request_lang;
use crate::staff::{self, LoginForm};
use crate::templates::{CdrlPage, StaffArea};
use crate::{RequestCtx, WebState};
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rinnova_app::AppError;
use rinnova_domain::RenewalId;
use serde::Deserialize;

pub const STAFF_COOKIE: &str = "rnv_staff";

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/cdrl", get(area))
        .route("/cdrl/login", get(login_page).post(login))
        .route("/cdrl/logout", post(logout))
        .route("/cdrl/renewals/{id}/approve", post(approve))
        .route("/cdrl/renewals/{id}/reject", post(reject))
}

/// The organisation manager's area.
pub struct CdrlArea;

impl staff::StaffKind for CdrlArea {
    type Session = rinnova_app::approval::CdrlSession;
    const COOKIE: &'static str = STAFF_COOKIE;
    const LOGIN_PATH: &'static str = "/cdrl/login";
    async fn session(app: &rinnova_app::App, token: &str) -> Result<Self::Session, AppError> {
        app.cdrl_session(token).await
    }
    fn csrf(session: &Self::Session) -> &str {
        &session.csrf
    }
    fn lang(session: &Self::Session) -> rinnova_app::i18n::Lang {
        session.lang
    }
}

/// A logged-in CDRL; anyone else is sent to the login page.
pub type Cdrl = staff::Staff<CdrlArea>;

fn area_page(s: &WebState, c: &Cdrl, notice: Option<String>) -> CdrlPage {
    let mut p = page(
        s,
        c.session.lang,
        &c.session.csrf,
        Some(&c.session.name),
        "/cdrl",
    );
    p.logout = "/cdrl/logout";
    p.notice = notice;
    CdrlPage {
        page: p,
        organisation: c.session.organisation.clone(),
        pending: vec![],
    }
}

async fn render(
    s: &WebState,
    c: &Cdrl,
    notice: Option<String>,
    errors: Vec<crate::templates::ErrorItem>,
) -> Response {
    let pending = match s.app.pending_approvals(&c.session).await {
        Ok(p) => p,
        Err(e) => return error_page(s, c.session.lang, &e),
    };
    let mut page = area_page(s, c, notice);
    page.pending = pending;
    page.page.errors = errors;
    page.into_response()
}

async fn area(State(s): State<WebState>, c: Cdrl) -> Response {
    render(&s, &c, None, vec![]).await
}

const AREA: StaffArea = StaffArea {
    cookie: STAFF_COOKIE,
    home: "/cdrl",
    login_path: "/cdrl/login",
    title_key: "cdrl-login-title",
    intro_key: "cdrl-login-intro",
    demo_key: "demo-cdrl",
    demo: rinnova_app::demo::DEMO_CDRL,
};

async fn login_page(State(s): State<WebState>, headers: HeaderMap) -> Response {
    staff::login_page(&s, request_lang(&headers), AREA, String::new(), None)
}

async fn login(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = request_lang(&headers);
    let outcome = s
        .app
        .cdrl_login(&f.username, f.password.expose(), lang, &ctx)
        .await;
    staff::login_done(&s, lang, AREA, f.username, outcome)
}

async fn logout(State(s): State<WebState>, CsrfForm(c, _): CsrfForm<Cdrl, NoFields>) -> Response {
    let _ = s.app.cdrl_logout(c.token.expose()).await;
    staff::logout_done(&s, AREA)
}

async fn approve(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(c, _): CsrfForm<Cdrl, NoFields>,
) -> Response {
    decided(
        &s,
        &c,
        s.app.decide(&c.session, &id, true, None, &ctx).await,
        "cdrl-approved-notice",
        &id,
    )
    .await
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(c, f): CsrfForm<Cdrl, RejectForm>,
) -> Response {
    let out = s
        .app
        .decide(&c.session, &id, false, Some(&f.reason), &ctx)
        .await;
    decided(&s, &c, out, "cdrl-rejected-notice", &id).await
}

async fn decided(
    s: &WebState,
    c: &Cdrl,
    out: Result<(), AppError>,
    notice: &str,
    id: &RenewalId,
) -> Response {
    match out {
        Ok(()) => render(s, c, Some(c.session.lang.t(notice)), vec![]).await,
        Err(e) => {
            let field = format!("reason-{id}");
            let errors = vec![error_item(c.session.lang, &e, Some(&field))];
            let mut r = render(s, c, None, errors).await;
            crate::errors::decorate(&mut r, &e);
            r
        }
    }
}
