//! Messages to holders, written to the outbox inside the caller's transaction (the delivery
//! worker of `rinnova-notify` sends them).

use crate::AppError;
use crate::util::new_id;
use rinnova_store::{Conn, HolderRecord, OutboxRecord, repo};

/// Queues an SMS to `mobile`: the holder's registered number, or a new one being confirmed.
pub(crate) async fn sms_to(
    c: &mut Conn,
    h: &HolderRecord,
    mobile: &str,
    text: String,
    now: i64,
) -> Result<(), AppError> {
    push(c, "sms", mobile, h, None, text, now).await
}

/// Queues an e-mail to the holder's registered address.
pub(crate) async fn email(
    c: &mut Conn,
    h: &HolderRecord,
    subject: String,
    body: String,
    now: i64,
) -> Result<(), AppError> {
    push(c, "email", &h.email, h, Some(subject), body, now).await
}

async fn push(
    c: &mut Conn,
    channel: &str,
    to: &str,
    h: &HolderRecord,
    subject: Option<String>,
    body: String,
    now: i64,
) -> Result<(), AppError> {
    repo::outbox::push(
        c,
        &OutboxRecord {
            seq: 0,
            id: new_id(),
            channel: channel.into(),
            recipient: to.into(),
            holder_id: Some(h.id.clone()),
            subject,
            body,
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
        },
    )
    .await?;
    Ok(())
}

/// Queues an e-mail to staff (a CDRL): no holder's inbox.
pub(crate) async fn staff_email(
    c: &mut Conn,
    to: &str,
    subject: String,
    body: String,
    now: i64,
) -> Result<(), AppError> {
    repo::outbox::push(
        c,
        &OutboxRecord {
            seq: 0,
            id: new_id(),
            channel: "email".into(),
            recipient: to.into(),
            holder_id: None,
            subject: Some(subject),
            body,
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
        },
    )
    .await?;
    Ok(())
}
