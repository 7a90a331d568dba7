//! The PDF side of a PAdES signature (ETSI EN 319 142-1, ISO 32000 §12.8): the document as
//! rendered is the first revision, with an empty signature field (object 6) on page 1 (object
//! 7); signing appends one incremental update holding a new signature dictionary with
//! `/SubFilter /ETSI.CAdES.detached`, a `/ByteRange` covering everything but the `/Contents`
//! hex string and the CMS SignedData in `/Contents`, and the field again with its `/V`.
//!
//! Long-term validation (PAdES baseline B-LT and B-LTA, EN 319 142-1 §5.4–5.5) appends two
//! more revisions, the way pyHanko and Acrobat write them: a document security store (`/DSS`
//! in the catalog: the certificates, OCSP answers and CRLs a validator needs, as they were
//! then), and a document time-stamp (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`, in a
//! new invisible field) over the whole file, which proves when that validation data existed.
//! Both can be repeated later: each new store adds to the one before, each new time-stamp
//! covers the ones before it.

use sha2::{Digest, Sha256};

/// The object number of the signature field (a widget annotation) and of the first page.
pub const FIELD_OBJECT: i32 = 6;
const FIRST_PAGE_OBJECT: i32 = 7;
/// The field's name.
pub const FIELD_NAME: &str = "holder-signature";

/// Room for the CMS in `/Contents` (bytes; twice as many hex digits).
const CONTENTS_BYTES: usize = 8192;
/// Room for a document time-stamp token (an outside TSA's may carry its chain).
const TIMESTAMP_BYTES: usize = 12288;
/// The document catalog and the document information dictionary, as the renderer numbers them.
const CATALOG_OBJECT: i32 = 1;
const INFO_OBJECT: i32 = 5;

/// Why a document cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    #[error("not a document rinnova rendered: {0}")]
    NotOurs(&'static str),
    #[error("the signature is larger than the room kept for it")]
    TooLarge,
    #[error("the document is not signed yet")]
    NotSigned,
}

/// A document with its signature dictionary appended and the room for the CMS (or, for a
/// document time-stamp, the token) still empty.
#[derive(Debug, Clone)]
pub struct Prepared {
    bytes: Vec<u8>,
    /// Offset of `<` and just after `>` of `/Contents`.
    hole: (usize, usize),
    room: usize,
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
    let field = format!("{FIELD_OBJECT} 0 obj");
    if !pdf.windows(field.len()).any(|w| w == field.as_bytes()) {
        return Err(PadesError::NotOurs("no signature field"));
    }
    let mut u = Update::begin(pdf)?;
    let sig = u.alloc();
    u.object(
        FIELD_OBJECT,
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({FIELD_NAME}) /Rect [0 0 0 0] /F 132 /P {FIRST_PAGE_OBJECT} 0 R /V {sig} 0 R >>"
        )
        .as_bytes(),
    );
    u.signature(
        sig,
        &format!("/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ({when})"),
        CONTENTS_BYTES,
    )
}

/// Appends a document security store to a signed `pdf`: `certs`, `ocsps` (OCSPResponse DER)
/// and `crls` added to those of the store already there (none twice). PAdES B-LT when the
/// store holds what validates the signature and its time-stamp.
pub fn append_dss(
    pdf: &[u8],
    certs: &[Vec<u8>],
    ocsps: &[Vec<u8>],
    crls: &[Vec<u8>],
) -> Result<Vec<u8>, PadesError> {
    let catalog = Catalog::read(pdf)?;
    let mut kept = match catalog.dss {
        Some(n) => Dss::read(pdf, n)?,
        None => Dss::default(),
    };
    let mut u = Update::begin(pdf)?;
    for (list, new) in [
        (&mut kept.certs, certs),
        (&mut kept.ocsps, ocsps),
        (&mut kept.crls, crls),
    ] {
        for item in new {
            if !list.iter().any(|(_, have)| have == item) {
                let n = u.alloc();
                u.stream(n, item);
                list.push((n, item.clone()));
            }
        }
    }
    let refs = |list: &[(i32, Vec<u8>)]| {
        list.iter()
            .map(|(n, _)| format!("{n} 0 R"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let dss = u.alloc();
    u.object(
        dss,
        format!(
            "<< /Type /DSS /Certs [{}] /OCSPs [{}] /CRLs [{}] >>",
            refs(&kept.certs),
            refs(&kept.ocsps),
            refs(&kept.crls)
        )
        .as_bytes(),
    );
    let catalog = Catalog {
        dss: Some(dss),
        ..catalog
    };
    u.object(CATALOG_OBJECT, catalog.write().as_bytes());
    Ok(u.finish())
}

/// Appends a document time-stamp field to a signed `pdf`, the room for the token still
/// empty: PAdES B-LTA once the token is in (`Prepared::finish`).
pub fn prepare_doc_timestamp(pdf: &[u8]) -> Result<Prepared, PadesError> {
    let mut catalog = Catalog::read(pdf)?;
    let holder = object_text(pdf, FIELD_OBJECT)?;
    if ref_after(&String::from_utf8_lossy(holder), "/V").is_none() {
        return Err(PadesError::NotSigned);
    }
    let page = object_text(pdf, FIRST_PAGE_OBJECT)?;
    let page = std::str::from_utf8(page).map_err(|_| PadesError::NotOurs("page"))?;
    let mut u = Update::begin(pdf)?;
    let field = u.alloc();
    let sig = u.alloc();
    let name = format!("document-timestamp-{}", catalog.fields.len());
    catalog.fields.push(field);
    catalog.esic = true;
    u.object(CATALOG_OBJECT, catalog.write().as_bytes());
    u.object(FIRST_PAGE_OBJECT, with_annot(page, field)?.as_bytes());
    u.object(
        field,
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({name}) /Rect [0 0 0 0] /F 132 /P {FIRST_PAGE_OBJECT} 0 R /V {sig} 0 R >>"
        )
        .as_bytes(),
    );
    u.signature(
        sig,
        "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161",
        TIMESTAMP_BYTES,
    )
}

/// The token (DER) of the newest document time-stamp in `pdf`, if it has one.
pub fn last_doc_timestamp(pdf: &[u8]) -> Result<Option<Vec<u8>>, PadesError> {
    let catalog = Catalog::read(pdf)?;
    for field in catalog.fields.iter().rev() {
        let field = String::from_utf8_lossy(object_text(pdf, *field)?).into_owned();
        let Some(sig) = ref_after(&field, "/V") else {
            continue;
        };
        let sig = object_text(pdf, sig)?;
        if !sig.windows(13).any(|w| w == b"/DocTimeStamp") {
            continue;
        }
        let at = sig
            .windows(11)
            .position(|w| w == b"/Contents <")
            .ok_or(PadesError::NotOurs("time-stamp contents"))?;
        let hex_digits: Vec<u8> = sig[at + 11..]
            .iter()
            .copied()
            .take_while(|&b| b != b'>')
            .collect();
        let bytes =
            hex::decode(&hex_digits).map_err(|_| PadesError::NotOurs("time-stamp contents"))?;
        return Ok(Some(der_prefix(&bytes)?.to_vec()));
    }
    Ok(None)
}

/// The DER value at the start of `bytes` (the rest: the zeros that filled the room).
fn der_prefix(bytes: &[u8]) -> Result<&[u8], PadesError> {
    let bad = PadesError::NotOurs("not DER");
    let first = *bytes.get(1).ok_or(PadesError::NotOurs("not DER"))?;
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(bad);
        }
        let len = bytes
            .get(2..2 + n)
            .ok_or(PadesError::NotOurs("not DER"))?
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (2 + n, len)
    };
    bytes.get(..header + len).ok_or(bad)
}

/// The page dictionary `page` (an object's text) with `annot` added to its `/Annots`.
fn with_annot(page: &str, annot: i32) -> Result<String, PadesError> {
    let body = dict_of(page)?;
    let entry = format!(" {annot} 0 R");
    Ok(match body.find("/Annots") {
        Some(at) => {
            let close = body[at..]
                .find(']')
                .map(|i| at + i)
                .ok_or(PadesError::NotOurs("page annotations"))?;
            format!("{}{entry}{}", &body[..close], &body[close..])
        }
        None => {
            let end = body.rfind(">>").ok_or(PadesError::NotOurs("page"))?;
            format!("{} /Annots [{entry}] {}", &body[..end], &body[end..])
        }
    })
}

/// The dictionary in an object's text (`N 0 obj << … >> endobj`).
fn dict_of(object: &str) -> Result<&str, PadesError> {
    let start = object.find("<<").ok_or(PadesError::NotOurs("object"))?;
    let end = object.rfind(">>").ok_or(PadesError::NotOurs("object"))?;
    Ok(&object[start..end + 2])
}

/// `N 0 R` references in the array after `key` in `text`.
fn refs_after(text: &str, key: &str) -> Vec<i32> {
    let Some(at) = text.find(key) else {
        return Vec::new();
    };
    let rest = &text[at + key.len()..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    let words: Vec<&str> = rest[open + 1..close].split_whitespace().collect();
    words
        .chunks(3)
        .filter(|w| w.len() == 3 && w[2] == "R")
        .filter_map(|w| w[0].parse().ok())
        .collect()
}

/// The object number in `key N 0 R` in `text`.
fn ref_after(text: &str, key: &str) -> Option<i32> {
    let at = text.find(key)?;
    text[at + key.len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What the document catalog says, as this crate writes it.
#[derive(Debug, Clone)]
struct Catalog {
    pages: i32,
    fields: Vec<i32>,
    dss: Option<i32>,
    /// The ETSI developer extension (ISO 32000-1 §7.12; EN 319 142-1 §5.4) a document with a
    /// document time-stamp declares.
    esic: bool,
}

impl Catalog {
    fn read(pdf: &[u8]) -> Result<Catalog, PadesError> {
        let text = object_text(pdf, CATALOG_OBJECT)?;
        let text = std::str::from_utf8(text).map_err(|_| PadesError::NotOurs("catalog"))?;
        if !text.contains("/Catalog") {
            return Err(PadesError::NotOurs("catalog"));
        }
        Ok(Catalog {
            pages: ref_after(text, "/Pages").ok_or(PadesError::NotOurs("catalog"))?,
            fields: refs_after(text, "/Fields"),
            dss: ref_after(text, "/DSS"),
            esic: text.contains("/ESIC"),
        })
    }

    fn write(&self) -> String {
        let fields = self
            .fields
            .iter()
            .map(|n| format!("{n} 0 R"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut s = format!(
            "<< /Type /Catalog /Pages {} 0 R /AcroForm << /Fields [{fields}] /SigFlags 3 >>",
            self.pages
        );
        if let Some(dss) = self.dss {
            s.push_str(&format!(" /DSS {dss} 0 R"));
        }
        if self.esic {
            s.push_str(
                " /Extensions << /ESIC << /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 1 >> >>",
            );
        }
        s.push_str(" >>");
        s
    }
}

/// The streams of a document security store, with their object numbers.
#[derive(Debug, Default)]
struct Dss {
    certs: Vec<(i32, Vec<u8>)>,
    ocsps: Vec<(i32, Vec<u8>)>,
    crls: Vec<(i32, Vec<u8>)>,
}

impl Dss {
    fn read(pdf: &[u8], n: i32) -> Result<Dss, PadesError> {
        let text = object_text(pdf, n)?;
        let text = std::str::from_utf8(text).map_err(|_| PadesError::NotOurs("DSS"))?;
        let load = |key: &str| -> Result<Vec<(i32, Vec<u8>)>, PadesError> {
            refs_after(text, key)
                .into_iter()
                .map(|n| Ok((n, stream_data(pdf, n)?.to_vec())))
                .collect()
        };
        Ok(Dss {
            certs: load("/Certs")?,
            ocsps: load("/OCSPs")?,
            crls: load("/CRLs")?,
        })
    }
}

/// Where object `n` starts: the newest cross-reference section that lists it wins.
fn object_offset(pdf: &[u8], n: i32) -> Result<usize, PadesError> {
    let mut at = find_last(pdf, b"startxref")
        .and_then(|at| number_after(pdf, at + b"startxref".len()))
        .ok_or(PadesError::NotOurs("no startxref"))?;
    // Each section once at most: a loop of /Prev cannot hold us.
    for _ in 0..64 {
        let text = pdf.get(at..).ok_or(PadesError::NotOurs("xref"))?;
        let text = text
            .strip_prefix(b"xref")
            .ok_or(PadesError::NotOurs("not a cross-reference table"))?;
        let end = text
            .windows(7)
            .position(|w| w == b"trailer")
            .ok_or(PadesError::NotOurs("no trailer"))?;
        let table = std::str::from_utf8(&text[..end]).map_err(|_| PadesError::NotOurs("xref"))?;
        let mut words = table.split_whitespace();
        while let (Some(first), Some(count)) = (words.next(), words.next()) {
            let (Ok(first), Ok(count)) = (first.parse::<i32>(), count.parse::<i32>()) else {
                return Err(PadesError::NotOurs("xref subsection"));
            };
            for i in 0..count {
                let (Some(offset), Some(_), Some(kind)) =
                    (words.next(), words.next(), words.next())
                else {
                    return Err(PadesError::NotOurs("xref entry"));
                };
                if first + i == n && kind == "n" {
                    return offset
                        .parse()
                        .map_err(|_| PadesError::NotOurs("xref entry"));
                }
            }
        }
        let trailer = &text[end..];
        let trailer = &trailer[..trailer
            .windows(9)
            .position(|w| w == b"startxref")
            .unwrap_or(trailer.len())];
        match trailer.windows(5).position(|w| w == b"/Prev") {
            Some(p) => {
                at = number_after(trailer, p + 5).ok_or(PadesError::NotOurs("/Prev"))?;
            }
            None => break,
        }
    }
    Err(PadesError::NotOurs("object missing"))
}

/// The text of object `n`, from `N 0 obj` to `endobj`.
fn object_text(pdf: &[u8], n: i32) -> Result<&[u8], PadesError> {
    let at = object_offset(pdf, n)?;
    let rest = pdf.get(at..).ok_or(PadesError::NotOurs("object offset"))?;
    if !rest.starts_with(format!("{n} 0 obj").as_bytes()) {
        return Err(PadesError::NotOurs("object offset"));
    }
    let end = rest
        .windows(6)
        .position(|w| w == b"endobj")
        .ok_or(PadesError::NotOurs("endobj"))?;
    Ok(&rest[..end])
}

/// The data of stream object `n` (unfiltered, `/Length` a direct number, as this crate writes).
fn stream_data(pdf: &[u8], n: i32) -> Result<&[u8], PadesError> {
    let at = object_offset(pdf, n)?;
    let rest = pdf.get(at..).ok_or(PadesError::NotOurs("object offset"))?;
    let head_end = rest
        .windows(6)
        .position(|w| w == b"stream")
        .ok_or(PadesError::NotOurs("not a stream"))?;
    let len = rest[..head_end]
        .windows(7)
        .position(|w| w == b"/Length")
        .and_then(|p| number_after(rest, p + 7))
        .ok_or(PadesError::NotOurs("stream length"))?;
    let mut start = head_end + 6;
    if rest.get(start) == Some(&b'\r') {
        start += 1;
    }
    if rest.get(start) == Some(&b'\n') {
        start += 1;
    }
    rest.get(start..start + len)
        .ok_or(PadesError::NotOurs("stream length"))
}

/// One incremental update being written: the document so far, then new objects, then a
/// cross-reference section and a trailer pointing back at the previous one.
struct Update {
    out: Vec<u8>,
    offsets: Vec<(i32, usize)>,
    size: i32,
    prev: usize,
}

impl Update {
    fn begin(pdf: &[u8]) -> Result<Update, PadesError> {
        let prev = find_last(pdf, b"startxref")
            .and_then(|at| number_after(pdf, at + b"startxref".len()))
            .ok_or(PadesError::NotOurs("no startxref"))?;
        let size = find_last(pdf, b"/Size")
            .and_then(|at| number_after(pdf, at + b"/Size".len()))
            .ok_or(PadesError::NotOurs("no /Size"))?;
        let mut out = pdf.to_vec();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        Ok(Update {
            out,
            offsets: Vec::new(),
            size: i32::try_from(size).map_err(|_| PadesError::NotOurs("/Size"))?,
            prev,
        })
    }

    /// A new object number.
    fn alloc(&mut self) -> i32 {
        self.size += 1;
        self.size - 1
    }

    fn object(&mut self, n: i32, dict: &[u8]) {
        self.offsets.push((n, self.out.len()));
        self.out
            .extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        self.out.extend_from_slice(dict);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, n: i32, data: &[u8]) {
        self.offsets.push((n, self.out.len()));
        self.out.extend_from_slice(
            format!("{n} 0 obj\n<< /Length {} >>\nstream\n", data.len()).as_bytes(),
        );
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes signature dictionary `n` (`head`, then `/ByteRange` and `/Contents` with
    /// `room` bytes), finishes the update and fills in the byte range.
    fn signature(mut self, n: i32, head: &str, room: usize) -> Result<Prepared, PadesError> {
        self.offsets.push((n, self.out.len()));
        self.out
            .extend_from_slice(format!("{n} 0 obj\n<< {head} /ByteRange ").as_bytes());
        let range_at = self.out.len();
        self.out
            .extend_from_slice(format!("[0 {:>10} {:>10} {:>10}]", 0, 0, 0).as_bytes());
        self.out.extend_from_slice(b" /Contents ");
        let hole_start = self.out.len();
        self.out.push(b'<');
        self.out.extend(std::iter::repeat_n(b'0', room * 2));
        self.out.push(b'>');
        let hole_end = self.out.len();
        self.out.extend_from_slice(b" >>\nendobj\n");
        let mut out = self.finish();
        let range = format!(
            "[0 {hole_start:>10} {hole_end:>10} {:>10}]",
            out.len() - hole_end
        );
        out[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
        Ok(Prepared {
            bytes: out,
            hole: (hole_start, hole_end),
            room,
        })
    }

    fn finish(mut self) -> Vec<u8> {
        self.offsets.sort_unstable();
        let xref_at = self.out.len();
        let mut x = String::from("xref\n");
        for (n, at) in &self.offsets {
            x.push_str(&format!("{n} 1\n{at:010} 00000 n \n"));
        }
        x.push_str(&format!(
            "trailer\n<< /Size {} /Root {CATALOG_OBJECT} 0 R /Info {INFO_OBJECT} 0 R /Prev {} >>\nstartxref\n{xref_at}\n%%EOF\n",
            self.size, self.prev
        ));
        self.out.extend_from_slice(x.as_bytes());
        self.out
    }
}

impl Prepared {
    /// SHA-256 of the signed byte ranges: what the CMS message-digest attribute holds.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.bytes[..self.hole.0]);
        h.update(&self.bytes[self.hole.1..]);
        h.finalize().into()
    }

    /// The signed document: the CMS (or the time-stamp token) written (hex) into `/Contents`.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, PadesError> {
        if cms.len() > self.room {
            return Err(PadesError::TooLarge);
        }
        let hex = hex::encode_upper(cms);
        let start = self.hole.0 + 1;
        self.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed() -> Vec<u8> {
        let pdf = crate::renewal_form(&crate::tests::form(), crate::Lang::It);
        let p = prepare(&pdf, "D:20261205120000Z").unwrap();
        p.finish(&[0x30, 0x03, 0x02, 0x01, 0x07]).unwrap()
    }

    #[test]
    fn objects_are_found_through_the_newest_cross_reference_section() {
        let pdf = signed();
        let field = std::str::from_utf8(object_text(&pdf, FIELD_OBJECT).unwrap()).unwrap();
        assert!(
            field.contains("/V "),
            "the signed revision's field: {field}"
        );
        let catalog = Catalog::read(&pdf).unwrap();
        assert_eq!(catalog.fields, vec![FIELD_OBJECT]);
        assert_eq!(catalog.dss, None);
        assert!(matches!(
            object_offset(&pdf, 999),
            Err(PadesError::NotOurs(_))
        ));
    }

    #[test]
    fn a_store_added_twice_keeps_each_item_once() {
        let pdf = signed();
        let certs = vec![b"cert-a".to_vec(), b"cert-b".to_vec()];
        let once = append_dss(&pdf, &certs, &[b"ocsp-a".to_vec()], &[]).unwrap();
        assert!(once.starts_with(&pdf), "an incremental update");
        let twice = append_dss(
            &once,
            &[b"cert-b".to_vec(), b"cert-c".to_vec()],
            &[b"ocsp-b".to_vec()],
            &[b"crl".to_vec()],
        )
        .unwrap();
        let catalog = Catalog::read(&twice).unwrap();
        let dss = Dss::read(&twice, catalog.dss.unwrap()).unwrap();
        let data = |l: &[(i32, Vec<u8>)]| l.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>();
        assert_eq!(
            data(&dss.certs),
            vec![b"cert-a".to_vec(), b"cert-b".to_vec(), b"cert-c".to_vec()]
        );
        assert_eq!(
            data(&dss.ocsps),
            vec![b"ocsp-a".to_vec(), b"ocsp-b".to_vec()]
        );
        assert_eq!(data(&dss.crls), vec![b"crl".to_vec()]);
        assert_eq!(catalog.fields, vec![FIELD_OBJECT], "the form is untouched");
    }

    #[test]
    fn a_document_time_stamp_is_a_new_field_covering_the_whole_file() {
        let pdf = append_dss(&signed(), &[b"cert".to_vec()], &[], &[]).unwrap();
        let p = prepare_doc_timestamp(&pdf).unwrap();
        let digest = p.digest();
        let done = p.finish(&[0x30, 0x00]).unwrap();
        let catalog = Catalog::read(&done).unwrap();
        assert_eq!(catalog.fields.len(), 2);
        assert!(catalog.esic && catalog.dss.is_some(), "the store stays");
        let page = std::str::from_utf8(object_text(&done, FIRST_PAGE_OBJECT).unwrap()).unwrap();
        assert!(
            page.contains(&format!("/Annots [6 0 R {} 0 R]", catalog.fields[1])),
            "{page}"
        );
        let sig = ref_after(
            std::str::from_utf8(object_text(&done, catalog.fields[1]).unwrap()).unwrap(),
            "/V",
        )
        .unwrap();
        let sig = std::str::from_utf8(object_text(&done, sig).unwrap()).unwrap();
        assert!(sig.contains("/Type /DocTimeStamp") && sig.contains("/SubFilter /ETSI.RFC3161"));
        // The byte range ends with the file: everything but the token is covered.
        let words: Vec<usize> = sig[sig.find("/ByteRange [").unwrap() + 12..]
            .split(']')
            .next()
            .unwrap()
            .split_whitespace()
            .map(|w| w.parse().unwrap())
            .collect();
        assert_eq!(words[2] + words[3], done.len());
        let mut h = Sha256::new();
        h.update(&done[..words[1]]);
        h.update(&done[words[2]..]);
        assert_eq!(<[u8; 32]>::from(h.finalize()), digest);
        assert!(matches!(
            prepare_doc_timestamp(&crate::renewal_form(&crate::tests::form(), crate::Lang::En)),
            Err(PadesError::NotSigned)
        ));
        assert_eq!(last_doc_timestamp(&pdf).unwrap(), None);
        assert_eq!(
            last_doc_timestamp(&done).unwrap(),
            Some(vec![0x30, 0x00]),
            "the token, without the zeros after it"
        );
        // A second one is the last.
        let p = prepare_doc_timestamp(&done).unwrap();
        let token = [vec![0x30, 0x82, 0x01, 0x00], vec![7; 256]].concat();
        let again = p.finish(&token).unwrap();
        assert_eq!(last_doc_timestamp(&again).unwrap(), Some(token));
        assert!(
            std::str::from_utf8(object_text(&again, FIRST_PAGE_OBJECT).unwrap())
                .unwrap()
                .contains("/Annots [6 0 R")
        );
    }
}
