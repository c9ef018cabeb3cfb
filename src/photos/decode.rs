//! Decoding one photo straight to tile pixels: oriented, cropped, downscaled, alpha flattened.
//!
//! Full-resolution pixels live only inside `decode_tile` (and most JPEGs never exist at full
//! resolution: they are decoded at a fraction of their size in the DCT); the crop is mapped back
//! into the photo's stored orientation so the downscale reads the raw pixels and only the
//! small tile is rotated.

use std::io::{BufReader, Read};
use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use super::PhotoError;
use super::orient::swaps_axes;
#[cfg(test)]
use super::tiling::tile_from_image;
use super::tiling::tile_from_image_managed;
pub use super::tiling::{TilePixels, TileSpec};

/// Largest photo side we decode; a file declaring more is refused before allocation.
const MAX_PHOTO_SIDE_PX: u32 = 40_000;
/// Largest decode buffer for one photo (about 130 megapixels of RGB).
pub const MAX_PHOTO_ALLOC_BYTES: u64 = 384 << 20;

/// The same limits for the phone formats (HEIF, AVIF, JPEG XL).
const PHONE_LIMITS: super::phone::Limits = super::phone::Limits {
    side_px: MAX_PHOTO_SIDE_PX,
    decoded_bytes: MAX_PHOTO_ALLOC_BYTES,
};

/// Decodes `path` into a tile of `spec`'s size. A decoder that panics on a malformed file
/// costs that photo only: the panic becomes [`PhotoError::DecoderPanicked`].
pub fn decode_tile(path: &Path, spec: &TileSpec) -> Result<TilePixels, PhotoError> {
    decode_tile_sized(path, spec).map(|(tile, _)| tile)
}

/// [`decode_tile`], and the photo's upright (displayed) size in pixels: what the tile's
/// crop is a part of.
pub fn decode_tile_sized(
    path: &Path,
    spec: &TileSpec,
) -> Result<(TilePixels, (u32, u32)), PhotoError> {
    std::panic::catch_unwind(|| decode_tile_unguarded(path, spec)).unwrap_or_else(|panic| {
        Err(PhotoError::DecoderPanicked(crate::panic_message(
            panic.as_ref(),
        )))
    })
}

fn decode_tile_unguarded(
    path: &Path,
    spec: &TileSpec,
) -> Result<(TilePixels, (u32, u32)), PhotoError> {
    #[cfg(debug_assertions)]
    crate::fault::panic_if_armed(crate::fault::Fault::DecodePanic, path);
    let factor = |w, h| reduce_factor(w, h, spec);
    if let Some(photo) = super::phone::decode(path, PHONE_LIMITS, factor)? {
        let (orientation, icc) = (Orientation::NoTransforms, photo.icc.as_deref());
        let tile = tile_from_image_managed(&photo.image, orientation, icc, spec);
        return Ok((tile, photo.full_size));
    }
    let format = sniff(path)?;
    check_declared_size(path, format)?;
    let working = checked_working_bytes(path, format)?;
    if format == image::ImageFormat::Jpeg
        && let Some((image, orientation, (w, h), _permit)) = decode_jpeg(path, spec, working)?
    {
        let upright = if swaps_axes(orientation) {
            (h, w)
        } else {
            (w, h)
        };
        let icc = super::icc::jpeg_profile_of_file(path);
        return Ok((
            tile_from_image_managed(&image, orientation, icc.as_deref(), spec),
            upright,
        ));
    }
    let (image, orientation, icc, _permit) = decode_full(path, format, working)?;
    let upright = if swaps_axes(orientation) {
        (image.height(), image.width())
    } else {
        (image.width(), image.height())
    };
    Ok((
        tile_from_image_managed(&image, orientation, icc.as_deref(), spec),
        upright,
    ))
}

/// A JPEG decoded at a DCT scale: the pixels, their orientation, the photo's full stored
/// size, and the decode's memory permit.
type ScaledJpeg = (DynamicImage, Orientation, (u32, u32), super::gate::Permit);

/// Decodes a colour or grey JPEG scaled in the DCT to just cover the tile's crop: with
/// libjpeg-turbo (in eighths), or where it refuses the file (CMYK, lossless, 12-bit, or any
/// warning, such as a few stray bytes before a marker, common from cameras) with
/// `jpeg-decoder` (in powers of two). `None` when neither handles it: the full decoder then
/// takes over and gives the canonical error.
/// `working` is the decoder's working memory, from the header (see [`super::working`]).
fn decode_jpeg(
    path: &Path,
    spec: &TileSpec,
    working: u64,
) -> Result<Option<ScaledJpeg>, PhotoError> {
    let mut file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    let len = file.metadata().map_err(PhotoError::Io)?.len();
    // libjpeg-turbo decodes from memory: the file is read whole, before the decode's permit
    // is taken (it counts these bytes from then on). Larger files, far beyond any camera's,
    // take `jpeg-decoder`, which reads as it goes.
    if len <= TURBO_MAX_FILE_BYTES {
        let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.read_to_end(&mut data).map_err(PhotoError::Io)?;
        // The whole file, in case its frame header lies beyond the head read before.
        let working = working.max(super::working::working_bytes(&data));
        if working > MAX_PHOTO_ALLOC_BYTES {
            return Err(too_large_to_decode(path, image::ImageFormat::Jpeg, working));
        }
        let scale = |w, h| crop_cover_scale(w, h, spec);
        match super::jpeg::decode_turbo(&data, scale, MAX_PHOTO_SIDE_PX, working) {
            Ok(Some(d)) => return Ok(Some((d.image, d.orientation, d.full_size, d.permit))),
            Ok(None) => {}
            Err(super::jpeg::TooLarge) => return Err(too_large(path, image::ImageFormat::Jpeg)),
        }
    }
    decode_jpeg_scaled(path, spec, working)
}

/// The largest JPEG file read whole for libjpeg-turbo.
const TURBO_MAX_FILE_BYTES: u64 = 64 << 20;

/// The smallest fraction of a stored `w × h` photo's size whose crop still covers the tile,
/// in either orientation (the orientation is only known after decoding).
fn crop_cover_scale(w: u32, h: u32, spec: &TileSpec) -> f64 {
    [(w, h), (h, w)]
        .into_iter()
        .map(|(uw, uh)| {
            let crop = spec.crop(uw, uh);
            (f64::from(spec.width_px) / crop.width).max(f64::from(spec.height_px) / crop.height)
        })
        .fold(0.0, f64::max)
}

/// The largest whole factor an upright `w × h` photo may be averaged down by and still have
/// its crop cover the tile.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(super) fn reduce_factor(w: u32, h: u32, spec: &TileSpec) -> u32 {
    let crop = spec.crop(w, h);
    let scale =
        (f64::from(spec.width_px) / crop.width).max(f64::from(spec.height_px) / crop.height);
    (1.0 / scale).floor().clamp(1.0, 1024.0) as u32
}

/// Decodes a colour or grey JPEG at the smallest DCT scale (1, 1/2, 1/4 or 1/8) that still
/// covers the tile's crop in either orientation, so a 12 MP photo for a 240×180 tile is
/// decoded at 1/8 size: a fraction of the time and memory. `None` for what this decoder does
/// not handle (CMYK, 16-bit, or anything it fails on): the full decoder then takes over and
/// gives the canonical error.
fn decode_jpeg_scaled(
    path: &Path,
    spec: &TileSpec,
    working: u64,
) -> Result<Option<ScaledJpeg>, PhotoError> {
    use jpeg_decoder::PixelFormat;
    let file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(file));
    decoder
        .set_max_decoding_buffer_size(usize::try_from(MAX_PHOTO_ALLOC_BYTES).unwrap_or(usize::MAX));
    if decoder.read_info().is_err() {
        return Ok(None);
    }
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w > MAX_PHOTO_SIDE_PX || h > MAX_PHOTO_SIDE_PX {
        return Err(too_large(path, image::ImageFormat::Jpeg));
    }
    if w == 0 || h == 0 || !matches!(info.pixel_format, PixelFormat::L8 | PixelFormat::RGB24) {
        return Ok(None);
    }
    let need = crop_cover_scale(w, h, spec);
    let request =
        |side: u32| u16::try_from((f64::from(side) * need).ceil() as u64).unwrap_or(u16::MAX);
    let Ok((sw, sh)) = decoder.scale(request(w), request(h)) else {
        return Ok(None);
    };
    let channels = if info.pixel_format == PixelFormat::L8 {
        1
    } else {
        3
    };
    let permit = super::gate::acquire(u64::from(sw) * u64::from(sh) * channels + working);
    let Ok(pixels) = decoder.decode() else {
        return Ok(None);
    };
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    let (sw, sh) = (u32::from(info.width), u32::from(info.height));
    let full_size = (w, h);
    let image = match info.pixel_format {
        PixelFormat::L8 => image::GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8),
        PixelFormat::RGB24 => {
            image::RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8)
        }
        _ => None,
    };
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    Ok(image.map(|image| (image, orientation, full_size, permit)))
}

/// What can be told about `path` without decoding it: [`decode_tile`] fails with this error
/// too (the same checks, in the same order): a file that is missing, empty, not an image, a
/// cut-off JPEG, or declares more pixels than any decode allows. A photo that passes can
/// still fail its decode (damaged data further in).
///
/// # Errors
/// The photo's [`PhotoError`].
pub fn probe(path: &Path) -> Result<(), PhotoError> {
    if let Some(()) = super::phone::probe(path, PHONE_LIMITS)? {
        return Ok(());
    }
    let format = sniff(path)?;
    check_declared_size(path, format)?;
    checked_working_bytes(path, format).map(|_| ())
}

/// Refuses a photo whose header declares more pixels than any decode allows, before a decoder
/// sees it: even a JPEG scaled in the DCT reads every block (a 2 KB file declaring
/// 32608×32639 pixels took 108 s to be refused by the decoders themselves).
fn check_declared_size(path: &Path, format: image::ImageFormat) -> Result<(), PhotoError> {
    let declared = crate::files::open_regular(path).ok().and_then(|file| {
        let mut reader = ImageReader::with_format(BufReader::new(file), format);
        reader.no_limits();
        reader.into_dimensions().ok()
    });
    match declared {
        // Even one byte a pixel is over the decode's allocation limit.
        Some((w, h))
            if w > MAX_PHOTO_SIDE_PX
                || h > MAX_PHOTO_SIDE_PX
                || u64::from(w) * u64::from(h) > MAX_PHOTO_ALLOC_BYTES =>
        {
            Err(too_large(path, format))
        }
        _ => Ok(()),
    }
}

/// The decoder's working memory for `path` (see [`super::working`]); a photo whose decoder
/// would hold more than [`MAX_PHOTO_ALLOC_BYTES`] is refused before anything is decoded.
fn checked_working_bytes(path: &Path, format: image::ImageFormat) -> Result<u64, PhotoError> {
    let working = super::working::working_bytes_of(path).map_err(PhotoError::Io)?;
    if working > MAX_PHOTO_ALLOC_BYTES {
        return Err(too_large_to_decode(path, format, working));
    }
    Ok(working)
}

/// Checks the file is there, not empty, an image, and (for JPEG) not cut off; its format.
fn sniff(path: &Path) -> Result<image::ImageFormat, PhotoError> {
    let mut file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    let mut head = [0u8; 64];
    let head_len = read_head(&mut file, &mut head).map_err(PhotoError::Io)?;
    if head_len == 0 {
        return Err(PhotoError::Empty);
    }
    let format = image::guess_format(&head[..head_len]).map_err(|_| PhotoError::NotAnImage)?;
    if format == image::ImageFormat::Jpeg && !has_jpeg_end_marker(&mut file)? {
        // The JPEG decoder would fill the missing part with grey; a cut-off photo is damaged.
        return Err(PhotoError::Damaged(
            "truncated JPEG: the file ends before the image does".into(),
        ));
    }
    Ok(format)
}

/// A whole photo decoded: its pixels, EXIF orientation, ICC profile and the decode's permit.
type FullDecode = (
    DynamicImage,
    Orientation,
    Option<Vec<u8>>,
    super::gate::Permit,
);

/// Reads and decodes a photo with the size limits applied (`working`: the decoder's own
/// bytes beside its output, from the header); also returns its EXIF orientation and ICC
/// profile. The permit holds the decode's bytes against [`super::gate`] until the tile is
/// made.
fn decode_full(
    path: &Path,
    format: image::ImageFormat,
    working: u64,
) -> Result<FullDecode, PhotoError> {
    let file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    let mut reader = ImageReader::with_format(BufReader::new(file), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PHOTO_SIDE_PX);
    limits.max_image_height = Some(MAX_PHOTO_SIDE_PX);
    limits.max_alloc = Some(MAX_PHOTO_ALLOC_BYTES);
    reader.limits(limits);
    let format_name = format!("{format:?}").to_uppercase();
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        ImageError::Limits(_) => too_large(path, format),
        other => map_image_error(other, &format_name),
    })?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(PhotoError::Damaged(format!(
            "{format_name} declares {w}×{h} pixels"
        )));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = super::icc::enabled()
        .then(|| decoder.icc_profile().ok().flatten())
        .flatten();
    // The decoded pixels, and their RGBA8 copy for layouts the resizer does not take.
    let color = decoder.color_type();
    let converts = !matches!(
        color,
        image::ColorType::L8 | image::ColorType::Rgb8 | image::ColorType::Rgba8
    );
    // Some decoders (GIF, WebP) allocate the whole canvas before checking `max_alloc`: a
    // damaged header declaring 30000×30000 pixels would take gigabytes. Refuse it here.
    let decoded_bytes = u64::from(w) * u64::from(h) * u64::from(color.bytes_per_pixel());
    if decoded_bytes > MAX_PHOTO_ALLOC_BYTES {
        return Err(too_large(path, format));
    }
    if decoded_bytes + working > MAX_PHOTO_ALLOC_BYTES {
        return Err(too_large_to_decode(path, format, decoded_bytes + working));
    }
    let per_pixel = u64::from(color.bytes_per_pixel()) + if converts { 4 } else { 0 };
    let permit = super::gate::acquire(u64::from(w) * u64::from(h) * per_pixel + working);
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(e, &format_name))?;
    Ok((image, orientation, icc, permit))
}

/// True when the last 64 KiB of a JPEG hold its end-of-image marker (FF D9); cameras may
/// append data after it, so the marker need not be the very last bytes.
fn has_jpeg_end_marker(file: &mut std::fs::File) -> Result<bool, PhotoError> {
    use std::io::{Seek, SeekFrom};
    let len = file.metadata().map_err(PhotoError::Io)?.len();
    let tail_len = len.min(64 << 10);
    file.seek(SeekFrom::Start(len - tail_len))
        .map_err(PhotoError::Io)?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    file.take(tail_len)
        .read_to_end(&mut tail)
        .map_err(PhotoError::Io)?;
    Ok(tail.windows(2).any(|w| w == [0xFF, 0xD9]))
}

/// Says how large a refused photo claims to be.
fn too_large(path: &Path, format: image::ImageFormat) -> PhotoError {
    let declared = crate::files::open_regular(path).ok().and_then(|file| {
        let mut reader = ImageReader::with_format(BufReader::new(file), format);
        reader.no_limits();
        reader.into_dimensions().ok()
    });
    let limit = format!(
        "the limit is {MAX_PHOTO_SIDE_PX} pixels a side and {} MiB decoded",
        MAX_PHOTO_ALLOC_BYTES >> 20
    );
    PhotoError::TooLarge(match declared {
        Some((w, h)) => format!("declares {w}×{h} pixels; {limit}"),
        None => limit,
    })
}

/// Says how much a refused photo's decode would hold at once.
fn too_large_to_decode(path: &Path, format: image::ImageFormat, bytes: u64) -> PhotoError {
    let PhotoError::TooLarge(declared) = too_large(path, format) else {
        return too_large(path, format);
    };
    PhotoError::TooLarge(format!(
        "its decoder would hold {} MiB at once, its working memory included; {declared}",
        bytes.div_ceil(1 << 20)
    ))
}

fn read_head(file: &mut std::fs::File, head: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn map_image_error(error: ImageError, format_name: &str) -> PhotoError {
    match error {
        ImageError::Limits(e) => PhotoError::TooLarge(e.to_string()),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            PhotoError::Damaged(format!("truncated {format_name}"))
        }
        ImageError::IoError(e) => PhotoError::Io(e),
        ImageError::Unsupported(e) => PhotoError::Unsupported(format!("{format_name}: {e}")),
        other => PhotoError::Damaged(format!("{format_name}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::orient::stored_rect_from_upright;
    use super::*;
    use crate::layout::Rect;
    use crate::settings::{Aspect, Color, CropAnchor, Focus};
    use image::{GenericImageView, Rgb, RgbImage};

    fn numbered(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            Rgb([(x * 16) as u8, (y * 16) as u8, ((x + y) * 4) as u8])
        }))
    }

    #[test]
    fn orientation_mapping_matches_rotating_first() {
        let orientations = [
            Orientation::NoTransforms,
            Orientation::Rotate90,
            Orientation::Rotate180,
            Orientation::Rotate270,
            Orientation::FlipHorizontal,
            Orientation::FlipVertical,
            Orientation::Rotate90FlipH,
            Orientation::Rotate270FlipH,
        ];
        let stored = numbered(12, 8);
        for orientation in orientations {
            let mut upright = stored.clone();
            upright.apply_orientation(orientation);
            let (uw, uh) = upright.dimensions();
            let crop = Rect {
                x: 1.0,
                y: 2.0,
                width: 3.0,
                height: 4.0,
            };
            let expected = upright.crop_imm(1, 2, 3, 4);
            let s = stored_rect_from_upright(crop, orientation, f64::from(uw), f64::from(uh));
            let mut got = stored.crop_imm(s.x as u32, s.y as u32, s.width as u32, s.height as u32);
            got.apply_orientation(orientation);
            assert_eq!(got.to_rgb8(), expected.to_rgb8(), "{orientation:?}");
        }
    }

    #[test]
    fn tiles_have_the_requested_size_in_every_layout() {
        let spec = TileSpec {
            width_px: 8,
            height_px: 6,
            aspect: Aspect::new(4.0, 3.0),
            anchor: CropAnchor::Center,
            focus: None,
            background: Color::WHITE,
        };
        let big = numbered(64, 20);
        for image in [
            big.clone(),
            DynamicImage::ImageLuma8(big.to_luma8()),
            DynamicImage::ImageLumaA8(big.to_luma_alpha8()),
            DynamicImage::ImageRgba16(big.to_rgba16()),
            DynamicImage::ImageRgb32F(big.to_rgb32f()),
        ] {
            let tile = tile_from_image(&image, Orientation::Rotate90, &spec);
            assert_eq!(
                (tile.width_px, tile.height_px, tile.rgba.len()),
                (8, 6, 8 * 6 * 4)
            );
        }
    }

    #[test]
    fn a_focus_moves_the_crop_to_its_side_of_the_photo() {
        // 64×16, red on the left half, blue on the right: a 4:3 tile shows a third of it.
        let photo = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 16, |x, _| {
            if x < 32 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        }));
        let spec = TileSpec {
            width_px: 8,
            height_px: 6,
            aspect: Aspect::new(4.0, 3.0),
            anchor: CropAnchor::Center,
            focus: None,
            background: Color::WHITE,
        };
        let tile = |focus| {
            let t = tile_from_image(&photo, Orientation::NoTransforms, &spec.with_focus(focus));
            let px = |x: usize| t.rgba[x * 4..x * 4 + 3].to_vec();
            (px(0), px(7))
        };
        let (left, right) = tile(Some(Focus { x: 0.1, y: 0.5 }));
        assert!(
            left[0] > 200 && right[0] > 200 && left[2] < 50,
            "{left:?} {right:?}"
        );
        let (left, right) = tile(Some(Focus { x: 0.9, y: 0.5 }));
        assert!(
            left[2] > 200 && right[2] > 200 && left[0] < 50,
            "{left:?} {right:?}"
        );
        let (left, right) = tile(None);
        assert!(left[0] > 200 && right[2] > 200, "centred: both halves");
        // Turned a quarter (EXIF), the focus is still in upright coordinates.
        let stored = DynamicImage::ImageRgb8(image::imageops::rotate270(&photo.to_rgb8()));
        let t = tile_from_image(
            &stored,
            Orientation::Rotate90,
            &spec.with_focus(Some(Focus { x: 0.9, y: 0.5 })),
        );
        assert!(t.rgba.chunks(4).all(|p| p[2] > 200 && p[0] < 50));
    }

    /// libjpeg-turbo (scaled in eighths) and jpeg-decoder (in powers of two) give the same
    /// tiles within rounding, from a small tile at 1/8 scale to one that needs full size.
    #[test]
    fn turbo_and_jpeg_decoder_tiles_agree() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo.jpg");
        super::super::synth::synth_photo(3, 640, 480)
            .save(&path)
            .unwrap();
        for (w, h) in [(40, 30), (133, 100), (250, 250), (640, 480)] {
            let spec = TileSpec {
                width_px: w,
                height_px: h,
                aspect: Aspect::new(f64::from(w), f64::from(h)),
                anchor: CropAnchor::Center,
                focus: None,
                background: Color::WHITE,
            };
            let data = std::fs::read(&path).unwrap();
            let turbo = super::super::jpeg::decode_turbo(
                &data,
                |w, h| crop_cover_scale(w, h, &spec),
                MAX_PHOTO_SIDE_PX,
                0,
            );
            let Ok(Some(turbo)) = turbo else {
                panic!("libjpeg-turbo refused a baseline JPEG");
            };
            let (image, orientation, size, _permit) =
                decode_jpeg_scaled(&path, &spec, 0).unwrap().unwrap();
            assert_eq!((turbo.full_size, turbo.orientation), (size, orientation));
            let a = tile_from_image(&turbo.image, turbo.orientation, &spec);
            let b = tile_from_image(&image, orientation, &spec);
            assert_eq!((a.width_px, a.height_px), (w, h));
            assert_eq!((b.width_px, b.height_px), (w, h));
            let total: u64 = a
                .rgba
                .iter()
                .zip(&b.rgba)
                .map(|(x, y)| u64::from(x.abs_diff(*y)))
                .sum();
            let mean = total as f64 / a.rgba.len() as f64;
            assert!(mean < 2.0, "{w}×{h}: mean difference {mean:.2}");
        }
    }

    #[test]
    fn thumbnails_keep_the_aspect_and_the_colour() {
        let tile = TilePixels {
            width_px: 240,
            height_px: 180,
            rgba: [200u8, 40, 10, 255].repeat(240 * 180),
        };
        let thumb = tile.thumbnail(36);
        assert_eq!((thumb.width_px, thumb.height_px), (48, 36));
        assert_eq!(thumb.byte_len(), 48 * 36 * 4);
        assert!(thumb.rgba.chunks(4).all(|p| p == [200, 40, 10, 255]));
        // Never larger than the tile itself.
        assert_eq!(tile.thumbnail(500).height_px, 180);
    }
}
