//! Remote signing through the CSC API (issue 22), checked by independent clients: pyHanko's
//! `CSCSigner` signs a PDF that pyHanko then validates, OpenSSL verifies a raw `signHash`
//! signature against the certificate, and every refusal is CSC's error with nothing signed.

use super::*;
use base64::Engine;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A CSC call: status and JSON body.
async fn csc(base: &str, token: &str, method: &str, body: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/csc/{method}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = r.text().await.unwrap();
    if !text.is_empty() {
        assert_eq!(ct.as_deref(), Some("application/json"), "{method}: {text}");
    }
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The holder's CSC access token (`auth/login`, HTTP Basic).
async fn csc_login(base: &str, user: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/csc/v2/auth/login"))
        .basic_auth(user, Some("rinnova-demo"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

/// The holder's one live credential.
async fn credential_of(base: &str, token: &str) -> String {
    let (status, v) = csc(base, token, "v2/credentials/list", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ids = v["credentialIDs"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "{v}");
    ids[0].as_str().unwrap().to_owned()
}

/// The newest SMS code sent to `user` (demo outbox).
async fn api_code(base: &str, user: &str) -> String {
    Api {
        http: reqwest::Client::new(),
        base: base.to_owned(),
        token: String::new(),
    }
    .last_code(user)
    .await
}

/// A SAD for `hashes` (v2): an SMS code sent and read from the demo outbox, then authorised
/// with `pin`.
async fn authorize(
    base: &str,
    token: &str,
    user: &str,
    credential: &str,
    hashes: &[&[u8]],
    pin: &str,
) -> (StatusCode, Value) {
    let (status, v) = csc(
        base,
        token,
        "v2/credentials/sendOTP",
        json!({"credentialID": credential}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let code = api_code(base, user).await;
    csc(
        base,
        token,
        "v2/credentials/authorize",
        json!({
            "credentialID": credential,
            "numSignatures": hashes.len(),
            "hashes": hashes.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
            "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
            "authData": [{"id": "PIN", "value": pin}, {"id": "OTP", "value": code}],
        }),
    )
    .await
}

async fn sign_hash(
    base: &str,
    token: &str,
    credential: &str,
    sad: &str,
    hashes: &[&[u8]],
) -> (StatusCode, Value) {
    csc(
        base,
        token,
        "v2/signatures/signHash",
        json!({
            "credentialID": credential,
            "SAD": sad,
            "hashes": hashes.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
            "signAlgo": "1.2.840.10045.4.3.2",
        }),
    )
    .await
}

fn sha256(data: &[u8]) -> Vec<u8> {
    rinnova_app::util::sha256(data).to_vec()
}

/// A one-page PDF, its cross-reference table at the right offsets.
fn minimal_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

/// Issue 22: pyHanko's `CSCSigner` (CSC v1, the independent client) signs a PDF with the
/// holder's key in the HSM — PIN and an SMS code per authorisation, the SAD bound to the hash —
/// and pyHanko validates it against our root: intact, trusted, time-stamped by the CA's TSA.
/// A raw v2 `signHash` signature verifies with OpenSSL against the certificate; both are in
/// the holder's history.
#[tokio::test]
async fn issue22_pyhanko_cscsigner_signs_a_pdf_and_openssl_verifies_a_raw_signature() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = super::keys::start_softhsm(data.path());
    let base = server.base.clone();
    save_ca_certificates(&base, dir.path()).await;
    std::fs::write(dir.path().join("in.pdf"), minimal_pdf()).unwrap();

    let script = dir.path().join("csc_sign.py");
    std::fs::write(&script, include_str!("csc_sign.py")).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .args([&base, "JZLF001", "rinnova-demo", "12345678"])
        .arg(dir.path().join("in.pdf"))
        .arg(dir.path().join("signed.pdf"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyHanko CSCSigner: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("pyhanko")
        .current_dir(dir.path())
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            "root.pem",
            "--trust-replace",
        ])
        .args(["--other-certs", "issuing.pem", "signed.pdf"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "The signature mechanism used was 'sha256_ecdsa'.",
        "The signature is judged VALID.",
        "Common Name: Mario Rossi",
        "This timestamp is backed by a time stamping authority.",
        "The TSA certificate is trusted.",
    ] {
        assert!(report.contains(needle), "{needle:?} not in\n{report}");
    }

    // A raw signature of a document's SHA-256 (v2), verified by OpenSSL with the public key
    // of the credential's certificate.
    let token = csc_login(&base, "JZLF001").await;
    let credential = credential_of(&base, &token).await;
    let (status, info) = csc(
        &base,
        &token,
        "v2/credentials/info",
        json!({"credentialID": credential, "certificates": "chain", "certInfo": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["SCAL"], "2");
    assert_eq!(info["key"]["status"], "enabled");
    assert_eq!(info["cert"]["status"], "valid");
    assert_eq!(info["auth"]["expression"], "PIN AND OTP", "{info}");
    assert_eq!(info["cert"]["certificates"].as_array().unwrap().len(), 3);
    let cert_der = B64
        .decode(info["cert"]["certificates"][0].as_str().unwrap())
        .unwrap();
    std::fs::write(dir.path().join("signer.der"), &cert_der).unwrap();
    openssl(
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "signer.der",
            "-pubkey",
            "-noout",
            "-out",
            "signer.pub",
        ],
        dir.path(),
    );
    let doc = b"Contratto di fornitura firmato a distanza".to_vec();
    std::fs::write(dir.path().join("doc.txt"), &doc).unwrap();
    let hash = sha256(&doc);
    let (status, v) = authorize(
        &base,
        &token,
        "JZLF001",
        &credential,
        &[hash.as_slice()],
        "12345678",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sad = v["SAD"].as_str().unwrap().to_owned();
    assert_eq!(v["expiresIn"], 300);
    let (status, v) = sign_hash(&base, &token, &credential, &sad, &[hash.as_slice()]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sig = B64.decode(v["signatures"][0].as_str().unwrap()).unwrap();
    std::fs::write(dir.path().join("doc.sig"), &sig).unwrap();
    let verified = openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            "signer.pub",
            "-signature",
            "doc.sig",
            "doc.txt",
        ],
        dir.path(),
    );
    assert!(verified.contains("Verified OK"), "{verified}");

    // SHA-384 (ecdsa-with-SHA384), as OpenSSL's `dgst -sha384` checks it.
    let hash384 = {
        let out = Command::new("openssl")
            .current_dir(dir.path())
            .args(["dgst", "-sha384", "-binary", "doc.txt"])
            .output()
            .unwrap();
        out.stdout
    };
    assert_eq!(hash384.len(), 48);
    let (status, _) = csc(
        &base,
        &token,
        "v2/credentials/sendOTP",
        json!({"credentialID": credential}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let code = api_code(&base, "JZLF001").await;
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/authorize",
        json!({"credentialID": credential, "numSignatures": 1, "hashes": [B64.encode(&hash384)],
               "hashAlgorithmOID": "2.16.840.1.101.3.4.2.2",
               "authData": [{"id": "PIN", "value": "12345678"}, {"id": "OTP", "value": code}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = csc(
        &base,
        &token,
        "v2/signatures/signHash",
        json!({"credentialID": credential, "SAD": v["SAD"], "hashes": [B64.encode(&hash384)],
               "signAlgo": "1.2.840.10045.4.3.3"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sig = B64.decode(v["signatures"][0].as_str().unwrap()).unwrap();
    std::fs::write(dir.path().join("doc384.sig"), &sig).unwrap();
    let verified = openssl(
        &[
            "dgst",
            "-sha384",
            "-verify",
            "signer.pub",
            "-signature",
            "doc384.sig",
            "doc.txt",
        ],
        dir.path(),
    );
    assert!(verified.contains("Verified OK"), "{verified}");

    // The same SAD again: spent, nothing signed.
    let (status, v) = sign_hash(&base, &token, &credential, &sad, &[hash.as_slice()]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_request");
    assert_eq!(v["error_description"], "Invalid parameter SAD");

    // In the holder's history: the authorisations and signatures, with the hashes.
    let (api, _) = Api::login(&base, "JZLF001").await;
    let history = api.ok("GET", "/history", None).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.iter().filter(|a| **a == "hashes_signed").count() >= 2,
        "{actions:?}"
    );
    let signed = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["action"] == "hashes_signed"
                && e["detail"].as_str().unwrap().contains(&B64.encode(&hash))
        })
        .expect("the signature of the hash is in the history");
    assert!(signed["ip"].as_str().is_some(), "{signed}");
}

/// Issue 22: refusals — a SAD reused, used for another hash, for another credential, expired;
/// another holder's credential; five wrong PINs lock the credential for signing and for
/// renewal alike; after a renewal the superseded credential cannot sign and the list shows
/// the new one only. Each with CSC's error, and nothing signed.
#[tokio::test]
async fn issue22_refusals_sign_nothing() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let base = server.base.clone();
    let token = csc_login(&base, "JZLF001").await;
    let credential = credential_of(&base, &token).await;
    let other_token = csc_login(&base, "JZLF002").await;
    let other_credential = credential_of(&base, &other_token).await;
    let signed_count = |data: &Path| {
        tamper(
            data,
            "SELECT count(*) FROM audit WHERE action = 'hashes_signed'",
        )
    };
    let none_signed = signed_count(data.path());

    // No token, a bad one: 401 invalid_token.
    let (status, v) = csc(&base, "nope", "v2/credentials/list", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], "invalid_token");
    // Another holder's credential: as if it did not exist.
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/info",
        json!({"credentialID": other_credential}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_description"], "Invalid parameter credentialID");
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/sendOTP",
        json!({"credentialID": other_credential}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_description"], "Invalid parameter credentialID");

    // A SAD for one hash, used for another.
    let (a, b) = (sha256(b"document A"), sha256(b"document B"));
    let (status, v) = authorize(
        &base,
        &token,
        "JZLF001",
        &credential,
        &[a.as_slice()],
        "12345678",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sad = v["SAD"].as_str().unwrap().to_owned();
    let (status, v) = sign_hash(&base, &token, &credential, &sad, &[b.as_slice()]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_description"], "Hash is not authorized by the SAD");
    // ... for another credential (the other holder's, with this holder's token: refused as
    // not theirs; the SAD is bound to its credential anyway).
    let (status, v) = sign_hash(
        &base,
        &other_token,
        &other_credential,
        &sad,
        &[a.as_slice()],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_description"], "Invalid parameter SAD");
    // ... expired.
    tamper(data.path(), "UPDATE csc_sads SET expires_at = 1000");
    let (status, v) = sign_hash(&base, &token, &credential, &sad, &[a.as_slice()]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_description"], "SAD expired");
    // A wrong algorithm, a digest of the wrong length, a made-up SAD.
    let (status, v) = csc(
        &base,
        &token,
        "v2/signatures/signHash",
        json!({"credentialID": credential, "SAD": "made-up", "hashes": [B64.encode(&a)],
               "signAlgo": "1.2.840.113549.1.1.11"}),
    )
    .await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Invalid parameter signAlgo"))
    );
    let (status, v) = csc(
        &base,
        &token,
        "v2/signatures/signHash",
        json!({"credentialID": credential, "SAD": "made-up", "hashes": [B64.encode(&a[..20])],
               "signAlgo": "1.2.840.10045.4.3.2"}),
    )
    .await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Invalid digest value length"))
    );
    let (status, v) = sign_hash(&base, &token, &credential, "made-up", &[a.as_slice()]).await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Invalid parameter SAD"))
    );
    // Not JSON, or not the shape: CSC's invalid_request.
    let r = reqwest::Client::new()
        .post(format!("{base}/csc/v2/signatures/signHash"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"credentialID\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert_eq!(signed_count(data.path()), none_signed, "nothing signed");

    // Five wrong PINs (each with a fresh code) lock the credential: for signing...
    for n in 1..=5 {
        let (status, v) = authorize(
            &base,
            &token,
            "JZLF001",
            &credential,
            &[a.as_slice()],
            "87654321",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        if n < 5 {
            assert_eq!(v["error"], "invalid_authentication_data", "{v}");
        } else {
            assert_eq!(v["error_description"], "Credential locked", "{v}");
        }
    }
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/sendOTP",
        json!({"credentialID": credential}),
    )
    .await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Credential locked"))
    );
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/info",
        json!({"credentialID": credential}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["key"]["status"], "disabled", "{v}");
    // ... and for renewal (SPEC O3): the renewal's signing step refuses it.
    let (api, _) = Api::login(&base, "JZLF001").await;
    let (id, _) = to_sign_step(&api).await;
    let code = api.last_code("JZLF001").await;
    let (status, v) = api
        .call(
            "POST",
            &format!("/renewals/{id}/sign"),
            Some(json!({"pin": "12345678", "otp": code})),
        )
        .await;
    assert_eq!(status.as_u16(), 423, "{v}");
    assert_eq!(signed_count(data.path()), none_signed, "nothing signed");

    // After a renewal: the superseded credential cannot sign, the list shows the new one.
    let (api2, _) = Api::login(&base, "JZLF002").await;
    let (rid, _) = to_activation(&api2, "JZLF002").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let done = super::keys::activate(&api2, "JZLF002", &rid).await;
    assert_eq!(done["step"], "completed", "{done}");
    let renewed = credential_of(&base, &other_token).await;
    assert_ne!(renewed, other_credential);
    let (status, v) = csc(
        &base,
        &other_token,
        "v2/credentials/sendOTP",
        json!({"credentialID": other_credential}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["error_description"],
        "The credential identified by credentialID is disabled"
    );
    // The new one signs with the new PIN.
    let (status, v) = authorize(
        &base,
        &other_token,
        "JZLF002",
        &renewed,
        &[a.as_slice()],
        "24681357",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = sign_hash(
        &base,
        &other_token,
        &renewed,
        v["SAD"].as_str().unwrap(),
        &[a.as_slice()],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

/// Issue 22: a registered signing application (`rinnova clients add`) gets a token by OAuth 2.0
/// client credentials and names the holder; the holder still authorises with PIN and code. A
/// wrong secret is refused; a revoked client's token ends.
#[tokio::test]
async fn issue22_a_signing_application_uses_client_credentials() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let base = server.base.clone();
    let added = rinnova_ok(data.path(), &["clients", "add", "Firma Desktop"]);
    let field = |name: &str| {
        added
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (id, secret) = (field("client_id:"), field("client_secret:"));
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http
        .post(format!("{base}/oauth2/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    let token = v["access_token"].as_str().unwrap().to_owned();

    // The holder must be named, and exist.
    let (status, _) = csc(&base, &token, "v2/credentials/list", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/list",
        json!({"userID": "JZLF001"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let credential = v["credentialIDs"][0].as_str().unwrap().to_owned();
    let hash = sha256(b"payslip 2026-12");
    let (status, v) = authorize(
        &base,
        &token,
        "JZLF001",
        &credential,
        &[hash.as_slice()],
        "12345678",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sad = v["SAD"].as_str().unwrap().to_owned();
    // A holder's own token cannot use the client's SAD.
    let holder = csc_login(&base, "JZLF001").await;
    let (status, v) = sign_hash(&base, &holder, &credential, &sad, &[hash.as_slice()]).await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Invalid parameter SAD"))
    );
    let (status, v) = sign_hash(&base, &token, &credential, &sad, &[hash.as_slice()]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let audit = tamper(
        data.path(),
        "SELECT detail FROM audit WHERE action = 'hashes_signed'",
    );
    assert!(audit.contains("client Firma Desktop"), "{audit}");

    rinnova_ok(data.path(), &["clients", "revoke", "Firma Desktop"]);
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/list",
        json!({"userID": "JZLF001"}),
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
}

/// Issue 22: a token holder authorises with the token's code (Debian's oathtool), no SMS sent;
/// a multi-signature transaction goes on with `credentials/extendTransaction` (the old SAD
/// ends, a hash signed once is not signed again); an expired certificate is not listed and
/// cannot sign; the SAD's row keeps no PIN in clear; wrong codes are throttled (SPEC A1).
#[tokio::test]
async fn issue22_token_codes_extended_transactions_and_expired_certificates() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let base = server.base.clone();

    // An expired certificate: not listed; its credential refuses to sign.
    let expired_token = csc_login(&base, "JZLF004").await;
    let (status, v) = csc(&base, &expired_token, "v2/credentials/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["credentialIDs"], json!([]), "{v}");
    let row = tamper(
        data.path(),
        "SELECT c.credential_id FROM certificates c JOIN holders h ON h.id = c.holder_id \
         WHERE h.user_id = 'JZLF004' AND c.kind = 'remote_signature'",
    );
    let expired = row
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| w.len() >= 20)
        .unwrap()
        .to_owned();
    let (status, v) = csc(
        &base,
        &expired_token,
        "v2/credentials/sendOTP",
        json!({"credentialID": expired}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_description"], "Signing certificate is expired");

    // The token holder.
    let token = csc_login(&base, "JZLF006").await;
    let credential = credential_of(&base, &token).await;
    let (_, info) = csc(
        &base,
        &token,
        "v2/credentials/info",
        json!({"credentialID": credential, "authInfo": true}),
    )
    .await;
    assert_eq!(info["auth"]["objects"][1]["generator"], "totp", "{info}");
    let (_, v1) = csc(
        &base,
        &token,
        "v1/credentials/info",
        json!({"credentialID": credential}),
    )
    .await;
    assert_eq!(v1["OTP"]["type"], "offline", "{v1}");
    assert_eq!(v1["authMode"], "explicit");
    let (status, _) = csc(
        &base,
        &token,
        "v2/credentials/sendOTP",
        json!({"credentialID": credential}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let code = || {
        let out = Command::new("oathtool")
            .args([
                "--totp",
                "-d",
                "6",
                "3132333435363738393031323334353637383930",
            ])
            .output()
            .expect("oathtool is installed by scripts/test");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let (a, b) = (sha256(b"page one"), sha256(b"page two"));
    let (status, v) = csc(
        &base,
        &token,
        "v1/credentials/authorize",
        json!({"credentialID": credential, "numSignatures": 2,
               "hash": [B64.encode(&a), B64.encode(&b)], "PIN": "12345678", "OTP": code()}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let first = v["SAD"].as_str().unwrap().to_owned();
    if database_of(data.path()).is_none() {
        let stored = tamper(data.path(), "SELECT hex(pin_sealed) FROM csc_sads");
        assert!(!stored.contains(&hex_of(b"12345678")), "{stored}");
        assert!(!stored.contains("12345678"), "{stored}");
    }
    let (status, v) = sign_hash(&base, &token, &credential, &first, &[a.as_slice()]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = csc(
        &base,
        &token,
        "v2/credentials/extendTransaction",
        json!({"credentialID": credential, "SAD": first}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let second = v["SAD"].as_str().unwrap().to_owned();
    let (status, v) = sign_hash(&base, &token, &credential, &first, &[b.as_slice()]).await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Invalid parameter SAD"))
    );
    let (status, v) = sign_hash(&base, &token, &credential, &second, &[a.as_slice()]).await;
    assert_eq!(
        (status, v["error_description"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("Hash is not authorized by the SAD")
        )
    );
    // v1's signHash, as pyHanko sends it.
    let (status, v) = csc(
        &base,
        &token,
        "v1/signatures/signHash",
        json!({"credentialID": credential, "SAD": second, "hash": [B64.encode(&b)],
               "hashAlgo": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // Wrong codes: refused (v1 names it), and after five the credential's authorisations
    // wait (429), whatever the code.
    for _ in 0..5 {
        let (status, v) = csc(
            &base,
            &token,
            "v1/credentials/authorize",
            json!({"credentialID": credential, "numSignatures": 1,
                   "hash": [B64.encode(&a)], "PIN": "12345678", "OTP": "000000"}),
        )
        .await;
        assert_eq!(
            (status, v["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_otp")),
            "{v}"
        );
    }
    let (status, v) = csc(
        &base,
        &token,
        "v1/credentials/authorize",
        json!({"credentialID": credential, "numSignatures": 1,
               "hash": [B64.encode(&a)], "PIN": "12345678", "OTP": code()}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["error"], "access_denied");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
