//! Issue 18 item 16: no holder reads a message id. Every key the code and the templates ask
//! for — literal, or a prefix with the values it is completed with — and every audit action
//! the history shows exists in both languages. The sources are read as text: a key added in
//! code without its translations fails here, not in front of a holder.

use rinnova_app::i18n::Lang;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if !p.ends_with("tests") && !p.ends_with("target") {
                sources(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
            out.push(p);
        }
    }
}

/// The string literal right after `open` (whitespace allowed), if there is one.
fn literal_after(text: &str, open: usize) -> Option<String> {
    let rest = text[open..].trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The top-level arguments of the call whose `(` is at `open`.
fn arguments(text: &str, open: usize) -> Vec<String> {
    let (mut depth, mut args, mut cur, mut in_str) = (0, Vec::new(), String::new(), false);
    for c in text[open..].chars() {
        match c {
            '"' => in_str = !in_str,
            '(' | '[' | '{' if !in_str => depth += 1,
            ')' | ']' | '}' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    args.push(cur.trim().to_owned());
                    return args;
                }
            }
            ',' if !in_str && depth == 1 => {
                args.push(cur.trim().to_owned());
                cur.clear();
                continue;
            }
            _ => {}
        }
        if depth >= 1 && !(depth == 1 && c == '(' && cur.is_empty() && args.is_empty()) {
            cur.push(c);
        }
    }
    args
}

struct Found {
    keys: BTreeSet<String>,
    prefixes: BTreeSet<String>,
    actions: BTreeSet<String>,
}

fn scan() -> Found {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut f = Found {
        keys: BTreeSet::new(),
        prefixes: BTreeSet::new(),
        actions: BTreeSet::new(),
    };
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for call in [".t(", ".t1(", ".t_args(", ".tp("] {
            for (i, _) in text.match_indices(call) {
                if let Some(lit) = literal_after(&text, i + call.len()) {
                    if call == ".tp(" {
                        f.prefixes.insert(lit);
                    } else {
                        f.keys.insert(lit);
                    }
                }
            }
        }
        // Message ids handed on as arguments (SMS texts).
        for (i, _) in text.match_indices("\"sms-") {
            if let Some(lit) = literal_after(&text, i)
                && !lit.ends_with('-')
                && !lit.contains('{')
            {
                f.keys.insert(lit);
            }
        }
        for (i, _) in text.match_indices("audit(") {
            let before = text[..i].chars().last().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' || text[..i].ends_with("fn ") {
                continue;
            }
            let args = arguments(&text, i + "audit".len());
            if let Some(a) = args.get(3).and_then(|a| a.strip_prefix('"')) {
                f.actions.insert(a.trim_end_matches('"').to_owned());
            }
        }
    }
    f
}

/// What each prefix is completed with.
fn completions(prefix: &str) -> Vec<String> {
    let v: &[&str] = match prefix {
        "cert-kind-" => &["remote_signature", "card_signature", "cns"],
        "cert-status-" => &[
            "active",
            "superseded",
            "revoked",
            "suspended",
            "expired",
            "blocked",
        ],
        "step-" => &[
            "check_data",
            "documents",
            "sign",
            "payment",
            "approval",
            "activate",
            "completed",
            "cancelled",
        ],
        "method-" => &["card", "paypal", "bank_transfer"],
        // Shown for these only (renewal.html).
        "order-" => &["open", "declined", "cancelled"],
        other => panic!("a prefix without its completions listed here: {other}"),
    };
    v.iter().map(|s| format!("{prefix}{s}")).collect()
}

fn missing(key: &str) -> Vec<Lang> {
    [Lang::It, Lang::En]
        .into_iter()
        .filter(|l| !l.has(key))
        .collect()
}

#[test]
fn every_message_id_in_code_and_templates_exists_in_both_languages() {
    let f = scan();
    assert!(f.keys.len() > 150, "the scan found {} keys", f.keys.len());
    let mut keys: BTreeSet<String> = f.keys.clone();
    // The i18n unit test's probe of a key nobody wrote.
    keys.remove("err-RNV-NONE-999");
    for p in &f.prefixes {
        keys.extend(completions(p));
    }
    // Built with format!: the renewal form's payment line, the SMS of each code-taking step.
    keys.extend(
        ["free", "organisation", "holder"]
            .iter()
            .map(|m| format!("payment-{m}")),
    );
    keys.extend(
        ["sign", "activate-1", "activate-2"]
            .iter()
            .map(|s| format!("sms-otp-{s}")),
    );
    let absent: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let m = missing(k);
            (!m.is_empty()).then(|| format!("{k} ({m:?})"))
        })
        .collect();
    assert!(absent.is_empty(), "untranslated: {absent:?}");
    // The probe itself: a key nobody wrote is found missing.
    assert_eq!(missing("err-RNV-NONE-999").len(), 2);
}

#[test]
fn every_audit_action_has_a_label_in_both_languages() {
    // The actions are an enum: every one the code can write is in `ALL`.
    let all = rinnova_app::audit::AuditAction::ALL;
    assert!(all.len() > 40, "{all:?}");
    let absent: Vec<&str> = all
        .iter()
        .map(|a| a.as_str())
        .filter(|a| !missing(&format!("audit-{a}")).is_empty())
        .collect();
    assert!(
        absent.is_empty(),
        "audit actions without a label: {absent:?}"
    );
}

#[test]
fn error_codes_in_the_sources_are_translated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, _) in text.match_indices("\"RNV-") {
            if let Some(lit) = literal_after(&text, i)
                && lit.len() == 11
                && lit[8..].chars().all(|c| c.is_ascii_digit())
            {
                codes.insert(lit);
            }
        }
    }
    assert!(codes.len() > 60, "{codes:?}");
    let absent: Vec<&String> = codes
        .iter()
        .filter(|c| !missing(&format!("err-{c}")).is_empty())
        .collect();
    assert!(
        absent.is_empty(),
        "error codes without a message: {absent:?}"
    );
}
