//! The fast JPEG path behind [`super::decode`]: libjpeg-turbo (TurboJPEG 3) decodes a photo
//! scaled in the DCT by the smallest of 1/8, 2/8 … 8/8 that still covers the tile's crop, so
//! a 12 MP photo for a small tile never exists at full size. It is 1.1-1.4x faster at tile
//! size than `jpeg-decoder` on baseline and progressive photos.
//!
//! It returns `None` for what it does not handle (CMYK, lossless or 12-bit JPEGs, or any file
//! it fails on or warns about); `jpeg-decoder`, then `image`, then take over (see
//! [`super::decode`]) and give the canonical error.

use image::DynamicImage;
use image::metadata::Orientation;

/// Decoded pixels (8-bit grey or RGB) in the stored orientation, the photo's full stored
/// size, and the permit that holds their bytes against [`super::gate`].
pub(super) struct Decoded {
    pub image: DynamicImage,
    pub orientation: Orientation,
    pub full_size: (u32, u32),
    pub permit: super::gate::Permit,
}

/// A photo libjpeg-turbo would decode but that declares more than `max_side_px` on a side.
pub(super) struct TooLarge;

/// Most progressive scans a JPEG may have before libjpeg-turbo refuses it: real encoders
/// write about 10; thousands of tiny scans are a known way to make a small file decode for
/// minutes.
const MAX_PROGRESSIVE_SCANS: u32 = 500;

/// Decodes `data` with libjpeg-turbo at the smallest DCT scale `n`/8 (or full size) that gives
/// at least `scale(w, h)` of the full `w × h` size on both sides; its permit counts
/// `working` bytes of the decoder's own (see [`super::working`]). `None` for what it does not
/// handle.
pub(super) fn decode_turbo(
    data: &[u8],
    scale: impl Fn(u32, u32) -> f64,
    max_side_px: u32,
    working: u64,
) -> Result<Option<Decoded>, TooLarge> {
    use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};
    let Ok(mut decompressor) = Decompressor::new() else {
        return Ok(None);
    };
    let Ok(header) = decompressor.read_header(data) else {
        return Ok(None);
    };
    let (Ok(w), Ok(h)) = (u32::try_from(header.width), u32::try_from(header.height)) else {
        return Err(TooLarge);
    };
    if w > max_side_px || h > max_side_px {
        return Err(TooLarge);
    }
    let format = match header.colorspace {
        Colorspace::YCbCr | Colorspace::RGB => PixelFormat::RGB,
        Colorspace::Gray => PixelFormat::GRAY,
        Colorspace::CMYK | Colorspace::YCCK => return Ok(None),
    };
    if w == 0 || h == 0 || header.is_lossless {
        return Ok(None);
    }
    let need = scale(w, h);
    let factor = (1..8)
        .map(|num| ScalingFactor::new(num, 8))
        .find(|f| f.num() as f64 >= need * f.denom() as f64)
        .unwrap_or(ScalingFactor::ONE);
    if decompressor.set_scaling_factor(factor).is_err()
        || decompressor.set_scan_limit(MAX_PROGRESSIVE_SCANS).is_err()
    {
        return Ok(None);
    }
    let scaled = header.scaled(factor);
    let (Ok(sw), Ok(sh)) = (u32::try_from(scaled.width), u32::try_from(scaled.height)) else {
        return Ok(None);
    };
    let pitch = scaled.width * format.size();
    // The compressed bytes stay in memory until the decode ends: they count too, and so do
    // the coefficients of a progressive JPEG, kept whole at full size even when scaled.
    // At 1/8 a progressive photo's full-rate components read only their DC coefficients:
    // their AC scans are left out of a copy that is decoded instead (the same pixels, see
    // `progressive`); the copy is at most the file's size.
    let eighth = factor.num() * 8 == factor.denom(); // the crate reduces 2/8 to 1/4
    let files = data.len() as u64 * if eighth { 2 } else { 1 };
    let permit = super::gate::acquire(pitch as u64 * scaled.height as u64 + files + working);
    let dc_only = eighth
        .then(|| super::progressive::without_unused_scans(data))
        .flatten();
    let source = dc_only.as_deref().unwrap_or(data);
    let mut pixels = vec![0u8; pitch * scaled.height];
    let output = Image {
        pixels: pixels.as_mut_slice(),
        width: scaled.width,
        pitch,
        height: scaled.height,
        format,
    };
    if decompressor.decompress(source, output).is_err() {
        return Ok(None);
    }
    let image = if format == PixelFormat::GRAY {
        image::GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8)
    };
    Ok(image.map(|image| Decoded {
        image,
        orientation: exif_orientation(data),
        full_size: (w, h),
        permit,
    }))
}

/// The EXIF orientation in a JPEG's APP1 segment (markers before the first scan only);
/// upright when there is none.
#[must_use]
pub(super) fn exif_orientation(data: &[u8]) -> Orientation {
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    const APP1: u8 = 0xE1;
    let mut at = 2; // after SOI
    while let Some(&[0xFF, marker]) = data.get(at..at + 2) {
        match marker {
            0xFF => at += 1, // fill byte
            SOS | EOI => break,
            // Markers without a length: TEM, RST0-7.
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(&[hi, lo]) = data.get(at + 2..at + 4) else {
                    break;
                };
                let len = usize::from(u16::from_be_bytes([hi, lo]));
                let Some(body) = data.get(at + 4..at + 2 + len.max(2)) else {
                    break;
                };
                if marker == APP1
                    && let Some(tiff) = body.strip_prefix(b"Exif\0\0")
                {
                    return Orientation::from_exif_chunk(tiff).unwrap_or(Orientation::NoTransforms);
                }
                at += 2 + len.max(2);
            }
        }
    }
    Orientation::NoTransforms
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG head with an APP0 segment, then APP1 holding a little-endian EXIF block whose
    /// only entry is the orientation `value`, then SOS.
    fn head_with_orientation(value: u8) -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend([1, 0]); // one entry
        tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, value, 0, 0, 0]); // 0x0112 SHORT 1
        tiff.extend([0, 0, 0, 0]); // no next IFD
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let mut data = vec![0xFF, 0xD8];
        data.extend([0xFF, 0xE0, 0, 4, 0xAB, 0xCD]);
        data.extend([0xFF, 0xE1]);
        data.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        data.extend(app1);
        data.extend([0xFF, 0xDA, 0, 2]);
        data
    }

    /// A progressive photo decodes to libjpeg-turbo's own pixels of the whole file at every
    /// scale, 1/8 (where the unused AC scans are left out) included.
    #[test]
    fn a_progressive_photo_gives_the_whole_files_pixels_at_every_scale() {
        use crate::photos::progressive::tests::{decode_at, encode};
        use turbojpeg::{ScalingFactor, Subsamp};
        let data = encode(Subsamp::Sub2x2, false, false);
        for (need, num) in [
            (0.05, 1),
            (0.125, 1),
            (0.2, 2),
            (0.3, 3),
            (0.5, 4),
            (0.9, 8),
        ] {
            let decoded = decode_turbo(&data, |_, _| need, 10_000, 0)
                .ok()
                .flatten()
                .unwrap();
            let whole = decode_at(&data, ScalingFactor::new(num, 8));
            assert_eq!(decoded.image.as_bytes(), whole.as_slice(), "{need}");
        }
    }

    #[test]
    fn orientation_is_read_from_app1() {
        assert_eq!(
            exif_orientation(&head_with_orientation(6)),
            Orientation::Rotate90
        );
        assert_eq!(
            exif_orientation(&head_with_orientation(3)),
            Orientation::Rotate180
        );
    }

    #[test]
    fn no_or_broken_exif_is_upright() {
        assert_eq!(
            exif_orientation(&[0xFF, 0xD8, 0xFF, 0xDA]),
            Orientation::NoTransforms
        );
        let mut cut = head_with_orientation(6);
        cut.truncate(12);
        assert_eq!(exif_orientation(&cut), Orientation::NoTransforms);
        assert_eq!(exif_orientation(&[]), Orientation::NoTransforms);
    }
}
