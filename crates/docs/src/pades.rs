//! The PDF side of a PAdES signature (ETSI EN 319 142-1, ISO 32000 §12.8): the document as
//! rendered is the first revision, with an empty signature field (object 6) on page 1 (object
//! 7); signing appends one incremental update holding a new signature dictionary with
//! `/SubFilter /ETSI.CAdES.detached`, a `/ByteRange` covering everything but the `/Contents`
//! hex string and the CMS SignedData in `/Contents`, and the field again with its `/V`.

use sha2::{Digest, Sha256};

/// The object number of the signature field (a widget annotation) and of the first page.
pub const FIELD_OBJECT: i32 = 6;
const FIRST_PAGE_OBJECT: i32 = 7;
/// The field's name.
pub const FIELD_NAME: &str = "holder-signature";

/// Room for the CMS in `/Contents` (bytes; twice as many hex digits).
const CONTENTS_BYTES: usize = 8192;

/// Why a document cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    #[error("not a document rinnova rendered: {0}")]
    NotOurs(&'static str),
    #[error("the signature is larger than the room kept for it")]
    TooLarge,
}

/// A document with its signature dictionary appended and the room for the CMS still empty.
#[derive(Debug, Clone)]
pub struct Prepared {
    bytes: Vec<u8>,
    /// Offset of `<` and just after `>` of `/Contents`.
    hole: (usize, usize),
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn number_after(hay: &[u8], at: usize) -> Option<usize> {
    let digits: String = hay[at..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().ok()
}

/// Appends the signature dictionary to `pdf` (as rendered by this crate), signed at `when`
/// (`D:YYYYMMDDHHmmSSZ`).
pub fn prepare(pdf: &[u8], when: &str) -> Result<Prepared, PadesError> {
    let startxref = find_last(pdf, b"startxref")
        .and_then(|at| number_after(pdf, at + b"startxref".len()))
        .ok_or(PadesError::NotOurs("no startxref"))?;
    let size = find_last(pdf, b"/Size")
        .and_then(|at| number_after(pdf, at + b"/Size".len()))
        .ok_or(PadesError::NotOurs("no /Size"))?;
    let field = format!("{FIELD_OBJECT} 0 obj");
    if !pdf.windows(field.len()).any(|w| w == field.as_bytes()) {
        return Err(PadesError::NotOurs("no signature field"));
    }
    let sig = size;
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let field_at = out.len();
    out.extend_from_slice(
        format!(
            "{FIELD_OBJECT} 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T ({FIELD_NAME}) /Rect [0 0 0 0] /F 132 /P {FIRST_PAGE_OBJECT} 0 R /V {sig} 0 R >>\nendobj\n"
        )
        .as_bytes(),
    );
    let object_at = out.len();
    let head = format!(
        "{sig} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ({when}) /ByteRange "
    );
    out.extend_from_slice(head.as_bytes());
    let range_at = out.len();
    out.extend_from_slice(format!("[0 {:>10} {:>10} {:>10}]", 0, 0, 0).as_bytes());
    out.extend_from_slice(b" /Contents ");
    let hole_start = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    out.push(b'>');
    let hole_end = out.len();
    out.extend_from_slice(b" >>\nendobj\n");
    let xref_at = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{FIELD_OBJECT} 1\n{field_at:010} 00000 n \n{sig} 1\n{object_at:010} 00000 n \ntrailer\n<< /Size {} /Root 1 0 R /Info 5 0 R /Prev {startxref} >>\nstartxref\n{xref_at}\n%%EOF\n",
            sig + 1
        )
        .as_bytes(),
    );
    let range = format!(
        "[0 {hole_start:>10} {hole_end:>10} {:>10}]",
        out.len() - hole_end
    );
    out[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
    Ok(Prepared {
        bytes: out,
        hole: (hole_start, hole_end),
    })
}

impl Prepared {
    /// SHA-256 of the signed byte ranges: what the CMS message-digest attribute holds.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.bytes[..self.hole.0]);
        h.update(&self.bytes[self.hole.1..]);
        h.finalize().into()
    }

    /// The signed document: the CMS written (hex) into `/Contents`.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, PadesError> {
        if cms.len() > CONTENTS_BYTES {
            return Err(PadesError::TooLarge);
        }
        let hex = hex::encode_upper(cms);
        let start = self.hole.0 + 1;
        self.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}
