//! What operators ask of a running instance: is it ready to serve, how long are its queues.

use crate::{App, AppError};
use rinnova_store::repo;

impl App {
    /// Ready to serve: the database answers (the CA was opened at start, or the instance would
    /// not be running).
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.store().ping().await?)
    }

    /// Messages waiting for delivery, per channel.
    pub async fn queue_depth(&self) -> Result<Vec<(String, i64)>, AppError> {
        let mut c = self.store().conn().await?;
        Ok(repo::outbox::pending_by_channel(&mut c).await?)
    }
}
