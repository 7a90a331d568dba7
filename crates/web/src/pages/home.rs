//! Home, the history, starting a renewal (also from a reminder link).

use super::wizard::renewal_or_home;
use super::*;
use rinnova_domain::CertificateId;

pub(super) async fn home(State(s): State<WebState>, h: Holder) -> Response {
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

pub(super) async fn renew(
    State(s): State<WebState>,
    Path(id): Path<CertificateId>,
    RequestCtx(ctx): RequestCtx,
    CsrfForm(h, _): CsrfForm<Holder, NoFields>,
) -> Response {
    let started = s.app.start_renewal(&h.session.holder_id, &id, &ctx).await;
    renewal_or_home(&s, &h, started).await
}

/// The holder's own history, from the audit trail (SPEC X2).
pub(super) async fn history(State(s): State<WebState>, h: Holder) -> Response {
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
pub(super) async fn reminder_link(
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
