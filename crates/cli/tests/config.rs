//! Configuration precedence, through the real binary: defaults < TOML file < `RINNOVA_*`
//! environment (nested keys with `__`) < command-line flags.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use std::path::Path;
use std::process::Command;

fn rinnova(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rinnova"));
    cmd.current_dir(dir).args(args).env("RUST_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("RINNOVA_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "rinnova {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn file_then_environment_then_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toml = dir.join("site.toml");
    std::fs::write(
        &toml,
        "data_dir = \"from-file\"\nca_passphrase = \"file passphrase\"\n\n[ca]\nalgorithm = \"ecdsa-p256\"\n",
    )
    .unwrap();
    let config = toml.to_str().unwrap();

    let out = rinnova(dir, &[], &["--config", config, "migrate"]);
    assert!(out.contains("from-file/rinnova.sqlite3"), "{out}");

    let env_dir = [("RINNOVA_DATA_DIR", "from-env")];
    let out = rinnova(dir, &env_dir, &["--config", config, "migrate"]);
    assert!(out.contains("from-env/rinnova.sqlite3"), "{out}");

    let out = rinnova(
        dir,
        &env_dir,
        &["--config", config, "--data-dir", "from-flag", "migrate"],
    );
    assert!(out.contains("from-flag/rinnova.sqlite3"), "{out}");

    // A nested key from the environment beats the file: the CA is created with RSA, and the
    // passphrase from the environment is the one that opens it.
    let env = [
        ("RINNOVA_DATA_DIR", "from-env"),
        ("RINNOVA_CA__ALGORITHM", "rsa3072"),
        ("RINNOVA_CA_PASSPHRASE", "env passphrase"),
    ];
    let out = rinnova(dir, &env, &["--config", config, "ca", "init"]);
    assert!(out.contains("CA created"), "{out}");
    let pem = rinnova(dir, &env, &["--config", config, "ca", "show"]);
    let pem_file = dir.join("chain.pem");
    std::fs::write(&pem_file, &pem).unwrap();
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&pem_file)
        .output()
        .expect("openssl (scripts/test installs it)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("rsaEncryption"), "{text}");
    assert!(text.contains("Public-Key: (3072 bit)"), "{text}");

    // The file's passphrase does not open keys sealed with the environment's (a command that
    // signs with the CA's key)…
    let wrong = Command::new(env!("CARGO_BIN_EXE_rinnova"))
        .current_dir(dir)
        .args([
            "--config",
            config,
            "--data-dir",
            "from-env",
            "audit",
            "seal",
        ])
        .env_remove("RINNOVA_CA_PASSPHRASE")
        .env_remove("RINNOVA_DATA_DIR")
        .env("RINNOVA_KEYS__BACKEND", "software")
        .env("RINNOVA_KEYS__ALLOW_SOFTWARE_KEYS", "true")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    let why = String::from_utf8_lossy(&wrong.stderr);
    assert!(why.contains("CA"), "{why}");
    // …while printing the public certificates needs no secret at all (issue 20).
    let shown = Command::new(env!("CARGO_BIN_EXE_rinnova"))
        .current_dir(dir)
        .args(["--data-dir", "from-env", "ca", "show"])
        .env_remove("RINNOVA_CA_PASSPHRASE")
        .env_remove("RINNOVA_DATA_DIR")
        .output()
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    assert_eq!(String::from_utf8_lossy(&shown.stdout), pem);
}

fn leaves(prefix: &str, v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&path, v, out);
            }
        }
        _ => out.push(prefix.to_owned()),
    }
}

/// Issue 7 (deployment): docs/CONFIGURATION.md names every key the program knows, and
/// `rinnova config` shows the configuration in effect with its secrets hidden.
#[test]
fn every_configuration_key_is_documented_and_secrets_are_not_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let defaults: toml::Value =
        toml::from_str(&rinnova(tmp.path(), &[], &["config", "--defaults"])).unwrap();
    let mut keys = Vec::new();
    leaves("", &defaults, &mut keys);
    // Keys without a default are not printed; they are documented all the same.
    keys.extend(
        [
            "database",
            "ca_passphrase",
            "public_url",
            "secure_cookies",
            "cpu_threads",
            "max_connections",
            "sms.url",
            "sms.token",
            "mail.smtp.username",
            "mail.smtp.password",
            "mail.smtp.ca_file",
            "ca.organization",
            "ca.organization_identifier",
            "ca.policy_oid",
            "keys.backend",
            "keys.user_pin",
            "keys.root_user_pin",
        ]
        .map(str::to_owned),
    );
    assert!(keys.len() > 50, "{keys:?}");
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CONFIGURATION.md"),
    )
    .unwrap();
    for key in &keys {
        let (parent, leaf) = key.rsplit_once('.').unwrap_or(("", key));
        let listed = doc.contains(&format!("`{key}`"))
            || doc
                .lines()
                .any(|l| l.contains(&format!("`{parent}.")) && l.contains(&format!("`{leaf}`")));
        assert!(listed, "{key} is not in docs/CONFIGURATION.md");
    }

    let shown = rinnova(
        tmp.path(),
        &[
            ("RINNOVA_CA_PASSPHRASE", "very secret words"),
            ("RINNOVA_MAIL__SMTP__PASSWORD", "relay secret"),
            ("RINNOVA_APP__MAX_PIN_FAILURES", "4"),
            ("RINNOVA_CPU_THREADS", "3"),
            ("RINNOVA_KEYS__USER_PIN", "token pin 4321"),
        ],
        &["config"],
    );
    assert!(shown.contains(r#"user_pin = "<set>""#), "{shown}");
    assert!(!shown.contains("token pin 4321"), "{shown}");
    assert!(shown.contains("max_pin_failures = 4"), "{shown}");
    assert!(shown.contains("cpu_threads = 3"), "{shown}");
    assert!(shown.contains(r#"ca_passphrase = "<set>""#), "{shown}");
    assert!(
        !shown.contains("very secret words") && !shown.contains("relay secret"),
        "{shown}"
    );
}

fn rinnova_fails(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rinnova"));
    cmd.current_dir(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "1")
        .env("LANG", "it_IT.UTF-8");
    for (k, _) in std::env::vars() {
        if k.starts_with("RINNOVA_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "rinnova {args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        !err.contains("stack backtrace") && !err.contains("Stack backtrace"),
        "a user error prints no backtrace: {err}"
    );
    err
}

/// Issue 18 item 14: one `public_url`, and an unknown key is an error at start — in the file and
/// in a section's environment variable — while other programs' `RINNOVA_*` variables are not
/// settings.
#[test]
fn unknown_keys_stop_the_program_and_public_url_is_one_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = dir.join("site.toml");
    std::fs::write(&file, "[app]\npublic_url = \"https://x.example\"\n").unwrap();
    let err = rinnova_fails(dir, &[], &["--config", file.to_str().unwrap(), "config"]);
    assert!(
        err.contains("public_url") && err.contains("CONFIGURATION.md"),
        "{err}"
    );
    std::fs::write(&file, "lisen = \"127.0.0.1:9\"\n").unwrap();
    let err = rinnova_fails(dir, &[], &["--config", file.to_str().unwrap(), "config"]);
    assert!(err.contains("lisen"), "{err}");
    let err = rinnova_fails(dir, &[("RINNOVA_APP__MAX_PIN_FAILURE", "3")], &["config"]);
    assert!(err.to_lowercase().contains("max_pin_failure"), "{err}");
    let shown = rinnova(
        dir,
        &[
            ("RINNOVA_PREPAID_PASSWORD", "the card client's"),
            ("RINNOVA_PUBLIC_URL", "https://rinnova.example.it"),
        ],
        &["config"],
    );
    assert!(
        shown.contains("public_url = \"https://rinnova.example.it\""),
        "{shown}"
    );
    let defaults = rinnova(dir, &[], &["config", "--defaults"]);
    let app = defaults.split("[app]").nth(1).unwrap();
    assert!(
        !app.split("\n[").next().unwrap().contains("public_url"),
        "no second public_url under [app]: {defaults}"
    );
}

/// Issue 18 items 17, 18: a refusal reads as such (its code and text, in the operator's
/// language), not "internal error"; running the demo seeding twice adds nothing the second
/// time instead of failing.
#[test]
fn cli_refusals_are_clear_and_demo_seeding_runs_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    rinnova(dir, &[], &["migrate"]);
    let promo = [
        "payments",
        "promo",
        "DOPPIO",
        "--percent",
        "10",
        "--from",
        "2026-01-01",
        "--until",
        "2030-01-01",
    ];
    rinnova(dir, &[], &promo);
    let err = rinnova_fails(dir, &[], &promo);
    assert!(
        err.contains("RNV-PAY-007") && err.contains("Esiste già"),
        "{err}"
    );
    assert!(!err.contains("internal error"), "{err}");

    let pass = [("RINNOVA_CA_PASSPHRASE", "a test passphrase")];
    rinnova(dir, &pass, &["ca", "init"]);
    let first = rinnova(dir, &pass, &["demo", "holders", "--count", "2"]);
    assert!(first.starts_with("2 holders added"), "{first}");
    let again = rinnova(dir, &pass, &["demo", "holders", "--count", "2"]);
    assert!(
        again.starts_with("0 holders added (2 there already)"),
        "{again}"
    );
}

/// Issue 20: outside the demo, `serve` needs a key backend, and software keys only with
/// `allow_software_keys`; the PKCS#11 backend names what is missing.
#[test]
fn serve_outside_the_demo_needs_a_key_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pass = [("RINNOVA_CA_PASSPHRASE", "a test passphrase")];
    rinnova(dir, &pass, &["ca", "init"]);
    let serve = ["serve", "--listen", "127.0.0.1:0"];
    let err = rinnova_fails(dir, &pass, &serve);
    assert!(err.contains("keys.backend"), "{err}");
    let software = [pass[0], ("RINNOVA_KEYS__BACKEND", "software")];
    let err = rinnova_fails(dir, &software, &serve);
    assert!(err.contains("allow_software_keys"), "{err}");
    let pkcs11 = [pass[0], ("RINNOVA_KEYS__BACKEND", "pkcs11")];
    let err = rinnova_fails(dir, &pkcs11, &serve);
    assert!(err.contains("keys.user_pin"), "{err}");
    let err = rinnova_fails(dir, &[], &["serve", "--keys", "softhsm"]);
    assert!(err.contains("--demo"), "--keys is the demo's: {err}");
}
