//! The captions' look: each caption shaped and rasterised with the title's text module (the
//! bundled Inter, other scripts from the system's fonts) and laid into its tile's bottom
//! band, over a translucent dark band when asked. Before an export, every caption of the
//! photos it shows is checked: a character no font has is refused by name.

// Tile sides are at most 4096 pixels, so u32 → i32 never wraps.
#![allow(clippy::cast_possible_wrap)]

use std::path::PathBuf;
use std::sync::Arc;

use super::OverlayError;
use super::text::{self, Canvas, TextBlock};
use crate::photos::{CaptionPainter, Captions, TilePixels, caption_text};
use crate::settings::{CaptionSettings, Color, cleaned_caption};

/// The band's opacity behind a caption.
const BAND_ALPHA: f32 = 0.45;

/// Draws captions as `settings` says.
struct Painter {
    size: f64,
    color: Color,
    band: bool,
    font: Option<String>,
}

impl Painter {
    /// The caption's lines, wrapped at `max_width_px`.
    fn lines(&self, text: &str, size_px: f32, max_width_px: f32) -> Option<Canvas> {
        let paragraphs = [(text, size_px)];
        let block = TextBlock {
            paragraphs: &paragraphs,
            font: self.font.as_deref(),
            max_width_px: max_width_px.max(1.0),
            color: [self.color.r, self.color.g, self.color.b],
        };
        // Refused characters (and a font not installed) were reported before the export;
        // here a missing glyph is drawn as what the fonts have (the editor shows the caption
        // as far as it can).
        text::rasterise_or_boxes(&block).ok()
    }

    /// `text` on one line at most `max_width_px` wide: shortened with `…` when longer.
    fn one_line(&self, text: &str, size_px: f32, max_width_px: f32) -> Option<Canvas> {
        let fits = |canvas: &Canvas| f64::from(canvas.height_px) <= f64::from(size_px) * 1.3;
        let whole = self.lines(text, size_px, max_width_px)?;
        if fits(&whole) {
            return Some(whole);
        }
        let chars: Vec<char> = text.chars().collect();
        // The most characters that fit with the ellipsis: a binary search over the prefix.
        let (mut fit, mut over) = (0, chars.len());
        let mut best = None;
        while over - fit > 1 {
            let mid = usize::midpoint(fit, over);
            let mut cut: String = chars[..mid].iter().collect::<String>().trim_end().into();
            cut.push('…');
            match self.lines(&cut, size_px, max_width_px) {
                Some(canvas) if fits(&canvas) => {
                    fit = mid;
                    best = Some(canvas);
                }
                _ => over = mid,
            }
        }
        best.or_else(|| self.lines("…", size_px, max_width_px))
    }
}

impl CaptionPainter for Painter {
    fn paint(&self, text: &str, tile: &mut TilePixels, below_px: u32) {
        let photo_h = tile.height_px - below_px.min(tile.height_px);
        let size_px = crate::settings::caption_size_px(self.size, photo_h) as f32;
        let max_width_px = tile.width_px as f32 * 0.94;
        if below_px > 0 {
            if let Some(canvas) = self.one_line(text, size_px, max_width_px) {
                lay_below(tile, &canvas, below_px, self.band);
            }
        } else if let Some(canvas) = self.lines(text, size_px, max_width_px) {
            lay_into(tile, &canvas, size_px, self.band);
        }
    }
}

/// Lays `canvas` (one line) centred on the `below_px` rows under the photo, over the band
/// across that line when asked (so light letters show on a light background).
fn lay_below(tile: &mut TilePixels, canvas: &Canvas, below_px: u32, band: bool) {
    let top = tile.height_px - below_px;
    if band {
        let line = top as usize * tile.width_px as usize * 4..;
        for px in tile.rgba[line].chunks_mut(4) {
            blend_over(&mut px[..3], &[0.0, 0.0, 0.0, BAND_ALPHA]);
        }
    }
    let y0 = top + below_px.saturating_sub(canvas.height_px) / 2;
    let x0 = tile.width_px.saturating_sub(canvas.width_px) / 2;
    let width = tile.width_px as usize;
    for cy in 0..canvas.height_px.min(tile.height_px - y0) {
        for cx in 0..canvas.width_px.min(tile.width_px - x0) {
            let i = (cy as usize * canvas.width_px as usize + cx as usize) * 4;
            let src = &canvas.rgba[i..i + 4];
            if src[3] <= 0.0 {
                continue;
            }
            let at = ((y0 + cy) as usize * width + (x0 + cx) as usize) * 4;
            blend_over(&mut tile.rgba[at..at + 3], src);
        }
    }
}

/// `src` (premultiplied, 0..1) over the 8-bit RGB pixel `dst`.
fn blend_over(dst: &mut [u8], src: &[f32]) {
    let keep = 1.0 - src[3];
    for (d, s) in dst.iter_mut().zip(src) {
        let out = s + keep * f32::from(*d) / 255.0;
        *d = (out.clamp(0.0, 1.0) * 255.0).round() as u8;
    }
}

/// Lays `canvas` (the caption's lines) centred at the bottom of `tile`, with the band.
fn lay_into(tile: &mut TilePixels, canvas: &Canvas, size_px: f32, band: bool) {
    let pad = (size_px * 0.25).ceil() as u32;
    let band_h = (canvas.height_px + 2 * pad).min(tile.height_px);
    let top = tile.height_px - band_h;
    let left = (tile.width_px.saturating_sub(canvas.width_px) / 2) as i32;
    let width = tile.width_px as usize;
    for y in top..tile.height_px {
        for x in 0..tile.width_px {
            let mut px = [0.0f32; 4];
            if band {
                px[3] = BAND_ALPHA;
            }
            let (cx, cy) = (x as i32 - left, (y - top) as i32 - pad as i32);
            if cx >= 0 && cy >= 0 && (cx as u32) < canvas.width_px && (cy as u32) < canvas.height_px
            {
                let i = (cy as usize * canvas.width_px as usize + cx as usize) * 4;
                let src = &canvas.rgba[i..i + 4];
                let keep = 1.0 - src[3];
                for (dst, s) in px.iter_mut().zip(src) {
                    *dst = s + keep * *dst;
                }
            }
            if px[3] <= 0.0 {
                continue;
            }
            let at = (y as usize * width + x as usize) * 4;
            blend_over(&mut tile.rgba[at..at + 3], &px);
        }
    }
}

/// The captions an export's tiles get under `settings`, once every caption of `paths` is
/// known to be showable: `None` when there are none. Returns the notes to print (a name
/// with control characters, or shortened).
///
/// # Errors
/// A caption with characters no font has, naming them and the photo; a caption font that is
/// not installed.
pub fn captions_for(
    settings: &CaptionSettings,
    paths: &[PathBuf],
) -> Result<(Option<Captions>, Vec<String>), OverlayError> {
    if !settings.shown() {
        return Ok((None, Vec::new()));
    }
    if let Some(font) = &settings.font {
        text::check_family(font).map_err(|_| OverlayError::CaptionFontMissing(font.clone()))?;
    }
    let captions = captions(settings);
    let mut notes = Vec::new();
    let mut checked = std::collections::HashSet::new();
    for path in paths {
        // A date is digits and dashes, always showable: its EXIF is read when the tile is made.
        if !settings.texts.contains_key(path)
            && settings.show == crate::settings::CaptionSource::Date
        {
            continue;
        }
        let Some(raw) = caption_text(settings, path) else {
            continue;
        };
        let (text, changed) = cleaned_caption(&raw);
        if changed {
            notes.push(format!(
                "caption shortened or cleaned of control characters to \"{text}\": {}",
                path.display()
            ));
        }
        if checked.insert(text.clone()) {
            text::check_showable(&text).map_err(|e| match e {
                OverlayError::Unshowable(chars) => OverlayError::Caption {
                    chars,
                    path: path.clone(),
                },
                other => other,
            })?;
        }
    }
    Ok((Some(captions), notes))
}

/// The captions under `settings`, unchecked (the editor's: it draws what it can).
#[must_use]
pub fn captions(settings: &CaptionSettings) -> Captions {
    let painter = Painter {
        size: settings.size,
        color: settings.color,
        band: settings.band,
        font: settings.font.clone(),
    };
    Captions::new(Arc::new(settings.clone()), Arc::new(painter))
}

#[cfg(test)]
mod tests {
    use super::super::text::{Fonts, rasterise_with};
    use super::*;
    use crate::settings::CaptionSource;

    fn grey_tile() -> TilePixels {
        TilePixels {
            width_px: 160,
            height_px: 120,
            rgba: [128, 128, 128, 255].repeat(160 * 120),
        }
    }

    /// Rows of `a` that differ from `b`.
    fn changed_rows(a: &TilePixels, b: &TilePixels) -> Vec<usize> {
        (0..a.height_px as usize)
            .filter(|y| {
                let row = y * a.width_px as usize * 4..(y + 1) * a.width_px as usize * 4;
                a.rgba[row.clone()] != b.rgba[row]
            })
            .collect()
    }

    /// Japanese and Arabic captions are drawn from real fonts into the tile's bottom band:
    /// the pixels differ from the same caption drawn with a font that lacks the glyphs (its
    /// boxes), and the tile's upper half is untouched.
    #[test]
    fn cjk_and_arabic_captions_draw_real_glyphs_in_the_bottom_band() {
        let painter = Painter {
            size: 0.15,
            color: Color::WHITE,
            band: false,
            font: None,
        };
        let mut boxes_only = Fonts::inter_only();
        for text in ["京都の春", "مرحبا بالعالم"] {
            let mut real = grey_tile();
            painter.paint(text, &mut real, 0);
            let size_px = 0.15 * 120.0;
            let paragraphs = [(text, size_px)];
            let block = TextBlock {
                paragraphs: &paragraphs,
                font: None,
                max_width_px: 160.0 * 0.94,
                color: [255, 255, 255],
            };
            let canvas = rasterise_with(&mut boxes_only, &block, true).unwrap();
            let mut boxes = grey_tile();
            lay_into(&mut boxes, &canvas, size_px, false);
            let rows = changed_rows(&real, &grey_tile());
            assert!(rows.len() > 8, "{text}: {} rows drawn", rows.len());
            assert!(rows.iter().all(|&y| y >= 60), "{text}: {rows:?}");
            assert_ne!(real, boxes, "{text}: drawn as the missing-glyph boxes");
        }
    }

    /// Captions under the tiles: each tile grows by the caption line, filled with the
    /// background; the photo's rows are untouched; the caption is drawn on that line, one
    /// line only (a long one ends in `…`, still inside the line); a photo with no caption
    /// gets the empty line too.
    #[test]
    fn captions_below_grow_the_tile_by_one_line_under_the_photo() {
        let mut settings = CaptionSettings {
            show: CaptionSource::Name,
            size: 0.15,
            place: crate::settings::CaptionPlace::Below,
            band: false,
            ..CaptionSettings::default()
        };
        let below_px = settings.strip_px(120);
        assert_eq!(
            below_px,
            23 + 2 * 5,
            "18 px letters: a 22.5 px line and 4.5 px above and below"
        );
        let blue = Color { r: 0, g: 0, b: 255 };
        let draw = |settings: &CaptionSettings, name: &str| {
            let mut tile = grey_tile();
            captions(settings).caption(std::path::Path::new(name), &mut tile, blue);
            tile
        };
        let short = draw(&settings, "trip/Kyoto.jpg");
        assert_eq!((short.width_px, short.height_px), (160, 120 + below_px));
        let photo_bytes = 160 * 120 * 4;
        assert_eq!(
            short.rgba[..photo_bytes],
            grey_tile().rgba[..],
            "the photo is untouched"
        );
        let line = &short.rgba[photo_bytes..];
        let drawn = |line: &[u8]| line.chunks(4).filter(|p| p[..3] != [0, 0, 255]).count();
        assert!(drawn(line) > 100, "{} caption pixels", drawn(line));
        let long = draw(
            &settings,
            &format!("trip/{}.jpg", "Kyoto in spring ".repeat(6)),
        );
        assert_eq!(long.height_px, 120 + below_px, "one line, however long");
        assert!(drawn(&long.rgba[photo_bytes..]) > drawn(line));
        // With the band, the whole line under the photo is darkened (blue 255 → 140).
        settings.band = true;
        let banded = draw(&settings, "trip/Kyoto.jpg");
        assert_eq!(banded.rgba[..photo_bytes], grey_tile().rgba[..]);
        assert!(banded.rgba[photo_bytes..].chunks(4).all(|p| p[2] >= 140));
        assert_eq!(banded.rgba[photo_bytes..photo_bytes + 4], [0, 0, 140, 255]);
        // No caption (no EXIF date): the same line, only background.
        settings.show = CaptionSource::Date;
        let bare = draw(&settings, "trip/Kyoto.jpg");
        assert_eq!(bare.height_px, 120 + below_px);
        assert_eq!(drawn(&bare.rgba[photo_bytes..]), 0);
        // In the tile, nothing grows.
        settings.place = crate::settings::CaptionPlace::InTile;
        assert_eq!(settings.strip_px(120), 0);
        assert_eq!(draw(&settings, "trip/Kyoto.jpg").height_px, 120);
    }

    /// The captions' font is the one asked for (its letters differ from Inter's), and one
    /// not installed is refused before an export, by name.
    #[test]
    fn the_caption_font_is_used_and_a_missing_one_refused() {
        let painter = |font: Option<&str>| Painter {
            size: 0.2,
            color: Color::WHITE,
            band: false,
            font: font.map(str::to_owned),
        };
        let draw = |font| {
            let mut tile = grey_tile();
            painter(font).paint("Kyoto", &mut tile, 0);
            tile
        };
        let inter = draw(None);
        assert_ne!(inter, grey_tile());
        assert_ne!(draw(Some("Noto Sans CJK JP")), inter);
        let settings = CaptionSettings {
            show: CaptionSource::Name,
            font: Some("No Such Font".into()),
            ..CaptionSettings::default()
        };
        let err = captions_for(&settings, &[PathBuf::from("a.jpg")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "captions.font: no font named `No Such Font` is installed"
        );
    }

    /// Before an export: a name no font shows is refused naming its characters and the
    /// photo; a name with a control character is cleaned, with a note.
    #[test]
    fn unshowable_names_are_refused_and_control_characters_noted() {
        let settings = CaptionSettings {
            show: CaptionSource::Name,
            ..CaptionSettings::default()
        };
        let good = [
            PathBuf::from("trip/京都.jpg"),
            PathBuf::from("trip/a\u{1}b.jpg"),
        ];
        let (captions, notes) = captions_for(&settings, &good).unwrap();
        assert!(captions.is_some());
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("\"ab\"") && notes[0].ends_with("a\u{1}b.jpg"));
        let bad = [PathBuf::from("trip/\u{10000}.jpg")];
        let err = captions_for(&settings, &bad).unwrap_err().to_string();
        assert!(
            err.contains("U+10000") && err.ends_with("trip/\u{10000}.jpg"),
            "{err}"
        );
        let none = CaptionSettings::default();
        assert!(captions_for(&none, &bad).unwrap().0.is_none());
    }
}
