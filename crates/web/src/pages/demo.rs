//! Demo only: the outbox page.

use super::*;

pub(super) async fn outbox(State(s): State<WebState>, v: Visitor) -> Response {
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
