//! The PKCS#11 adapter against a real PKCS#11 module: Debian's SoftHSM2 as the stand-in card,
//! checked with OpenSC's `pkcs11-tool` (STANDARDS "PKCS#11 on-card renewal").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use rinnova_card::{SOFTHSM2_MODULE, Token, init_token};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes SoftHSM2's configuration where `SOFTHSM2_CONF` (set by .cargo/config.toml) points,
/// with an empty token directory beside it.
fn fresh_softhsm() -> PathBuf {
    let conf = PathBuf::from(
        std::env::var("SOFTHSM2_CONF").expect("SOFTHSM2_CONF from .cargo/config.toml"),
    );
    let dir = conf.parent().unwrap().to_path_buf();
    let tokens = dir.join("tokens");
    let _ = std::fs::remove_dir_all(&tokens);
    std::fs::create_dir_all(&tokens).unwrap();
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    assert!(
        Path::new(SOFTHSM2_MODULE).exists(),
        "SoftHSM2 is needed: scripts/test installs softhsm2"
    );
    dir
}

fn pkcs11_tool(args: &[&str]) -> String {
    let out = Command::new("pkcs11-tool")
        .args(["--module", SOFTHSM2_MODULE])
        .args(args)
        .output()
        .expect("OpenSC's pkcs11-tool is needed: scripts/test installs opensc");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pkcs11-tool {args:?}: {text}");
    text
}

#[test]
fn c2_keys_are_made_and_used_on_the_card_and_certificates_stored_beside_them() {
    fresh_softhsm();
    init_token(
        Path::new(SOFTHSM2_MODULE),
        "rinnova-test",
        "87654321",
        "12345678",
    )
    .unwrap();
    assert!(
        Token::open(Path::new(SOFTHSM2_MODULE), Some("rinnova-test"), "00000000").is_err(),
        "a wrong PIN opens nothing"
    );
    let token = Token::open(Path::new(SOFTHSM2_MODULE), Some("rinnova-test"), "12345678").unwrap();
    assert!(token.certificates().unwrap().is_empty());

    // A key pair on the card; a signature by it verifies with its public key.
    let spki = token.generate_key(b"\x01\x02", "Firma 2029").unwrap();
    let message = b"renewal request";
    let signature = token.sign(b"\x01\x02", message).unwrap();
    use der::Decode;
    let info = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&spki).unwrap();
    let point = info.subject_public_key.raw_bytes();
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
        point,
    )
    .verify(message, &signature)
    .expect("the card's signature verifies with its public key");

    // A certificate beside the key: same CKA_ID, read back.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["card.example".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    token
        .store_certificate(b"\x01\x02", "Firma 2029", cert.der())
        .unwrap();
    let on_card = token.certificates().unwrap();
    assert_eq!(on_card.len(), 1);
    assert_eq!(on_card[0].id, b"\x01\x02");
    assert_eq!(on_card[0].label, "Firma 2029");
    assert_eq!(on_card[0].der, cert.der().as_ref());

    // OpenSC sees the same: the private key sensitive and never extractable, the certificate.
    let listing = pkcs11_tool(&[
        "--token-label",
        "rinnova-test",
        "--login",
        "--pin",
        "12345678",
        "--list-objects",
    ]);
    assert!(listing.contains("Private Key Object; EC"), "{listing}");
    assert!(listing.contains("never extractable"), "{listing}");
    assert!(listing.contains("sensitive"), "{listing}");
    assert!(listing.contains("Certificate Object"), "{listing}");
    assert!(listing.contains("label:      Firma 2029"), "{listing}");
    assert!(listing.contains("ID:         0102"), "{listing}");
}
