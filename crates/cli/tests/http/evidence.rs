//! What third parties check, through independent tools: the RAO desk's new certificate, the
//! audit chain (SPEC X2), the CRL and OCSP (SPEC X1), and the PAdES-signed form (step 4).

use super::*;

/// The RAO desk area through the real server: an expired certificate is replaced by a new one
/// after the identity check, and the new certificate verifies with OpenSSL.
#[tokio::test]
async fn rao_desk_issues_a_new_certificate_that_openssl_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let mut rao = Browser::new(&server.base);
    let (status, _) = rao.get("/rao").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "login first");
    let (status, location, _) = rao
        .post(
            "/rao/login",
            &[("username", "rao.demo"), ("password", "rinnova-rao-demo")],
            None,
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/rao"))
    );
    let (_, page) = rao.get("/rao?q=JZLF004").await;
    assert!(
        page.contains("Neri") && page.contains("RNV-WIN-003"),
        "{page}"
    );
    let action = regex::Regex::new(r#"action="(/rao/holders/[^"]+/new)""#)
        .unwrap()
        .captures(&page)
        .expect("a new-certificate form")[1]
        .to_owned();
    let csrf = csrf_of(&page);
    let form = |number: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("q", "JZLF004".to_owned()),
            ("document_type", "passaporto".to_owned()),
            ("document_number", number.to_owned()),
            ("new_role", String::new()),
            ("pin", "24681357".to_owned()),
            ("pin_confirm", "24681357".to_owned()),
        ]
    };
    let bad = form("x");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = rao.post(&action, &bad, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let good = form("YA1234567");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = rao.post(&action, &good, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Nuovo certificato emesso"), "{page}");

    // The holder sees it at home, and OpenSSL verifies it against the published chain.
    let (api, _) = Api::login(&server.base, "JZLF004").await;
    let home = api.ok("GET", "/home", None).await;
    let new = home["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "active" && c["renewable"] == false && c["days_left"].is_null())
        .or_else(|| {
            home["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["status"] == "active")
        })
        .unwrap()
        .clone();
    let pem = api.certificate_pem(new["id"].as_str().unwrap()).await;
    verify_against_server_chain(&server.base, tmp.path(), &pem).await;
}

#[tokio::test]
async fn x2_audit_verify_names_the_row_edited_behind_the_applications_back() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with(data.path(), &[("RINNOVA_AUDIT__SEAL_MINUTES", "0")]);
    Api::login(&server.base, "JZLF001").await;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/login", server.base))
        .json(&json!({"user_id": "JZLF002", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    server.kill();

    let seal = rinnova(data.path(), &["audit", "seal"]);
    assert!(
        seal.status.success(),
        "{}",
        String::from_utf8_lossy(&seal.stderr)
    );
    assert!(String::from_utf8_lossy(&seal.stdout).starts_with("audit chain sealed at row "));
    let ok = rinnova(data.path(), &["audit", "verify", "--json"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert!(v["rows"].as_u64().unwrap() >= 2, "{v}");
    assert_eq!(v["seals"], 1);
    assert_eq!(v["problem"], Value::Null);

    // The administrator's search by holder.
    let found = rinnova(
        data.path(),
        &["audit", "search", "--holder", "jzlf002", "--json"],
    );
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    let entries: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(entries[0]["action"], "login_failed", "{entries}");
    assert_eq!(entries[0]["label"], "Failed login");
    let none = rinnova(data.path(), &["audit", "search", "--holder", "NOPE001"]);
    assert!(!none.status.success());

    // Someone with database access hides who failed to log in.
    let seq = tamper(
        data.path(),
        "SELECT seq FROM audit WHERE action = 'login_failed'",
    );
    let seq: i64 = seq
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap();
    tamper(
        data.path(),
        "UPDATE audit SET actor = 'someone-else' WHERE action = 'login_failed'",
    );
    let bad = rinnova(data.path(), &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains(&format!("audit row {seq} was altered")),
        "{text}"
    );
}

/// Issue 21: `audit verify` only reads — a row appended behind the application's back with no
/// hash is named at every run, never chained (by verify, or by the next start) — and with
/// `--export` it checks the database against the seals exported outside it: seals deleted from
/// the database are found. The data directory and the database are private to their user.
#[tokio::test]
async fn x2_audit_verify_only_reads_names_a_forged_row_and_checks_the_exported_seals() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with(data.path(), &[("RINNOVA_AUDIT__SEAL_MINUTES", "0")]);
    Api::login(&server.base, "JZLF001").await;
    let ca = tempfile::tempdir().unwrap();
    save_ca_certificates(&server.base, ca.path()).await;
    server.kill();
    let sqlite = database_of(data.path()).is_none();
    if sqlite {
        let mode = |name: &str| {
            std::fs::metadata(data.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(""), 0o700, "the data directory");
        assert_eq!(mode("rinnova.sqlite3"), 0o600);
        assert_eq!(mode("rinnova.sqlite3-wal"), 0o600);
    }

    let seal = rinnova(data.path(), &["audit", "seal"]);
    assert!(
        seal.status.success(),
        "{}",
        String::from_utf8_lossy(&seal.stderr)
    );
    let export = data.path().join("audit-export");
    let files: Vec<_> = std::fs::read_dir(&export).unwrap().collect();
    assert_eq!(files.len(), 1, "the seal exported");
    let export_arg = export.to_str().unwrap();
    let ok = rinnova(
        data.path(),
        &["audit", "verify", "--export", export_arg, "--json"],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(
        (v["seals"].as_u64(), v["exported"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    // The exported seal's time-stamp, checked by OpenSSL against the CA's chain: over the
    // digest of what the seal signed, by the CA's time-stamping unit.
    let file = std::fs::read_dir(&export)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    use base64::Engine;
    let tsr = base64::engine::general_purpose::STANDARD
        .decode(exported["timestamp_token"].as_str().expect("a time-stamp"))
        .unwrap();
    std::fs::write(ca.path().join("seal.tsr"), tsr).unwrap();
    let verified = openssl(
        &[
            "ts",
            "-verify",
            "-digest",
            exported["digest"].as_str().unwrap(),
            "-in",
            "seal.tsr",
            "-CAfile",
            "chain.pem",
        ],
        ca.path(),
    );
    assert!(verified.contains("Verification: OK"), "{verified}");

    // A forged row, appended with no hashes.
    tamper(
        data.path(),
        "INSERT INTO audit (seq, at, actor, action) \
         SELECT MAX(seq) + 1, 1800000000, 'admin:forged', 'ca_keys_moved_to_hsm' FROM audit",
    );
    let forged: i64 = tamper(data.path(), "SELECT MAX(seq) FROM audit")
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap();
    for _ in 0..2 {
        let bad = rinnova(data.path(), &["audit", "verify"]);
        assert_eq!(bad.status.code(), Some(1));
        let text = String::from_utf8_lossy(&bad.stdout);
        assert!(
            text.contains(&format!(
                "audit row {forged} has no hash: it was written behind the application's back"
            )),
            "{text}"
        );
    }
    // Nor does a start chain it (the server migrates).
    let server = Server::start_with(data.path(), &[("RINNOVA_AUDIT__SEAL_MINUTES", "0")]);
    server.kill();
    let bad = rinnova(data.path(), &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let hashless = tamper(
        data.path(),
        &format!("SELECT COUNT(*) FROM audit WHERE seq = {forged} AND row_hash IS NULL"),
    );
    assert!(hashless.contains('1'), "{hashless}");

    // The forged row gone, every seal deleted: the database alone looks intact, the export
    // says what is missing.
    tamper(
        data.path(),
        &format!("DELETE FROM audit WHERE seq = {forged}"),
    );
    tamper(data.path(), "DELETE FROM audit_seals");
    let alone = rinnova(data.path(), &["audit", "verify"]);
    assert!(
        alone.status.success(),
        "{}",
        String::from_utf8_lossy(&alone.stdout)
    );
    let bad = rinnova(data.path(), &["audit", "verify", "--export", export_arg]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("exported, is missing from the database"),
        "{text}"
    );
}

/// Issue 21: the demo's certificates are the qualified profile to pkilint's ETSI linter
/// (QCP-N-QSCD): their disclosure statements are at an https address at a public domain. The
/// one finding left is explained in the README: the demo CA's status URLs (CRL, OCSP, CA
/// issuers) are the demo server's own loopback address, so that relying parties' tools reach it.
#[tokio::test]
async fn the_demo_certificates_pass_pkilint_etsi_but_for_the_demo_servers_loopback_urls() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let saved = save_certificates(&api, data.path(), "jzlf001").await;
    assert!(!saved.is_empty());
    for (status, _) in &saved {
        let path = data.path().join(format!("jzlf001-{status}.pem"));
        let out = Command::new("lint_etsi_cert")
            .args(["lint", "-t", "QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE"])
            .arg(&path)
            .output()
            .expect("pkilint is needed: scripts/test installs it");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let mut path_line = "";
        let mut unexplained = Vec::new();
        for line in text.lines() {
            if !line.starts_with(' ') {
                path_line = line;
                continue;
            }
            let severe = line.contains("(ERROR)") || line.contains("(FATAL)");
            let loopback_status_url = line.contains("etsi.internal_domain_name")
                && line.contains("\"127.0.0.1\"")
                && (path_line.contains("cRLDistributionPoints")
                    || path_line.contains("authorityInfoAccessSyntax"));
            if (severe || line.contains("(WARNING)")) && !loopback_status_url {
                unexplained.push(format!("{path_line}\n{line}"));
            }
        }
        assert!(
            unexplained.is_empty(),
            "{status}: pkilint findings the README does not explain:\n{}\n\nall:\n{text}",
            unexplained.join("\n")
        );
        assert!(
            !text.contains("url_scheme_not_https"),
            "the PDS is https: {text}"
        );
    }
}

/// Issue 21: the built-in time-stamping unit over HTTP (RFC 3161 §3.4): OpenSSL makes the
/// query, `/tsa` answers, `openssl ts -verify` accepts the token against the CA's chain; the
/// token is recorded in the audit trail; a SHA-1 query is refused, saying why.
#[tokio::test]
async fn the_tsa_answers_over_http_and_openssl_verifies_its_tokens() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_ca_certificates(&server.base, d).await;
    std::fs::write(d.join("form.pdf"), b"%PDF-1.7 the signed renewal form").unwrap();
    let ask = |query: &str, reply: &str| {
        let base = server.base.clone();
        let (query, reply) = (d.join(query), d.join(reply));
        async move {
            let resp = reqwest::Client::new()
                .post(format!("{base}/tsa"))
                .header("content-type", "application/timestamp-query")
                .body(std::fs::read(query).unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(
                resp.headers()["content-type"],
                "application/timestamp-reply"
            );
            std::fs::write(reply, resp.bytes().await.unwrap()).unwrap();
        }
    };
    openssl(
        &[
            "ts", "-query", "-data", "form.pdf", "-sha256", "-cert", "-out", "q.tsq",
        ],
        d,
    );
    ask("q.tsq", "r.tsr").await;
    let shown = openssl(&["ts", "-reply", "-in", "r.tsr", "-text"], d);
    assert!(shown.contains("Status: Granted."), "{shown}");
    assert!(
        shown.contains("Policy OID: 1.3.6.1.4.1.99999.2.1"),
        "{shown}"
    );
    let verified = openssl(
        &[
            "ts",
            "-verify",
            "-data",
            "form.pdf",
            "-in",
            "r.tsr",
            "-CAfile",
            "chain.pem",
        ],
        d,
    );
    assert!(verified.contains("Verification: OK"), "{verified}");
    // The token's serial is in the audit trail.
    let serial = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("Serial number: 0x"))
        .expect("a serial")
        .to_ascii_lowercase();
    let found = tamper(
        data.path(),
        "SELECT subject FROM audit WHERE action = 'time_stamp_issued'",
    );
    assert!(
        found
            .to_ascii_lowercase()
            .contains(serial.trim_start_matches('0')),
        "{found} / {serial}"
    );
    // SHA-1 is not accepted.
    openssl(
        &[
            "ts", "-query", "-data", "form.pdf", "-sha1", "-out", "q1.tsq",
        ],
        d,
    );
    ask("q1.tsq", "r1.tsr").await;
    let shown = openssl(&["ts", "-reply", "-in", "r1.tsr", "-text"], d);
    assert!(shown.contains("Status: Rejected."), "{shown}");
    assert!(shown.contains("SHA-256, SHA-384 or SHA-512"), "{shown}");
}

/// Issue 21: an outside TSA (`[tsa] url`, `trust_anchor`) time-stamps the audit seals instead
/// of the CA's own unit — here another rinnova's `/tsa`, reached over HTTP. `audit verify`
/// accepts those time-stamps with the trust anchor configured, and names them without it.
#[tokio::test]
async fn audit_seals_are_time_stamped_by_an_outside_tsa_checked_against_its_anchor() {
    let outside_data = tempfile::tempdir().unwrap();
    let outside = Server::start(outside_data.path());
    let anchors = tempfile::tempdir().unwrap();
    save_ca_certificates(&outside.base, anchors.path()).await;
    let anchor = anchors.path().join("chain.pem");
    let url = format!("{}/tsa", outside.base);
    let tsa_env = [
        ("RINNOVA_TSA__URL", url.as_str()),
        ("RINNOVA_TSA__TRUST_ANCHOR", anchor.to_str().unwrap()),
    ];

    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with(data.path(), &[("RINNOVA_AUDIT__SEAL_MINUTES", "0")]);
    Api::login(&server.base, "JZLF001").await;
    let own = tempfile::tempdir().unwrap();
    save_ca_certificates(&server.base, own.path()).await;
    server.kill();
    let with_tsa = |args: &[&str]| bin(data.path()).args(args).envs(tsa_env).output().unwrap();
    let sealed = with_tsa(&["audit", "seal"]);
    assert!(
        sealed.status.success(),
        "{}",
        String::from_utf8_lossy(&sealed.stderr)
    );
    // The outside TSA recorded the token it gave.
    let given = tamper(
        outside_data.path(),
        "SELECT COUNT(*) FROM audit WHERE action = 'time_stamp_issued'",
    );
    assert!(given.contains('1'), "{given}");
    let ok = with_tsa(&["audit", "verify"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    // Without the anchor, the time-stamp is not one this CA can vouch for.
    let bad = rinnova(data.path(), &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(text.contains("its time-stamp does not hold"), "{text}");
    // A TSA whose units come from another CA is refused when sealing: the seal is not made.
    // Something new to seal; anchored on this installation's own CA, which is not the
    // outside TSA's.
    let server = Server::start_with(data.path(), &[("RINNOVA_AUDIT__SEAL_MINUTES", "0")]);
    Api::login(&server.base, "JZLF002").await;
    server.kill();
    let wrong_anchor = own.path().join("chain.pem");
    let refused = bin(data.path())
        .args(["audit", "seal"])
        .env("RINNOVA_TSA__URL", &url)
        .env("RINNOVA_TSA__TRUST_ANCHOR", &wrong_anchor)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("not from a trusted TSA"), "{why}");
    drop(outside);
}

/// Saves a holder's certificates as PEM files named `{prefix}-{status}.pem`; returns
/// (status, serial) pairs.
async fn save_certificates(api: &Api, dir: &Path, prefix: &str) -> Vec<(String, String)> {
    let home = api.ok("GET", "/home", None).await;
    let mut out = Vec::new();
    for c in home["certificates"].as_array().unwrap() {
        let (id, status) = (c["id"].as_str().unwrap(), c["status"].as_str().unwrap());
        let pem = api
            .http
            .get(format!("{}/api/v1/certificates/{id}/pem", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        std::fs::write(dir.join(format!("{prefix}-{status}.pem")), pem).unwrap();
        out.push((status.to_owned(), c["serial"].as_str().unwrap().to_owned()));
    }
    out
}

/// The CRL and OCSP through independent clients (SPEC X1): openssl verifies the CRL's
/// signature and reads a superseded certificate in it; `openssl ocsp` gets good, revoked and
/// unknown answers signed by the CA, over POST and GET; an admin revocation shows at once.
#[tokio::test]
async fn x1_crl_and_ocsp_answer_good_revoked_and_unknown_to_openssl() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_ca_certificates(&server.base, d).await;
    // JZLF001 holds a good certificate; JZLF005 renewed, so the old one is superseded.
    let (api1, _) = Api::login(&server.base, "JZLF001").await;
    let good = save_certificates(&api1, d, "jzlf001").await;
    let (api5, _) = Api::login(&server.base, "JZLF005").await;
    let five = save_certificates(&api5, d, "jzlf005").await;
    let old_serial = five
        .iter()
        .find(|(s, _)| s == "superseded")
        .expect("JZLF005's superseded certificate")
        .1
        .clone();

    // The CRL: signed by the issuing CA, the superseded certificate in it.
    fetch(&server.base, "/ca/crl.der", d, "crl1.der").await;
    let verified = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "crl1.der",
            "-CAfile",
            "chain.pem",
            "-noout",
        ],
        d,
    );
    assert!(verified.contains("verify OK"), "{verified}");
    let text = openssl(
        &[
            "crl", "-inform", "DER", "-in", "crl1.der", "-noout", "-text",
        ],
        d,
    );
    assert!(
        text.to_uppercase().contains(&old_serial.to_uppercase()),
        "{text}"
    );
    assert!(text.contains("Superseded"), "{text}");
    assert!(text.contains("X509v3 CRL Number"), "{text}");
    lint_crl(d, "crl1.der", "CRL");

    let url = format!("{}/ca/ocsp", server.base);
    let ocsp = |cert: &str| -> String {
        openssl(
            &[
                "ocsp",
                "-issuer",
                "issuing.pem",
                "-cert",
                cert,
                "-url",
                &url,
                "-CAfile",
                "chain.pem",
                "-resp_text",
            ],
            d,
        )
    };
    let answer = ocsp("jzlf001-active.pem");
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(answer.contains("jzlf001-active.pem: good"), "{answer}");
    let answer = ocsp("jzlf005-superseded.pem");
    assert!(
        answer.contains("jzlf005-superseded.pem: revoked"),
        "{answer}"
    );
    assert!(answer.contains("Reason: superseded"), "{answer}");
    // The CertID hashed with each algorithm a client may choose (issue 21: SHA-384 and SHA-512
    // were answered "unknown").
    for alg in ["-sha1", "-sha256", "-sha384", "-sha512"] {
        let answer = openssl(
            &[
                "ocsp",
                alg,
                "-issuer",
                "issuing.pem",
                "-cert",
                "jzlf005-superseded.pem",
                "-url",
                &url,
                "-CAfile",
                "chain.pem",
            ],
            d,
        );
        assert!(answer.contains("Response verify OK"), "{alg}: {answer}");
        assert!(
            answer.contains("jzlf005-superseded.pem: revoked"),
            "{alg}: {answer}"
        );
    }
    let answer = openssl(
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-serial",
            "0x4242",
            "-url",
            &url,
            "-CAfile",
            "chain.pem",
        ],
        d,
    );
    assert!(answer.contains("0x4242: unknown"), "{answer}");

    // GET: the base64 request in the path.
    openssl(
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-cert",
            "jzlf001-active.pem",
            "-no_nonce",
            "-reqout",
            "req.der",
        ],
        d,
    );
    use base64::Engine;
    let b64 =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(d.join("req.der")).unwrap());
    let encoded: String = b64
        .chars()
        .map(|c| match c {
            '+' => "%2B".to_owned(),
            '/' => "%2F".to_owned(),
            '=' => "%3D".to_owned(),
            c => c.to_string(),
        })
        .collect();
    fetch(&server.base, &format!("/ca/ocsp/{encoded}"), d, "resp.der").await;
    let answer = openssl(
        &[
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "issuing.pem",
            "-cert",
            "jzlf001-active.pem",
            "-CAfile",
            "chain.pem",
        ],
        d,
    );
    assert!(answer.contains("jzlf001-active.pem: good"), "{answer}");
    // Garbage: malformedRequest, not an error page.
    let resp = reqwest::Client::new()
        .post(&url)
        .body("not DER")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/ocsp-response");

    // An admin revokes JZLF001's certificate for key compromise: OCSP says so at once, the
    // next CRL (a higher number) lists it.
    let serial = &good[0].1;
    // Run through sudo by alice (issue 21: the operator is named, not `admin:unknown`).
    let out = bin(data.path())
        .args(["ca", "revoke", serial, "--reason", "key-compromise"])
        .env("RUST_LOG", "warn")
        .env("SUDO_USER", "alice")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = rinnova_ok(
        data.path(),
        &["audit", "search", "--certificate", serial, "--json"],
    );
    let entries: Value = serde_json::from_str(&found).unwrap();
    let revoked = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "certificate_revoked")
        .unwrap_or_else(|| panic!("{entries}"));
    assert_eq!(revoked["actor"], "admin:alice", "{revoked}");
    assert!(
        revoked["ip"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("cli@")),
        "the machine: {revoked}"
    );
    // `--operator` names someone else.
    let op = bin(data.path())
        .args(["--operator", "bob", "audit", "seal"])
        .env("SUDO_USER", "alice")
        .output()
        .unwrap();
    assert!(
        op.status.success(),
        "{}",
        String::from_utf8_lossy(&op.stderr)
    );
    let bad = bin(data.path())
        .args(["--operator", "two words", "audit", "seal"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--operator"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let again = rinnova(
        data.path(),
        &["ca", "revoke", serial, "--reason", "key-compromise"],
    );
    assert!(!again.status.success(), "revoked once");
    let answer = ocsp("jzlf001-active.pem");
    assert!(answer.contains("jzlf001-active.pem: revoked"), "{answer}");
    assert!(answer.contains("Reason: keyCompromise"), "{answer}");
    fetch(&server.base, "/ca/crl.der", d, "crl2.der").await;
    let text = openssl(
        &[
            "crl", "-inform", "DER", "-in", "crl2.der", "-noout", "-text",
        ],
        d,
    );
    assert!(
        text.to_uppercase().contains(&serial.to_uppercase()),
        "{text}"
    );
    assert!(text.contains("Key Compromise"), "{text}");
    let n1 = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "crl1.der",
            "-noout",
            "-crlnumber",
        ],
        d,
    );
    let n2 = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "crl2.der",
            "-noout",
            "-crlnumber",
        ],
        d,
    );
    assert_ne!(n1, n2, "a new CRL number");
    let v = rinnova(data.path(), &["audit", "verify", "--json"]);
    assert!(
        v.status.success(),
        "the revocation is in the intact audit trail"
    );
}

/// Step 4's evidence through independent validators (issue 5): the renewal form signed as
/// PAdES B-LTA (B-B until issue 21) with the holder's current certificate validates in pyHanko
/// (our root as the only trust anchor, revocation checked against our OCSP responder; the
/// signature time-stamp by the CA's unit checked too) and in poppler's pdfsig; the
/// administrator retrieves the same bytes.
#[tokio::test]
async fn step4_the_signed_form_validates_in_pyhanko_and_pdfsig() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _, r) = through_signing(&api, "JZLF001").await;
    assert_eq!(r["step"], "activate");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let signed = save_signed_form(&api, &id, d, "signed.pdf").await;
    save_ca_certificates(&server.base, d).await;

    let out = Command::new("pdfsig")
        .arg("signed.pdf")
        .current_dir(d)
        .output()
        .expect("pdfsig (poppler-utils) is installed by scripts/test");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("Signature Validation: Signature is Valid."),
        "{text}"
    );
    assert!(text.contains("ETSI.CAdES.detached"), "{text}");
    // PAdES B-LTA: the validation data and a document time-stamp follow the signature, the
    // time-stamp covering the whole file.
    assert!(text.contains("Not total document signed"), "{text}");
    assert!(
        text.contains("Signature Field Name: document-timestamp-1"),
        "{text}"
    );
    assert!(text.contains("Total document signed"), "{text}");
    assert!(
        text.contains("Mario Rossi") || text.contains("ROSSI"),
        "{text}"
    );

    let out = Command::new("pyhanko")
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            "root.pem",
            "--trust-replace",
            "--other-certs",
            "issuing.pem",
            "signed.pdf",
        ])
        .current_dir(d)
        .output()
        .expect("pyHanko is installed by scripts/test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    for needle in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "All modifications relate to signature maintenance",
        "The signature is judged VALID.",
        "Common Name: Mario Rossi",
        // PAdES B-T (issue 21): the signature's time-stamp, from the CA's unit.
        "This timestamp is backed by a time stamping authority.",
        "The timestamp token is cryptographically sound.",
        "Time-Stamping Unit",
        "The TSA certificate is trusted.",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }

    // One byte of the signed revision changed: both validators refuse it.
    let mut forged = signed.to_vec();
    let at = forged
        .windows(5)
        .position(|w| w == b"/Size")
        .expect("a trailer");
    forged[at + 6] = if forged[at + 6] == b'9' { b'8' } else { b'9' };
    std::fs::write(d.join("forged.pdf"), &forged).unwrap();
    let out = Command::new("pdfsig")
        .arg("forged.pdf")
        .current_dir(d)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("Signature is Valid."), "{text}");
    let out = Command::new("pyhanko")
        .args([
            "sign",
            "validate",
            "--trust",
            "root.pem",
            "--trust-replace",
            "--other-certs",
            "issuing.pem",
            "forged.pdf",
        ])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The RAO finds the holder at the desk and downloads the same evidence.
    let mut rao = Browser::new(&server.base);
    let (status, _, _) = rao
        .post(
            "/rao/login",
            &[("username", "rao.demo"), ("password", "rinnova-rao-demo")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page) = rao.get("/rao?q=JZLF001").await;
    assert_eq!(status, StatusCode::OK);
    let link = format!("/rao/renewals/{id}/evidence.pdf");
    assert!(page.contains(&link), "{page}");
    let resp = rao
        .http
        .get(format!("{}{link}", server.base))
        .header("cookie", rao.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap(), signed);

    // The administrator's copy is the same evidence.
    let evidence = rinnova(data.path(), &["renewals", "evidence", &id]);
    assert!(
        evidence.status.success(),
        "{}",
        String::from_utf8_lossy(&evidence.stderr)
    );
    assert_eq!(evidence.stdout, signed);
}

/// Runs pyHanko with `args` in `dir`: whether it succeeded, and all it printed.
fn pyhanko(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("pyhanko")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("pyHanko is installed by scripts/test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `pyhanko(args, dir)` with the clock `days` ahead (libfaketime's `faketime`).
fn pyhanko_on_day(days: i64, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("faketime")
        .arg(format!("+{days} days"))
        .arg("pyhanko")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("faketime (Debian's faketime) is installed by scripts/test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// What a PAdES document `file` in `dir` holds, read by pyHanko's own PDF reader: the
/// numbers of certificates, OCSP answers and CRLs in its document security store, then of its
/// document time-stamps.
fn long_term_counts(dir: &Path, file: &str) -> String {
    let script = "import sys\n\
from pyhanko.pdf_utils.reader import PdfFileReader\n\
from pyhanko.sign.validation.dss import DocumentSecurityStore\n\
r = PdfFileReader(open(sys.argv[1], 'rb'))\n\
dss = DocumentSecurityStore.read_dss(r)\n\
print(len(list(dss.load_certs())), len(dss.ocsps), len(dss.crls))\n\
print(len(r.embedded_timestamp_signatures))\n";
    let out = Command::new("python3")
        .args(["-c", script, file])
        .current_dir(dir)
        .output()
        .unwrap();
    let counts = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{counts}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    counts
}

/// pyHanko's AdES validator (`adesverify`, our root the only anchor) on `file` in `dir`,
/// run `day` days on if given: it must judge the signature VALID with its signer's
/// certificate trusted, find a document time-stamp after it and the chain of them holding,
/// and print each of `needles`. Returns what it printed.
fn ades_valid(dir: &Path, file: &str, day: Option<i64>, needles: &[&str]) -> String {
    let args = [
        "sign",
        "adesverify",
        "--pretty-print",
        "--trust",
        "root.pem",
        "--trust-replace",
        file,
    ];
    let (ok, text) = match day {
        Some(day) => pyhanko_on_day(day, &args, dir),
        None => pyhanko(&args, dir),
    };
    assert!(ok, "{text}");
    for needle in [
        "The signer's certificate is trusted.",
        "The signature is judged VALID.",
    ]
    .iter()
    .chain(needles)
    {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    for absent in [
        "No document timestamps after signature",
        "proceeding without past proof of existence",
    ] {
        assert!(!text.contains(absent), "{absent:?} in\n{text}");
    }
    text
}

/// A demo server on `data` where JZLF001 signs a renewal and, a little later (as people do:
/// the revocation comes after the signature's time-stamp, to the second), activates it; the
/// CA's certificates and the signed form (`signed.pdf`, as downloaded before the activation)
/// saved in `dir`. Returns the server, the holder's API session, the renewal id and the form.
async fn signed_then_renewed(data: &Path, dir: &Path) -> (Server, Api, String, Vec<u8>) {
    let server = Server::start(data);
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _) = to_activation(&api, "JZLF001").await;
    save_ca_certificates(&server.base, dir).await;
    let signed = save_signed_form(&api, &id, dir, "signed.pdf").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let done = super::keys::activate(&api, "JZLF001", &id).await;
    assert_eq!(done["step"], "completed", "{done}");
    (server, api, id, signed)
}

/// The signed renewal form of renewal `id`, saved as `file` in `dir`.
async fn save_signed_form(api: &Api, id: &str, dir: &Path, file: &str) -> Vec<u8> {
    let resp = api
        .http
        .get(format!(
            "{}/api/v1/renewals/{id}/documents/signed-renewal-form.pdf",
            api.base
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let pdf = resp.bytes().await.unwrap().to_vec();
    std::fs::write(dir.join(file), &pdf).unwrap();
    pdf
}

/// SPEC X1, issue 21: the renewal supersedes the certificate that signed the form, and the
/// form stays valid evidence. It is PAdES B-LTA from signing: the document security store
/// keeps the chain, the OCSP answers (the signer's, good when it signed; the time-stamping
/// unit's) and the root's CRL, and a document time-stamp covers them. pyHanko's AdES
/// validator (`adesverify`, EN 319 102-1 long-term validation, its default settings, our root
/// the only anchor) judges it VALID after the supersession, finding the signature time before
/// the revocation. (pyHanko's `validate` checks the certificate's status now and nothing
/// else: for a superseded certificate it says REVOKED, whatever the document holds.)
#[tokio::test]
async fn the_signed_form_stays_valid_once_the_renewal_supersedes_its_certificate() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_server, api, id, signed) = signed_then_renewed(data.path(), d).await;
    assert_eq!(
        save_signed_form(&api, &id, d, "after.pdf").await,
        signed,
        "the evidence is what was signed"
    );

    // The old certificate is revoked (superseded) for everyone asking now.
    let (ok, text) = pyhanko(
        &[
            "sign",
            "validate",
            "--trust",
            "root.pem",
            "--trust-replace",
            "signed.pdf",
        ],
        d,
    );
    assert!(!ok && text.contains("REVOKED"), "{text}");

    ades_valid(
        d,
        "signed.pdf",
        None,
        &[
            "The signature is cryptographically sound.",
            "Signature timestamp token:",
            "The TSA certificate is trusted.",
            "All modifications relate to signature maintenance",
        ],
    );

    // What the store holds, read back by pyHanko's own PDF reader.
    let counts = long_term_counts(d, "signed.pdf");
    // Signer, issuing CA, root, time-stamping unit, OCSP responder; two OCSP answers; the
    // root's CRL; one document time-stamp.
    assert_eq!(counts, "5 2 1\n1\n", "{counts}");

    // The first revision is still the form that was shown (existing B-B/B-T forms read the
    // same way): a change to the signed bytes breaks the signature for both tools.
    let mut forged = signed.clone();
    let at = forged.windows(5).position(|w| w == b"/Size").unwrap();
    forged[at + 6] = if forged[at + 6] == b'9' { b'8' } else { b'9' };
    std::fs::write(d.join("forged.pdf"), &forged).unwrap();
    let (ok, text) = pyhanko(
        &[
            "sign",
            "adesverify",
            "--trust",
            "root.pem",
            "--trust-replace",
            "forged.pdf",
        ],
        d,
    );
    assert!(!ok, "{text}");
}

/// `rinnova serve --demo` on `data` at `addr` (the address the certificates name), its clock
/// `days` ahead.
fn start_later(data: &Path, addr: &str, days: i64) -> Server {
    let mut cmd = bin(data);
    cmd.args([
        "--clock-offset",
        &(days * 86_400).to_string(),
        "serve",
        "--demo",
        "--listen",
        addr,
    ]);
    Server::spawn(cmd)
}

/// The signed form of renewal `id` once the server on `data` has extended it past `before`
/// bytes (it sweeps at start), as the administrator retrieves it.
async fn extended_form(data: &Path, id: &str, before: usize) -> Vec<u8> {
    for _ in 0..150 {
        let out = rinnova(data, &["renewals", "evidence", id]);
        assert!(out.status.success(), "{out:?}");
        if out.stdout.len() > before {
            return out.stdout;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the form was not time-stamped again");
}

/// Issue 21 (B-LTA kept up): the renewal form signed today, its certificate superseded
/// today and expired a month later, is still valid evidence years on. Before the certificate
/// of the unit that made its last document time-stamp ends, the sweep (`renewals restamp`
/// here) adds the unit's status and a new unit's time-stamp; the server's own sweep does it
/// again a year later (the root's CRL
/// signed anew meanwhile, as the yearly ceremony does). pyHanko's AdES validator, run 22
/// months on, judges the signature VALID: the newest time-stamp is checked now, each older
/// one in the past with the status data the next one covers. The audit trail names each
/// renewal of the evidence.
#[tokio::test]
async fn the_signed_form_is_time_stamped_again_and_still_validates_years_later() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (server, _api, id, signed) = signed_then_renewed(data.path(), d).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    server.kill();

    // Day 330: the first unit's certificate (365 days) ends within 45 days; the operator
    // runs the sweep by hand (no instance serving).
    let day = |d: i64| (d * 86_400).to_string();
    let swept = rinnova_ok(
        data.path(),
        &["--clock-offset", &day(330), "renewals", "restamp"],
    );
    assert!(
        swept.contains("1 signed form(s) time-stamped again"),
        "{swept}"
    );
    let again = rinnova_ok(
        data.path(),
        &["--clock-offset", &day(330), "renewals", "restamp"],
    );
    assert!(
        again.contains("0 signed form(s)"),
        "once is enough: {again}"
    );
    let once = extended_form(data.path(), &id, signed.len()).await;
    assert!(
        once.starts_with(&signed),
        "an incremental update of the evidence"
    );
    // Day 340: the root signs its yearly CRL (the ceremony's ran out on day 365).
    let crl = bin(data.path())
        .args(["--clock-offset", &day(340), "ca", "root-crl"])
        .env("RINNOVA_CA_PASSPHRASE", "rinnova-demo-ca")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(crl.status.success(), "{crl:?}");
    // Day 660: the second unit's certificate ends within 45 days.
    let later = start_later(data.path(), &addr, 660);
    let twice = extended_form(data.path(), &id, once.len()).await;
    assert!(twice.starts_with(&once));
    std::fs::write(d.join("later.pdf"), &twice).unwrap();
    // pyHanko runs on day 660 as well (libfaketime): it validates "now", fetching the
    // current status of the newest unit from the server as a relying party would.
    ades_valid(d, "later.pdf", Some(660), &[]);
    let counts = long_term_counts(d, "later.pdf");
    assert!(
        counts.ends_with("\n3\n"),
        "three document time-stamps: {counts}"
    );
    // Without the later time-stamps, the first unit's certificate has ended and nothing
    // proves the time-stamp existed before: the form as first signed is not enough.
    let (ok, text) = pyhanko_on_day(
        660,
        &[
            "sign",
            "adesverify",
            "--trust",
            "root.pem",
            "--trust-replace",
            "signed.pdf",
        ],
        d,
    );
    assert!(!ok, "{text}");
    later.kill();

    let rows = tamper(
        data.path(),
        "SELECT subject FROM audit WHERE action = 'evidence_restamped'",
    );
    assert_eq!(rows.matches(&id).count(), 2, "{rows}");
    let v = rinnova(data.path(), &["audit", "verify", "--json"]);
    assert!(v.status.success(), "{v:?}");
}

/// Issue 21, with an outside TSA (`[tsa] url`): the renewal form's signature time-stamp and
/// its document time-stamp come from that TSA; its certificates go into the document
/// security store, its status is that TSA's to publish. pyHanko's AdES validator, trusting
/// both roots, judges the form VALID after the renewal.
#[tokio::test]
async fn with_an_outside_tsa_the_form_carries_its_time_stamps_and_validates() {
    let outside_data = tempfile::tempdir().unwrap();
    let outside = Server::start(outside_data.path());
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let theirs = d.join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    save_ca_certificates(&outside.base, &theirs).await;
    let url = format!("{}/tsa", outside.base);
    let anchor = theirs.join("chain.pem");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        data.path(),
        &[
            ("RINNOVA_TSA__URL", url.as_str()),
            ("RINNOVA_TSA__TRUST_ANCHOR", anchor.to_str().unwrap()),
        ],
    );
    save_ca_certificates(&server.base, d).await;
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let (id, _) = to_activation(&api, "JZLF001").await;
    save_signed_form(&api, &id, d, "signed.pdf").await;
    let given = tamper(
        outside_data.path(),
        "SELECT COUNT(*) FROM audit WHERE action = 'time_stamp_issued'",
    );
    // The signature's time-stamp and the document time-stamp (SQLite prints `[(2,)]`).
    let given: String = given.chars().filter(char::is_ascii_digit).collect();
    assert!(given.parse::<i64>().unwrap() >= 2, "{given}");
    let (ok, text) = pyhanko(
        &[
            "sign",
            "adesverify",
            "--pretty-print",
            "--trust",
            "root.pem",
            "--trust",
            "theirs/root.pem",
            "--trust-replace",
            "signed.pdf",
        ],
        d,
    );
    assert!(ok, "{text}");
    for needle in [
        "The signature is judged VALID.",
        "The TSA certificate is trusted.",
        "Rinnova Demo Qualified Signature CA Time-Stamping Unit",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    assert!(!text.contains("proceeding without past proof"), "{text}");
}
