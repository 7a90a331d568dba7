//! Messages to holders, written to the outbox inside the caller's transaction (the delivery
//! worker of `rinnova-notify` sends them).

use crate::AppError;
use crate::i18n::Lang;
use crate::util::new_id;
use rinnova_domain::HolderId;
use rinnova_store::{Conn, HolderRecord, OutboxRecord, repo};

/// One message for the outbox, due at once.
struct Message<'a> {
    channel: &'static str,
    to: &'a str,
    holder_id: Option<&'a HolderId>,
    subject: Option<String>,
    body: String,
    html: Option<String>,
}

/// Queues a message under the id `id`; returns it.
async fn push(c: &mut Conn, id: String, m: Message<'_>, now: i64) -> Result<String, AppError> {
    repo::outbox::push(
        c,
        &OutboxRecord {
            seq: 0,
            id: id.clone(),
            channel: m.channel.into(),
            recipient: m.to.into(),
            holder_id: m.holder_id.cloned(),
            subject: m.subject,
            body: m.body,
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
            html: m.html,
            gave_up_at: None,
        },
    )
    .await?;
    Ok(id)
}

/// Queues an SMS to `mobile`: the holder's registered number, or a new one being confirmed.
pub(crate) async fn sms_to(
    c: &mut Conn,
    id: String,
    h: &HolderRecord,
    mobile: &str,
    text: String,
    now: i64,
) -> Result<(), AppError> {
    let m = Message {
        channel: "sms",
        to: mobile,
        holder_id: Some(&h.id),
        subject: None,
        body: text,
        html: None,
    };
    push(c, id, m, now).await.map(drop)
}

/// Queues an e-mail to the holder's registered address, in the holder's language (text, and
/// HTML built from it).
pub(crate) async fn email(
    c: &mut Conn,
    h: &HolderRecord,
    subject: String,
    body: String,
    now: i64,
) -> Result<(), AppError> {
    email_to(c, &h.email, h, subject, body, now).await.map(drop)
}

/// Queues an e-mail to an address of the holder's (the registered one, or one being proven);
/// returns the message's id.
pub(crate) async fn email_to(
    c: &mut Conn,
    to: &str,
    h: &HolderRecord,
    subject: String,
    body: String,
    now: i64,
) -> Result<String, AppError> {
    email_as(c, new_id(), to, h, subject, body, now).await
}

/// [`email_to`] under an id chosen before (recorded with what the message answers, in the same
/// transaction); returns it.
pub(crate) async fn email_as(
    c: &mut Conn,
    id: String,
    to: &str,
    h: &HolderRecord,
    subject: String,
    body: String,
    now: i64,
) -> Result<String, AppError> {
    let m = Message {
        channel: "email",
        to,
        holder_id: Some(&h.id),
        html: Some(html_email(Lang::parse(&h.lang), &subject, &body)),
        subject: Some(subject),
        body,
    };
    push(c, id, m, now).await
}

/// Queues an e-mail to staff (a CDRL): no holder's inbox.
pub(crate) async fn staff_email(
    c: &mut Conn,
    to: &str,
    lang: Lang,
    subject: String,
    body: String,
    now: i64,
) -> Result<(), AppError> {
    let m = Message {
        channel: "email",
        to,
        holder_id: None,
        html: Some(html_email(lang, &subject, &body)),
        subject: Some(subject),
        body,
    };
    push(c, new_id(), m, now).await.map(drop)
}

/// The HTML alternative of a text e-mail: the same words, escaped, in paragraphs, with links
/// made clickable, in a plain layout that mail clients render alike.
pub(crate) fn html_email(lang: Lang, subject: &str, text: &str) -> String {
    let mut body = String::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        body.push_str("<p style=\"margin:0 0 1em\">");
        let lines: Vec<String> = para.trim().lines().map(linkify).collect();
        body.push_str(&lines.join("<br>\n"));
        body.push_str("</p>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1b1b1b;max-width:40em\">\n\
         <h1 style=\"font-size:18px;color:#0b4f8a\">{title}</h1>\n{body}\
         <p style=\"font-size:12px;color:#5c5c5c\">{footer}</p>\n</body></html>\n",
        lang = lang.code(),
        title = escape(subject),
        footer = escape(&lang.t("email-footer")),
    )
}

/// Escapes a line and turns each `http(s)://…` word into a link.
fn linkify(line: &str) -> String {
    line.split(' ')
        .map(|w| {
            let url = w.trim_end_matches(['.', ',', ';', ')']);
            if url.starts_with("https://") || url.starts_with("http://") {
                let rest = &w[url.len()..];
                format!(
                    "<a href=\"{u}\" style=\"color:#0b4f8a\">{u}</a>{r}",
                    u = escape(url),
                    r = escape(rest)
                )
            } else {
                escape(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_links() {
        let h = html_email(
            Lang::It,
            "Rinnovo <subito>",
            "Gentile Anna & Co,\nvai su https://r.example/l/a?b=1&c=2.\n\nGrazie",
        );
        assert!(h.contains("<title>Rinnovo &lt;subito&gt;</title>"), "{h}");
        assert!(h.contains("Gentile Anna &amp; Co,<br>"), "{h}");
        assert!(
            h.contains("<a href=\"https://r.example/l/a?b=1&amp;c=2\" style=\"color:#0b4f8a\">https://r.example/l/a?b=1&amp;c=2</a>."),
            "{h}"
        );
        assert!(h.contains("<p style=\"margin:0 0 1em\">Grazie</p>"), "{h}");
        assert!(h.contains("lang=\"it\""));
        assert!(!h.contains("<subito>"));
    }
}
