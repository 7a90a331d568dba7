//! rinnova's payment adapters (SPEC §5 step 5, seed 002): the shop's card and PayPal payments go
//! through a [`PaymentProvider`] (here the [`sandbox`], a stand-in for the acquirer with its own
//! hosted checkout page and signed notifications); bank transfers stay pending until a bank
//! statement in ISO 20022 CAMT.053 format ([`camt053`]) shows the money arrived.

pub mod camt053;
pub mod sandbox;

use std::future::Future;
use std::pin::Pin;

/// How the holder pays in the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopMethod {
    Card,
    Paypal,
    BankTransfer,
}

impl ShopMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Paypal => "paypal",
            Self::BankTransfer => "bank_transfer",
        }
    }

    pub fn parse(s: &str) -> Option<ShopMethod> {
        [Self::Card, Self::Paypal, Self::BankTransfer]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// What the provider is asked to collect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckoutRequest {
    pub order_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub description: String,
    pub method: ShopMethod,
    /// Where the holder's browser returns afterwards.
    pub return_url: String,
    /// Where the provider posts the signed outcome.
    pub notify_url: String,
    /// Unix seconds after which the checkout no longer accepts payment.
    pub expires_at: i64,
}

/// A checkout opened at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's reference of this payment.
    pub provider_ref: String,
    /// The provider's page the holder is sent to.
    pub redirect_url: String,
}

/// What the provider says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Paid,
    Declined,
    Cancelled,
}

/// A verified notification from the provider.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notification {
    /// Unique per notification: a repeated delivery carries the same id.
    pub event_id: String,
    pub provider_ref: String,
    pub order_id: String,
    pub outcome: Outcome,
    pub amount_cents: i64,
    pub currency: String,
}

/// Errors of the payment adapters.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("the notification's signature is not valid")]
    BadSignature,
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("the checkout has expired")]
    Expired,
    #[error("provider: {0}")]
    Provider(String),
}

/// A future the provider returns (object-safe, so the application holds `dyn PaymentProvider`).
pub type PayFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PayError>> + Send + 'a>>;

/// A card/PayPal acquirer. A real one (an Italian acquirer's hosted payment page) implements
/// the same three operations over its HTTP API.
pub trait PaymentProvider: Send + Sync {
    /// The name stored with orders.
    fn name(&self) -> &'static str;
    /// Opens a checkout for `req`.
    fn checkout<'a>(&'a self, req: &'a CheckoutRequest) -> PayFuture<'a, Checkout>;
    /// Checks a notification's signature and reads it. Anything unsigned or tampered with is
    /// refused before it is parsed.
    fn verify(&self, body: &[u8], signature: &str) -> Result<Notification, PayError>;
}
