//! Text to pixels: lines shaped by cosmic-text (HarfRust shaping, bidi, font fallback over
//! the system's fonts) and rasterised by swash into a premultiplied RGBA canvas. The bundled
//! Inter is the default font for Latin text; a character no font has is refused by name,
//! never drawn as a box.

// Canvas and frame sides are at most a few thousand pixels (frames at most 8192), so
// u32 → i32 never wraps.
#![allow(clippy::cast_possible_wrap)]

use std::sync::{Arc, Mutex, PoisonError};

use cosmic_text::{Align, Attrs, Buffer, Family, FontSystem, Metrics, Shaping, SwashCache, Weight};

use super::OverlayError;

/// The bundled font (SIL Open Font License 1.1, `assets/fonts/Inter-OFL.txt`).
const INTER: &[u8] = include_bytes!("../../assets/fonts/Inter-SemiBold.otf");
const INTER_FAMILY: &str = "Inter";

/// The process's fonts: scanning the system's takes a while (tens of milliseconds), so it
/// is done once and shared by every title drawn after.
static FONTS: Mutex<Option<Fonts>> = Mutex::new(None);

pub(super) struct Fonts {
    system: FontSystem,
    cache: SwashCache,
}

impl Fonts {
    /// The system's fonts and the bundled Inter.
    fn with_system_fonts() -> Self {
        let mut system = FontSystem::new();
        system
            .db_mut()
            .load_font_source(cosmic_text::fontdb::Source::Binary(Arc::new(INTER)));
        Self {
            system,
            cache: SwashCache::new(),
        }
    }

    /// Only the bundled Inter, no fallback: what text looks like where a font lacks the
    /// glyphs (boxes), for tests.
    #[cfg(test)]
    pub(super) fn inter_only() -> Self {
        let mut db = cosmic_text::fontdb::Database::new();
        db.load_font_source(cosmic_text::fontdb::Source::Binary(Arc::new(INTER)));
        Self {
            system: FontSystem::new_with_locale_and_db("en-US".into(), db),
            cache: SwashCache::new(),
        }
    }

    /// Runs `f` with the process's fonts, loading them the first time.
    pub(super) fn with<T>(f: impl FnOnce(&mut Fonts) -> T) -> T {
        let mut guard = FONTS.lock().unwrap_or_else(PoisonError::into_inner);
        let fonts = guard.get_or_insert_with(Self::with_system_fonts);
        f(fonts)
    }

    /// Whether `family` names an installed font (or the bundled one).
    fn has_family(&self, family: &str) -> bool {
        self.system.db().faces().any(|face| {
            face.families
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(family))
        })
    }
}

/// A block of lines, each with its own size, centred on one another.
pub(super) struct TextBlock<'a> {
    /// (text, font size in pixels) per paragraph; empty ones are left out.
    pub paragraphs: &'a [(&'a str, f32)],
    /// A family name, or `None` for the bundled Inter.
    pub font: Option<&'a str>,
    /// Lines wrap at this width.
    pub max_width_px: f32,
    pub color: [u8; 3],
}

/// Premultiplied RGBA pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Canvas {
    pub width_px: u32,
    pub height_px: u32,
    pub rgba: Vec<f32>,
}

impl Canvas {
    pub fn new(width_px: u32, height_px: u32) -> Self {
        Self {
            width_px,
            height_px,
            rgba: vec![0.0; width_px as usize * height_px as usize * 4],
        }
    }

    /// Lays `src` (premultiplied, 0..1) over the pixel at (x, y); outside is ignored.
    pub fn over(&mut self, x: i32, y: i32, src: [f32; 4]) {
        if x < 0 || y < 0 || x >= self.width_px as i32 || y >= self.height_px as i32 {
            return;
        }
        let i = (y as usize * self.width_px as usize + x as usize) * 4;
        let keep = 1.0 - src[3];
        for (dst, s) in self.rgba[i..i + 4].iter_mut().zip(src) {
            *dst = s + keep * *dst;
        }
    }
}

/// Lays out and rasterises `block` with the process's fonts: a canvas just large enough for
/// its lines, centred. Refuses characters no font has and a family that is not installed.
pub(super) fn rasterise(block: &TextBlock<'_>) -> Result<Canvas, OverlayError> {
    Fonts::with(|fonts| rasterise_with(fonts, block, false))
}

/// As [`rasterise`], drawing what the fonts have for a missing glyph (a box) instead of
/// refusing it: for text already checked with [`check_showable`].
pub(super) fn rasterise_or_boxes(block: &TextBlock<'_>) -> Result<Canvas, OverlayError> {
    Fonts::with(|fonts| rasterise_with(fonts, block, true))
}

/// The font families installed on this machine, sorted, without the bundled Inter.
#[must_use]
pub fn font_families() -> Vec<String> {
    Fonts::with(|fonts| {
        let mut families: Vec<String> = fonts
            .system
            .db()
            .faces()
            .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
            .filter(|name| name != INTER_FAMILY)
            .collect();
        families.sort_by_key(|name| name.to_lowercase());
        families.dedup();
        families
    })
}

/// Refuses a font `family` that is not installed (nor the bundled one).
pub(super) fn check_family(family: &str) -> Result<(), OverlayError> {
    if Fonts::with(|fonts| fonts.has_family(family)) {
        Ok(())
    } else {
        Err(OverlayError::FontMissing(family.to_owned()))
    }
}

/// Refuses `text` when a character of it is in no font, naming the characters.
pub(super) fn check_showable(text: &str) -> Result<(), OverlayError> {
    let paragraphs = [(text, 8.0)];
    let block = TextBlock {
        paragraphs: &paragraphs,
        font: None,
        max_width_px: 4096.0,
        color: [255, 255, 255],
    };
    rasterise(&block).map(|_| ())
}

/// As [`rasterise`] with the given fonts; `allow_missing` draws what a font has for a
/// missing glyph (a box) instead of refusing it.
pub(super) fn rasterise_with(
    fonts: &mut Fonts,
    block: &TextBlock<'_>,
    allow_missing: bool,
) -> Result<Canvas, OverlayError> {
    if let Some(family) = block.font
        && !fonts.has_family(family)
    {
        return Err(OverlayError::FontMissing(family.to_owned()));
    }
    let (family, weight) = match block.font {
        Some(name) => (Family::Name(name), Weight::NORMAL),
        None => (Family::Name(INTER_FAMILY), Weight::SEMIBOLD),
    };
    let attrs = Attrs::new().family(family).weight(weight);
    let mut buffers = Vec::new();
    let mut missing = String::new();
    let mut height = 0.0f32;
    for &(text, size_px) in block.paragraphs {
        if text.trim().is_empty() {
            continue;
        }
        let system = &mut fonts.system;
        let mut buffer = Buffer::new(system, Metrics::new(size_px, size_px * 1.25));
        buffer.set_size(Some(block.max_width_px), None);
        buffer.set_text(text, &attrs, Shaping::Advanced, Some(Align::Center));
        buffer.shape_until_scroll(system, false);
        let mut lines_height = 0.0f32;
        for run in buffer.layout_runs() {
            lines_height = lines_height.max(run.line_top + run.line_height);
            for glyph in run.glyphs.iter().filter(|g| g.glyph_id == 0) {
                let cluster = run.text.get(glyph.start..glyph.end).unwrap_or("");
                for c in cluster.chars().filter(|c| !shows_nothing(*c)) {
                    if !missing.contains(c) {
                        missing.push(c);
                    }
                }
            }
        }
        buffers.push((buffer, height));
        height += lines_height;
    }
    if !missing.is_empty() && !allow_missing {
        return Err(OverlayError::Unshowable(missing));
    }
    let canvas_w = block.max_width_px.ceil().max(1.0) as u32;
    let mut canvas = Canvas::new(canvas_w, height.ceil().max(1.0) as u32);
    let [r, g, b] = block.color;
    let color = cosmic_text::Color::rgb(r, g, b);
    for (buffer, top) in &mut buffers {
        let top = *top as i32;
        buffer.draw(
            &mut fonts.system,
            &mut fonts.cache,
            color,
            |x, y, w, h, c| {
                let a = f32::from(c.a()) / 255.0;
                let px = [
                    f32::from(c.r()) / 255.0 * a,
                    f32::from(c.g()) / 255.0 * a,
                    f32::from(c.b()) / 255.0 * a,
                    a,
                ];
                for dy in 0..h as i32 {
                    for dx in 0..w as i32 {
                        canvas.over(x + dx, top + y + dy, px);
                    }
                }
            },
        );
    }
    Ok(canvas)
}

/// Characters that draw nothing of their own (spaces, joiners, variation selectors): a font
/// without them loses nothing.
fn shows_nothing(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
        || ('\u{E0100}'..='\u{E01EF}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<'a>(paragraphs: &'a [(&'a str, f32)]) -> TextBlock<'a> {
        TextBlock {
            paragraphs,
            font: None,
            max_width_px: 600.0,
            color: [255, 255, 255],
        }
    }

    fn coverage(canvas: &Canvas) -> f32 {
        canvas.rgba.chunks(4).map(|p| p[3]).sum()
    }

    /// Japanese, Arabic and an emoji come out in real glyphs from the system's fonts: the
    /// pixels differ from the same text drawn with a font that lacks them (its boxes).
    #[test]
    fn other_scripts_use_real_glyphs_not_boxes() {
        let mut boxes_only = Fonts::inter_only();
        for text in ["京都 2026", "مرحبا بالعالم", "party 🎉"] {
            let paragraphs = [(text, 48.0)];
            let real = rasterise(&block(&paragraphs)).unwrap();
            let boxes = rasterise_with(&mut boxes_only, &block(&paragraphs), true).unwrap();
            assert!(coverage(&real) > 100.0, "{text}: nothing drawn");
            assert_ne!(real, boxes, "{text}: drawn as the missing-glyph boxes");
            // Without fallback fonts the same text is refused: Inter lacks these glyphs.
            let refused = rasterise_with(&mut boxes_only, &block(&paragraphs), false);
            assert!(
                matches!(refused, Err(OverlayError::Unshowable(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn emoji_keep_their_colours() {
        let paragraphs = [("🎉", 64.0)];
        let canvas = rasterise(&TextBlock {
            color: [255, 255, 255],
            ..block(&paragraphs)
        })
        .unwrap();
        let coloured = canvas
            .rgba
            .chunks(4)
            .filter(|p| p[3] > 0.5 && ((p[0] - p[1]).abs() > 0.1 || (p[1] - p[2]).abs() > 0.1))
            .count();
        assert!(coloured > 50, "a white emoji: {coloured} coloured pixels");
    }

    #[test]
    fn characters_no_font_has_are_refused_by_name() {
        // Linear B: no font on a usual system has it.
        let paragraphs = [("Knossos \u{10000}\u{10001}", 32.0)];
        match rasterise(&block(&paragraphs)) {
            Err(OverlayError::Unshowable(chars)) => assert_eq!(chars, "\u{10000}\u{10001}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let err = OverlayError::Unshowable("\u{10000}".into()).to_string();
        assert!(err.contains("U+10000"), "{err}");
        let paragraphs = [("Kyoto", 32.0)];
        let missing = rasterise(&TextBlock {
            font: Some("No Such Font 123"),
            ..block(&paragraphs)
        });
        assert!(matches!(missing, Err(OverlayError::FontMissing(_))));
    }
}
