//! Embedded fonts: DejaVu Sans and DejaVu Sans Bold (kept in `fonts/`, Bitstream Vera licence),
//! written as Type 0 / CIDFontType2 fonts with Identity-H encoding, subset to the glyphs a
//! document uses (`subsetter`), with glyph widths (`ttf-parser`) and a ToUnicode map so text
//! can be extracted and searched.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// One font as a document uses it: the glyphs used so far, renumbered for the subset.
pub(crate) struct FontUse {
    data: &'static [u8],
    face: Face<'static>,
    base_name: &'static str,
    remapper: GlyphRemapper,
    /// New glyph id → the text it shows (for ToUnicode).
    unicode: BTreeMap<u16, char>,
}

impl FontUse {
    /// A font from the embedded files (which always parse: they are part of the build).
    pub(crate) fn new(data: &'static [u8], base_name: &'static str) -> Option<Self> {
        Some(Self {
            data,
            face: Face::parse(data, 0).ok()?,
            base_name,
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        })
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    /// The text as two-byte glyph codes of the subset (characters the font lacks show as
    /// its .notdef box).
    pub(crate) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let new = self.remapper.remap(self.glyph(c));
            self.unicode.entry(new).or_insert(c);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// The width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| {
                u32::from(
                    self.face
                        .glyph_hor_advance(GlyphId(self.glyph(c)))
                        .unwrap_or(0),
                )
            })
            .sum();
        units as f32 * size / f32::from(self.face.units_per_em())
    }

    fn scale(&self, v: impl Into<f32>) -> f32 {
        v.into() * 1000.0 / f32::from(self.face.units_per_em())
    }

    /// Writes the font's objects: the Type 0 font at `id`, then four objects from `next`.
    pub(crate) fn write(&self, pdf: &mut Pdf, id: Ref, next: &mut impl FnMut() -> Ref) {
        let (cid, descriptor, file, cmap) = (next(), next(), next(), next());
        // A subset is named with a tag derived from its glyphs (ISO 32000 §9.9.2).
        let tag: String = {
            let mut h: u32 = 2166136261;
            for g in self.remapper.remapped_gids() {
                h = (h ^ u32::from(g)).wrapping_mul(16777619);
            }
            (0..6)
                .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
                .collect()
        };
        let name = format!("{tag}+{}", self.base_name);
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|g| self.scale(self.face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)))
            .collect();
        // The subset renumbers glyphs in the remapper's order, so CID = new glyph id. Should
        // subsetting ever fail, the whole font goes in with an explicit CID → glyph map.
        let subset = subsetter::subset(self.data, 0, &self.remapper).ok();
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0);
        let gid_map = next();
        if subset.is_some() {
            font.cid_to_gid_map_predefined(Name(b"Identity"));
        } else {
            font.cid_to_gid_map_stream(gid_map);
        }
        font.widths().consecutive(0, widths);
        font.finish();
        if subset.is_none() {
            let map: Vec<u8> = self
                .remapper
                .remapped_gids()
                .flat_map(u16::to_be_bytes)
                .collect();
            pdf.stream(gid_map, &map);
        }
        let bbox = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                self.scale(bbox.x_min),
                self.scale(bbox.y_min),
                self.scale(bbox.x_max),
                self.scale(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(self.scale(self.face.ascender()))
            .descent(self.scale(self.face.descender()))
            .cap_height(self.scale(self.face.capital_height().unwrap_or(self.face.ascender())))
            .stem_v(80.0)
            .font_file2(file);
        let program = subset.unwrap_or_else(|| self.data.to_vec());
        let len = i32::try_from(program.len()).unwrap_or(i32::MAX);
        pdf.stream(file, &program).pair(Name(b"Length1"), len);
        let mut map = UnicodeCmap::new(Name(b"Custom"), info);
        for (&g, &c) in &self.unicode {
            map.pair(g, c);
        }
        pdf.cmap(cmap, &map.finish());
    }
}
