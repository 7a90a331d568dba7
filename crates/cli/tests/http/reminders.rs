//! Expiry reminders (SPEC N1, N2) through the real server and the CLI, delivered over SMTP.

use super::*;

/// aiosmtpd on loopback (the script of the notify crate's tests): its port, and the messages
/// it accepted, one JSON object per line.
fn smtp_server() -> (
    Child,
    u16,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../notify/tests/smtp_server.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (scripts/test installs it)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("aiosmtpd started").unwrap();
    let port = first.strip_prefix("listening ").unwrap().parse().unwrap();
    (child, port, lines)
}

#[tokio::test]
async fn n1_n2_reminders_leave_over_smtp_and_their_link_opens_the_renewal_after_login() {
    let (mut smtp, port, mut received) = smtp_server();
    let port = port.to_string();
    let data = tempfile::tempdir().unwrap();
    // The sweep runs when serve starts; the outbox worker delivers over SMTP.
    let server = Server::start_with(
        data.path(),
        &[
            ("RINNOVA_MAIL__TRANSPORT", "smtp"),
            ("RINNOVA_MAIL__SMTP__HOST", "127.0.0.1"),
            ("RINNOVA_MAIL__SMTP__PORT", &port),
            ("RINNOVA_MAIL__SMTP__SECURITY", "none"),
            ("RINNOVA_MAIL__SMTP__FROM", "Rinnova <rinnovi@ca.example>"),
        ],
    );
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        for line in received.by_ref() {
            let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let done = v["to"][0] == "mario.rossi@example.it";
            got.push(v);
            if done {
                return got;
            }
        }
        panic!("aiosmtpd stopped before JZLF001's reminder arrived: {got:?}")
    });
    let got = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let mail = got.last().unwrap();
    assert_eq!(mail["from"], "rinnovi@ca.example");
    assert_eq!(
        mail["subject"],
        "Il tuo certificato di firma scade tra 45 giorni"
    );
    let text = mail["text"].as_str().unwrap();
    let html = mail["html"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/r/"))
        .expect("a reminder link")
        .to_owned();
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    let path = link
        .strip_prefix(&server.base)
        .expect("a link to this server");

    // The link, opened before login, leads through the login page back to the renewal.
    let mut b = Browser::new(&server.base);
    let (status, _, _) = b.post("/login", &[("user_id", "x")], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let resp = b
        .http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to_login = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to_login.starts_with("/login?next=%2Fr%2F") || to_login.starts_with("/login?next=/r/"),
        "{to_login}"
    );
    let (status, location) = b.login("JZLF001", path).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(path));
    let resp = b
        .http
        .get(format!("{}{path}", server.base))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let renewal = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(renewal.starts_with("/renewals/"), "{renewal}");
    let (status, page) = b.get(&renewal).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"aria-current="step">Dati<"#),
        "step 2 is current: {page}"
    );
    // The holder's history shows the login and the renewal the link started (SPEC X2).
    let (status, page) = b.get("/history").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"data-action="renewal_started""#) && page.contains("Rinnovo avviato"),
        "{page}"
    );
    assert!(page.contains(r#"data-action="login""#), "{page}");
    // A holder's session never opens the staff areas (SPEC A3).
    for (area, login) in [("/rao", "/rao/login"), ("/cdrl", "/cdrl/login")] {
        let resp = b
            .http
            .get(format!("{}{area}", server.base))
            .header("cookie", b.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{area}");
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with(login)
        );
    }
    // A forged link: refused with a clear message, nothing started.
    let forged = format!("{}x", &path[..path.len() - 1]);
    let (status, page) = b.get(&forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("RNV-LINK-001"), "{page}");
    let _ = smtp.kill();
}

#[tokio::test]
async fn n1_reminders_run_from_the_cli_sends_each_once() {
    let data = tempfile::tempdir().unwrap();
    // No sweep inside serve: cron's `rinnova reminders run` does it.
    let server = Server::start_with(data.path(), &[("RINNOVA_APP__REMINDER_SWEEP_MINUTES", "0")]);
    let run = |args: &[&str]| -> Value {
        let out = bin(data.path())
            .args(["reminders", "run", "--json"])
            .args(args)
            .env("RUST_LOG", "warn")
            // Issue 18 item 14: the one public_url is what the links name.
            .env("RINNOVA_PUBLIC_URL", "https://rinnova.example.it")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let dry = run(&["--dry-run"]);
    let due = dry["due"].as_array().unwrap();
    assert_eq!(due.len(), 9, "{dry}");
    assert!(due.iter().any(|d| d["reminder"] == "closed"));
    assert!(
        due.iter()
            .any(|d| d["reminder"] == "days-1" && d["skip"].as_array().unwrap().len() == 4)
    );
    // A dry run records nothing.
    assert_eq!(run(&["--dry-run"])["due"].as_array().unwrap().len(), 9);
    let sent = run(&[]);
    assert_eq!(
        (sent["due"].as_u64(), sent["sent"].as_u64()),
        (Some(9), Some(9))
    );
    let again = run(&[]);
    assert_eq!(
        (again["due"].as_u64(), again["sent"].as_u64()),
        (Some(0), Some(0))
    );
    // The demo outbox page shows them.
    let outbox: Value = outbox_of(&server.base, "JZLF002").await;
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "Il tuo certificato di firma scade domani: rinnovalo oggi")
    );

    // The link over the API: JZLF001's reminder opens its renewal; another holder's is refused.
    let outbox: Value = outbox_of(&server.base, "JZLF001").await;
    let body = outbox[0]["body"].as_str().unwrap();
    assert!(body.contains("https://rinnova.example.it/r/"), "{body}");
    let token = body
        .split_whitespace()
        .find_map(|w| w.split("/r/").nth(1))
        .unwrap();
    let (api, _) = Api::login(&server.base, "JZLF001").await;
    let r = api
        .ok("POST", &format!("/reminder-links/{token}"), None)
        .await;
    assert_eq!(r["step"], "check_data");
    let (other, _) = Api::login(&server.base, "JZLF006").await;
    let (status, e) = other
        .call("POST", &format!("/reminder-links/{token}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["code"], "RNV-LINK-002");
}
