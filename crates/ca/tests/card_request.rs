//! SPEC C2: a card's renewal request — PKCS#10 by the new key, proof by the old key, subject
//! unchanged — accepted only whole; OpenSSL checks the request independently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use jiff::Timestamp;
use rcgen::{KeyPair, PublicKeyData, SigningKey};
use rinnova_ca::device::HolderPublicKey;
use rinnova_ca::request::{RequestError, proof_message, request_for, verify};
use rinnova_ca::{Ca, CaConfig, HolderSubject, KdfParams};
use rinnova_domain::{CertificateKind, CodiceFiscale};
use std::process::Command;

fn ca() -> Ca {
    let now = Timestamp::from_second(1_795_000_000).unwrap();
    let config = CaConfig::demo("https://rinnova-demo.it");
    let material = Ca::init(&config, b"pw", KdfParams::insecure_for_tests(), now).unwrap();
    Ca::open(material, b"pw").unwrap()
}

fn subject(given: &str, cf: &str) -> HolderSubject {
    HolderSubject {
        given_name: given.into(),
        surname: "Rossi".into(),
        codice_fiscale: CodiceFiscale::parse(cf).unwrap(),
        iut: "WSREF-2026000001".into(),
        title: Some("Dirigente".into()),
        organization: None,
    }
}

fn p256() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()
}

fn card_cert(ca: &Ca, s: &HolderSubject, key: &KeyPair, kind: CertificateKind) -> Vec<u8> {
    let now = Timestamp::from_second(1_795_000_000).unwrap();
    let public = HolderPublicKey {
        raw: key.der_bytes().to_vec(),
    };
    ca.issue_qualified(s, kind, &public, now).unwrap().der
}

#[test]
fn c2_a_request_by_the_new_key_proven_by_the_old_one_is_accepted() {
    let ca = ca();
    for kind in [CertificateKind::CardSignature, CertificateKind::Cns] {
        let old_key = p256();
        let old = card_cert(&ca, &subject("Mario", "RSSMRA85T10A562S"), &old_key, kind);
        let new_key = p256();
        let csr = request_for(&old, &new_key).unwrap();
        let proof = old_key.sign(&proof_message(&csr)).unwrap();
        let ok = verify(&csr, &proof, &old).unwrap();
        assert_eq!(ok.public_key, new_key.der_bytes());

        // OpenSSL: the request's self-signature verifies and its subject is the old one.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("req.der"), &csr).unwrap();
        std::fs::write(dir.path().join("old.der"), &old).unwrap();
        let req = Command::new("openssl")
            .args([
                "req", "-inform", "DER", "-verify", "-noout", "-subject", "-in",
            ])
            .arg(dir.path().join("req.der"))
            .output()
            .expect("openssl (scripts/test installs it)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&req.stdout),
            String::from_utf8_lossy(&req.stderr)
        );
        assert!(req.status.success(), "{text}");
        assert!(
            text.contains("verify OK")
                || text.contains("Certificate request self-signature verify OK"),
            "{text}"
        );
        let cert = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-subject", "-in"])
            .arg(dir.path().join("old.der"))
            .output()
            .unwrap();
        let cert_subject = String::from_utf8_lossy(&cert.stdout).to_string();
        let req_subject = text
            .lines()
            .find(|l| l.starts_with("subject="))
            .unwrap()
            .to_owned();
        assert_eq!(req_subject.trim(), cert_subject.trim());
        assert!(
            req_subject.contains("TINIT-RSSMRA85T10A562S"),
            "{req_subject}"
        );
    }
}

#[test]
fn c2_a_request_without_the_old_keys_proof_is_refused() {
    let ca = ca();
    let old_key = p256();
    let old = card_cert(
        &ca,
        &subject("Mario", "RSSMRA85T10A562S"),
        &old_key,
        CertificateKind::Cns,
    );
    let new_key = p256();
    let csr = request_for(&old, &new_key).unwrap();
    // Signed by the new key, not the old one.
    let by_new = new_key.sign(&proof_message(&csr)).unwrap();
    assert_eq!(verify(&csr, &by_new, &old), Err(RequestError::BadProof));
    // The old key's signature over the bare request, without the context.
    let bare = old_key.sign(&csr).unwrap();
    assert_eq!(verify(&csr, &bare, &old), Err(RequestError::BadProof));
    // The old key's proof of another request.
    let other = request_for(&old, &p256()).unwrap();
    let proof_of_other = old_key.sign(&proof_message(&other)).unwrap();
    assert_eq!(
        verify(&csr, &proof_of_other, &old),
        Err(RequestError::BadProof)
    );
    assert_eq!(verify(&csr, b"", &old), Err(RequestError::BadProof));
}

#[test]
fn c2_requests_that_change_the_subject_reuse_the_key_or_are_broken_are_refused() {
    let ca = ca();
    let old_key = p256();
    let old = card_cert(
        &ca,
        &subject("Mario", "RSSMRA85T10A562S"),
        &old_key,
        CertificateKind::CardSignature,
    );

    // Another person's subject, proven by the old key.
    let stranger_key = p256();
    let stranger = card_cert(
        &ca,
        &subject("Maria", "RSSMRA85T50A562W"),
        &stranger_key,
        CertificateKind::CardSignature,
    );
    let new_key = p256();
    let csr = request_for(&stranger, &new_key).unwrap();
    let proof = old_key.sign(&proof_message(&csr)).unwrap();
    assert_eq!(
        verify(&csr, &proof, &old),
        Err(RequestError::SubjectChanged)
    );

    // The old key again.
    let csr = request_for(&old, &old_key).unwrap();
    let proof = old_key.sign(&proof_message(&csr)).unwrap();
    assert_eq!(verify(&csr, &proof, &old), Err(RequestError::SameKey));

    // A request whose self-signature was altered.
    let mut csr = request_for(&old, &new_key).unwrap();
    let last = csr.len() - 2;
    csr[last] ^= 0x01;
    let proof = old_key.sign(&proof_message(&csr)).unwrap();
    assert!(matches!(
        verify(&csr, &proof, &old),
        Err(RequestError::BadSignature | RequestError::Malformed)
    ));

    // Not a request at all; an RSA key.
    assert_eq!(verify(b"hello", b"", &old), Err(RequestError::Malformed));
    let rsa = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let csr = request_for(&old, &rsa).unwrap();
    let proof = old_key.sign(&proof_message(&csr)).unwrap();
    assert_eq!(
        verify(&csr, &proof, &old),
        Err(RequestError::UnsupportedKey)
    );
}
