//! rinnova's documents: the renewal form (modulo di rinnovo) filled in with the holder's data,
//! and the general contract conditions, as A4 PDFs (SPEC §5 step 3).
//!
//! PDF 1.7, A4, with DejaVu Sans embedded as subset CID fonts (any Unicode text the font
//! covers, extractable through ToUnicode); lines are wrapped by the glyphs' real widths.

mod fonts;
pub mod pades;

use fonts::FontUse;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Version of the general conditions kept in this repository.
pub const CONDITIONS_VERSION: &str = "2026-11";

/// A document language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    It,
    En,
}

impl Lang {
    /// `it` or `en`; anything else is Italian, the CA's language.
    pub fn parse(s: &str) -> Lang {
        if s.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::It
        }
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }
}

/// What the renewal form shows.
#[derive(Debug, Clone)]
pub struct RenewalForm {
    pub renewal_id: String,
    pub given_name: String,
    pub surname: String,
    pub codice_fiscale: String,
    pub iut: String,
    pub email: String,
    pub mobile: String,
    pub residence: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub certificate_serial: String,
    /// Current expiry, as shown (e.g. `2027-03-15`).
    pub current_expiry: String,
    pub payment: String,
    /// Date of the request, as shown.
    pub date: String,
}

const A4: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 56.0;

/// Splits `text` into lines no wider than `max_width` points at `size` in `font` (a word
/// longer than a line stands alone).
fn wrap(font: &FontUse, text: &str, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && font.width(&candidate, size) > max_width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

/// A line of the document: text and its style.
enum Line {
    Title(String),
    Label(String, String),
    Body(String),
    Gap,
}

const BODY_SIZE: f32 = 10.5;
const LABEL_WIDTH: f32 = 170.0;

fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    // The fonts are part of the build; parsing them cannot fail at run time (tested).
    let (Some(mut regular_font), Some(mut bold_font)) = (
        FontUse::new(fonts::REGULAR, "DejaVuSans"),
        FontUse::new(fonts::BOLD, "DejaVuSans-Bold"),
    ) else {
        return Vec::new();
    };
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    // Object 6 is the holder's (empty) signature field; the incremental update that signs the
    // document gives it a value (`pades`). Pages start at object 7.
    let widget = Ref::new(pades::FIELD_OBJECT);
    let mut next = 6;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let text_width = A4.0 - 2.0 * MARGIN;

    // Lay lines out on pages, wrapping by measured width.
    let mut page_contents: Vec<Content> = Vec::new();
    let mut content = Content::new();
    let mut y = A4.1 - MARGIN;
    for line in lines {
        let (is_bold, size, lead, text, label): (bool, f32, f32, &str, Option<&str>) = match line {
            Line::Title(t) => (true, 15.0, 24.0, t, None),
            Line::Label(l, v) => (false, BODY_SIZE, 15.0, v, Some(l)),
            Line::Body(t) => (false, BODY_SIZE, 14.0, t, None),
            Line::Gap => (false, BODY_SIZE, 10.0, "", None),
        };
        let (x, width) = if label.is_some() {
            (MARGIN + LABEL_WIDTH, text_width - LABEL_WIDTH)
        } else {
            (MARGIN, text_width)
        };
        let font = if is_bold { &bold_font } else { &regular_font };
        let pieces = if text.is_empty() {
            vec![String::new()]
        } else {
            wrap(font, text, size, width)
        };
        for (i, piece) in pieces.iter().enumerate() {
            if y - lead < MARGIN {
                page_contents.push(std::mem::replace(&mut content, Content::new()));
                y = A4.1 - MARGIN;
            }
            y -= lead;
            if let (Some(label), 0) = (label, i) {
                content.begin_text();
                content.set_font(Name(b"F2"), size);
                content.next_line(MARGIN, y);
                content.show(Str(&bold_font.encode(label)));
                content.end_text();
            }
            if !piece.is_empty() {
                let codes = if is_bold {
                    bold_font.encode(piece)
                } else {
                    regular_font.encode(piece)
                };
                content.begin_text();
                content.set_font(Name(if is_bold { b"F2" } else { b"F1" }), size);
                content.next_line(x, y);
                content.show(Str(&codes));
                content.end_text();
            }
        }
    }
    page_contents.push(content);

    let page_ids: Vec<(Ref, Ref)> = page_contents.iter().map(|_| (alloc(), alloc())).collect();
    {
        let mut cat = pdf.catalog(catalog);
        cat.pages(pages);
        let mut form = cat.insert(Name(b"AcroForm")).dict();
        form.insert(Name(b"Fields")).array().item(widget);
        // SignaturesExist | AppendOnly.
        form.pair(Name(b"SigFlags"), 3);
    }
    pdf.pages(pages)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    for (i, ((page_id, content_id), content)) in page_ids.iter().zip(page_contents).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, A4.0, A4.1));
        page.parent(pages);
        page.contents(*content_id);
        if i == 0 {
            page.annotations([widget]);
        }
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &content.finish());
    }
    // The holder's signature field: invisible (the signature is the document's evidence, not
    // a picture); `pades` writes it again with its value.
    if let Some((first_page, _)) = page_ids.first() {
        let mut w = pdf.indirect(widget).dict();
        w.pair(Name(b"Type"), Name(b"Annot"));
        w.pair(Name(b"Subtype"), Name(b"Widget"));
        w.pair(Name(b"FT"), Name(b"Sig"));
        w.pair(Name(b"T"), TextStr(pades::FIELD_NAME));
        w.insert(Name(b"Rect"))
            .array()
            .items([0.0f32, 0.0, 0.0, 0.0]);
        w.pair(Name(b"F"), 132);
        w.pair(Name(b"P"), *first_page);
    }
    regular_font.write(&mut pdf, regular, &mut alloc);
    bold_font.write(&mut pdf, bold, &mut alloc);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("rinnova"));
    pdf.finish()
}

/// The renewal form filled in with the holder's data.
pub fn renewal_form(f: &RenewalForm, lang: Lang) -> Vec<u8> {
    let it = lang == Lang::It;
    let t = |i: &str, e: &str| if it { i.to_owned() } else { e.to_owned() };
    let title = t(
        "Modulo di rinnovo del certificato qualificato di firma remota",
        "Renewal form for the qualified remote-signature certificate",
    );
    let none = t("—", "—");
    let mut lines = vec![
        Line::Title(title.clone()),
        Line::Body(format!(
            "{} {}",
            t("Riferimento richiesta:", "Request reference:"),
            f.renewal_id
        )),
        Line::Gap,
        Line::Label(t("Nome", "Given name"), f.given_name.clone()),
        Line::Label(t("Cognome", "Surname"), f.surname.clone()),
        Line::Label(t("Codice fiscale", "Tax code"), f.codice_fiscale.clone()),
        Line::Label("IUT".into(), f.iut.clone()),
        Line::Label("E-mail".into(), f.email.clone()),
        Line::Label(t("Cellulare", "Mobile"), f.mobile.clone()),
        Line::Label(t("Residenza", "Residence"), f.residence.clone()),
        Line::Label(
            t("Ruolo", "Role"),
            f.role.clone().unwrap_or_else(|| none.clone()),
        ),
        Line::Label(
            t("Organizzazione", "Organisation"),
            f.organisation.clone().unwrap_or(none),
        ),
        Line::Gap,
        Line::Label(
            t("Certificato n. di serie", "Certificate serial"),
            f.certificate_serial.clone(),
        ),
        Line::Label(
            t("Scadenza attuale", "Current expiry"),
            f.current_expiry.clone(),
        ),
        Line::Label(
            t("Nuova validità", "New validity"),
            t("3 anni dall'attivazione", "3 years from activation"),
        ),
        Line::Label(t("Pagamento", "Payment"), f.payment.clone()),
        Line::Label(
            t("Condizioni generali", "General conditions"),
            format!("{} {CONDITIONS_VERSION}", t("versione", "version")),
        ),
        Line::Label(t("Data", "Date"), f.date.clone()),
        Line::Gap,
    ];
    let declaration = t(
        "Il/La sottoscritto/a chiede il rinnovo del proprio certificato qualificato di firma remota, \
         dichiara che i dati sopra riportati sono corretti e di aver letto e accettato le condizioni \
         generali del servizio nella versione indicata. La presente richiesta è sottoscritta con \
         firma elettronica qualificata mediante il certificato in corso di validità.",
        "The undersigned asks for the renewal of their qualified remote-signature certificate, \
         declares that the data above are correct and that they have read and accepted the general \
         conditions of service in the version stated. This request is signed with a qualified \
         electronic signature using the certificate currently valid.",
    );
    lines.push(Line::Body(declaration));
    render(&title, &lines)
}

/// The general contract conditions, in the version kept in this repository.
pub fn conditions(lang: Lang) -> Vec<u8> {
    let text = match lang {
        Lang::It => include_str!("../terms/conditions.it.txt"),
        Lang::En => include_str!("../terms/conditions.en.txt"),
    };
    let mut paras = text.lines();
    let title = paras.next().unwrap_or_default().to_owned();
    let mut lines = vec![
        Line::Title(title.clone()),
        Line::Body(format!(
            "{} {CONDITIONS_VERSION}",
            if lang == Lang::It {
                "Versione"
            } else {
                "Version"
            }
        )),
        Line::Gap,
    ];
    for para in paras {
        if para.trim().is_empty() {
            lines.push(Line::Gap);
        } else {
            lines.push(Line::Body(para.to_owned()));
        }
    }
    render(&title, &lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn form() -> RenewalForm {
        RenewalForm {
            renewal_id: "r-1".into(),
            given_name: "Niccolò".into(),
            surname: "Rossi".into(),
            codice_fiscale: "RSSMRA85T10A562S".into(),
            iut: "WSREF-1".into(),
            email: "n@example.it".into(),
            mobile: "+39333•••567".into(),
            residence: "Via Roma 1, Città".into(),
            role: None,
            organisation: None,
            certificate_serial: "4a".into(),
            current_expiry: "2027-03-15".into(),
            payment: "free".into(),
            date: "2026-12-20".into(),
        }
    }

    #[test]
    fn pdfs_are_pdfs_with_latin1_text() {
        let pdf = renewal_form(&form(), Lang::It);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.windows(5).any(|w| w == b"%%EOF"));
        let text = pdftotext(&pdf);
        for needle in [
            "Niccolò",
            "RSSMRA85T10A562S",
            "Via Roma 1, Città",
            "+39333•••567",
            "3 anni dall'attivazione",
        ] {
            assert!(text.contains(needle), "{needle:?} not in\n{text}");
        }
        let terms = pdftotext(&conditions(Lang::En));
        assert!(terms.contains("Holder's obligations"), "{terms}");
        assert!(terms.contains(&format!("Version {CONDITIONS_VERSION}")));
    }

    /// Text as poppler's pdftotext (an independent reader) extracts it.
    fn pdftotext(pdf: &[u8]) -> String {
        let dir = std::env::temp_dir().join(format!("rinnova-docs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.pdf", pdf.len()));
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is needed: scripts/test installs it");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let font = FontUse::new(fonts::REGULAR, "DejaVuSans").unwrap();
        let text = "uno due tre quattro cinque sei sette otto nove dieci";
        let lines = wrap(&font, text, 10.0, 60.0);
        assert!(lines.len() > 1);
        assert!(
            lines.iter().all(|l| font.width(l, 10.0) <= 60.0),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn fonts_are_embedded_subsets() {
        let pdf = renewal_form(&form(), Lang::It);
        let dir = std::env::temp_dir().join(format!("rinnova-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("form.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdffonts")
            .arg(&path)
            .output()
            .expect("pdffonts (poppler-utils) is needed: scripts/test installs it");
        assert!(out.status.success());
        let listing = String::from_utf8(out.stdout).unwrap();
        // name, type, encoding, emb, sub, uni: every font embedded, subset, with ToUnicode.
        let fonts: Vec<&str> = listing.lines().skip(2).collect();
        assert_eq!(fonts.len(), 2, "{listing}");
        for f in fonts {
            assert!(f.contains("+DejaVuSans"), "{listing}");
            assert!(f.contains("CID TrueType"), "{listing}");
            assert!(f.contains("Identity-H"), "{listing}");
            let flags: Vec<&str> = f.split_whitespace().rev().take(5).collect();
            // object id, gen, uni, sub, emb (reversed)
            assert_eq!(&flags[2..5], ["yes", "yes", "yes"], "{listing}");
        }
        assert!(
            pdf.len() < 120_000,
            "subset, not whole fonts: {} bytes",
            pdf.len()
        );
    }
}
