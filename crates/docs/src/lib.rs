//! rinnova's documents: the renewal form (modulo di rinnovo) filled in with the holder's data,
//! and the general contract conditions, as A4 PDFs (SPEC §5 step 3).
//!
//! This first version writes real PDF 1.7 files with the standard Helvetica font in
//! WinAnsiEncoding (Italian accents included); embedded fonts and the PAdES signature come with
//! the trust-services work.

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

/// WinAnsiEncoding bytes of `s`; characters outside it become `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// Helvetica widths (per 1000 em) are not needed for a ragged-right layout: lines are wrapped
/// by a conservative character count that always fits the text width at the given size.
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max_chars {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
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

fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let mut next = 6;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };

    // Lay lines out on pages.
    let mut page_contents: Vec<Content> = Vec::new();
    let mut content = Content::new();
    let mut y = A4.1 - MARGIN;
    for line in lines {
        let (font, size, lead, text, label): (&[u8], f32, f32, &str, Option<&str>) = match line {
            Line::Title(t) => (b"F2", 15.0, 24.0, t, None),
            Line::Label(l, v) => (b"F1", 10.5, 15.0, v, Some(l)),
            Line::Body(t) => (b"F1", 10.5, 14.0, t, None),
            Line::Gap => (b"F1", 10.5, 10.0, "", None),
        };
        if y - lead < MARGIN {
            page_contents.push(std::mem::replace(&mut content, Content::new()));
            y = A4.1 - MARGIN;
        }
        y -= lead;
        if let Some(label) = label {
            content.begin_text();
            content.set_font(Name(b"F2"), size);
            content.next_line(MARGIN, y);
            content.show(Str(&win_ansi(label)));
            content.end_text();
            content.begin_text();
            content.set_font(Name(b"F1"), size);
            content.next_line(MARGIN + 170.0, y);
            content.show(Str(&win_ansi(text)));
            content.end_text();
        } else if !text.is_empty() {
            content.begin_text();
            content.set_font(Name(font), size);
            content.next_line(MARGIN, y);
            content.show(Str(&win_ansi(text)));
            content.end_text();
        }
    }
    page_contents.push(content);

    let page_ids: Vec<(Ref, Ref)> = page_contents.iter().map(|_| (alloc(), alloc())).collect();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(page_ids.len() as i32);
    for ((page_id, content_id), content) in page_ids.iter().zip(page_contents) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, A4.0, A4.1));
        page.parent(pages);
        page.contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &content.finish());
    }
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
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
    lines.extend(wrap(&declaration, 92).into_iter().map(Line::Body));
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
            lines.extend(wrap(para, 92).into_iter().map(Line::Body));
        }
    }
    render(&title, &lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RenewalForm {
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
    fn wrapping_keeps_every_word() {
        let text = "uno due tre quattro cinque sei sette otto nove dieci";
        let lines = wrap(text, 12);
        assert!(lines.iter().all(|l| l.chars().count() <= 12));
        assert_eq!(lines.join(" "), text);
    }
}
