//! Holder keys in a real PKCS#11 module (issue 20, SPEC O3): Debian's SoftHSM2, checked with
//! OpenSC's `pkcs11-tool`.
//!
//! SoftHSM2 reads its configuration from `SOFTHSM2_CONF` when the module is initialised, and the
//! workspace's value is shared with other suites. Each test here therefore runs its body in a
//! child process of its own, with a token directory of its own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use rinnova_ca::device::SignatureDevice;
use rinnova_ca::hsm::{self, HOLDER_PIN_LABEL, HOLDER_WRAP_LABEL, Hsm, HsmConfig};
use rinnova_ca::secrets::{HsmSealer, SECRETS_LABEL, SecretSealer};
use rinnova_ca::{DeviceError, KdfParams, SoftwareDevice};
use rinnova_domain::Pin;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const CHILD: &str = "RINNOVA_HSM_TEST_CHILD";

/// Runs `body` in a child process whose SoftHSM2 has an empty token directory of its own and
/// one token, `rinnova-test`, with user PIN `1234`.
fn isolated(test: &str, body: impl FnOnce(&Path)) {
    if let Ok(dir) = std::env::var(CHILD) {
        body(Path::new(&dir));
        return;
    }
    assert!(
        Path::new(MODULE).exists(),
        "SoftHSM2 is needed: scripts/test installs softhsm2"
    );
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{test} in its own SoftHSM2:\n{text}");
    assert!(text.contains("1 passed"), "{test} did not run:\n{text}");
}

fn config() -> HsmConfig {
    HsmConfig {
        module: MODULE.into(),
        token_label: "rinnova-test".into(),
        user_pin: "1234".into(),
    }
}

fn token_with_holder_keys() -> Arc<Hsm> {
    hsm::init_token(Path::new(MODULE), "rinnova-test", "87654321", "1234").unwrap();
    let h = Hsm::open(&config()).unwrap();
    h.create_holder_keys().unwrap();
    Arc::new(h)
}

fn pkcs11_tool(args: &[&str]) -> String {
    let out = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--token-label",
            "rinnova-test",
            "--login",
            "--pin",
            "1234",
        ])
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

fn pin(p: &str) -> Pin {
    Pin::parse(p).unwrap()
}

#[test]
fn o3_a_holder_key_made_in_the_hsm_signs_only_with_its_pin() {
    isolated(
        "o3_a_holder_key_made_in_the_hsm_signs_only_with_its_pin",
        |_| {
            let device = token_with_holder_keys().holder_device().unwrap();
            let key = device.create_key(&pin("12345678")).unwrap();
            assert!(hsm::is_hsm_blob(&key.sealed_private));

            let signed = device
                .sign(&key.sealed_private, &pin("12345678"), b"renewal form")
                .unwrap();
            assert!(signed.resealed.is_none());
            let sig = signed.signature;
            assert!(key.public_key.verify(b"renewal form", &sig));
            assert!(!key.public_key.verify(b"another form", &sig));
            assert!(matches!(
                device.sign(&key.sealed_private, &pin("87654321"), b"x"),
                Err(DeviceError::WrongPin)
            ));
            // A digest made elsewhere (CSC signHash, issue 22): SHA-384 cut to the curve.
            let doc = b"signed through the CSC API";
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA384, doc);
            let sig = device
                .sign_digest(&key.sealed_private, &pin("12345678"), digest.as_ref())
                .unwrap()
                .signature;
            aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::ECDSA_P256_SHA384_ASN1,
                &key.public_key.raw,
            )
            .verify(doc, &sig)
            .unwrap();
            assert!(
                device
                    .check_pin(&key.sealed_private, &pin("12345678"))
                    .unwrap()
                    .is_none()
            );
            assert!(matches!(
                device.check_pin(&key.sealed_private, &pin("87654321")),
                Err(DeviceError::WrongPin)
            ));

            // A blob altered anywhere is refused: the salt or the wrapped key (the tag covers
            // both), the tag itself.
            for at in [6, 4 + 16 + 3, key.sealed_private.len() - 2] {
                let mut bad = key.sealed_private.clone();
                bad[at] ^= 1;
                assert!(
                    device.sign(&bad, &pin("12345678"), b"x").is_err(),
                    "byte {at} altered"
                );
            }
            // Two keys made with the same PIN look nothing alike.
            let other = device.create_key(&pin("12345678")).unwrap();
            assert_ne!(other.public_key, key.public_key);
            assert_ne!(other.sealed_private[4..20], key.sealed_private[4..20]);

            // Signing leaves nothing behind in the token: only the two holder keys and the
            // secret-sealing key (issue 21) are there, sensitive and never extractable (seen by
            // an independent tool).
            let objects = pkcs11_tool(&["--list-objects"]);
            assert_eq!(objects.matches("Secret Key Object").count(), 3, "{objects}");
            assert!(!objects.contains("Private Key Object"), "{objects}");
            for label in [HOLDER_WRAP_LABEL, HOLDER_PIN_LABEL, SECRETS_LABEL] {
                let at = objects.find(label).expect(label);
                let entry =
                    &objects[at..objects[at..].find("\n\n").map_or(objects.len(), |e| at + e)];
                let access = entry
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("Access:"))
                    .expect("an Access line");
                let access: Vec<&str> = access.split(',').map(str::trim).collect();
                assert!(access.contains(&"sensitive"), "{entry}");
                assert!(access.contains(&"never extractable"), "{entry}");
                assert!(!access.contains(&"extractable"), "{entry}");
            }
        },
    );
}

/// Issue 21: holders' TOTP seeds are sealed inside the token (AES-GCM under its
/// secret-sealing key), bound to their holder; the sealing key is made once, also on a token
/// whose ceremony predates it; a copy of the sealed seed opens only through the token.
#[test]
fn totp_seeds_are_sealed_in_the_token_bound_to_their_holder() {
    isolated(
        "totp_seeds_are_sealed_in_the_token_bound_to_their_holder",
        |_| {
            hsm::init_token(Path::new(MODULE), "rinnova-test", "87654321", "1234").unwrap();
            // A token without the key (as before issue 21): the sealer makes it, once.
            let token = Arc::new(Hsm::open(&config()).unwrap());
            let sealer = HsmSealer::new(token.clone()).unwrap();
            let again = HsmSealer::new(token.clone()).unwrap();
            let seed = b"12345678901234567890";
            let sealed = sealer.seal(seed, b"holder-1").unwrap();
            assert!(!sealed.windows(seed.len()).any(|w| w == seed));
            assert_eq!(again.open(&sealed, b"holder-1").unwrap().as_slice(), seed);
            assert!(
                sealer.open(&sealed, b"holder-2").is_err(),
                "bound to its holder"
            );
            let mut bad = sealed.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(sealer.open(&bad, b"holder-1").is_err(), "tampered");
            assert_ne!(
                sealer.seal(seed, b"holder-1").unwrap(),
                sealed,
                "a fresh nonce each time"
            );
            // Software can do nothing with it, even with a passphrase.
            let software = rinnova_ca::SoftwareSealer::new(b"x", KdfParams::insecure_for_tests());
            assert!(software.open(&sealed, b"holder-1").is_err());
            let objects = pkcs11_tool(&["--list-objects"]);
            assert_eq!(objects.matches(SECRETS_LABEL).count(), 1, "{objects}");
            let at = objects.find(SECRETS_LABEL).unwrap();
            let entry = &objects[at..objects[at..].find("\n\n").map_or(objects.len(), |e| at + e)];
            assert!(entry.contains("never extractable"), "{entry}");
            assert!(entry.contains("sensitive"), "{entry}");
        },
    );
}

#[test]
fn o3_a_copy_of_the_blob_without_the_token_neither_unwraps_nor_tests_a_pin() {
    isolated(
        "o3_a_copy_of_the_blob_without_the_token_neither_unwraps_nor_tests_a_pin",
        |_| {
            let device = token_with_holder_keys().holder_device().unwrap();
            let key = device.create_key(&pin("12345678")).unwrap();
            // What a stolen database holds is the blob. The software sealing it replaced could
            // be opened by trying PINs; this one is not a software seal at all…
            let software = SoftwareDevice {
                kdf: KdfParams::insecure_for_tests(),
            };
            assert!(
                software
                    .sign(&key.sealed_private, &pin("12345678"), b"x")
                    .is_err()
            );
            // …and a second token, initialised like the first (same labels, same PINs), is not
            // the first: its keys are its own, so it neither accepts the right PIN nor unwraps.
            drop(device);
            hsm::init_token(Path::new(MODULE), "rinnova-other", "87654321", "1234").unwrap();
            let other = Hsm::open(&HsmConfig {
                token_label: "rinnova-other".into(),
                ..config()
            })
            .unwrap();
            other.create_holder_keys().unwrap();
            let other = Arc::new(other).holder_device().unwrap();
            assert!(matches!(
                other.sign(&key.sealed_private, &pin("12345678"), b"x"),
                Err(DeviceError::WrongPin)
            ));
        },
    );
}

#[test]
fn the_ceremony_runs_once_and_serve_needs_it() {
    isolated("the_ceremony_runs_once_and_serve_needs_it", |_| {
        hsm::init_token(Path::new(MODULE), "rinnova-test", "87654321", "1234").unwrap();
        let h = Arc::new(Hsm::open(&config()).unwrap());
        let err = h.clone().holder_device().unwrap_err().to_string();
        assert!(err.contains("rinnova keys init"), "{err}");
        h.create_holder_keys().unwrap();
        let again = h.create_holder_keys().unwrap_err().to_string();
        assert!(again.contains("already holds"), "{again}");
        h.holder_device().unwrap();
        let wrong = Hsm::open(&HsmConfig {
            user_pin: "9999".into(),
            ..config()
        })
        .unwrap_err()
        .to_string();
        assert!(wrong.contains("user PIN"), "{wrong}");
    });
}

#[test]
fn o3_a_software_sealed_key_moves_into_the_hsm_at_its_next_right_pin() {
    isolated(
        "o3_a_software_sealed_key_moves_into_the_hsm_at_its_next_right_pin",
        |_| {
            // A key as the version before issue 20 sealed it.
            let software = SoftwareDevice {
                kdf: KdfParams::insecure_for_tests(),
            };
            let old = software.create_key(&pin("12345678")).unwrap();
            let device = token_with_holder_keys().holder_device().unwrap();

            // A wrong PIN is refused and moves nothing.
            assert!(matches!(
                device.sign(&old.sealed_private, &pin("11111111"), b"x"),
                Err(DeviceError::WrongPin)
            ));
            // The right one signs, with the same key, and hands back the key wrapped by the
            // token…
            let signed = device
                .sign(&old.sealed_private, &pin("12345678"), b"form")
                .unwrap();
            assert!(old.public_key.verify(b"form", &signed.signature));
            let moved = signed.resealed.expect("the key moved into the HSM");
            assert!(hsm::is_hsm_blob(&moved));
            // …which signs from then on with the same PIN only, and no longer opens in
            // software.
            let again = device.sign(&moved, &pin("12345678"), b"next").unwrap();
            assert!(again.resealed.is_none());
            assert!(old.public_key.verify(b"next", &again.signature));
            assert!(matches!(
                device.sign(&moved, &pin("11111111"), b"x"),
                Err(DeviceError::WrongPin)
            ));
            assert!(software.sign(&moved, &pin("12345678"), b"x").is_err());
            // Nothing of it is left in the token.
            let objects = pkcs11_tool(&["--list-objects"]);
            assert!(!objects.contains("Private Key Object"), "{objects}");
        },
    );
}

/// The CA's keys generated in tokens — the root's in one of its own — sign certificates that
/// OpenSSL verifies, for both algorithms; the root's token cannot double as the service's.
#[test]
fn ca_keys_made_in_tokens_issue_what_openssl_verifies() {
    use rinnova_ca::authority::pem;
    use rinnova_ca::ca_key::{ISSUING_KEY_LABEL, ROOT_KEY_LABEL};
    use rinnova_ca::{Ca, CaAlgorithm, CaConfig, CaKeyLocation, HolderSubject};
    isolated(
        "ca_keys_made_in_tokens_issue_what_openssl_verifies",
        |dir| {
            let service = token_with_holder_keys();
            hsm::init_token(Path::new(MODULE), "root-test", "87654321", "5678").unwrap();
            let root = Arc::new(
                Hsm::open(&HsmConfig {
                    token_label: "root-test".into(),
                    user_pin: "5678".into(),
                    ..config()
                })
                .unwrap(),
            );
            let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
            let device = service.clone().holder_device().unwrap();
            let holder = device.create_key(&pin("12345678")).unwrap();
            let subject = HolderSubject {
                given_name: "Mario".into(),
                surname: "Rossi".into(),
                codice_fiscale: rinnova_domain::CodiceFiscale::parse("RSSMRA85T10A562S").unwrap(),
                iut: "WSREF-2026000001".into(),
                title: None,
                organization: None,
            };
            for (made, algorithm) in [CaAlgorithm::EcdsaP256, CaAlgorithm::Rsa3072]
                .into_iter()
                .enumerate()
            {
                let mut cfg = CaConfig::demo("https://rinnova-demo.it");
                cfg.algorithm = algorithm;
                let (root_token, service_token) = if made == 0 {
                    (root.clone(), service.clone())
                } else {
                    // A second CA in the same tokens would reuse the labels: fresh tokens.
                    let n = made;
                    hsm::init_token(Path::new(MODULE), &format!("r{n}"), "87654321", "1111")
                        .unwrap();
                    hsm::init_token(Path::new(MODULE), &format!("s{n}"), "87654321", "1111")
                        .unwrap();
                    let open = |label: String| {
                        Arc::new(
                            Hsm::open(&HsmConfig {
                                token_label: label,
                                user_pin: "1111".into(),
                                ..config()
                            })
                            .unwrap(),
                        )
                    };
                    (open(format!("r{n}")), open(format!("s{n}")))
                };
                let material = Ca::init_in_tokens(&cfg, &root_token, &service_token, now).unwrap();
                assert!(
                    material.root_key_sealed.is_empty() && material.issuing_key_sealed.is_empty()
                );
                assert!(matches!(material.keys, CaKeyLocation::Tokens { .. }));
                assert!(Ca::open(material.clone(), b"any passphrase").is_err());
                assert!(
                    Ca::open_in_token(material.clone(), &root_token).is_err(),
                    "serve opens the service's token, where the root's key is not"
                );
                let ca = Ca::open_in_token(material, &service_token).unwrap();
                let cert = ca
                    .issue_qualified(
                        &subject,
                        rinnova_domain::CertificateKind::RemoteSignature,
                        &holder.public_key,
                        now,
                    )
                    .unwrap();
                let (root_pem, issuing_pem) = ca.chain_pem();
                std::fs::write(dir.join("root.pem"), root_pem).unwrap();
                std::fs::write(dir.join("issuing.pem"), issuing_pem).unwrap();
                std::fs::write(dir.join("cert.pem"), pem("CERTIFICATE", &cert.der)).unwrap();
                let out = Command::new("openssl")
                    .current_dir(dir)
                    .args(["verify", "-attime", &now.as_second().to_string()])
                    .args([
                        "-CAfile",
                        "root.pem",
                        "-untrusted",
                        "issuing.pem",
                        "cert.pem",
                    ])
                    .output()
                    .expect("openssl");
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(
                    text.contains("cert.pem: OK"),
                    "{algorithm:?}: {text}{out:?}"
                );
                // Signed in the token, it is still the qualified profile: pkilint's ETSI
                // linter (QCP-n-qscd) finds nothing at WARNING or above.
                let lint = Command::new("lint_etsi_cert")
                    .current_dir(dir)
                    .args(["lint", "-t", "QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE"])
                    .args(["-s", "WARNING", "cert.pem"])
                    .output()
                    .expect("pkilint is needed: scripts/test installs it");
                let findings = String::from_utf8_lossy(&lint.stdout);
                assert!(
                    lint.status.success() && findings.trim().is_empty(),
                    "{algorithm:?}: {findings}{lint:?}"
                );
            }
            assert!(
                Ca::init_in_tokens(
                    &CaConfig::demo("https://rinnova-demo.it"),
                    &service,
                    &service,
                    now
                )
                .is_err(),
                "the root needs a token of its own"
            );
            let objects = pkcs11_tool(&["--list-objects"]);
            assert!(objects.contains(ISSUING_KEY_LABEL), "{objects}");
            assert!(!objects.contains(ROOT_KEY_LABEL), "{objects}");
        },
    );
}

/// `rinnova keys migrate` (issue 20): a CA sealed in software before moves its keys into
/// tokens, both algorithms; the same certificates then verify what the token's key issues; a
/// second run finds the keys already there; a wrong passphrase moves nothing.
#[test]
fn ca_keys_sealed_in_software_move_into_tokens_and_sign_there() {
    use rinnova_ca::authority::pem;
    use rinnova_ca::{Ca, CaAlgorithm, CaConfig, KdfParams};
    isolated(
        "ca_keys_sealed_in_software_move_into_tokens_and_sign_there",
        |dir| {
            let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
            let open = |label: &str| {
                Arc::new(
                    Hsm::open(&HsmConfig {
                        token_label: label.into(),
                        user_pin: "1111".into(),
                        ..config()
                    })
                    .unwrap(),
                )
            };
            for algorithm in [CaAlgorithm::EcdsaP256, CaAlgorithm::Rsa3072] {
                let (r, s) = (format!("r-{algorithm:?}"), format!("s-{algorithm:?}"));
                for t in [&r, &s] {
                    hsm::init_token(Path::new(MODULE), t, "87654321", "1111").unwrap();
                }
                let (root, service) = (open(&r), open(&s));
                let mut cfg = CaConfig::demo("https://rinnova-demo.it");
                cfg.algorithm = algorithm;
                let sealed = Ca::init(&cfg, b"old passphrase", KdfParams::default(), now).unwrap();
                assert!(
                    Ca::migrate_to_tokens(&sealed, b"wrong", &root, &service).is_err(),
                    "a wrong passphrase moves nothing"
                );
                let moved =
                    Ca::migrate_to_tokens(&sealed, b"old passphrase", &root, &service).unwrap();
                assert!(moved.root_key_sealed.is_empty() && moved.issuing_key_sealed.is_empty());
                assert_eq!(moved.root_cert_der, sealed.root_cert_der);
                assert_eq!(moved.issuing_cert_der, sealed.issuing_cert_der);
                // Cut short and run again: the keys already there are the ones.
                let again =
                    Ca::migrate_to_tokens(&sealed, b"old passphrase", &root, &service).unwrap();
                assert_eq!(again.keys, moved.keys);
                // A different CA's keys under the same labels are refused.
                let other = Ca::init(&cfg, b"other", KdfParams::default(), now).unwrap();
                assert!(Ca::migrate_to_tokens(&other, b"other", &root, &service).is_err());

                let ca = Ca::open_in_token(moved, &service).unwrap();
                let next = now
                    .checked_add(jiff::SignedDuration::from_hours(24))
                    .unwrap();
                let crl = ca.crl(1, now, next, &[]).unwrap();
                std::fs::write(
                    dir.join("root.pem"),
                    pem("CERTIFICATE", &sealed.root_cert_der),
                )
                .unwrap();
                std::fs::write(
                    dir.join("issuing.pem"),
                    pem("CERTIFICATE", &sealed.issuing_cert_der),
                )
                .unwrap();
                std::fs::write(dir.join("crl.pem"), pem("X509 CRL", &crl)).unwrap();
                let out = Command::new("openssl")
                    .current_dir(dir)
                    .args(["crl", "-in", "crl.pem", "-noout", "-CAfile", "issuing.pem"])
                    .output()
                    .expect("openssl");
                let text = String::from_utf8_lossy(&out.stderr);
                assert!(text.contains("verify OK"), "{algorithm:?}: {text}{out:?}");
            }
        },
    );
}
