//! Bank statements in ISO 20022 CAMT.053 (Bank-to-Customer Statement), versions 001.02 to
//! 001.08: the entries the shop needs to settle bank transfers, with amounts in integer cents.
//!
//! The reader walks the XML and picks the fields by path, so the differences between versions
//! (`<Sts>BOOK</Sts>` in 001.02, `<Sts><Cd>BOOK</Cd></Sts>` later; `Dbtr/Nm` or `Dbtr/Pty/Nm`)
//! do not matter. Amounts are parsed from their decimal text, never through floating point.
//! (The `camt053` crate keeps amounts as `f64` and follows the Dutch banks' guidelines, hence
//! this small reader over `quick-xml`.)

use quick_xml::Reader;
use quick_xml::events::Event;

/// One entry (`Ntry`) of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BankEntry {
    /// The bank's reference of the entry (`AcctSvcrRef`), else one made of the entry's data.
    pub entry_ref: String,
    pub amount_cents: i64,
    pub currency: String,
    /// `CRDT` (money in) rather than `DBIT`.
    pub credit: bool,
    /// Status `BOOK`: the money is on the account (not just announced).
    pub booked: bool,
    pub booking_date: Option<String>,
    /// Unstructured remittance lines and structured creditor references.
    pub remittance: Vec<String>,
    pub end_to_end_id: Option<String>,
    pub debtor: Option<String>,
}

impl BankEntry {
    /// Whether the remittance information mentions `reference` (spaces and case ignored, as
    /// payers type references by hand).
    pub fn mentions(&self, reference: &str) -> bool {
        let squeeze = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect()
        };
        let needle = squeeze(reference);
        !needle.is_empty()
            && self
                .remittance
                .iter()
                .chain(self.end_to_end_id.iter())
                .any(|r| squeeze(r).contains(&needle))
    }
}

/// Why a statement cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CamtError {
    #[error("not a CAMT.053 statement (the document's namespace is {0:?})")]
    NotCamt053(String),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("entry {entry}: bad amount {text:?}")]
    Amount { entry: usize, text: String },
}

/// Cents of a decimal amount such as `48.80` or `1250` (at most two decimals).
pub fn cents(text: &str) -> Option<i64> {
    rinnova_domain::money::parse_cents(text)
}

fn ends_with(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

/// The entries of every statement in a CAMT.053 document.
pub fn parse(xml: &str) -> Result<Vec<BankEntry>, CamtError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    let mut current: Option<BankEntry> = None;
    let mut amount_text = String::new();
    let mut checked_namespace = false;
    let xml_err = |e: quick_xml::Error| CamtError::Xml(e.to_string());
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if !checked_namespace {
                    checked_namespace = true;
                    let ns = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"xmlns")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        .unwrap_or_default();
                    if name != "Document" || !ns.contains(":camt.053.") {
                        return Err(CamtError::NotCamt053(ns));
                    }
                }
                if name == "Ntry" && current.is_none() {
                    current = Some(BankEntry::default());
                }
                if name == "Amt"
                    && path.last().map(String::as_str) == Some("Ntry")
                    && let Some(cur) = current.as_mut()
                {
                    cur.currency = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"Ccy")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        .unwrap_or_default();
                }
                path.push(name);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                if name == "Ntry"
                    && let Some(mut entry) = current.take()
                {
                    let index = entries.len() + 1;
                    entry.amount_cents = cents(&amount_text).ok_or(CamtError::Amount {
                        entry: index,
                        text: amount_text.clone(),
                    })?;
                    if entry.entry_ref.is_empty() {
                        entry.entry_ref = format!(
                            "{}|{}|{}|{}",
                            entry.booking_date.as_deref().unwrap_or(""),
                            entry.amount_cents,
                            entry.end_to_end_id.as_deref().unwrap_or(""),
                            entry.remittance.join(" ")
                        );
                    }
                    amount_text.clear();
                    entries.push(entry);
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(xml_err)?.trim().to_owned();
                let Some(cur) = current.as_mut() else {
                    continue;
                };
                if ends_with(&path, &["Ntry", "Amt"]) {
                    amount_text = text;
                } else if ends_with(&path, &["Ntry", "CdtDbtInd"]) {
                    cur.credit = text == "CRDT";
                } else if ends_with(&path, &["Ntry", "Sts"])
                    || ends_with(&path, &["Ntry", "Sts", "Cd"])
                {
                    cur.booked = text == "BOOK";
                } else if ends_with(&path, &["Ntry", "BookgDt", "Dt"])
                    || ends_with(&path, &["Ntry", "BookgDt", "DtTm"])
                {
                    cur.booking_date = Some(text);
                } else if ends_with(&path, &["Ntry", "AcctSvcrRef"]) {
                    cur.entry_ref = text;
                } else if ends_with(&path, &["RmtInf", "Ustrd"])
                    || ends_with(&path, &["CdtrRefInf", "Ref"])
                {
                    cur.remittance.push(text);
                } else if ends_with(&path, &["Refs", "EndToEndId"]) {
                    cur.end_to_end_id = Some(text);
                } else if ends_with(&path, &["Dbtr", "Nm"])
                    || ends_with(&path, &["Dbtr", "Pty", "Nm"])
                {
                    cur.debtor = Some(text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !checked_namespace {
        return Err(CamtError::NotCamt053(String::new()));
    }
    if !path.is_empty() {
        // A file cut short (an interrupted download) must not import half a statement.
        return Err(CamtError::Xml(format!(
            "the document ends inside <{}>",
            path.join("/")
        )));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(cents("48.80"), Some(4_880));
        assert_eq!(cents("48.8"), Some(4_880));
        assert_eq!(cents("1250"), Some(125_000));
        assert_eq!(cents("0.05"), Some(5));
        for bad in ["", "4,80", "48.805", "-1.00", "1e3", ".50"] {
            assert_eq!(cents(bad), None, "{bad}");
        }
    }
}
