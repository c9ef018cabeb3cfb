//! JPEG XL through jxl-oxide (pure Rust, MIT OR Apache-2.0): the first frame, its orientation
//! applied, to 8-bit grey or RGB, with alpha; the profile the pixels are in goes to the colour
//! management like any other format's.
//!
//! Guards: the size the header declares is checked before any pixel is decoded; jxl-oxide
//! works in 32-bit float planes, so what it may allocate is bounded by its own allocation
//! tracker, and the estimate is held as a decode permit.

use std::io::Read;
use std::path::Path;

use image::DynamicImage;
use jxl_oxide::{AllocTracker, JxlImage, PixelFormat};

use super::PhotoError;
use super::gate::Permit;

/// A bare codestream's signature, and the container's first box.
const CODESTREAM: [u8; 2] = [0xFF, 0x0A];
const CONTAINER: [u8; 12] = [
    0, 0, 0, 0x0C, b'J', b'X', b'L', b' ', 0x0D, 0x0A, 0x87, 0x0A,
];

/// The largest JPEG XL file read (whole).
const MAX_FILE_BYTES: u64 = 512 << 20;

/// A decoded first frame: 8-bit grey, grey+alpha, RGB or RGBA, upright; the ICC profile that
/// describes its pixels; the decode's permit.
pub(super) struct Decoded {
    pub image: DynamicImage,
    pub icc: Option<Vec<u8>>,
    pub permit: Permit,
}

/// Whether a file's first bytes are a JPEG XL codestream or container.
#[must_use]
pub(super) fn is_jxl(head: &[u8]) -> bool {
    head.starts_with(&CODESTREAM) || head.starts_with(&CONTAINER)
}

/// Decodes the JPEG XL file at `path`; `None` when it is not one. `max_float_bytes` bounds the
/// float planes jxl-oxide renders into (and its allocations in all); `max_side_px` each side.
pub(super) fn decode_if_jxl(
    path: &Path,
    max_side_px: u32,
    max_float_bytes: u64,
) -> Result<Option<Decoded>, PhotoError> {
    let Some(data) = read_if_jxl(path)? else {
        return Ok(None);
    };
    decode(&data, max_side_px, max_float_bytes).map(Some)
}

/// What [`decode_if_jxl`] checks before decoding any pixel; `None` when not a JPEG XL file.
pub(super) fn probe_if_jxl(
    path: &Path,
    max_side_px: u32,
    max_float_bytes: u64,
) -> Result<Option<()>, PhotoError> {
    let Some(data) = read_if_jxl(path)? else {
        return Ok(None);
    };
    checked(&data, max_side_px, max_float_bytes).map(|_| Some(()))
}

/// The JPEG XL file at `path`, read whole; `None` when it is not one.
fn read_if_jxl(path: &Path) -> Result<Option<Vec<u8>>, PhotoError> {
    let mut file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    let mut head = [0u8; 12];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]).map_err(PhotoError::Io)? {
            0 => break,
            n => filled += n,
        }
    }
    if !is_jxl(&head[..filled]) {
        return Ok(None);
    }
    let len = file.metadata().map_err(PhotoError::Io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(PhotoError::TooLarge(format!(
            "a JPEG XL file of {} MiB; the limit is {} MiB",
            len >> 20,
            MAX_FILE_BYTES >> 20
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    data.extend_from_slice(&head[..filled]);
    file.read_to_end(&mut data).map_err(PhotoError::Io)?;
    Ok(Some(data))
}

fn damaged(e: impl std::fmt::Display) -> PhotoError {
    let text = e.to_string();
    if text.contains("EOF") || text.contains("eof") || text.contains("end of") {
        PhotoError::Damaged(format!("truncated JPEG XL: {text}"))
    } else {
        PhotoError::Damaged(format!("JPEG XL: {text}"))
    }
}

/// The image with its headers read and its declared size within the limits, and the bytes
/// of its float planes.
fn checked(
    data: &[u8],
    max_side_px: u32,
    max_float_bytes: u64,
) -> Result<(JxlImage, u64), PhotoError> {
    let tracker = AllocTracker::with_limit(usize::try_from(max_float_bytes).unwrap_or(usize::MAX));
    let image = JxlImage::builder()
        .alloc_tracker(tracker)
        .read(data)
        .map_err(damaged)?;
    let (w, h) = (image.width(), image.height());
    let format = image.pixel_format();
    let channels = u64::try_from(format.channels()).unwrap_or(4);
    let float_bytes = u64::from(w) * u64::from(h) * channels * 4;
    if w == 0 || h == 0 {
        return Err(PhotoError::Damaged(format!(
            "JPEG XL declares {w}×{h} pixels"
        )));
    }
    if w > max_side_px || h > max_side_px || float_bytes > max_float_bytes {
        return Err(PhotoError::TooLarge(format!(
            "JPEG XL declares {w}×{h} pixels, {} MiB to decode; the limit is {max_side_px} pixels \
             a side and {} MiB",
            float_bytes.div_ceil(1 << 20),
            max_float_bytes >> 20
        )));
    }
    if matches!(format, PixelFormat::Cmyk | PixelFormat::Cmyka) {
        return Err(PhotoError::Unsupported("CMYK JPEG XL".into()));
    }
    Ok((image, float_bytes))
}

fn decode(data: &[u8], max_side_px: u32, max_float_bytes: u64) -> Result<Decoded, PhotoError> {
    let (image, float_bytes) = checked(data, max_side_px, max_float_bytes)?;
    // The float planes, and our 8-bit copy.
    let permit = super::gate::acquire(float_bytes + float_bytes / 4 + data.len() as u64);
    if !image.is_loading_done() || image.num_loaded_keyframes() == 0 {
        return Err(PhotoError::Damaged(
            "truncated JPEG XL: the file ends before the first frame does".into(),
        ));
    }
    let render = image.render_frame(0).map_err(damaged)?;
    let mut stream = render.stream();
    let (sw, sh, sc) = (stream.width(), stream.height(), stream.channels());
    let samples = usize::try_from(u64::from(sw) * u64::from(sh) * u64::from(sc))
        .map_err(|_| PhotoError::TooLarge("JPEG XL".into()))?;
    let mut pixels = vec![0u8; samples];
    if stream.write_to_buffer(&mut pixels) != samples {
        return Err(damaged("fewer samples than the frame's size"));
    }
    let decoded = match sc {
        1 => image::GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8),
        2 => image::GrayAlphaImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLumaA8),
        3 => image::RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8),
        4 => image::RgbaImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgba8),
        _ => None,
    }
    .ok_or_else(|| PhotoError::Unsupported(format!("JPEG XL with {sc} channels")))?;
    let icc = super::icc::enabled().then(|| image.rendered_icc());
    Ok(Decoded {
        image: decoded,
        icc,
        permit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert!(is_jxl(&[0xFF, 0x0A, 0xFA]));
        assert!(is_jxl(&CONTAINER));
        assert!(!is_jxl(&[0xFF, 0xD8, 0xFF]));
        assert!(!is_jxl(&[]));
    }
}
