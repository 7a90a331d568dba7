//! The smart-card client against the real server (seed 004, SPEC C1–C5, W4): a SoftHSM2 token
//! personalised by `rinnova demo card`, the client binary run as a holder would, OpenSC's
//! pkcs11-tool and OpenSSL as independent checks of what ends up on the card.

use super::*;

/// A SoftHSM2 configuration with its own token directory (the stand-in smart cards).
fn softhsm_conf(dir: &Path) -> std::path::PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    conf
}

/// The card client reads a card personalised by `rinnova demo card` (keys generated on the
/// card, certificates from our CA) and the server says which certificate renews and why not
/// (SPEC C1, W4); OpenSC and OpenSSL check the card independently.
#[tokio::test]
async fn c1_the_card_client_reads_a_card_and_the_server_says_what_renews() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let hsm = tempfile::tempdir().unwrap();
    let card = Card {
        data: data.path(),
        conf: softhsm_conf(hsm.path()),
        dir: hsm.path(),
        server: server.base.clone(),
        token: "card-1",
        pin: "12345678",
    };
    let made = ok(card.run(
        &[
            "demo", "card", "--holder", "JZLF001", "--token", "card-1", "--pin", "12345678",
        ],
        &[],
    ));
    assert!(
        made.contains("Firma digitale (card_signature)") && made.contains("CNS (cns)"),
        "{made}"
    );
    let expired_card = Card {
        token: "card-2",
        pin: "11112222",
        conf: card.conf.clone(),
        server: server.base.clone(),
        ..card
    };
    expired_card.personalise("JZLF002", "-5");

    let list = card.read();
    assert_eq!(list.len(), 2, "{list:?}");
    for c in &list {
        assert_eq!(c["renewable"], true, "{c}");
        assert_eq!(c["holder"], "Mario Rossi");
        assert_eq!(c["days_left"], 45);
    }
    let kinds: Vec<&str> = list.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["cns", "card_signature"],
        "sorted by label: CNS, Firma digitale"
    );

    for c in expired_card.read() {
        assert_eq!(c["renewable"], false, "{c}");
        assert!(
            c["reason_code"].as_str().unwrap().starts_with("RNV-WIN-"),
            "{c}"
        );
        assert!(!c["reason"].as_str().unwrap().is_empty());
    }
    let text = ok(expired_card.run(
        &[
            "card",
            "read",
            "--server",
            &server.base,
            "--token",
            "card-2",
            "--pin",
            "11112222",
        ],
        &[],
    ));
    assert!(text.contains("non rinnovabile"), "{text}");
    assert!(
        !card
            .run(
                &[
                    "card",
                    "read",
                    "--server",
                    &server.base,
                    "--token",
                    "card-1",
                    "--pin",
                    "00000000"
                ],
                &[],
            )
            .status
            .success()
    );

    // OpenSC: keys made on the card, never extractable, certificates beside them.
    let objects = card.tool(&["--list-objects"]);
    assert_eq!(
        objects.matches("Private Key Object; EC").count(),
        2,
        "{objects}"
    );
    assert_eq!(objects.matches("never extractable").count(), 2, "{objects}");
    assert_eq!(
        objects.matches("Certificate Object").count(),
        2,
        "{objects}"
    );
    // OpenSSL verifies the card's signature certificate against the server's chain.
    card.tool(&[
        "--read-object",
        "--type",
        "cert",
        "--id",
        "01",
        "-o",
        "card.der",
    ]);
    let d = hsm.path();
    openssl(
        &[
            "x509", "-inform", "DER", "-in", "card.der", "-out", "new.pem",
        ],
        d,
    );
    save_ca_certificates(&server.base, d).await;
    let verify = openssl(
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "new.pem",
        ],
        d,
    );
    assert!(verify.contains("new.pem: OK"), "{verify}");
}

/// A stand-in card and the client binary run against it, as a holder would.
#[derive(Clone)]
struct Card<'a> {
    data: &'a Path,
    conf: std::path::PathBuf,
    dir: &'a Path,
    server: String,
    token: &'static str,
    pin: &'static str,
}

impl<'a> Card<'a> {
    /// A stand-in card `token` in `hsm`, personalised for JZLF010 (who pays from the demo
    /// prepaid account) with certificates expiring in 20 days, used against `server`.
    fn of_jzlf010(data: &'a Path, hsm: &'a Path, server: &Server, token: &'static str) -> Card<'a> {
        let card = Card {
            data,
            conf: softhsm_conf(hsm),
            dir: hsm,
            server: server.base.clone(),
            token,
            pin: "12345678",
        };
        card.personalise("JZLF010", "20");
        card
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        bin(self.data)
            .args(args)
            .env("RUST_LOG", "warn")
            .env("SOFTHSM2_CONF", &self.conf)
            .env_remove("RINNOVA_PREPAID_PASSWORD")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    fn personalise(&self, holder: &str, days: &str) {
        ok(self.run(
            &[
                "demo",
                "card",
                "--holder",
                holder,
                "--token",
                self.token,
                "--pin",
                self.pin,
                "--expires-in-days",
                days,
            ],
            &[],
        ));
    }

    /// `card renew` (paid from the demo prepaid account) or `card download` of `serial`,
    /// perhaps stopped dead at `crash_at` (C5).
    fn paid_run(&self, verb: &str, serial: &str, crash_at: Option<&str>) -> std::process::Output {
        let mut env = vec![PASSWORD];
        if let Some(p) = crash_at {
            env.push(("RINNOVA_TEST_CRASH_AT", p));
        }
        let extra: &[&str] = if verb == "renew" { &PREPAID } else { &[] };
        self.client(verb, serial, extra, &env)
    }

    /// `rinnova card <verb> --serial S …` with the card's options.
    fn client(
        &self,
        verb: &str,
        serial: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> std::process::Output {
        let mut args = vec![
            "card",
            verb,
            "--server",
            &self.server,
            "--token",
            self.token,
            "--pin",
            self.pin,
            "--serial",
            serial,
        ];
        args.extend_from_slice(extra);
        self.run(&args, env)
    }

    fn read(&self) -> Vec<Value> {
        let out = ok(self.run(
            &[
                "card",
                "read",
                "--server",
                &self.server,
                "--token",
                self.token,
                "--pin",
                self.pin,
                "--json",
            ],
            &[],
        ));
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// The certificate of `kind` on the card (its serial and CKA_ID).
    fn cert(&self, kind: &str) -> (String, String) {
        let c = self
            .read()
            .into_iter()
            .find(|c| c["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} certificate on the card"));
        (
            c["serial"].as_str().unwrap().to_owned(),
            c["id"].as_str().unwrap().to_owned(),
        )
    }

    /// OpenSC's view of the card.
    fn tool(&self, args: &[&str]) -> String {
        let out = Command::new("pkcs11-tool")
            .args([
                "--module",
                "/usr/lib/softhsm/libsofthsm2.so",
                "--token-label",
                self.token,
                "--login",
                "--pin",
                self.pin,
            ])
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf)
            .current_dir(self.dir)
            .output()
            .expect("pkcs11-tool (OpenSC) is installed by scripts/test");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// (private keys, certificates) on the card, and whether every key has its certificate
    /// (no orphan keys).
    fn objects(&self) -> (usize, usize, bool) {
        let list = self.tool(&["--list-objects"]);
        // Objects start at an unindented line; their attributes are indented.
        let mut objects: Vec<(String, Option<String>)> = Vec::new();
        for line in list.lines() {
            if !line.starts_with(' ') && !line.is_empty() {
                objects.push((line.to_owned(), None));
            } else if let (Some(o), Some(id)) =
                (objects.last_mut(), line.trim().strip_prefix("ID:"))
            {
                o.1 = Some(id.trim().to_owned());
            }
        }
        let ids = |kind: &str| -> Vec<String> {
            objects
                .iter()
                .filter(|(head, _)| head.starts_with(kind))
                .map(|(_, id)| id.clone().unwrap_or_default())
                .collect()
        };
        let (mut keys, mut certs) = (ids("Private Key Object"), ids("Certificate Object"));
        keys.sort();
        certs.sort();
        (keys.len(), certs.len(), keys == certs)
    }
}

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The client failed; what it said.
fn refused(out: std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    text
}

fn prepaid_show(data: &Path) -> String {
    let out = rinnova(data, &["prepaid", "show", "PPAG001"]);
    String::from_utf8(out.stdout).unwrap()
}

const PREPAID: [&str; 2] = ["--prepaid-user", "PPAG001"];
const PASSWORD: (&str, &str) = ("RINNOVA_PREPAID_PASSWORD", "rinnova-prepagato");

/// SPEC C2–C4 and W4 through the real server: a holder who pays renews the CNS certificate
/// (from Diritti) and the signature certificate (from Tariffa) of a card — request, then
/// download — and OpenSC and OpenSSL find on the card new keys that never leave it, beside
/// certificates that chain to the CA and match them. Refusals say why and leave the card as it
/// was: no account, a wrong password, not enough credit, no connection, renewed already.
#[tokio::test]
async fn c2_c3_c4_a_card_renews_with_the_prepaid_account_and_refusals_leave_it_untouched() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let hsm = tempfile::tempdir().unwrap();
    let card = Card::of_jzlf010(data.path(), hsm.path(), &server, "card-paid");
    let (cns, cns_id) = card.cert("cns");
    let (sig, _) = card.cert("card_signature");
    let listing = ok(card.run(
        &[
            "card",
            "read",
            "--server",
            &server.base,
            "--token",
            card.token,
            "--pin",
            card.pin,
        ],
        &[],
    ));
    assert!(listing.contains("30,50 € dal conto Diritti"), "{listing}");
    assert!(listing.contains("42,70 € dal conto Tariffa"), "{listing}");

    // Refusals: no account, wrong password, no connection. The card stays as it was.
    let no_account = refused(card.client("renew", &cns, &[], &[]));
    assert!(
        no_account.contains(
            "Richiesta non inoltrata: il rinnovo è a pagamento (30,50 € dal conto Diritti)"
        ),
        "{no_account}"
    );
    let wrong = refused(card.client(
        "renew",
        &cns,
        &PREPAID,
        &[("RINNOVA_PREPAID_PASSWORD", "wrong password")],
    ));
    assert!(
        wrong.contains(
            "Richiesta non inoltrata: User-id o password del conto prepagato errati. (RNV-PRE-010)"
        ),
        "{wrong}"
    );
    let offline = Card {
        server: "http://127.0.0.1:9".into(),
        ..card
    };
    let none = refused(offline.client("renew", &cns, &PREPAID, &[PASSWORD]));
    assert!(
        none.contains("Richiesta non inoltrata: nessuna connessione con il server"),
        "{none}"
    );
    let card = Card {
        server: server.base.clone(),
        ..offline
    };
    assert_eq!(
        card.objects(),
        (2, 2, true),
        "refusals leave the card untouched"
    );
    assert!(prepaid_show(data.path()).contains("Diritti  balance      50.00"));

    // C2: the request; the action becomes "download".
    let forwarded = ok(card.client("renew", &cns, &PREPAID, &[PASSWORD]));
    assert_eq!(
        forwarded.trim(),
        "Richiesta inoltrata correttamente: attendere qualche istante per effettuare lo scarico"
    );
    let pending: Vec<Value> = card.read();
    assert!(
        pending
            .iter()
            .any(|c| c["kind"] == "cns" && c["pending"] == true),
        "{pending:?}"
    );
    assert_eq!(
        card.objects(),
        (3, 2, false),
        "the new key waits for its certificate"
    );
    // C3: download and storage; the old certificate and key go only then.
    let stored = ok(card.client("download", &cns, &[], &[]));
    assert_eq!(
        stored.trim(),
        "Memorizzazione completata – Rinnovo del certificato completato"
    );
    assert_eq!(card.objects(), (2, 2, true));
    let shown = prepaid_show(data.path());
    assert!(
        shown.contains("Diritti  balance      19.50   available      19.50"),
        "{shown}"
    );
    assert!(shown.contains("Tariffa  balance     100.00"), "{shown}");

    let (new_cns, new_id) = card.cert("cns");
    assert_ne!(new_cns, cns);
    assert_ne!(new_id, cns_id, "the new key has its own CKA_ID");
    let objects = card.tool(&["--list-objects"]);
    assert_eq!(objects.matches("never extractable").count(), 2, "{objects}");
    assert!(objects.contains("label:      CNS"), "{objects}");
    // OpenSSL: the new CNS certificate chains to the CA, is a client-authentication
    // certificate, and is for the public key on the card.
    card.tool(&[
        "--read-object",
        "--type",
        "cert",
        "--id",
        &new_id,
        "-o",
        "cns.der",
    ]);
    card.tool(&[
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        &new_id,
        "-o",
        "pub.der",
    ]);
    let d = hsm.path();
    openssl(
        &[
            "x509", "-inform", "DER", "-in", "cns.der", "-out", "cns.pem",
        ],
        d,
    );
    save_ca_certificates(&server.base, d).await;
    let verify = openssl(
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "cns.pem",
        ],
        d,
    );
    assert!(verify.contains("cns.pem: OK"), "{verify}");
    let from_cert = openssl(&["x509", "-in", "cns.pem", "-noout", "-pubkey"], d);
    let from_card = openssl(&["pkey", "-pubin", "-inform", "DER", "-in", "pub.der"], d);
    assert_eq!(
        from_cert, from_card,
        "the certificate is for the key on the card"
    );
    let old_subject = openssl(&["x509", "-in", "cns.pem", "-noout", "-subject"], d);
    assert!(old_subject.contains("Davide Greco"), "{old_subject}");

    // The signature certificate from Tariffa, in one go for the download.
    ok(card.client("renew", &sig, &PREPAID, &[PASSWORD]));
    ok(card.client("download", &sig, &[], &[]));
    let shown = prepaid_show(data.path());
    assert!(shown.contains("Tariffa  balance      57.30"), "{shown}");
    assert_eq!(card.objects(), (2, 2, true));

    // W4: renewed once on this card; the client refuses and touches nothing.
    let (new_sig, _) = card.cert("card_signature");
    let again = refused(card.client("renew", &new_sig, &PREPAID, &[PASSWORD]));
    assert!(
        again.contains("Richiesta non inoltrata:") && again.contains("RNV-WIN-008"),
        "{again}"
    );
    // The old serial is no longer on the card.
    // Run again after it finished: done already (issue 18 item 11).
    let gone = ok(card.client("download", &sig, &[], &[]));
    assert!(gone.contains("già memorizzato"), "{gone}");

    // Not enough credit left on Diritti for another card's CNS renewal (C4).
    let other = Card {
        token: "card-poor",
        pin: "22223333",
        ..card
    };
    other.personalise("JZLF010", "20");
    let (other_cns, _) = other.cert("cns");
    let short = refused(other.client("renew", &other_cns, &PREPAID, &[PASSWORD]));
    assert!(
        short.contains("Richiesta non inoltrata:")
            && short.contains("RNV-PRE-001")
            && short.contains("19,50 €"),
        "{short}"
    );
    assert_eq!(
        other.objects(),
        (2, 2, true),
        "the refused card is untouched"
    );
    // In English.
    let short = refused(other.client(
        "renew",
        &other_cns,
        &["--prepaid-user", "PPAG001", "--lang", "en"],
        &[PASSWORD],
    ));
    assert!(short.contains("Request not forwarded:"), "{short}");
}

/// SPEC C5: the client killed between key generation and submission, between submission and
/// download, between download and storage, and between storage and the removal of the old
/// certificate; each run again finishes the renewal, with one charge and no orphan keys.
#[tokio::test]
async fn c5_a_client_killed_at_any_point_finishes_when_run_again_with_one_charge() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let hsm = tempfile::tempdir().unwrap();
    let card = Card::of_jzlf010(data.path(), hsm.path(), &server, "card-crash");
    let (cns, _) = card.cert("cns");
    let (sig, _) = card.cert("card_signature");
    let run =
        |verb: &str, serial: &str, crash_at: Option<&str>| card.paid_run(verb, serial, crash_at);

    // Killed after the key was made, before the request left.
    refused(run("renew", &cns, Some("after-keygen")));
    assert_eq!(card.objects(), (3, 2, false));
    assert!(prepaid_show(data.path()).contains("Diritti  balance      50.00"));
    let out = ok(run("renew", &cns, None));
    assert!(out.contains("Richiesta inoltrata correttamente"), "{out}");
    assert_eq!(
        card.objects(),
        (3, 2, false),
        "the same key, not a second one"
    );
    // Killed after the download, before storage; then after storage, before the clean-up.
    refused(run("download", &cns, Some("after-download")));
    assert_eq!(card.objects(), (3, 2, false));
    refused(run("download", &cns, Some("after-store")));
    assert_eq!(card.objects(), (3, 3, true));
    let out = ok(run("download", &cns, None));
    assert!(out.contains("Memorizzazione completata"), "{out}");
    assert_eq!(card.objects(), (2, 2, true));

    // Killed after the request was accepted (charged), before anything was downloaded; the
    // request again and the download charge nothing more.
    refused(run("renew", &sig, Some("after-submit")));
    let charged = prepaid_show(data.path());
    assert!(charged.contains("Tariffa  balance      57.30"), "{charged}");
    ok(run("renew", &sig, None));
    ok(run("download", &sig, None));
    assert_eq!(card.objects(), (2, 2, true), "no orphan keys");
    let shown = prepaid_show(data.path());
    assert!(shown.contains("Diritti  balance      19.50"), "{shown}");
    assert!(shown.contains("Tariffa  balance      57.30"), "{shown}");
    for c in card.read() {
        assert_eq!(c["reason_code"], "RNV-WIN-008", "{c}");
        assert_eq!(c["pending"], false);
    }
}

/// Issue 18 item 11: two runs on one card at once (two windows, a double click) make one key
/// and one request — the second waits for the first and joins it — and charge once; a download
/// stopped at its very end, or run again after it finished, answers that the certificate is
/// already stored.
#[tokio::test]
async fn c5_two_runs_at_once_on_one_card_make_one_key_and_charge_once() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let hsm = tempfile::tempdir().unwrap();
    let card = Card::of_jzlf010(data.path(), hsm.path(), &server, "card-twice");
    let (cns, _) = card.cert("cns");
    let (sig, _) = card.cert("card_signature");
    let run =
        |verb: &str, serial: &str, crash_at: Option<&str>| card.paid_run(verb, serial, crash_at);
    let twice = |verb: &str, serial: &str| {
        std::thread::scope(|s| {
            let a = s.spawn(|| run(verb, serial, None));
            let b = s.spawn(|| run(verb, serial, None));
            (a.join().unwrap(), b.join().unwrap())
        })
    };

    let (a, b) = twice("renew", &cns);
    for out in [ok(a), ok(b)] {
        assert!(out.contains("Richiesta inoltrata correttamente"), "{out}");
    }
    assert_eq!(card.objects(), (3, 2, false), "one new key, not two");
    let (a, b) = twice("download", &cns);
    let outs = [ok(a), ok(b)];
    assert!(
        outs.iter().any(|o| o.contains("Memorizzazione completata"))
            && outs.iter().any(|o| o.contains("già memorizzato")),
        "{outs:?}"
    );
    assert_eq!(card.objects(), (2, 2, true));
    let shown = prepaid_show(data.path());
    assert!(
        shown.contains("Diritti  balance      19.50"),
        "charged once: {shown}"
    );
    // Run again after it finished: done already, nothing else happens.
    let out = ok(run("download", &cns, None));
    assert!(out.contains("già memorizzato"), "{out}");

    // Stopped at the very end (the old certificate not removed yet): the next run finishes.
    ok(run("renew", &sig, None));
    refused(run(
        "download",
        &sig,
        Some("before-old-certificate-removed"),
    ));
    let out = ok(run("download", &sig, None));
    assert!(out.contains("Memorizzazione completata"), "{out}");
    assert_eq!(
        card.objects(),
        (2, 2, true),
        "no orphan keys or certificates"
    );
    for c in card.read() {
        assert_eq!(c["pending"], false, "{c}");
    }
}

/// Issue 18 item 17: the card client's failures read as such, in the holder's language, with a
/// code — not the PKCS#11 module's English nor a bare "no connection".
#[tokio::test]
async fn c4_card_failures_are_clear_and_localised() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let hsm = tempfile::tempdir().unwrap();
    let card = Card::of_jzlf010(data.path(), hsm.path(), &server, "card-errors");
    let (cns, _) = card.cert("cns");
    let wrong_pin = Card {
        pin: "87654321",
        ..card.clone()
    };
    let err = refused(wrong_pin.client("download", &cns, &[], &[]));
    assert!(
        err.contains("PIN della carta è errato") && err.contains("RNV-CARD-010"),
        "{err}"
    );
    assert!(!err.contains("CKR_") && !err.contains("PKCS#11:"), "{err}");
    let no_server = Card {
        server: "http://127.0.0.1:9".into(),
        ..card.clone()
    };
    let err = refused(no_server.client("renew", &cns, &PREPAID, &[PASSWORD]));
    assert!(
        err.contains("nessuna connessione con il server http://127.0.0.1:9")
            && err.contains("RNV-CARD-020"),
        "{err}"
    );
}
