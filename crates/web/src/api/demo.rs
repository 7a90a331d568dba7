//! Demo only (not in the OpenAPI document): the messages a holder would receive.

use super::error::{ApiQuery, ApiResult, json};
use crate::WebState;
use axum::extract::State;
use rinnova_app::demo::DemoMessage;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct OutboxQuery {
    user_id: Option<String>,
}

/// The newest 100 messages, of one holder (`?user_id=`) or of everyone, newest first.
pub async fn outbox(
    State(s): State<WebState>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Vec<DemoMessage>> {
    json(s.app.demo_outbox(q.user_id.as_deref(), 100).await)
}
