//! The holder portal: one handler per action; each parses, calls a use case, then redirects
//! (POST → redirect → GET) or re-renders the page with a translated error summary.

use crate::errors::{retry_after, status};
use crate::forms::{CsrfForm, NoFields};
use crate::session::{
    Holder, LANG_COOKIE, SESSION_COOKIE, Visitor, request_lang, safe_next, set_cookie,
};
use crate::templates::{
    ErrorItem, ErrorPage, HomePage, LoginPage, OutboxItem, OutboxPage, PageCtx, RenewalPage, Tr,
};
use crate::{RequestCtx, WebState};
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rinnova_app::AppError;
use rinnova_app::auth::SessionKind;
use rinnova_app::i18n::Lang;
use rinnova_app::views::RenewalView;
use serde::Deserialize;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang", post(set_lang))
        .route("/certificates/{id}/renew", post(renew))
        .route("/r/{token}", get(reminder_link))
        .route("/history", get(history))
        .route("/renewals/{id}", get(renewal_page))
        .route("/renewals/{id}/confirm-data", post(confirm_data))
        .route("/renewals/{id}/documents", post(accept_documents))
        .route("/renewals/{id}/documents/{name}", get(document))
        .route("/renewals/{id}/resend", post(resend))
        .route("/renewals/{id}/sign", post(sign))
        .route("/renewals/{id}/pay/coupon", post(pay_with_coupon))
        .route("/renewals/{id}/pay/shop", post(pay_in_shop))
        .route("/renewals/{id}/pay/rao", post(pay_by_rao))
        .route("/renewals/{id}/pay/prepaid", post(pay_with_prepaid))
        .route("/renewals/{id}/contact", post(request_contact_change))
        .route(
            "/renewals/{id}/contact/confirm",
            post(confirm_contact_change),
        )
        .route("/renewals/{id}/activation-code", post(activation_code))
        .route("/renewals/{id}/activate", post(activate))
        .route("/renewals/{id}/token-resync", post(token_resync))
        .route("/demo/outbox", get(outbox))
        .route("/static/style.css", get(stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .route("/ca/root.der", get(ca_root))
        .route("/ca/issuing.der", get(ca_issuing))
        .route("/ca/crl.der", get(ca_crl))
        .route("/ca/ocsp", post(ocsp_post))
        .route("/ca/ocsp/{*request}", get(ocsp_get))
}

pub(crate) fn page(
    state: &WebState,
    lang: Lang,
    csrf: &str,
    user: Option<&str>,
    path: &str,
) -> PageCtx {
    PageCtx {
        tr: Tr(lang),
        demo: state.app.config().demo,
        csrf: csrf.to_owned(),
        user: user.map(str::to_owned),
        path: path.to_owned(),
        other_lang: if lang == Lang::It { "en" } else { "it" },
        errors: vec![],
        notice: None,
        logout: "/logout",
    }
}

fn holder_page(state: &WebState, h: &Holder) -> PageCtx {
    page(
        state,
        h.session.lang,
        &h.session.csrf,
        Some(&h.session.user_id),
        &h.path,
    )
}

pub(crate) fn error_item(lang: Lang, e: &AppError, field: Option<&str>) -> ErrorItem {
    ErrorItem {
        message: lang.error(e),
        code: e.code().into(),
        field: field.map(str::to_owned),
    }
}

/// A full-page error (not found, internal…), translated.
pub(crate) fn error_page(state: &WebState, lang: Lang, e: &AppError) -> Response {
    let mut p = page(state, lang, "", None, "/");
    p.errors.push(error_item(lang, e, None));
    (
        status(e),
        retry_after(e),
        ErrorPage {
            page: p,
            request_id: crate::current_request_id(),
        },
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}

fn der(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pkix-cert"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}

async fn ca_root(State(s): State<WebState>) -> Response {
    der(s.app.ca().material().root_cert_der.clone())
}

async fn ca_issuing(State(s): State<WebState>) -> Response {
    der(s.app.ca().material().issuing_cert_der.clone())
}

/// The CRL (RFC 5280) at the URL of the certificates' CRL distribution point.
async fn ca_crl(State(s): State<WebState>) -> Response {
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

fn ocsp_response(s: &WebState, r: Result<Vec<u8>, AppError>) -> Response {
    match r {
        Ok(der) => ([(header::CONTENT_TYPE, "application/ocsp-response")], der).into_response(),
        Err(e) => error_page(s, Lang::It, &e),
    }
}

/// OCSP (RFC 6960 §A.1) by POST: the DER request is the body.
async fn ocsp_post(State(s): State<WebState>, body: axum::body::Bytes) -> Response {
    ocsp_response(&s, s.app.ocsp(&body).await)
}

/// OCSP by GET: the base64 of the DER request is the rest of the path (URL-encoded).
async fn ocsp_get(State(s): State<WebState>, Path(request): Path<String>) -> Response {
    use base64::Engine;
    let b64 = request.trim_start_matches('/');
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64))
        .unwrap_or_default();
    ocsp_response(&s, s.app.ocsp(&der).await)
}

// ---------------------------------------------------------------- login, logout, language

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_view(
    state: &WebState,
    lang: Lang,
    next: &str,
    user_id: &str,
    errors: Vec<ErrorItem>,
) -> LoginPage {
    let mut p = page(state, lang, "", None, "/login");
    p.errors = errors;
    LoginPage {
        page: p,
        next: next.to_owned(),
        user_id: user_id.to_owned(),
        demo_password: rinnova_app::demo::DEMO_PASSWORD,
        demo_pin: rinnova_app::demo::DEMO_PIN,
        demo_holders: rinnova_app::demo::holders()
            .into_iter()
            .map(|h| {
                (
                    h.user_id,
                    if lang == Lang::It {
                        h.situation.0
                    } else {
                        h.situation.1
                    },
                )
            })
            .collect(),
        demo_rao: rinnova_app::demo::DEMO_RAO,
        demo_prepaid: rinnova_app::demo::DEMO_PREPAID,
        demo_coupons: rinnova_app::demo::coupons()
            .iter()
            .map(|c| c.display())
            .collect(),
    }
}

async fn login_page(State(s): State<WebState>, v: Visitor, Query(q): Query<NextQuery>) -> Response {
    if v.session.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    login_view(&s, v.lang, &q.next, "", vec![]).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = request_lang(&headers);
    match s
        .app
        .login(&f.user_id, &f.password, SessionKind::Web, &ctx)
        .await
    {
        Ok(session) => {
            // A session this browser held (another user's, or an earlier one) ends: one
            // browser, one session.
            if let Some(old) = crate::session::cookie(&headers, SESSION_COOKIE)
                .filter(|t| !t.is_empty() && *t != session.token)
                && let Err(e) = s.app.logout(&old, &ctx).await
            {
                tracing::warn!(code = e.code(), "the earlier session did not end");
            }
            // A renewal in progress is resumed at once (SPEC §5); otherwise back where asked.
            let to = match (&session.resume_renewal, safe_next(&f.next)) {
                (_, next) if next != "/" => next.to_owned(),
                (Some(r), _) => format!("/renewals/{r}"),
                (None, _) => "/".to_owned(),
            };
            let max_age = s.app.config().session_idle_seconds * 48;
            (
                // Appended: a plain header array would keep only the last Set-Cookie.
                AppendHeaders([
                    (
                        header::SET_COOKIE,
                        set_cookie(SESSION_COOKIE, &session.token, max_age, s.secure_cookies),
                    ),
                    (
                        header::SET_COOKIE,
                        set_cookie(
                            LANG_COOKIE,
                            session.lang.code(),
                            31_536_000,
                            s.secure_cookies,
                        ),
                    ),
                ]),
                Redirect::to(&to),
            )
                .into_response()
        }
        Err(e) => {
            let errors = vec![error_item(lang, &e, Some("user_id"))];
            (
                status(&e),
                retry_after(&e),
                login_view(&s, lang, &f.next, &f.user_id, errors),
            )
                .into_response()
        }
    }
}

async fn logout(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    if let Err(e) = s.app.logout(&h.token, &ctx).await {
        return error_page(&s, h.session.lang, &e);
    }
    (
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, s.secure_cookies),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

/// A form whose token is not the session's (403).
pub(crate) fn csrf_refused(s: &WebState, lang: Lang) -> Response {
    request_error_page(s, lang, StatusCode::FORBIDDEN, "RNV-CSRF-001")
}

/// The error page of a request refused before any use case ran, with its code.
pub(crate) fn request_error_page(
    s: &WebState,
    lang: Lang,
    status: StatusCode,
    code: &str,
) -> Response {
    let mut p = page(s, lang, "", None, "/");
    p.errors.push(ErrorItem {
        message: lang.t(&format!("err-{code}")),
        code: code.into(),
        field: None,
    });
    (
        status,
        ErrorPage {
            page: p,
            request_id: crate::current_request_id(),
        },
    )
        .into_response()
}

#[derive(Deserialize)]
struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches language (a preference, guarded by the same-origin check; it changes nothing else).
async fn set_lang(State(s): State<WebState>, v: Visitor, Form(f): Form<LangForm>) -> Response {
    let lang = Lang::parse(&f.lang);
    if let (Some(token), Some(_)) = (&v.token, &v.session)
        && let Err(e) = s.app.set_language(token, lang).await
    {
        return error_page(&s, lang, &e);
    }
    (
        [(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, lang.code(), 31_536_000, s.secure_cookies),
        )],
        Redirect::to(safe_next(&f.next)),
    )
        .into_response()
}

// ---------------------------------------------------------------- home and renewal wizard

async fn home(State(s): State<WebState>, h: Holder) -> Response {
    match s.app.home(&h.session.holder_id).await {
        Ok(home) => {
            let greeting_name = format!("{} {}", home.holder.given_name, home.holder.surname);
            HomePage {
                page: holder_page(&s, &h),
                home,
                greeting_name,
            }
            .into_response()
        }
        Err(e) => error_page(&s, h.session.lang, &e),
    }
}

async fn renew(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    let started = s.app.start_renewal(&h.session.holder_id, &id, &ctx).await;
    renewal_or_home(&s, &h, started).await
}

/// The holder's own history, from the audit trail (SPEC X2).
async fn history(State(s): State<WebState>, h: Holder) -> Response {
    match s.app.history(&h.session.holder_id).await {
        Ok(entries) => crate::templates::HistoryPage {
            page: holder_page(&s, &h),
            entries,
        }
        .into_response(),
        Err(e) => error_page(&s, h.session.lang, &e),
    }
}

/// The link of a reminder e-mail (SPEC N2): after login (the extractor sends a visitor to the
/// login page and back here), that certificate's renewal. The signed token proves the link
/// came from us; a GET without the holder's session changes nothing, so mail scanners that
/// prefetch links start no renewal.
async fn reminder_link(
    State(s): State<WebState>,
    h: Holder,
    Path(token): Path<String>,
    RequestCtx(ctx): RequestCtx,
) -> Response {
    let opened = s
        .app
        .open_reminder_link(&h.session.holder_id, &token, &ctx)
        .await;
    renewal_or_home(&s, &h, opened).await
}

/// The renewal page of a renewal just started, or the home page with the reason it was not.
async fn renewal_or_home(
    s: &WebState,
    h: &Holder,
    started: Result<RenewalView, AppError>,
) -> Response {
    match started {
        Ok(r) => Redirect::to(&format!("/renewals/{}", r.id)).into_response(),
        Err(e) => match s.app.home(&h.session.holder_id).await {
            Ok(home) => {
                let mut p = holder_page(s, h);
                p.errors.push(error_item(h.session.lang, &e, None));
                let greeting_name = format!("{} {}", home.holder.given_name, home.holder.surname);
                (
                    status(&e),
                    retry_after(&e),
                    HomePage {
                        page: p,
                        home,
                        greeting_name,
                    },
                )
                    .into_response()
            }
            Err(e2) => error_page(s, h.session.lang, &e2),
        },
    }
}

fn renewal_view_page(
    s: &WebState,
    h: &Holder,
    r: RenewalView,
    errors: Vec<ErrorItem>,
    consents: (bool, bool),
) -> RenewalPage {
    let mut p = holder_page(s, h);
    p.errors = errors;
    RenewalPage {
        page: p,
        step: r.step.as_str(),
        r,
        form_accept_terms: consents.0,
        form_confirm_data: consents.1,
    }
}

async fn renewal_page(State(s): State<WebState>, h: Holder, Path(id): Path<String>) -> Response {
    match s.app.renewal(&h.session.holder_id, &id).await {
        Ok(r) => renewal_view_page(&s, &h, r, vec![], (false, false)).into_response(),
        Err(e) => error_page(&s, h.session.lang, &e),
    }
}

/// After a step: PRG on success; on failure the same page again with the error, the input
/// kept (secrets excepted).
async fn after_step(
    s: &WebState,
    h: &Holder,
    id: &str,
    outcome: Result<RenewalView, AppError>,
    field: Option<&str>,
    consents: (bool, bool),
) -> Response {
    match outcome {
        Ok(_) => Redirect::to(&format!("/renewals/{id}")).into_response(),
        Err(e) => match s.app.renewal(&h.session.holder_id, id).await {
            Ok(r) => {
                let errors = vec![error_item(h.session.lang, &e, field)];
                (
                    status(&e),
                    retry_after(&e),
                    renewal_view_page(s, h, r, errors, consents),
                )
                    .into_response()
            }
            Err(e2) => error_page(s, h.session.lang, &e2),
        },
    }
}

async fn confirm_data(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    let out = s.app.confirm_data(&h.session.holder_id, &id, &ctx).await;
    after_step(&s, &h, &id, out, None, (false, false)).await
}

#[derive(Deserialize)]
struct DocumentsForm {
    #[serde(default)]
    documents_hash: String,
    accept_terms: Option<String>,
    confirm_data: Option<String>,
}

async fn accept_documents(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, DocumentsForm>,
) -> Response {
    let consents = (f.accept_terms.is_some(), f.confirm_data.is_some());
    let out = s
        .app
        .accept_documents(
            &h.session.holder_id,
            &id,
            &f.documents_hash,
            consents.0,
            consents.1,
            &ctx,
        )
        .await;
    let field = if consents.0 {
        "confirm_data"
    } else {
        "accept_terms"
    };
    after_step(&s, &h, &id, out, Some(field), consents).await
}

#[derive(Deserialize)]
struct DownloadQuery {
    download: Option<String>,
}

async fn document(
    State(s): State<WebState>,
    h: Holder,
    Path((id, name)): Path<(String, String)>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    let name = name.strip_suffix(".pdf").unwrap_or(&name).to_owned();
    match s.app.document(&h.session.holder_id, &id, &name).await {
        Ok(pdf) => pdf_response(pdf, &name, q.download.is_some()),
        Err(e) => error_page(&s, h.session.lang, &e),
    }
}

/// A PDF, shown in the browser or downloaded.
pub fn pdf_response(pdf: Vec<u8>, name: &str, download: bool) -> Response {
    let disposition = format!(
        "{}; filename=\"{name}.pdf\"",
        if download { "attachment" } else { "inline" }
    );
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response()
}

async fn resend(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    match s.app.resend_code(&h.session.holder_id, &id, &ctx).await {
        Ok(r) => {
            let mut page = renewal_view_page(&s, &h, r, vec![], (false, false));
            page.page.notice = Some(h.session.lang.t("otp-resent"));
            page.into_response()
        }
        Err(e) => after_step(&s, &h, &id, Err(e), None, (false, false)).await,
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    pin: String,
    #[serde(default)]
    pin_confirm: String,
    #[serde(default)]
    otp: String,
}

fn field_of(e: &AppError) -> &'static str {
    match e {
        AppError::WrongPin { .. } | AppError::Invalid(_) => "pin",
        _ => "otp",
    }
}

async fn sign(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .sign(&h.session.holder_id, &id, &f.pin, &f.otp, &ctx)
        .await;
    let field = out.as_ref().err().map(field_of);
    after_step(&s, &h, &id, out, field, (false, false)).await
}

#[derive(Deserialize)]
struct CouponForm {
    #[serde(default)]
    code: String,
}

async fn pay_with_coupon(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CouponForm>,
) -> Response {
    let out = s
        .app
        .pay_with_coupon(&h.session.holder_id, &id, &f.code, &ctx)
        .await;
    after_step(&s, &h, &id, out, Some("code"), (false, false)).await
}

#[derive(Deserialize)]
struct ShopForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    promo_code: String,
}

async fn pay_in_shop(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, ShopForm>,
) -> Response {
    let Some(method) = rinnova_pay::ShopMethod::parse(&f.method) else {
        let e = AppError::Invalid(rinnova_domain::DomainError::MissingField);
        return after_step(&s, &h, &id, Err(e), Some("method-card"), (false, false)).await;
    };
    match s
        .app
        .start_shop_payment(&h.session.holder_id, &id, method, Some(&f.promo_code), &ctx)
        .await
    {
        Ok(rinnova_app::shop::ShopStart::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(rinnova_app::shop::ShopStart::Renewal(_)) => {
            Redirect::to(&format!("/renewals/{id}")).into_response()
        }
        Err(e) => after_step(&s, &h, &id, Err(e), Some("promo_code"), (false, false)).await,
    }
}

#[derive(Deserialize)]
struct RaoForm {
    #[serde(default)]
    rao_username: String,
    #[serde(default)]
    rao_password: String,
}

async fn pay_by_rao(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, RaoForm>,
) -> Response {
    let out = s
        .app
        .pay_by_rao(
            &h.session.holder_id,
            &id,
            &f.rao_username,
            &f.rao_password,
            &ctx,
        )
        .await;
    after_step(&s, &h, &id, out, Some("rao_username"), (false, false)).await
}

#[derive(Deserialize)]
struct PrepaidForm {
    #[serde(default)]
    account_user_id: String,
    #[serde(default)]
    account_password: String,
}

async fn pay_with_prepaid(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, PrepaidForm>,
) -> Response {
    let out = s
        .app
        .pay_with_prepaid(
            &h.session.holder_id,
            &id,
            &f.account_user_id,
            &f.account_password,
            &ctx,
        )
        .await;
    after_step(&s, &h, &id, out, Some("account_user_id"), (false, false)).await
}

#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    password: String,
}

async fn request_contact_change(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, ContactForm>,
) -> Response {
    let Some(field) = rinnova_app::contact::ContactField::parse(&f.field) else {
        let e = AppError::Invalid(rinnova_domain::DomainError::MissingField);
        return after_step(&s, &h, &id, Err(e), Some("contact-email"), (false, false)).await;
    };
    let out = s
        .app
        .request_contact_change(
            &h.session.holder_id,
            &id,
            field,
            &f.value,
            &f.password,
            &ctx,
        )
        .await;
    let target = match &out {
        Err(AppError::WrongPassword | AppError::LoginLocked { .. }) => "contact_password",
        _ => "contact_value",
    };
    after_step(&s, &h, &id, out, Some(target), (false, false)).await
}

async fn confirm_contact_change(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .confirm_contact_change(&h.session.holder_id, &id, &f.otp, &ctx)
        .await;
    after_step(&s, &h, &id, out, Some("contact_otp"), (false, false)).await
}

async fn activation_code(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .activation_code(&h.session.holder_id, &id, &f.otp, &ctx)
        .await;
    after_step(&s, &h, &id, out, Some("otp"), (false, false)).await
}

async fn activate(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .activate(
            &h.session.holder_id,
            &id,
            &f.pin,
            &f.pin_confirm,
            &f.otp,
            &ctx,
        )
        .await;
    let field = out.as_ref().err().map(field_of);
    after_step(&s, &h, &id, out, field, (false, false)).await
}

#[derive(Deserialize)]
struct ResyncForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    second: String,
}

async fn token_resync(
    State(s): State<WebState>,
    Path(id): Path<String>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, ResyncForm>,
) -> Response {
    match s
        .app
        .resync_token(&h.session.holder_id, &f.first, &f.second, &ctx)
        .await
    {
        Ok(()) => match s.app.renewal(&h.session.holder_id, &id).await {
            Ok(r) => {
                let mut page = renewal_view_page(&s, &h, r, vec![], (false, false));
                page.page.notice = Some(h.session.lang.t("token-resynced"));
                page.into_response()
            }
            Err(e) => error_page(&s, h.session.lang, &e),
        },
        Err(e) => after_step(&s, &h, &id, Err(e), Some("first"), (false, false)).await,
    }
}

// ---------------------------------------------------------------- demo

async fn outbox(State(s): State<WebState>, v: Visitor) -> Response {
    if !s.app.config().demo {
        return error_page(&s, v.lang, &AppError::NotFound);
    }
    let messages = s.app.demo_outbox(None, 200).await;
    match messages {
        Ok(ms) => {
            let tz = rinnova_domain::window::ca_time_zone();
            let messages = ms
                .into_iter()
                .map(|m| OutboxItem {
                    when: jiff::Timestamp::from_second(m.created_at)
                        .map(|t| {
                            t.to_zoned(tz.clone())
                                .strftime("%Y-%m-%d %H:%M:%S")
                                .to_string()
                        })
                        .unwrap_or_default(),
                    channel: m.channel,
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body,
                })
                .collect();
            let (csrf, user) = match &v.session {
                Some(sess) => (sess.csrf.as_str(), Some(sess.user_id.as_str())),
                None => ("", None),
            };
            OutboxPage {
                page: page(&s, v.lang, csrf, user, &v.path),
                messages,
            }
            .into_response()
        }
        Err(e) => error_page(&s, v.lang, &e),
    }
}
