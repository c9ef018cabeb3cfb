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
}

impl CaptionPainter for Painter {
    fn paint(&self, text: &str, tile: &mut TilePixels) {
        let size_px = (self.size * f64::from(tile.height_px)).max(4.0) as f32;
        let paragraphs = [(text, size_px)];
        let block = TextBlock {
            paragraphs: &paragraphs,
            font: None,
            max_width_px: (tile.width_px as f32 * 0.94).max(1.0),
            color: [self.color.r, self.color.g, self.color.b],
        };
        // Refused characters were reported before the export; here one is drawn as what
        // the fonts have (the editor shows the caption as far as it can).
        let Ok(canvas) = text::rasterise_or_boxes(&block) else {
            return;
        };
        lay_into(tile, &canvas, size_px, self.band);
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
            let keep = 1.0 - px[3];
            for (dst, s) in tile.rgba[at..at + 3].iter_mut().zip(px) {
                let out = s + keep * f32::from(*dst) / 255.0;
                *dst = (out.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
    }
}

/// The captions an export's tiles get under `settings`, once every caption of `paths` is
/// known to be showable: `None` when there are none. Returns the notes to print (a name
/// with control characters, or shortened).
///
/// # Errors
/// A caption with characters no font has, naming them and the photo.
pub fn captions_for(
    settings: &CaptionSettings,
    paths: &[PathBuf],
) -> Result<(Option<Captions>, Vec<String>), OverlayError> {
    if !settings.shown() {
        return Ok((None, Vec::new()));
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
        };
        let mut boxes_only = Fonts::inter_only();
        for text in ["京都の春", "مرحبا بالعالم"] {
            let mut real = grey_tile();
            painter.paint(text, &mut real);
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
