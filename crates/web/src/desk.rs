//! The RAO desk area (seeds 000, 002, 004; A3): the operator's own login and cookie, holder
//! search, and a new certificate after an identity check where renewal is impossible.

use crate::forms::{CsrfForm, NoFields};
use crate::pages::{error_item, page};
use crate::session::request_lang;
use crate::staff::{self, LoginForm};
use crate::templates::{ErrorItem, RaoPage, StaffArea};
use crate::{RequestCtx, WebState};
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rinnova_app::AppError;
use rinnova_app::desk::{DocumentType, NewCertificateAtDesk};
use rinnova_domain::{CertificateId, HolderId, RenewalId};
use serde::Deserialize;

pub const RAO_COOKIE: &str = "rnv_rao";

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/rao", get(area))
        .route("/rao/login", get(login_page).post(login))
        .route("/rao/logout", post(logout))
        .route(
            "/rao/holders/{holder}/certificates/{cert}/new",
            post(new_certificate),
        )
        .route("/rao/renewals/{id}/evidence.pdf", get(evidence))
}

/// The RAO desk's area.
pub struct RaoArea;

impl staff::StaffKind for RaoArea {
    type Session = rinnova_app::desk::RaoSession;
    const COOKIE: &'static str = RAO_COOKIE;
    const LOGIN_PATH: &'static str = "/rao/login";
    async fn session(app: &rinnova_app::App, token: &str) -> Result<Self::Session, AppError> {
        app.rao_session(token).await
    }
    fn csrf(session: &Self::Session) -> &str {
        &session.csrf
    }
    fn lang(session: &Self::Session) -> rinnova_app::i18n::Lang {
        session.lang
    }
}

/// A logged-in RAO; anyone else is sent to the login page.
pub type Rao = staff::Staff<RaoArea>;

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn render(
    s: &WebState,
    r: &Rao,
    query: &str,
    ctx: &rinnova_app::Ctx,
    notice: Option<String>,
    mut errors: Vec<ErrorItem>,
) -> Response {
    let lang = r.session.lang;
    let (found, searched) = if query.trim().is_empty() {
        (vec![], false)
    } else {
        match s.app.desk_find(&r.session, query, ctx).await {
            Ok(f) => (f, true),
            Err(e) => {
                errors.push(error_item(lang, &e, Some("q")));
                (vec![], false)
            }
        }
    };
    let mut p = page(s, lang, &r.session.csrf, Some(&r.session.name), "/rao");
    p.logout = "/rao/logout";
    p.notice = notice;
    p.errors = errors;
    RaoPage {
        page: p,
        office: r.session.office.clone(),
        query: query.to_owned(),
        searched,
        found,
    }
    .into_response()
}

async fn area(
    State(s): State<WebState>,
    r: Rao,
    RequestCtx(ctx): RequestCtx,
    Query(q): Query<SearchQuery>,
) -> Response {
    render(&s, &r, &q.q, &ctx, None, vec![]).await
}

/// The signed renewal form of a holder's renewal (issue 5: the RAO retrieves the evidence).
async fn evidence(
    State(s): State<WebState>,
    r: Rao,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    match s.app.desk_evidence(&r.session, &id, &ctx).await {
        Ok(pdf) => crate::pages::pdf_response(pdf, &format!("renewal-{id}-signed"), true),
        Err(e) => crate::pages::error_page(&s, r.session.lang, &e),
    }
}

const AREA: StaffArea = StaffArea {
    cookie: RAO_COOKIE,
    home: "/rao",
    login_path: "/rao/login",
    title_key: "desk-login-title",
    intro_key: "desk-login-intro",
    demo_key: "demo-rao",
    demo: rinnova_app::demo::DEMO_RAO,
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
        .rao_login(&f.username, f.password.expose(), lang, &ctx)
        .await;
    staff::login_done(&s, lang, AREA, f.username, outcome)
}

async fn logout(State(s): State<WebState>, CsrfForm(r, _): CsrfForm<Rao, NoFields>) -> Response {
    let _ = s.app.rao_logout(r.token.expose()).await;
    staff::logout_done(&s, AREA)
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    document_type: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    new_role: String,
    #[serde(default)]
    pin: rinnova_domain::secret::Secret,
    #[serde(default)]
    pin_confirm: rinnova_domain::secret::Secret,
}

async fn new_certificate(
    State(s): State<WebState>,
    Path((holder, cert)): Path<(HolderId, CertificateId)>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(r, f): CsrfForm<Rao, NewForm>,
) -> Response {
    let lang = r.session.lang;
    let out = match DocumentType::parse(&f.document_type) {
        None => Err(AppError::Invalid(rinnova_domain::DomainError::MissingField)),
        Some(document_type) => {
            s.app
                .desk_new_certificate(
                    &r.session,
                    &holder,
                    &cert,
                    &NewCertificateAtDesk {
                        document_type,
                        document_number: f.document_number,
                        new_role: Some(f.new_role).filter(|r| !r.trim().is_empty()),
                        pin: f.pin,
                        pin_confirm: f.pin_confirm,
                    },
                    &ctx,
                )
                .await
        }
    };
    match out {
        Ok(c) => {
            let notice = lang.t_args(
                "desk-issued",
                &[
                    ("serial", c.serial.clone()),
                    ("date", c.expiry_date.clone()),
                ],
            );
            render(&s, &r, &f.q, &ctx, Some(notice), vec![]).await
        }
        Err(e) => {
            let field = match &e {
                AppError::Invalid(
                    rinnova_domain::DomainError::InvalidPin
                    | rinnova_domain::DomainError::PinMismatch,
                ) => format!("pin-{cert}"),
                _ => format!("num-{cert}"),
            };
            let errors = vec![error_item(lang, &e, Some(&field))];
            let mut resp = render(&s, &r, &f.q, &ctx, None, errors).await;
            crate::errors::decorate(&mut resp, &e);
            resp
        }
    }
}
