//! CAMT.053 statements as Italian banks send them, versions 001.02 and 001.08.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on purpose"
)]

use rinnova_pay::camt053::{CamtError, parse};

#[test]
fn v02_statement_entries_with_remittance_status_and_exact_amounts() {
    let xml =
        include_str!("fixtures/camt053_v02.xml").replace("REFERENCE_PLACEHOLDER", "RNV-4K7QX2M9");
    let e = parse(&xml).unwrap();
    assert_eq!(e.len(), 3, "balances are not entries");
    assert_eq!(
        (
            e[0].amount_cents,
            e[0].currency.as_str(),
            e[0].credit,
            e[0].booked
        ),
        (4_880, "EUR", true, true)
    );
    assert_eq!(e[0].entry_ref, "2026112300012345");
    assert_eq!(e[0].booking_date.as_deref(), Some("2026-11-23"));
    assert_eq!(e[0].debtor.as_deref(), Some("MARINO CHIARA"));
    assert!(
        e[0].remittance[0].ends_with("Marino & C."),
        "entities decoded"
    );
    assert!(e[0].mentions("RNV-4K7QX2M9"));
    assert!(e[0].mentions("rnv 4k7q x2m9"), "typed by hand");
    assert!(!e[0].mentions("RNV-4K7QX2M8"));
    assert!(!e[1].credit, "a debit");
    assert!(!e[2].booked, "pending, not booked");
    assert_eq!(e[2].remittance, vec!["RF18539007547034".to_owned()]);
}

#[test]
fn v08_statement_status_code_and_structured_reference() {
    let e = parse(include_str!("fixtures/camt053_v08.xml")).unwrap();
    assert_eq!(e.len(), 1);
    assert!(e[0].booked && e[0].credit);
    assert_eq!(e[0].amount_cents, 4_392);
    assert_eq!(
        e[0].booking_date.as_deref(),
        Some("2026-11-24T09:12:00+01:00")
    );
    assert_eq!(e[0].debtor.as_deref(), Some("Rossi Mario"));
    assert!(e[0].mentions("RNV-7KQ2M9XD"));
    // No bank reference: one is made of the entry's own data, stable across imports.
    assert_eq!(
        e[0].entry_ref,
        parse(include_str!("fixtures/camt053_v08.xml")).unwrap()[0].entry_ref
    );
}

#[test]
fn other_documents_and_broken_xml_are_refused() {
    let pain = r#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>"#;
    assert!(matches!(parse(pain), Err(CamtError::NotCamt053(_))));
    let whole = include_str!("fixtures/camt053_v08.xml");
    let cut = &whole[..whole.find("</Ntry>").unwrap()];
    assert!(
        matches!(parse(cut), Err(CamtError::Xml(_))),
        "a truncated file"
    );
    assert!(parse("").is_err());
    let bad_amount = include_str!("fixtures/camt053_v08.xml").replace("43.92", "43,92");
    assert!(matches!(
        parse(&bad_amount),
        Err(CamtError::Amount { entry: 1, .. })
    ));
}
