//! SPEC X1: issued certificates checked by tools that are not ours — OpenSSL and pkilint.
//! A missing tool fails the test (never a silent skip): `scripts/test` installs both.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use jiff::Timestamp;
use rinnova_ca::authority::pem;
use rinnova_ca::device::SignatureDevice;
use rinnova_ca::{Ca, CaAlgorithm, CaConfig, HolderSubject, KdfParams, SoftwareDevice};
use rinnova_domain::{CertificateKind, CodiceFiscale, Pin};
use std::path::Path;
use std::process::Command;

fn issue(algorithm: CaAlgorithm, dir: &Path) -> (rinnova_ca::IssuedCertificate, Timestamp) {
    issue_kind(algorithm, CertificateKind::RemoteSignature, dir)
}

fn issue_kind(
    algorithm: CaAlgorithm,
    kind: CertificateKind,
    dir: &Path,
) -> (rinnova_ca::IssuedCertificate, Timestamp) {
    let now = Timestamp::from_second(1_795_000_000).unwrap();
    let mut config = CaConfig::demo("https://rinnova-demo.it");
    config.algorithm = algorithm;
    let material = Ca::init(&config, b"passphrase", KdfParams::insecure_for_tests(), now).unwrap();
    assert!(
        Ca::open(material.clone(), b"wrong").is_err(),
        "the CA key is sealed"
    );
    let ca = Ca::open(material, b"passphrase").unwrap();
    let device = SoftwareDevice {
        kdf: KdfParams::insecure_for_tests(),
    };
    let key = device.create_key(&Pin::parse("12345678").unwrap()).unwrap();
    let subject = HolderSubject {
        given_name: "Mario".into(),
        surname: "Rossi".into(),
        codice_fiscale: CodiceFiscale::parse("RSSMRA85T10A562S").unwrap(),
        iut: "WSREF-2026000001".into(),
        title: Some("Dirigente".into()),
        organization: None,
    };
    let cert = ca
        .issue_qualified(&subject, kind, &key.public_key, now)
        .unwrap();
    let (root, issuing) = ca.chain_pem();
    std::fs::write(dir.join("root.pem"), root).unwrap();
    std::fs::write(dir.join("issuing.pem"), issuing).unwrap();
    std::fs::write(dir.join("cert.pem"), pem("CERTIFICATE", &cert.der)).unwrap();
    (cert, now)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (scripts/test installs it)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() || cmd.get_program() == "lint_etsi_cert",
        "{cmd:?} failed:\n{text}"
    );
    text
}

fn openssl_checks(dir: &Path, cert: &rinnova_ca::IssuedCertificate, now: Timestamp) {
    let verify = run(Command::new("openssl")
        .args(["verify", "-attime"])
        .arg(now.as_second().to_string())
        .arg("-CAfile")
        .arg(dir.join("root.pem"))
        .arg("-untrusted")
        .arg(dir.join("issuing.pem"))
        .arg(dir.join("cert.pem")));
    assert!(verify.contains("cert.pem: OK"), "{verify}");
    let text = run(Command::new("openssl")
        .args(["x509", "-noout", "-text", "-nameopt", "RFC2253", "-in"])
        .arg(dir.join("cert.pem")));
    for needle in [
        "serialNumber=TINIT-RSSMRA85T10A562S",
        "dnQualifier=WSREF-2026000001",
        "GN=Mario",
        "SN=Rossi",
        "CN=Mario Rossi",
        "C=IT",
        "X509v3 Key Usage: critical",
        "Non Repudiation",
        "Policy: 0.4.0.194112.1.2",
        "Policy: 0.4.0.19431.1.1.3",
        "Policy: 1.3.76.16.6",
        "URI:http://rinnova-demo.it/ca/crl.der",
        "OCSP - URI:http://rinnova-demo.it/ca/ocsp",
        "qcStatements",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(
        !text.contains("Digital Signature"),
        "signature certificates carry nonRepudiation only"
    );
    // Exactly three years, to the second.
    let dates = run(Command::new("openssl")
        .args(["x509", "-noout", "-startdate", "-enddate", "-in"])
        .arg(dir.join("cert.pem")));
    let fmt = |t: Timestamp| t.strftime("%b %e %H:%M:%S %Y GMT").to_string();
    let three_years_later = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().years(3))
        .unwrap()
        .timestamp();
    assert!(
        dates.contains(&format!("notBefore={}", fmt(now))),
        "{dates}"
    );
    assert!(
        dates.contains(&format!("notAfter={}", fmt(three_years_later))),
        "{dates}"
    );
    assert_eq!((cert.not_before, cert.not_after), (now, three_years_later));
}

#[test]
fn x1_issued_certificate_verifies_with_openssl_ecdsa() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, now) = issue(CaAlgorithm::EcdsaP256, dir.path());
    openssl_checks(dir.path(), &cert, now);
}

#[test]
fn x1_issued_certificate_verifies_with_openssl_rsa3072() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, now) = issue(CaAlgorithm::Rsa3072, dir.path());
    openssl_checks(dir.path(), &cert, now);
    let text = run(Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(dir.path().join("issuing.pem")));
    assert!(text.contains("Public-Key: (3072 bit)"), "{text}");
}

/// pkilint findings that are expected for this profile, each with the reason it is acceptable.
const ACCEPTED_WARNINGS: &[(&str, &str)] = &[];

#[test]
fn x1_issued_certificate_passes_pkilint_etsi_qcp_n_qscd() {
    let dir = tempfile::tempdir().unwrap();
    issue(CaAlgorithm::EcdsaP256, dir.path());
    let out = run(Command::new("lint_etsi_cert")
        .args(["lint", "-t", "QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE"])
        .arg(dir.path().join("cert.pem")));
    let mut problems = Vec::new();
    for line in out.lines() {
        let severe = line.contains("ERROR") || line.contains("FATAL");
        let warning = line.contains("WARNING");
        let accepted = ACCEPTED_WARNINGS
            .iter()
            .any(|(code, _)| line.contains(code));
        if severe || (warning && !accepted) {
            problems.push(line.to_owned());
        }
    }
    assert!(
        out.contains("INFO") || out.trim().is_empty() || !out.contains("ERROR"),
        "unexpected pkilint output: {out}"
    );
    eprintln!("pkilint output:\n{out}");
    assert!(
        problems.is_empty(),
        "pkilint findings:\n{}\n\nfull output:\n{out}",
        problems.join("\n")
    );
}

/// The CNS certificate is an authentication certificate (issue 6): TLS client authentication
/// with digitalSignature, no qualified-signature statements; OpenSSL verifies it and pkilint's
/// RFC 5280 linter finds nothing.
#[test]
fn c1_cns_certificate_is_for_client_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = issue_kind(CaAlgorithm::EcdsaP256, CertificateKind::Cns, dir.path());
    let verify = run(Command::new("openssl")
        .args([
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "cert.pem",
        ])
        .current_dir(dir.path()));
    assert!(verify.contains("cert.pem: OK"), "{verify}");
    let text = run(Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", "cert.pem"])
        .current_dir(dir.path()));
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(text.contains("Digital Signature"), "{text}");
    assert!(!text.contains("Non Repudiation"), "{text}");
    assert!(
        !text.contains("1.3.6.1.5.5.7.1.3"),
        "no QC statements: {text}"
    );
    let lint = run(Command::new("lint_pkix_cert")
        .args(["lint", "-s", "WARNING"])
        .arg(dir.path().join("cert.pem")));
    assert!(
        lint.trim().is_empty(),
        "pkilint (RFC 5280) findings:\n{lint}"
    );
    assert!(!cert.der.is_empty());
}

/// Issue 21: the time-stamping unit answers an RFC 3161 query OpenSSL made, and `openssl ts
/// -verify` accepts the token against our root (the TSA's certificate: critical EKU
/// id-kp-timeStamping, from the issuing CA); a refused request says why.
#[test]
fn the_tsa_answers_openssl_and_openssl_verifies_the_token() {
    use rinnova_ca::{Purpose, ca_key::CaKey, tsa};
    for algorithm in [CaAlgorithm::EcdsaP256, CaAlgorithm::Rsa3072] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let now = Timestamp::from_second(1_795_000_000).unwrap();
        let mut config = CaConfig::demo("https://rinnova-demo.it");
        config.algorithm = algorithm;
        let material =
            Ca::init(&config, b"passphrase", KdfParams::insecure_for_tests(), now).unwrap();
        let ca = Ca::open(material, b"passphrase").unwrap();
        let key = CaKey::generate_software(algorithm).unwrap();
        let cert = ca
            .issue_delegate(Purpose::TimeStamping, &key, now, 365)
            .unwrap();
        let (root, issuing) = ca.chain_pem();
        std::fs::write(dir.join("chain.pem"), format!("{root}{issuing}")).unwrap();
        std::fs::write(dir.join("tsa.pem"), pem("CERTIFICATE", &cert.der)).unwrap();
        let text = run(Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(dir.join("tsa.pem")));
        assert!(
            text.contains("X509v3 Extended Key Usage: critical") && text.contains("Time Stamping"),
            "{text}"
        );
        std::fs::write(dir.join("data.txt"), b"the renewal form").unwrap();
        run(Command::new("openssl")
            .args([
                "ts", "-query", "-data", "data.txt", "-sha256", "-cert", "-out", "q.tsq",
            ])
            .current_dir(dir));
        let policy = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.3");
        let req = tsa::parse_request(&std::fs::read(dir.join("q.tsq")).unwrap(), &policy).unwrap();
        let delegate = rinnova_ca::Delegate {
            purpose: Purpose::TimeStamping,
            key: std::sync::Arc::new(key),
            cert_der: cert.der.clone(),
            serial_hex: cert.serial_hex.clone(),
        };
        let answer = tsa::grant(&delegate, algorithm, &policy, &req, &[0x8f; 16], now).unwrap();
        std::fs::write(dir.join("r.tsr"), &answer).unwrap();
        let shown = run(Command::new("openssl")
            .args(["ts", "-reply", "-in", "r.tsr", "-text"])
            .current_dir(dir));
        assert!(shown.contains("Status: Granted."), "{shown}");
        assert!(
            shown.contains("Policy OID: 1.3.6.1.4.1.99999.1.3"),
            "{shown}"
        );
        assert!(shown.contains("Accuracy: 0x01 seconds"), "{shown}");
        let verified = run(Command::new("openssl")
            .args([
                "ts",
                "-verify",
                "-queryfile",
                "q.tsq",
                "-in",
                "r.tsr",
                "-CAfile",
                "chain.pem",
            ])
            .current_dir(dir));
        assert!(
            verified.contains("Verification: OK"),
            "{algorithm:?}: {verified}"
        );
        // The token is for this data only.
        std::fs::write(dir.join("other.txt"), b"another form").unwrap();
        let out = Command::new("openssl")
            .args([
                "ts",
                "-verify",
                "-data",
                "other.txt",
                "-in",
                "r.tsr",
                "-CAfile",
                "chain.pem",
            ])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(!out.status.success(), "another document verified");
        assert_eq!(
            tsa::tst_info(&answer)
                .unwrap()
                .gen_time
                .to_unix_duration()
                .as_secs(),
            1_795_000_000
        );
        // Our own check of the token agrees, and refuses it for another digest.
        let data_digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"the renewal form");
        let checked = tsa::check_response(
            &answer,
            data_digest.as_ref(),
            &ca.material().issuing_cert_der,
        )
        .unwrap();
        assert_eq!(checked.gen_time, 1_795_000_000);
        assert_eq!(checked.tsa_cert_der, cert.der);
        assert!(tsa::check_response(&answer, &[0; 32], &ca.material().issuing_cert_der).is_err());
        let mut bad = answer.clone();
        let at = bad.len() - 3;
        bad[at] ^= 1;
        assert!(
            tsa::check_response(&bad, data_digest.as_ref(), &ca.material().issuing_cert_der)
                .is_err(),
            "a changed signature"
        );
        // SHA-1 is refused, saying so.
        run(Command::new("openssl")
            .args([
                "ts", "-query", "-data", "data.txt", "-sha1", "-out", "q1.tsq",
            ])
            .current_dir(dir));
        let refused =
            tsa::parse_request(&std::fs::read(dir.join("q1.tsq")).unwrap(), &policy).unwrap_err();
        std::fs::write(dir.join("r1.tsr"), tsa::refusal(refused).unwrap()).unwrap();
        let shown = run(Command::new("openssl")
            .args(["ts", "-reply", "-in", "r1.tsr", "-text"])
            .current_dir(dir));
        assert!(shown.contains("Status: Rejected"), "{shown}");
        assert!(
            shown.contains("unrecognized or unsupported algorithm"),
            "{shown}"
        );
    }
}
