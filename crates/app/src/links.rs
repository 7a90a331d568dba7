//! Signed, expiring links (SPEC N2): `{certificate}.{expiry}.{mac}`, the MAC an HMAC-SHA-256
//! under a service key kept in the database (so every instance checks every link). A link
//! names a certificate and proves nothing else: the holder still logs in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rinnova_domain::CertificateId;
use sha2::Sha256;

/// Domain separation: these MACs mean "reminder link", nothing else.
const CONTEXT: &[u8] = b"rinnova reminder link v1\0";

fn mac(key: &[u8], certificate_id: &CertificateId, expires: i64) -> Hmac<Sha256> {
    // An HMAC key may have any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(CONTEXT);
    m.update(certificate_id.as_str().as_bytes());
    m.update(b"\0");
    m.update(&expires.to_be_bytes());
    m
}

/// The token of a link to `certificate_id`'s renewal, valid until `expires` (Unix seconds).
pub fn sign(key: &[u8], certificate_id: &CertificateId, expires: i64) -> String {
    let tag = mac(key, certificate_id, expires).finalize().into_bytes();
    format!("{certificate_id}.{expires}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    Malformed,
    Forged,
    Expired,
}

/// The certificate a link names, if its MAC is right and it has not expired at `now`.
pub fn verify(key: &[u8], token: &str, now: i64) -> Result<CertificateId, LinkError> {
    let mut parts = token.rsplitn(3, '.');
    let (Some(tag), Some(expires), Some(certificate_id)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(LinkError::Malformed);
    };
    let expires: i64 = expires.parse().map_err(|_| LinkError::Malformed)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| LinkError::Malformed)?;
    if certificate_id.is_empty() || certificate_id.len() > 64 {
        return Err(LinkError::Malformed);
    }
    let certificate_id = CertificateId::new(certificate_id);
    mac(key, &certificate_id, expires)
        .verify_slice(&tag)
        .map_err(|_| LinkError::Forged)?;
    if now >= expires {
        return Err(LinkError::Expired);
    }
    Ok(certificate_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n2_link_round_trip_forgery_and_expiry() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = sign(key, &"cert-1".into(), 1_000);
        assert_eq!(verify(key, &t, 999), Ok("cert-1".into()));
        assert_eq!(verify(key, &t, 1_000), Err(LinkError::Expired));
        assert_eq!(verify(b"another key", &t, 0), Err(LinkError::Forged));
        // Another certificate or a later expiry under the same MAC: forged.
        let tag = t.rsplit('.').next().unwrap();
        assert_eq!(
            verify(key, &format!("cert-2.1000.{tag}"), 0),
            Err(LinkError::Forged)
        );
        assert_eq!(
            verify(key, &format!("cert-1.9999.{tag}"), 0),
            Err(LinkError::Forged)
        );
        assert_eq!(verify(key, "nonsense", 0), Err(LinkError::Malformed));
        assert_eq!(verify(key, "a.b.c", 0), Err(LinkError::Malformed));
        assert_eq!(verify(key, ".1000.AAAA", 0), Err(LinkError::Malformed));
    }
}
