//! The logo: an image file read once (regular files only, size-limited), scaled to its
//! share of the frame height, its opacity baked in, premultiplied.

use std::io::{BufReader, Read};
use std::path::Path;

use image::ImageReader;

use super::OverlayError;
use super::text::Canvas;

/// The largest logo file read.
pub const MAX_LOGO_BYTES: u64 = 32 << 20;
/// The largest logo image side decoded.
pub const MAX_LOGO_SIDE_PX: u32 = 8192;

/// The logo at `path`, `height_px` tall (the width keeps its aspect), at `opacity`.
pub(super) fn load(path: &Path, height_px: u32, opacity: f64) -> Result<Canvas, OverlayError> {
    let fail = |reason: String| OverlayError::Logo {
        reason,
        path: path.to_owned(),
    };
    let file = crate::files::open_regular(path).map_err(|e| fail(crate::files::io_words(&e)))?;
    let size = file
        .metadata()
        .map_err(|e| fail(crate::files::io_words(&e)))?
        .len();
    if size > MAX_LOGO_BYTES {
        return Err(fail(format!(
            "the file is {} MB, larger than the {} MB a logo may be",
            size >> 20,
            MAX_LOGO_BYTES >> 20
        )));
    }
    let mut bytes = Vec::new();
    BufReader::new(file)
        .take(MAX_LOGO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    let mut reader = ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| fail(e.to_string()))?;
    if reader.format().is_none() {
        return Err(fail(
            "not an image (PNG, JPEG, WebP, GIF, BMP, TIFF)".into(),
        ));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE_PX);
    limits.max_image_height = Some(MAX_LOGO_SIDE_PX);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| {
            fail(format!(
                "not a readable image, or larger than {MAX_LOGO_SIDE_PX} pixels on a side ({e})"
            ))
        })?
        .into_rgba8();
    let (w, h) = image.dimensions();
    let height_px = height_px.max(1);
    let width_px = ((f64::from(w) * f64::from(height_px) / f64::from(h.max(1))).round() as u32)
        .clamp(1, MAX_LOGO_SIDE_PX);
    let scaled = image::imageops::resize(
        &image,
        width_px,
        height_px,
        image::imageops::FilterType::CatmullRom,
    );
    let opacity = opacity.clamp(0.0, 1.0) as f32;
    let mut canvas = Canvas::new(width_px, height_px);
    for (px, out) in scaled.pixels().zip(canvas.rgba.chunks_mut(4)) {
        let a = f32::from(px[3]) / 255.0 * opacity;
        for c in 0..3 {
            out[c] = f32::from(px[c]) / 255.0 * a;
        }
        out[3] = a;
    }
    Ok(canvas)
}
