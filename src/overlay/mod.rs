//! Words and marks over the grid: the title (with its subtitle) and the logo, each laid out
//! and rasterised once into a premultiplied RGBA sprite when its settings change
//! ([`Overlay::build`]), then laid over every frame. The export blends the sprites straight
//! into its YUV planes (`blend.rs`: alpha blending commutes with the RGB→YCbCr matrix, so
//! the export stays on its YUV path); the editor's preview draws the same sprites as
//! textures over the grid.

// Canvas and frame sides are at most a few thousand pixels (frames at most 8192), so
// u32 → i32 never wraps.
#![allow(clippy::cast_possible_wrap)]

mod blend;
mod caption;
mod logo;
mod text;

pub use blend::Blender;
pub use caption::{captions, captions_for};
pub use logo::{MAX_LOGO_BYTES, MAX_LOGO_SIDE_PX};
pub use text::font_families;

use std::path::PathBuf;

use crate::settings::{Backdrop, Corner, Settings, TitlePosition, TitleShow};
use text::{Canvas, TextBlock};

/// Why the title or the logo cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    #[error("no font on this machine can show {}; remove {} or install a font that has {}", describe_chars(.0), if .0.chars().count() == 1 { "it" } else { "them" }, if .0.chars().count() == 1 { "it" } else { "them" })]
    Unshowable(String),
    #[error("title.font: no font named `{0}` is installed")]
    FontMissing(String),
    #[error("captions.font: no font named `{0}` is installed")]
    CaptionFontMissing(String),
    #[error("caption: no font on this machine can show {}; change the caption or install a font that has {}: {}", describe_chars(.chars), if .chars.chars().count() == 1 { "it" } else { "them" }, path.display())]
    Caption { chars: String, path: PathBuf },
    #[error("logo: {reason}: {}", path.display())]
    Logo { reason: String, path: PathBuf },
}

/// `"𐀀" (U+10000), "x" (U+0078)`.
fn describe_chars(chars: &str) -> String {
    chars
        .chars()
        .map(|c| format!("\"{c}\" (U+{:04X})", u32::from(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a sprite shows: its opacity at time t.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fade {
    Always,
    /// Full until `from_secs`, gone at `to_secs`.
    Out {
        from_secs: f64,
        to_secs: f64,
    },
    /// Nothing until `from_secs`, full from `to_secs`.
    In {
        from_secs: f64,
        to_secs: f64,
    },
}

impl Fade {
    /// Opacity 0..1 at `t_secs`.
    #[must_use]
    pub fn at(self, t_secs: f64) -> f32 {
        let ramp = |from: f64, to: f64| ((t_secs - from) / (to - from).max(1e-9)).clamp(0.0, 1.0);
        (match self {
            Self::Always => 1.0,
            Self::Out { from_secs, to_secs } => 1.0 - ramp(from_secs, to_secs),
            Self::In { from_secs, to_secs } => ramp(from_secs, to_secs),
        }) as f32
    }
}

/// One rasterised piece (the title block, the logo) at its place in the frame. Its
/// position and size are even, so it covers whole 2x2 chroma blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Sprite {
    pub x_px: u32,
    pub y_px: u32,
    pub width_px: u32,
    pub height_px: u32,
    /// Premultiplied RGBA, rows without padding.
    pub rgba: Vec<u8>,
    pub fade: Fade,
}

/// Everything laid over the frames of one frame size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    pub width_px: u32,
    pub height_px: u32,
    pub sprites: Vec<Sprite>,
}

impl Overlay {
    /// Lays out and rasterises the title and the logo of `settings` for frames of
    /// `frame_px` (even sides). Empty when neither is set. Refuses a character no font has,
    /// a font not installed, and a logo that is not a readable image file.
    pub fn build(settings: &Settings, frame_px: (u32, u32)) -> Result<Self, OverlayError> {
        let mut overlay = Self {
            width_px: frame_px.0,
            height_px: frame_px.1,
            sprites: Vec::new(),
        };
        // The title and the logo are placed in the safe rectangle (the whole frame without
        // a safe area): preview and export both take their places from here.
        let safe = settings.safe_area.rect_px(frame_px);
        if settings.title.shown() {
            let canvas = title_canvas(settings, frame_px, safe)?;
            let y = title_y(settings.title.position, frame_px.1, safe, canvas.height_px);
            let fade = title_fade(settings);
            overlay.place(&canvas, (0, y), fade);
        }
        if let Some(path) = &settings.logo.file {
            let logo = &settings.logo;
            let height = f64::from(frame_px.1);
            let logo_px = (logo.size * height).round().max(2.0) as u32;
            let canvas = logo::load(path, logo_px, logo.opacity)?;
            let margin = (logo.margin * height).round() as i64;
            let (left, top, right, bottom) = safe;
            let (cw, ch) = (i64::from(canvas.width_px), i64::from(canvas.height_px));
            let x = match logo.position {
                Corner::TopLeft | Corner::BottomLeft => left + margin,
                Corner::TopRight | Corner::BottomRight => right - margin - cw,
            };
            let y = match logo.position {
                Corner::TopLeft | Corner::TopRight => top + margin,
                Corner::BottomLeft | Corner::BottomRight => bottom - margin - ch,
            };
            overlay.place(&canvas, (x, y), Fade::Always);
        }
        Ok(overlay)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sprites.is_empty()
    }

    /// Adds `canvas` with its top-left at `at` (it may lie partly outside the frame), as a
    /// sprite clipped to the frame and grown to even sides.
    fn place(&mut self, canvas: &Canvas, at: (i64, i64), fade: Fade) {
        let (fw, fh) = (i64::from(self.width_px), i64::from(self.height_px));
        let x0 = at.0.clamp(0, fw) & !1;
        let y0 = at.1.clamp(0, fh) & !1;
        let x1 = (at.0 + i64::from(canvas.width_px)).clamp(0, fw);
        let y1 = (at.1 + i64::from(canvas.height_px)).clamp(0, fh);
        let x1 = (x1 + (x1 & 1)).min(fw);
        let y1 = (y1 + (y1 & 1)).min(fh);
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let (w, h) = ((x1 - x0) as u32, (y1 - y0) as u32);
        let mut rgba = vec![0u8; w as usize * h as usize * 4];
        for y in 0..h {
            let cy = i64::from(y) + y0 - at.1;
            if cy < 0 || cy >= i64::from(canvas.height_px) {
                continue;
            }
            for x in 0..w {
                let cx = i64::from(x) + x0 - at.0;
                if cx < 0 || cx >= i64::from(canvas.width_px) {
                    continue;
                }
                let src = (cy as usize * canvas.width_px as usize + cx as usize) * 4;
                let dst = (y as usize * w as usize + x as usize) * 4;
                for c in 0..4 {
                    rgba[dst + c] = (canvas.rgba[src + c].clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            }
        }
        self.sprites.push(Sprite {
            x_px: x0 as u32,
            y_px: y0 as u32,
            width_px: w,
            height_px: h,
            rgba,
            fade,
        });
    }
}

/// The title block across the whole frame width (so a band spans it): its lines centred on
/// the safe rectangle `safe` (left, top, right, bottom) and at most 0.9 of its width, with
/// the backdrop.
fn title_canvas(
    settings: &Settings,
    (width, height): (u32, u32),
    safe: (i64, i64, i64, i64),
) -> Result<Canvas, OverlayError> {
    let title = &settings.title;
    let size_px = (title.size * f64::from(height)) as f32;
    let paragraphs = [
        (title.text.as_str(), size_px),
        (title.subtitle.as_str(), size_px * 0.55),
    ];
    let color = title.color;
    let text = text::rasterise(&TextBlock {
        paragraphs: &paragraphs,
        font: title.font.as_deref(),
        max_width_px: ((safe.2 - safe.0) as f32 * 0.9).max(1.0),
        color: [color.r, color.g, color.b],
    })?;
    let pad = (size_px * 0.3).ceil().max(2.0) as u32;
    let mut canvas = Canvas::new(width, text.height_px + 2 * pad);
    let left = ((safe.0 + safe.2 - i64::from(text.width_px)) / 2).max(0) as i32;
    match title.backdrop {
        Backdrop::None => {}
        Backdrop::Band => {
            for px in canvas.rgba.chunks_mut(4) {
                px[3] = 0.45;
            }
        }
        Backdrop::Shadow => {
            let offset = (size_px * 0.04).round().max(1.0) as i32;
            let radius = (size_px * 0.05).round().max(1.0) as i32;
            let shadow = blurred_alpha(&text, radius);
            for y in 0..text.height_px {
                for x in 0..text.width_px {
                    let a = 0.6 * shadow[(y * text.width_px + x) as usize];
                    if a > 0.0 {
                        let (sx, sy) = (left + x as i32 + offset, pad as i32 + y as i32 + offset);
                        canvas.over(sx, sy, [0.0, 0.0, 0.0, a]);
                    }
                }
            }
        }
    }
    for y in 0..text.height_px {
        for x in 0..text.width_px {
            let i = ((y * text.width_px + x) * 4) as usize;
            if text.rgba[i + 3] > 0.0 {
                let px = [
                    text.rgba[i],
                    text.rgba[i + 1],
                    text.rgba[i + 2],
                    text.rgba[i + 3],
                ];
                canvas.over(left + x as i32, pad as i32 + y as i32, px);
            }
        }
    }
    Ok(canvas)
}

/// The text's coverage, box-blurred (two passes) by `radius` pixels.
fn blurred_alpha(text: &Canvas, radius: i32) -> Vec<f32> {
    let (w, h) = (text.width_px as i32, text.height_px as i32);
    let alpha: Vec<f32> = text.rgba.chunks(4).map(|p| p[3]).collect();
    let pass = |src: &[f32], horizontal: bool| -> Vec<f32> {
        let mut out = vec![0.0; src.len()];
        let n = (2 * radius + 1) as f32;
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0.0;
                for d in -radius..=radius {
                    let (sx, sy) = if horizontal { (x + d, y) } else { (x, y + d) };
                    if sx >= 0 && sy >= 0 && sx < w && sy < h {
                        sum += src[(sy * w + sx) as usize];
                    }
                }
                out[(y * w + x) as usize] = sum / n;
            }
        }
        out
    };
    let once = pass(&alpha, true);
    pass(&once, false)
}

/// The top of a title block `block_h` tall at `position` in a frame `height` tall, measured
/// from the safe rectangle's top and bottom edges (`safe`: left, top, right, bottom).
fn title_y(
    position: TitlePosition,
    height: u32,
    (_, top, _, bottom): (i64, i64, i64, i64),
    block_h: u32,
) -> i64 {
    let block_h = i64::from(block_h);
    let margin = i64::from(height) * 6 / 100;
    match position {
        TitlePosition::Top => top + margin,
        TitlePosition::Center => (top + bottom - block_h) / 2,
        TitlePosition::Bottom => bottom - margin - block_h,
    }
}

/// When the title shows, with a fade of at most half a second.
fn title_fade(settings: &Settings) -> Fade {
    let title = &settings.title;
    let secs = title.secs.min(settings.duration_secs);
    let fade = (secs / 3.0).min(0.5);
    match title.show {
        TitleShow::Whole => Fade::Always,
        TitleShow::First => Fade::Out {
            from_secs: secs - fade,
            to_secs: secs,
        },
        TitleShow::End => {
            let start = settings.duration_secs - secs;
            Fade::In {
                from_secs: start,
                to_secs: start + fade,
            }
        }
    }
}

#[cfg(test)]
mod tests;
