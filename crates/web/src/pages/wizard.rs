//! The renewal wizard's steps, but payment.

use super::*;
use rinnova_domain::RenewalId;

/// The renewal page of a renewal just started, or the home page with the reason it was not.
pub(super) async fn renewal_or_home(
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

pub(super) fn renewal_view_page(
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

pub(super) async fn renewal_page(
    State(s): State<WebState>,
    h: Holder,
    Path(id): Path<RenewalId>,
) -> Response {
    match s.app.renewal(&h.session.holder_id, &id).await {
        Ok(r) => renewal_view_page(&s, &h, r, vec![], (false, false)).into_response(),
        Err(e) => error_page(&s, h.session.lang, &e),
    }
}

/// After a step: PRG on success; on failure the same page again with the error, the input
/// kept (secrets excepted).
pub(super) async fn after_step(
    s: &WebState,
    h: &Holder,
    id: &RenewalId,
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

pub(super) async fn confirm_data(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    let out = s.app.confirm_data(&h.session.holder_id, &id, &ctx).await;
    after_step(&s, &h, &id, out, None, (false, false)).await
}

#[derive(Deserialize)]
pub(super) struct DocumentsForm {
    #[serde(default)]
    documents_hash: String,
    accept_terms: Option<String>,
    confirm_data: Option<String>,
}

pub(super) async fn accept_documents(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
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
pub(super) struct DownloadQuery {
    download: Option<String>,
}

pub(super) async fn document(
    State(s): State<WebState>,
    h: Holder,
    Path((id, name)): Path<(RenewalId, String)>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    let name = name.strip_suffix(".pdf").unwrap_or(&name).to_owned();
    match s.app.document(&h.session.holder_id, &id, &name).await {
        Ok(pdf) => pdf_response(pdf, &name, q.download.is_some()),
        Err(e) => error_page(&s, h.session.lang, &e),
    }
}

pub(super) async fn resend(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
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
pub(super) struct CodeForm {
    #[serde(default)]
    pin: rinnova_domain::secret::Secret,
    #[serde(default)]
    pin_confirm: rinnova_domain::secret::Secret,
    #[serde(default)]
    otp: String,
}

pub(super) fn field_of(e: &AppError) -> &'static str {
    match e {
        AppError::WrongPin { .. } | AppError::Invalid(_) => "pin",
        _ => "otp",
    }
}

pub(super) async fn sign(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .sign(&h.session.holder_id, &id, f.pin.expose(), &f.otp, &ctx)
        .await;
    let field = out.as_ref().err().map(field_of);
    after_step(&s, &h, &id, out, field, (false, false)).await
}

#[derive(Deserialize)]
pub(super) struct ContactForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    password: rinnova_domain::secret::Secret,
}

pub(super) async fn request_contact_change(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
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
            f.password.expose(),
            &ctx,
        )
        .await;
    let target = match &out {
        Err(AppError::WrongPassword | AppError::LoginLocked { .. }) => "contact_password",
        _ => "contact_value",
    };
    after_step(&s, &h, &id, out, Some(target), (false, false)).await
}

pub(super) async fn confirm_contact_change(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .confirm_contact_change(&h.session.holder_id, &id, &f.otp, &ctx)
        .await;
    after_step(&s, &h, &id, out, Some("contact_otp"), (false, false)).await
}

pub(super) async fn activation_code(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .activation_code(&h.session.holder_id, &id, &f.otp, &ctx)
        .await;
    after_step(&s, &h, &id, out, Some("otp"), (false, false)).await
}

pub(super) async fn activate(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, f): CsrfForm<Holder, CodeForm>,
) -> Response {
    let out = s
        .app
        .activate(
            &h.session.holder_id,
            &id,
            f.pin.expose(),
            f.pin_confirm.expose(),
            &f.otp,
            &ctx,
        )
        .await;
    let field = out.as_ref().err().map(field_of);
    after_step(&s, &h, &id, out, field, (false, false)).await
}

#[derive(Deserialize)]
pub(super) struct ResyncForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    second: String,
}

pub(super) async fn token_resync(
    State(s): State<WebState>,
    Path(id): Path<RenewalId>,
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
