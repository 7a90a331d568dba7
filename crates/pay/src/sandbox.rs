//! The sandbox acquirer: a stand-in for the real card/PayPal provider, with the same shape.
//! Its hosted checkout page (served by the web layer under `/sandbox/checkout`) shows the order
//! and lets the tester succeed, decline or cancel; it then posts a notification signed with
//! HMAC-SHA256 to the shop's notify URL and sends the browser back.
//!
//! It keeps no state of its own: the checkout's details travel in a token signed with the same
//! key, so a restart of either side loses nothing and a tampered amount is refused.

use crate::{
    Checkout, CheckoutRequest, Notification, Outcome, PayError, PayFuture, PaymentProvider,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HTTP header carrying a notification's signature (hex HMAC-SHA256 of the body).
pub const SIGNATURE_HEADER: &str = "x-sandbox-signature";

/// The sandbox provider.
#[derive(Clone)]
pub struct SandboxProvider {
    secret: Vec<u8>,
    /// Where its checkout page is served (`…/sandbox/checkout`).
    pub checkout_base: String,
}

impl std::fmt::Debug for SandboxProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxProvider")
            .field("checkout_base", &self.checkout_base)
            .finish_non_exhaustive()
    }
}

fn mac(secret: &[u8], purpose: &[u8], data: &[u8]) -> Result<Vec<u8>, PayError> {
    let mut m =
        Hmac::<Sha256>::new_from_slice(secret).map_err(|e| PayError::Provider(e.to_string()))?;
    // Domain separation: a checkout token's MAC is never a valid notification signature.
    m.update(purpose);
    m.update(&[0]);
    m.update(data);
    Ok(m.finalize().into_bytes().to_vec())
}

fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

impl SandboxProvider {
    pub fn new(secret: &[u8], checkout_base: &str) -> SandboxProvider {
        SandboxProvider {
            secret: secret.to_vec(),
            checkout_base: checkout_base.trim_end_matches('/').to_owned(),
        }
    }

    /// The token that carries a checkout to the hosted page.
    pub fn token(&self, req: &CheckoutRequest) -> Result<String, PayError> {
        let body = serde_json::to_vec(req).map_err(|e| PayError::Malformed(e.to_string()))?;
        let sig = mac(&self.secret, b"checkout", &body)?;
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(body),
            URL_SAFE_NO_PAD.encode(sig)
        ))
    }

    /// Reads a checkout token (the hosted page), refusing forged or expired ones.
    pub fn open_token(&self, token: &str, now: i64) -> Result<CheckoutRequest, PayError> {
        let (body, sig) = token
            .split_once('.')
            .ok_or_else(|| PayError::Malformed("token".into()))?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| PayError::Malformed("token".into()))?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| PayError::Malformed("token".into()))?;
        if !same(&mac(&self.secret, b"checkout", &body)?, &sig) {
            return Err(PayError::BadSignature);
        }
        let req: CheckoutRequest =
            serde_json::from_slice(&body).map_err(|e| PayError::Malformed(e.to_string()))?;
        if now >= req.expires_at {
            return Err(PayError::Expired);
        }
        Ok(req)
    }

    /// The provider's reference of an order's checkout.
    pub fn provider_ref(order_id: &str) -> String {
        format!("sbx_{order_id}")
    }

    /// The notification the hosted page sends for `outcome`: the body and its signature.
    pub fn notification(
        &self,
        req: &CheckoutRequest,
        outcome: Outcome,
        event_id: &str,
    ) -> Result<(Vec<u8>, String), PayError> {
        let n = Notification {
            event_id: event_id.to_owned(),
            provider_ref: Self::provider_ref(&req.order_id),
            order_id: req.order_id.clone(),
            outcome,
            amount_cents: req.amount_cents,
            currency: req.currency.clone(),
        };
        let body = serde_json::to_vec(&n).map_err(|e| PayError::Malformed(e.to_string()))?;
        let sig = hex_lower(&mac(&self.secret, b"notification", &body)?);
        Ok((body, sig))
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn checkout<'a>(&'a self, req: &'a CheckoutRequest) -> PayFuture<'a, Checkout> {
        Box::pin(async move {
            Ok(Checkout {
                provider_ref: Self::provider_ref(&req.order_id),
                redirect_url: format!("{}?t={}", self.checkout_base, self.token(req)?),
            })
        })
    }

    fn verify(&self, body: &[u8], signature: &str) -> Result<Notification, PayError> {
        let sig = hex::decode(signature.trim()).map_err(|_| PayError::BadSignature)?;
        if !same(&mac(&self.secret, b"notification", body)?, &sig) {
            return Err(PayError::BadSignature);
        }
        serde_json::from_slice(body).map_err(|e| PayError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ShopMethod;

    fn req() -> CheckoutRequest {
        CheckoutRequest {
            order_id: "o1".into(),
            amount_cents: 4_880,
            currency: "EUR".into(),
            description: "Rinnovo firma remota".into(),
            method: ShopMethod::Card,
            return_url: "http://shop/renewals/r1".into(),
            notify_url: "http://shop/payments/sandbox/notify".into(),
            expires_at: 2_000,
        }
    }

    #[test]
    fn checkout_tokens_round_trip_and_refuse_tampering_and_expiry() {
        let p = SandboxProvider::new(b"k", "http://shop/sandbox/checkout");
        let t = p.token(&req()).unwrap();
        assert_eq!(p.open_token(&t, 1_000).unwrap(), req());
        assert!(matches!(p.open_token(&t, 2_000), Err(PayError::Expired)));
        // Someone lowers the amount in the token.
        let mut cheaper = req();
        cheaper.amount_cents = 1;
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cheaper).unwrap());
        let sig = t.split_once('.').unwrap().1;
        assert!(matches!(
            p.open_token(&format!("{forged_body}.{sig}"), 1_000),
            Err(PayError::BadSignature)
        ));
        let other = SandboxProvider::new(b"other", "http://shop/sandbox/checkout");
        assert!(matches!(
            other.open_token(&t, 1_000),
            Err(PayError::BadSignature)
        ));
    }

    #[test]
    fn notifications_verify_only_with_the_key_and_untouched() {
        let p = SandboxProvider::new(b"k", "http://shop/sandbox/checkout");
        let (body, sig) = p.notification(&req(), Outcome::Paid, "ev1").unwrap();
        let n = p.verify(&body, &sig).unwrap();
        assert_eq!((n.outcome, n.amount_cents), (Outcome::Paid, 4_880));
        assert_eq!(n.provider_ref, "sbx_o1");
        let mut tampered = body.clone();
        let pos = tampered.iter().position(|&b| b == b'4').unwrap();
        tampered[pos] = b'1';
        assert!(matches!(
            p.verify(&tampered, &sig),
            Err(PayError::BadSignature)
        ));
        assert!(matches!(p.verify(&body, "zz"), Err(PayError::BadSignature)));
        assert!(matches!(p.verify(&body, ""), Err(PayError::BadSignature)));
        // A checkout token's MAC is not a notification signature.
        let token_sig = mac(b"k", b"checkout", &body).unwrap();
        assert!(matches!(
            p.verify(&body, &hex_lower(&token_sig)),
            Err(PayError::BadSignature)
        ));
    }
}
