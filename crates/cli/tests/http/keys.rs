//! Holders' keys in a PKCS#11 token (issue 20, SPEC O3): `serve --demo --keys softhsm` keeps
//! them in a SoftHSM2 token of its own, checked with OpenSC's `pkcs11-tool`; a copy of the
//! database without the token is useless; software-sealed keys of an earlier installation move
//! into the token at their holder's next right PIN.

use super::*;

const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// `rinnova serve --demo --keys softhsm` on `data`, not yet started.
fn softhsm_serve(data: &Path) -> Command {
    assert!(
        Path::new(SOFTHSM_MODULE).exists(),
        "SoftHSM2 is needed: scripts/test installs softhsm2"
    );
    let mut cmd = bin(data);
    cmd.args([
        "serve",
        "--demo",
        "--keys",
        "softhsm",
        "--listen",
        "127.0.0.1:0",
    ]);
    cmd
}

/// `rinnova serve --demo --keys softhsm` on `data`, started.
pub(crate) fn start_softhsm(data: &Path) -> Server {
    Server::spawn(softhsm_serve(data))
}

/// The demo token's SoftHSM2 configuration under `data`.
fn softhsm_conf(data: &Path) -> std::path::PathBuf {
    data.join("softhsm/softhsm2.conf").canonicalize().unwrap()
}

/// `rinnova ARGS` as an operator runs it against the demo token.
fn rinnova_on_token(data: &Path, args: &[&str]) -> String {
    let out = bin(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("SOFTHSM2_CONF", softhsm_conf(data))
        .env("RINNOVA_KEYS__BACKEND", "pkcs11")
        .env("RINNOVA_KEYS__TOKEN_LABEL", "rinnova-demo")
        .env("RINNOVA_KEYS__USER_PIN", "rinnova-demo-user")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rinnova {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Where holders' keys are, by `rinnova keys show --json`.
fn census(data: &Path) -> Value {
    let shown: Value =
        serde_json::from_str(&rinnova_on_token(data, &["keys", "show", "--json"])).unwrap();
    assert_eq!(shown["ceremony"], true, "{shown}");
    shown["holder_keys"].clone()
}

/// `pkcs11-tool --list-objects` on one of the demo's tokens.
fn token_objects(data: &Path, token: &str, pin: &str) -> String {
    let out = Command::new("pkcs11-tool")
        .args(["--module", SOFTHSM_MODULE, "--token-label", token])
        .args(["--login", "--pin", pin, "--list-objects"])
        .env("SOFTHSM2_CONF", softhsm_conf(data))
        .output()
        .expect("OpenSC's pkcs11-tool is needed: scripts/test installs opensc");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `openssl ocsp` about `new.pem` (issued by `issuing.pem`) to the server's responder, the
/// answer verified against `ca_file`; `extra` options appended.
fn ocsp_of_new(base: &str, dir: &Path, ca_file: &str, extra: &[&str]) -> String {
    let url = format!("{base}/ca/ocsp");
    let mut args = vec![
        "ocsp",
        "-issuer",
        "issuing.pem",
        "-cert",
        "new.pem",
        "-url",
        &url,
        "-CAfile",
        ca_file,
    ];
    args.extend_from_slice(extra);
    openssl(&args, dir)
}

/// Activates a renewal at step 7 with a new PIN; returns the renewal.
pub(crate) async fn activate(api: &Api, user: &str, id: &str) -> Value {
    let code = api.last_code(user).await;
    api.ok(
        "POST",
        &format!("/renewals/{id}/activation-code"),
        Some(json!({"otp": code})),
    )
    .await;
    let code = api.last_code(user).await;
    api.ok(
        "POST",
        &format!("/renewals/{id}/activate"),
        Some(json!({"pin": "24681357", "pin_confirm": "24681357", "otp": code})),
    )
    .await
}

#[tokio::test]
async fn o3_holder_keys_live_in_the_token_and_a_copy_of_the_database_is_useless() {
    let data = tempfile::tempdir().unwrap();
    let server = start_softhsm(data.path());
    let all = census(data.path());
    assert_eq!(
        all["software"], 0,
        "demo holders' keys made in the token: {all}"
    );
    assert!(all["in_hsm"].as_i64().unwrap() > 0, "{all}");

    // A whole renewal with keys in the token: the request signed with the old key, the new
    // key made there, its certificate verified by OpenSSL.
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _) = to_activation(&api, "JZLF001").await;
    let done = activate(&api, "JZLF001", &id).await;
    assert_eq!(done["step"], "completed", "{done}");
    let new_id = done["new_certificate"]["id"].as_str().unwrap();
    let pem = api.certificate_pem(new_id).await;
    verify_against_server_chain(&server.base, data.path(), &pem).await;

    // One key, one purpose: OCSP answers come from a delegated responder whose key is in the
    // token and whose certificate (id-kp-OCSPSigning, ocsp-nocheck) the answer carries;
    // OpenSSL verifies it up to the root, pkilint finds nothing wrong with it.
    let answer = ocsp_of_new(
        &server.base,
        data.path(),
        "chain.pem",
        &["-resp_text", "-respout", "resp.der"],
    );
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(answer.contains("new.pem: good"), "{answer}");
    assert!(answer.contains("OCSP Signing"), "{answer}");
    assert!(answer.contains("OCSP No Check"), "{answer}");
    assert!(answer.contains("OCSP Responder"), "{answer}");
    let lint = Command::new("lint_ocsp_response")
        .args(["lint", "-s", "WARNING", "resp.der"])
        .current_dir(data.path())
        .output()
        .expect("pkilint is needed: scripts/test installs it");
    let findings = String::from_utf8_lossy(&lint.stdout);
    assert!(
        lint.status.success() && findings.trim().is_empty(),
        "{findings}{lint:?}"
    );

    // The audit trail is sealed by a key of its own, whose certificate the issuing CA signed
    // for document signing (RFC 9336) and OpenSSL verifies up to the root.
    let sealed = rinnova_on_token(data.path(), &["audit", "seal"]);
    assert!(sealed.contains("audit chain sealed"), "{sealed}");
    let verdict: Value = serde_json::from_str(&rinnova_on_token(
        data.path(),
        &["audit", "verify", "--json"],
    ))
    .unwrap();
    assert_eq!(verdict["problem"], Value::Null, "{verdict}");
    let seal_serial = verdict["sealed_by"][0].as_str().unwrap().to_owned();
    let shown = rinnova_ok(data.path(), &["ca", "show", "--delegates"]);
    let certs: Vec<&str> = shown
        .split_inclusive("-----END CERTIFICATE-----\n")
        .collect();
    assert_eq!(
        certs.len(),
        5,
        "root, issuing, responder, seal, time-stamping unit (the seal's time-stamp): {shown}"
    );
    let mut seal_text = String::new();
    let mut tsa_text = String::new();
    for (i, pem) in certs[2..].iter().enumerate() {
        let file = format!("delegate{i}.pem");
        std::fs::write(data.path().join(&file), pem).unwrap();
        let text = openssl(
            &["x509", "-in", &file, "-noout", "-text", "-serial"],
            data.path(),
        );
        // Up to the root, for the purpose OpenSSL knows it by (RFC 3161's for the TSA).
        let verify = |purpose: &str| {
            let verified = openssl(
                &[
                    "verify",
                    "-purpose",
                    purpose,
                    "-CAfile",
                    "root.pem",
                    "-untrusted",
                    "issuing.pem",
                    &file,
                ],
                data.path(),
            );
            assert!(verified.contains(": OK"), "{verified}");
        };
        if text.contains("Audit Seal") {
            verify("any");
            seal_text = text;
        } else if text.contains("Time-Stamping Unit") {
            verify("timestampsign");
            tsa_text = text;
        }
    }
    assert!(
        tsa_text.contains("X509v3 Extended Key Usage: critical"),
        "{tsa_text}"
    );
    assert!(
        seal_text.contains("Digital Signature, Non Repudiation"),
        "{seal_text}"
    );
    assert!(
        seal_text.contains("1.3.6.1.5.5.7.3.36") || seal_text.contains("Document Signing"),
        "{seal_text}"
    );
    assert!(
        seal_text
            .to_lowercase()
            .contains(&format!("serial={seal_serial}")),
        "{seal_text}"
    );

    // The service's token holds the two holder keys and the key sealing TOTP seeds (issue
    // 21), the issuing CA's key, the OCSP responder's, the audit seal's and the time-stamping
    // unit's (issue 21), all sensitive and never extractable; no holder's private key stays in
    // it (seen by pkcs11-tool).
    let objects = token_objects(data.path(), "rinnova-demo", "rinnova-demo-user");
    assert_eq!(objects.matches("Secret Key Object").count(), 3, "{objects}");
    assert!(objects.contains("rinnova-secrets"), "{objects}");
    assert_eq!(
        objects.matches("Private Key Object").count(),
        4,
        "{objects}"
    );
    assert!(objects.contains("rinnova-issuing-ca"), "{objects}");
    assert!(objects.contains("rinnova-ocsp-responder"), "{objects}");
    assert!(objects.contains("rinnova-audit-seal"), "{objects}");
    assert!(
        objects.contains("rinnova-tsa"),
        "the time-stamping unit's: {objects}"
    );
    assert_sensitive(&objects);
    // The root's key is on a token of its own.
    let root = token_objects(data.path(), "root-rinnova-demo", "root-rinnova-demo-user");
    assert_eq!(root.matches("Private Key Object").count(), 1, "{root}");
    assert!(root.contains("rinnova-root-ca"), "{root}");
    assert_sensitive(&root);
    let after = census(data.path());
    assert_eq!(after["software"], 0, "{after}");
    assert_eq!(
        after["retired_kept"], 0,
        "the retired key is destroyed: {after}"
    );
    server.kill();

    // A copy of the database and the configuration, without the tokens: on a token of its
    // own (same labels, same PINs) the service does not even start — the CA's key is not
    // there — and no holder's key could be used (rinnova-ca's tests/hsm.rs: the right PIN is
    // refused by another token).
    let stolen = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(data.path()).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), stolen.path().join(f.file_name())).unwrap();
        }
    }
    let mut copy = softhsm_serve(stolen.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = copy.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            copy.kill().unwrap();
            panic!("a copy of the database started without the token");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut why = String::new();
    std::io::Read::read_to_string(&mut copy.stderr.take().unwrap(), &mut why).unwrap();
    assert!(why.contains("rinnova-issuing-ca"), "{why}");
}

/// What a private key in the clear looks like on disk or in a log: the DER heads of PKCS#8
/// (EC P-256 and RSA) and SEC1 keys, their Base64 (PEM bodies) and hex, and PEM armour.
fn clear_private_key_in(bytes: &[u8]) -> Option<&'static str> {
    // PKCS#8 v1: version 0, then the algorithm identifier: id-ecPublicKey, rsaEncryption.
    const PKCS8_EC: &[u8] = &[
        0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    ];
    const PKCS8_RSA: &[u8] = &[
        0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x01,
    ];
    // PKCS#1 RSAPrivateKey: a long SEQUENCE, version 0, then the modulus (over 127 bytes).
    let pkcs1 = bytes.windows(9).any(|w| {
        w[..2] == [0x30, 0x82]
            && w[4..8] == [0x02, 0x01, 0x00, 0x02]
            && (w[8] == 0x81 || w[8] == 0x82)
    });
    // SEC1 ECPrivateKey: version 1, a 32-byte scalar, then [0] parameters or [1] public key.
    let sec1 = bytes
        .windows(39)
        .any(|w| w[..5] == [0x02, 0x01, 0x01, 0x04, 0x20] && (w[37] == 0xa0 || w[37] == 0xa1));
    let texts = [
        ("PKCS#8 EC, Base64", "AgEAMBMGByqGSM49AgEG"),
        ("PKCS#8 RSA, Base64", "AgEAMA0GCSqGSIb3DQEBAQ"),
        ("PKCS#8 EC, hex", "020100301306072a8648ce3d0201"),
        ("PKCS#8 RSA, hex", "020100300d06092a864886f70d010101"),
        ("PEM armour", "PRIVATE KEY-----"),
    ];
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let lower = bytes.to_ascii_lowercase();
    if contains(PKCS8_EC) {
        Some("PKCS#8 EC")
    } else if contains(PKCS8_RSA) {
        Some("PKCS#8 RSA")
    } else if sec1 {
        Some("SEC1 EC")
    } else if pkcs1 {
        Some("PKCS#1 RSA")
    } else {
        texts.iter().find_map(|(what, t)| {
            let t = t.as_bytes();
            let found = if t.iter().any(u8::is_ascii_uppercase) {
                contains(t)
            } else {
                lower.windows(t.len()).any(|w| w == t)
            };
            found.then_some(*what)
        })
    }
}

/// Every file under `dir`, depth first.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// The independent check: no holder private key in the clear anywhere — not in the
/// database (and its WAL), the tokens' files, the configuration, nor the server's log at debug
/// level — after a whole renewal in which a holder key signed and a new one was made. The
/// scanner is first shown keys OpenSSL writes, so that it is known to find them.
#[tokio::test]
async fn o3_no_private_key_in_the_clear_in_the_database_the_files_or_the_log() {
    let data = tempfile::tempdir().unwrap();
    for (alg, opts) in [
        ("EC", "ec_paramgen_curve:P-256"),
        ("RSA", "rsa_keygen_bits:1024"),
    ] {
        for format in ["DER", "PEM"] {
            let out = Command::new("openssl")
                .args([
                    "genpkey",
                    "-algorithm",
                    alg,
                    "-pkeyopt",
                    opts,
                    "-outform",
                    format,
                ])
                .output()
                .expect("openssl is needed");
            assert!(out.status.success(), "{out:?}");
            assert!(
                clear_private_key_in(&out.stdout).is_some(),
                "the scanner misses an {alg} key in {format}"
            );
        }
        let sec1 = Command::new("openssl")
            .args([
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-outform",
                "DER",
            ])
            .output()
            .unwrap();
        assert_eq!(clear_private_key_in(&sec1.stdout), Some("SEC1 EC"));
    }

    let log = std::fs::File::create(data.path().join("server.log")).unwrap();
    let mut cmd = softhsm_serve(data.path());
    cmd.env("RUST_LOG", "debug");
    let server = Server::spawn_logging(cmd, Stdio::from(log));
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _) = to_activation(&api, "JZLF001").await;
    let done = activate(&api, "JZLF001", &id).await;
    assert_eq!(done["step"], "completed", "{done}");
    server.kill();

    // On PostgreSQL the database is dumped next to the rest, data and all, to be scanned too.
    let database = if let Some(url) = super::database_of(data.path()) {
        let dump = Command::new("pg_dump")
            .args(["--data-only", "--file"])
            .arg(data.path().join("database.sql"))
            .arg(url.trim())
            .output()
            .expect("pg_dump is needed: scripts/test installs postgresql");
        assert!(dump.status.success(), "{dump:?}");
        ["database.sql", "database.sql"]
    } else {
        ["rinnova.sqlite3", "rinnova.sqlite3-wal"]
    };
    let files = files_under(data.path());
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [database[0], database[1], "server.log", "softhsm2.conf"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(
        std::fs::metadata(data.path().join("server.log"))
            .unwrap()
            .len()
            > 10_000,
        "the debug log was written"
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        if let Some(what) = clear_private_key_in(&bytes) {
            panic!("{what} in the clear in {}", f.display());
        }
    }
    // Issue 21: nor the TOTP holder's seed in the database — it is sealed by the token's own
    // AES key (the demo prints it for oathtool; the database must not hold it).
    let seed = rinnova_app::demo::DEMO_TOKEN_SECRET;
    let seed_hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    for name in database {
        let bytes = std::fs::read(data.path().join(name)).unwrap();
        assert!(
            !bytes.windows(seed.len()).any(|w| w == seed),
            "the TOTP seed in the clear in {name}"
        );
        let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        assert!(!text.contains(&seed_hex), "the TOTP seed in hex in {name}");
    }
    let sealed = super::tamper(data.path(), "SELECT COUNT(*) FROM tokens WHERE sealed = 2");
    assert!(
        sealed.contains('1'),
        "the demo's token is sealed by the token: {sealed}"
    );
}

/// Every private and secret key in a pkcs11-tool listing is sensitive and never extractable.
fn assert_sensitive(objects: &str) {
    let mut secret = false;
    let mut checked = 0;
    for line in objects.lines() {
        if !line.starts_with(' ') {
            secret =
                line.starts_with("Private Key Object") || line.starts_with("Secret Key Object");
        } else if secret && let Some(access) = line.trim().strip_prefix("Access:") {
            let access: Vec<&str> = access.split(',').map(str::trim).collect();
            assert!(access.contains(&"sensitive"), "{line}");
            assert!(access.contains(&"never extractable"), "{line}");
            checked += 1;
        }
    }
    assert!(checked > 0, "{objects}");
}

#[tokio::test]
async fn o3_software_keys_of_an_earlier_installation_move_into_the_token_at_the_next_right_pin() {
    // An installation as it was before the HSM: holders' keys sealed in software.
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    drop(server);

    let sealed_by = |code: i64| {
        super::tamper(
            data.path(),
            &format!("SELECT COUNT(*) FROM tokens WHERE sealed = {code}"),
        )
    };
    assert!(
        sealed_by(1).contains('1'),
        "the TOTP seed sealed in software"
    );

    let server = start_softhsm(data.path());
    // Issue 21: the TOTP holder's seed, sealed in software before, is sealed by the token at
    // this start, and the holder's codes still work.
    assert!(sealed_by(2).contains('1'), "{}", sealed_by(2));
    assert!(sealed_by(1).contains('0'), "{}", sealed_by(1));
    let before = census(data.path());
    assert_eq!(before["in_hsm"], 0, "{before}");
    let software = before["software"].as_i64().unwrap();
    assert!(software > 0, "{before}");

    // The right PIN signs and moves the key (a wrong one moves nothing: rinnova-ca's
    // tests/hsm.rs).
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _) = to_sign_step(&api).await;
    let code = api.last_code("JZLF001").await;
    let r = api
        .ok(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "12345678", "otp": code})),
        )
        .await;
    assert_eq!(r["step"], "activate");
    let moved = census(data.path());
    assert_eq!(moved["in_hsm"], 1, "{moved}");
    assert_eq!(moved["software"], software - 1, "{moved}");
    let trail: Value = serde_json::from_str(&rinnova_ok(
        data.path(),
        &["audit", "search", "--holder", "JZLF001", "--json"],
    ))
    .unwrap();
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "key_moved_to_hsm"),
        "{trail}"
    );

    // The renewal goes on: the new key is made in the token, the old one destroyed.
    let done = activate(&api, "JZLF001", &id).await;
    assert_eq!(done["step"], "completed", "{done}");
    let end = census(data.path());
    assert_eq!(end["in_hsm"], 1, "{end}");
    assert_eq!(end["software"], software - 1, "{end}");
    assert_eq!(end["retired_kept"], 0, "{end}");

    // The TOTP holder signs with a code from oathtool, checked against the seed the token
    // now seals.
    let (tok, _) = Api::login(&server.base, "JZLF006").await;
    let home = tok.ok("GET", "/home", None).await;
    let cert = home["certificates"][0]["id"].as_str().unwrap().to_owned();
    let r = tok
        .ok("POST", &format!("/certificates/{cert}/renewal"), None)
        .await;
    assert_eq!(r["otp"]["channel"], "token", "{r}");
    let id = r["id"].as_str().unwrap().to_owned();
    let r = tok
        .ok("POST", &format!("/renewals/{id}/confirm-data"), None)
        .await;
    tok.ok(
        "POST",
        &format!("/renewals/{id}/documents"),
        Some(json!({"documents_hash": r["documents_hash"], "accept_terms": true, "confirm_data": true})),
    )
    .await;
    let out = Command::new("oathtool")
        .args([
            "--totp",
            "-d",
            "6",
            "3132333435363738393031323334353637383930",
        ])
        .output()
        .expect("oathtool is installed by scripts/test");
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let r = tok
        .ok(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "12345678", "otp": code})),
        )
        .await;
    assert_eq!(r["step"], "activate", "{r}");
}

/// `pkcs11-tool`'s access flags of the private key labelled `label` in a listing.
fn access_of(objects: &str, label: &str) -> Vec<String> {
    let (mut private, mut found) = (false, false);
    for line in objects.lines() {
        if !line.starts_with(' ') {
            private = line.starts_with("Private Key Object");
            found = false;
        } else if private && line.trim() == format!("label:      {label}") {
            found = true;
        } else if found && let Some(access) = line.trim().strip_prefix("Access:") {
            return access.split(',').map(|a| a.trim().to_owned()).collect();
        }
    }
    panic!("no key {label}: {objects}");
}

/// An installation whose CA was made before issue 20 (keys sealed under the CA passphrase)
/// moves the CA's keys into the tokens with `rinnova keys migrate`: the same certificates,
/// the keys sensitive and not extractable from then on, the sealed copies gone; the service
/// then issues with the token's key, OpenSSL verifies against the same root, and OCSP answers
/// come from a responder key made in the token.
#[tokio::test]
async fn the_ca_keys_of_an_earlier_installation_move_into_the_tokens() {
    let data = tempfile::tempdir().unwrap();
    drop(Server::start(data.path()));
    let chain = rinnova_ok(data.path(), &["ca", "show"]);
    // The demo's tokens, made by serve --demo --keys softhsm; the CA is still the sealed one.
    start_softhsm(data.path()).kill();
    let with_passphrase = |passphrase: &str, args: &[&str]| {
        bin(data.path())
            .args(args)
            .env("RUST_LOG", "warn")
            .env("SOFTHSM2_CONF", softhsm_conf(data.path()))
            .env("RINNOVA_CA_PASSPHRASE", passphrase)
            .env("RINNOVA_KEYS__BACKEND", "pkcs11")
            .env("RINNOVA_KEYS__TOKEN_LABEL", "rinnova-demo")
            .env("RINNOVA_KEYS__USER_PIN", "rinnova-demo-user")
            .env("RINNOVA_KEYS__ROOT_TOKEN_LABEL", "root-rinnova-demo")
            .env("RINNOVA_KEYS__ROOT_USER_PIN", "root-rinnova-demo-user")
            .output()
            .unwrap()
    };
    let migrate = |args: &[&str]| with_passphrase("rinnova-demo-ca", args);
    let ca_keys = |args: &[&str]| -> Value {
        let out = migrate(args);
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["ca_keys"].clone()
    };
    assert_eq!(
        ca_keys(&["keys", "show", "--json"])["location"],
        "sealed",
        "keys show says where the CA's keys are"
    );
    let wrong = with_passphrase("not the passphrase", &["keys", "migrate"]);
    assert!(!wrong.status.success(), "a wrong passphrase moves nothing");
    let out = migrate(&["keys", "migrate"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("the CA's keys moved"),
        "{out:?}"
    );
    let shown = ca_keys(&["keys", "show", "--json"]);
    assert_eq!(shown["location"], "tokens", "{shown}");
    assert_eq!(shown["root_token"], "root-rinnova-demo", "{shown}");
    assert_eq!(shown["issuing_token"], "rinnova-demo", "{shown}");
    let again = migrate(&["keys", "migrate"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing changed"),
        "{again:?}"
    );
    assert_eq!(
        rinnova_ok(data.path(), &["ca", "show"]),
        chain,
        "same certificates"
    );
    let root = token_objects(data.path(), "root-rinnova-demo", "root-rinnova-demo-user");
    let access = access_of(&root, "rinnova-root-ca");
    assert!(access.contains(&"sensitive".to_owned()), "{access:?}");
    assert!(!access.contains(&"extractable".to_owned()), "{access:?}");
    let service = token_objects(data.path(), "rinnova-demo", "rinnova-demo-user");
    let access = access_of(&service, "rinnova-issuing-ca");
    assert!(access.contains(&"sensitive".to_owned()), "{access:?}");
    assert!(!access.contains(&"extractable".to_owned()), "{access:?}");
    assert!(service.contains("rinnova-ocsp-responder"), "{service}");
    assert!(service.contains("rinnova-audit-seal"), "{service}");
    let verdict: Value =
        serde_json::from_str(&rinnova_ok(data.path(), &["audit", "verify", "--json"])).unwrap();
    assert_eq!(verdict["problem"], Value::Null, "{verdict}");

    // The service now signs with the token's key: a renewal's new certificate and the OCSP
    // answer about it verify against the same root.
    let server = start_softhsm(data.path());
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _) = to_activation(&api, "JZLF001").await;
    let done = activate(&api, "JZLF001", &id).await;
    assert_eq!(done["step"], "completed", "{done}");
    let pem = api
        .certificate_pem(done["new_certificate"]["id"].as_str().unwrap())
        .await;
    verify_against_server_chain(&server.base, data.path(), &pem).await;
    std::fs::write(data.path().join("before.pem"), &chain).unwrap();
    let answer = ocsp_of_new(&server.base, data.path(), "before.pem", &[]);
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(answer.contains("new.pem: good"), "{answer}");
}

/// The production path: a token initialised with the HSM's own tool (`softhsm2-util`), the key
/// ceremony by `rinnova keys init` (once only), then `serve` outside demo mode on it.
#[tokio::test]
async fn the_key_ceremony_on_a_token_made_by_its_own_tool_then_serve() {
    let data = tempfile::tempdir().unwrap();
    let tokens = data.path().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = data.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            tokens.display()
        ),
    )
    .unwrap();
    // A PIN of digits with a leading zero: read from the environment as the string it is.
    let made = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "rinnova-prod"])
        .args(["--so-pin", "55667788", "--pin", "00112233"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util is needed: scripts/test installs softhsm2");
    assert!(made.status.success(), "{made:?}");
    // The root's token, another token of the same module.
    let made = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "root-rinnova-prod"])
        .args(["--so-pin", "55667788", "--pin", "99887766"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let env = [
        ("SOFTHSM2_CONF", conf.to_str().unwrap()),
        ("RINNOVA_CA_PASSPHRASE", "a production passphrase"),
        ("RINNOVA_KEYS__BACKEND", "pkcs11"),
        ("RINNOVA_KEYS__TOKEN_LABEL", "rinnova-prod"),
        ("RINNOVA_KEYS__USER_PIN", "00112233"),
    ];
    let run = |args: &[&str]| {
        bin(data.path())
            .args(args)
            .envs(env)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "rinnova {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    // The CA's keys are generated in the tokens: the root's in its own, whose PIN only
    // `ca init` is given.
    let made = bin(data.path())
        .args(["ca", "init"])
        .envs(env)
        .env("RINNOVA_KEYS__ROOT_TOKEN_LABEL", "root-rinnova-prod")
        .env("RINNOVA_KEYS__ROOT_USER_PIN", "99887766")
        .env("SUDO_USER", "carla")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    // The ceremony's root CRL is recorded as the operator's act (issue 21).
    let by = super::tamper(
        data.path(),
        "SELECT actor FROM audit WHERE action = 'root_crl_issued'",
    );
    assert!(by.contains("admin:carla"), "{by}");
    let chain = ok(&["ca", "show"]);
    let (root, issuing) = chain.split_once("-----END CERTIFICATE-----\n").unwrap();
    std::fs::write(
        data.path().join("root.pem"),
        format!("{root}-----END CERTIFICATE-----\n"),
    )
    .unwrap();
    std::fs::write(data.path().join("issuing.pem"), issuing).unwrap();
    let verified = openssl(
        &["verify", "-CAfile", "root.pem", "issuing.pem"],
        data.path(),
    );
    assert!(verified.contains("issuing.pem: OK"), "{verified}");
    // The root's CRL is signed in the root's token, by a command given its PIN; without it the
    // root cannot be opened.
    let no_root = run(&["ca", "root-crl"]);
    assert!(!no_root.status.success(), "{no_root:?}");
    let signed = bin(data.path())
        .args(["ca", "root-crl", "--days", "30", "--out", "root-crl.der"])
        .current_dir(data.path())
        .envs(env)
        .env("RINNOVA_KEYS__ROOT_TOKEN_LABEL", "root-rinnova-prod")
        .env("RINNOVA_KEYS__ROOT_USER_PIN", "99887766")
        .output()
        .unwrap();
    assert!(signed.status.success(), "{signed:?}");
    assert!(
        String::from_utf8_lossy(&signed.stdout).contains("root CRL number 2 issued"),
        "the ceremony issued number 1: {signed:?}"
    );
    let crl = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "root-crl.der",
            "-noout",
            "-CAfile",
            "root.pem",
        ],
        data.path(),
    );
    assert!(crl.contains("verify OK"), "{crl}");
    // Before the ceremony `serve` refuses, saying what to run.
    let refused = run(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("rinnova keys init"), "{why}");
    let shown: Value = serde_json::from_str(&ok(&["keys", "show", "--json"])).unwrap();
    assert_eq!(shown["ceremony"], false, "{shown}");

    ok(&["keys", "init"]);
    let twice = run(&["keys", "init"]);
    assert!(!twice.status.success(), "the ceremony runs once");
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("already holds"),
        "{twice:?}"
    );
    let shown: Value = serde_json::from_str(&ok(&["keys", "show", "--json"])).unwrap();
    assert_eq!(shown["ceremony"], true, "{shown}");

    // A wrong user PIN is named as such.
    let wrong = bin(data.path())
        .args(["keys", "show"])
        .envs(env)
        .env("RINNOVA_KEYS__USER_PIN", "99999999")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("user PIN"),
        "{wrong:?}"
    );

    // Outside the demo the public address must be https (issue 21).
    let http = run(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!http.status.success());
    let why = String::from_utf8_lossy(&http.stderr);
    assert!(why.contains("public_url must be an https address"), "{why}");
    let mut cmd = bin(data.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .envs(env)
        .env("RINNOVA_PUBLIC_URL", "https://ca.rinnova-test.it");
    let server = Server::spawn(cmd);
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

/// `bench renew --keys pkcs11` runs its renewals with holders' and the CA's keys in SoftHSM2
/// tokens of its own, `bench issue --keys pkcs11` issues with the CA's key there (the figures
/// BENCHMARKS.md reports; here only short runs that must complete and clean up).
#[test]
fn benches_run_with_keys_in_a_token() {
    let data = tempfile::tempdir().unwrap();
    let bench = |args: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_rinnova"))
            .arg("bench")
            .args(args)
            .args(["--keys", "pkcs11", "--json"])
            .env("RUST_LOG", "warn")
            .env("TMPDIR", data.path())
            .env_remove("SOFTHSM2_CONF")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let left: Vec<_> = std::fs::read_dir(data.path()).unwrap().collect();
        assert!(
            left.is_empty(),
            "the run removes its token and database: {left:?}"
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["keys"], "pkcs11", "{v}");
        assert!(v["ratio"].as_f64().unwrap() > 0.0, "{v}");
        v
    };
    let renew = bench(&[
        "renew",
        "--renewals",
        "4",
        "--clients",
        "2",
        "--seconds",
        "0.2",
    ]);
    assert_eq!(renew["renewals"], 4, "{renew}");
    bench(&["issue", "--seconds", "0.3"]);
}

/// The root's own operations (issue 20), checked with OpenSSL: `ca init` issued the first root
/// CRL, served at the issuing CA certificate's CRL distribution point; `ca issue-subordinate`
/// certifies a subordinate CA from its request; `ca root-crl --revoke` lists it, and OpenSSL's
/// CRL check then refuses it while the issuing CA still passes.
#[tokio::test]
async fn the_root_signs_its_crl_and_subordinates_openssl_checks_them() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let server = Server::start(dir);
    let root_cmd = |args: &[&str]| {
        bin(dir)
            .args(args)
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .env("RINNOVA_CA_PASSPHRASE", "rinnova-demo-ca")
            .output()
            .unwrap()
    };
    let root_ok = |args: &[&str]| {
        let out = root_cmd(args);
        assert!(out.status.success(), "rinnova {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    save_ca_certificates(&server.base, dir).await;
    let crl_pem = |name: &str| {
        openssl(
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
            dir,
        );
        openssl(
            &[
                "crl",
                "-in",
                &format!("{name}.pem"),
                "-noout",
                "-text",
                "-CAfile",
                "root.pem",
            ],
            dir,
        )
    };
    fetch(&server.base, "/ca/root-crl.der", dir, "root-crl-1.der").await;
    let first = crl_pem("root-crl-1");
    assert!(first.contains("verify OK"), "signed by the root: {first}");
    super::lint_crl(dir, "root-crl-1.der", "ARL");
    assert!(first.contains("No Revoked Certificates"), "{first}");
    let issuing = openssl(&["x509", "-in", "issuing.pem", "-noout", "-text"], dir);
    assert!(
        issuing.contains("/ca/root-crl.der"),
        "the issuing CA names the root CRL: {issuing}"
    );
    // Issue 21: and where the root's certificate is (AIA caIssuers), which is served there.
    assert!(
        issuing.contains("Authority Information Access")
            && issuing.contains("CA Issuers - URI:")
            && issuing.contains("/ca/root.der"),
        "{issuing}"
    );
    fetch(&server.base, "/ca/root.der", dir, "root-served.der").await;
    let served = openssl(
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "root-served.der",
            "-noout",
            "-fingerprint",
        ],
        dir,
    );
    let root_fp = openssl(&["x509", "-in", "root.pem", "-noout", "-fingerprint"], dir);
    assert_eq!(served, root_fp, "the AIA's URL serves the root");
    let checked = openssl(
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-CRLfile",
            "root-crl-1.pem",
            "issuing.pem",
        ],
        dir,
    );
    assert!(checked.contains("issuing.pem: OK"), "{checked}");

    // A subordinate CA's request, made by OpenSSL.
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "sub.key",
            "-subj",
            "/CN=Rinnova Test Sub CA/O=Rinnova Test",
            "-out",
            "sub.csr",
        ],
        dir,
    );
    let sub = root_ok(&[
        "ca",
        "issue-subordinate",
        "--csr",
        "sub.csr",
        "--years",
        "3",
    ]);
    std::fs::write(dir.join("sub.pem"), &sub).unwrap();
    let verified = openssl(&["verify", "-CAfile", "root.pem", "sub.pem"], dir);
    assert!(verified.contains("sub.pem: OK"), "{verified}");
    let text = openssl(
        &["x509", "-in", "sub.pem", "-noout", "-text", "-serial"],
        dir,
    );
    assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");
    assert!(text.contains("Certificate Sign, CRL Sign"), "{text}");
    assert!(text.contains("/ca/root-crl.der"), "{text}");
    assert!(
        text.contains("CA Issuers - URI:") && text.contains("/ca/root.der"),
        "{text}"
    );
    assert!(text.contains("CN = Rinnova Test Sub CA"), "{text}");
    let serial = text
        .lines()
        .find_map(|l| l.strip_prefix("serial="))
        .unwrap()
        .to_owned();

    // A request without a common name, and a CA that would outlive the root: refused, saying why.
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "nocn.key",
            "-subj",
            "/O=Rinnova Test",
            "-out",
            "nocn.csr",
        ],
        dir,
    );
    let refused = root_cmd(&["ca", "issue-subordinate", "--csr", "nocn.csr"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no common name"),
        "{refused:?}"
    );
    let unknown = root_cmd(&["ca", "root-crl", "--revoke", "0badc0de"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no subordinate CA certificate 0badc0de"),
        "{unknown:?}"
    );

    let said = root_ok(&[
        "ca",
        "root-crl",
        "--revoke",
        &serial,
        "--reason",
        "ca-compromise",
    ]);
    assert!(said.contains("root CRL number 2 issued"), "{said}");
    fetch(&server.base, "/ca/root-crl.der", dir, "root-crl-2.der").await;
    let second = crl_pem("root-crl-2");
    assert!(second.contains("verify OK"), "{second}");
    assert!(
        second.contains(&format!("Serial Number: {serial}")),
        "{second}"
    );
    assert!(second.contains("CA Compromise"), "{second}");
    super::lint_crl(dir, "root-crl-2.der", "ARL");
    let out = Command::new("openssl")
        .args([
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-CRLfile",
            "root-crl-2.pem",
            "sub.pem",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("certificate revoked"),
        "{text}"
    );
    let checked = openssl(
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-CRLfile",
            "root-crl-2.pem",
            "issuing.pem",
        ],
        dir,
    );
    assert!(checked.contains("issuing.pem: OK"), "{checked}");
    let trail = root_ok(&["audit", "verify"]);
    assert!(trail.contains("audit trail intact"), "{trail}");
}
