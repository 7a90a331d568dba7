//! Login, logout and the language.

use super::*;

#[derive(Deserialize)]
pub(super) struct NextQuery {
    #[serde(default)]
    next: String,
}

pub(super) fn login_view(
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

pub(super) async fn login_page(
    State(s): State<WebState>,
    v: Visitor,
    Query(q): Query<NextQuery>,
) -> Response {
    if v.session.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    login_view(&s, v.lang, &q.next, "", vec![]).into_response()
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    password: rinnova_domain::secret::Secret,
    #[serde(default)]
    next: String,
}

pub(super) async fn login(
    State(s): State<WebState>,
    headers: HeaderMap,
    RequestCtx(ctx): RequestCtx,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = request_lang(&headers);
    match s
        .app
        .login(&f.user_id, f.password.expose(), SessionKind::Web, &ctx)
        .await
    {
        Ok(session) => {
            // A session this browser held (another user's, or an earlier one) ends: one
            // browser, one session.
            if let Some(old) = crate::session::cookie(&headers, SESSION_COOKIE)
                .filter(|t| !t.is_empty() && t != session.token.expose())
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
                        set_cookie(
                            SESSION_COOKIE,
                            session.token.expose(),
                            max_age,
                            s.secure_cookies,
                        ),
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

pub(super) async fn logout(
    State(s): State<WebState>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    if let Err(e) = s.app.logout(h.token.expose(), &ctx).await {
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

#[derive(Deserialize)]
pub(super) struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches language (a preference, guarded by the same-origin check; it changes nothing else).
pub(super) async fn set_lang(
    State(s): State<WebState>,
    v: Visitor,
    Form(f): Form<LangForm>,
) -> Response {
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
