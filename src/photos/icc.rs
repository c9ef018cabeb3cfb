//! Colour management: a photo's embedded ICC profile (Display P3, Adobe RGB, ProPhoto, …) is
//! converted to sRGB, the video's BT.709 primaries, with qcms (Firefox's colour management,
//! pure Rust, MIT). It runs on the decode workers, on the tile after the downscale and before
//! the alpha is flattened, so it costs a tile's worth of pixels, not a photo's. Photos without
//! a profile, or with an sRGB one, are taken as sRGB and left as they are; a profile that is
//! unreadable or not RGB (grey, CMYK) leaves the pixels as decoded.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use image::DynamicImage;

/// Whether profiles are applied (on unless the bench turns it off to measure the cost).
static MANAGED: AtomicBool = AtomicBool::new(true);

/// Turns colour management on or off for the whole process (the bench compares the two).
pub fn set_colour_management(on: bool) {
    MANAGED.store(on, Ordering::Relaxed);
}

/// Whether profiles are read and applied now.
#[must_use]
pub(super) fn enabled() -> bool {
    MANAGED.load(Ordering::Relaxed)
}

/// How much of a JPEG is read for its profile: its APP segments come before the pictures,
/// mostly within the first 64 KiB; a longer head is read only when they go on past that.
const JPEG_HEAD_BYTES: [u64; 2] = [64 << 10, 1 << 20];

/// The ICC profile of the JPEG at `path` (see [`jpeg_profile`]), read from its head; `None`
/// when colour management is off or the file cannot be read.
#[must_use]
pub(super) fn jpeg_profile_of_file(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::io::{Read, Seek};
    if !enabled() {
        return None;
    }
    let mut file = crate::files::open_regular(path).ok()?;
    let mut head = Vec::new();
    for limit in JPEG_HEAD_BYTES {
        file.rewind().ok()?;
        head.clear();
        (&mut file).take(limit).read_to_end(&mut head).ok()?;
        match segments_end(&head) {
            Some(_) => return jpeg_profile(&head),
            None if (head.len() as u64) < limit => return None, // the whole file: no scan
            None => {}
        }
    }
    jpeg_profile(&head)
}

/// Where a JPEG's markers before the first scan end in `data`, if they end within it.
fn segments_end(data: &[u8]) -> Option<usize> {
    let mut at = 2;
    while let Some(&[0xFF, marker]) = data.get(at..at + 2) {
        match marker {
            0xFF => at += 1,
            0xDA | 0xD9 => return Some(at),
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let &[hi, lo] = data.get(at + 2..at + 4)? else {
                    return None;
                };
                at += 2 + usize::from(u16::from_be_bytes([hi, lo])).max(2);
            }
        }
    }
    None
}

/// The largest profile read: real ones are a few KiB, LUT-based ones up to a few hundred.
const MAX_PROFILE_BYTES: usize = 4 << 20;

/// The sRGB output profile, with its output tables computed once per process.
fn srgb() -> &'static qcms::Profile {
    static SRGB: OnceLock<Box<qcms::Profile>> = OnceLock::new();
    SRGB.get_or_init(|| {
        let mut profile = qcms::Profile::new_sRGB();
        profile.precache_output_transform();
        profile
    })
}

/// Converts an 8-bit RGB or RGBA `image` from the colour space `icc` describes to sRGB, in
/// place. Anything else (no RGB profile, sRGB already, another pixel layout, management off)
/// leaves it unchanged. Returns whether it converted.
pub(super) fn to_srgb(image: &mut DynamicImage, icc: &[u8]) -> bool {
    if !enabled() || icc.len() > MAX_PROFILE_BYTES {
        return false;
    }
    // The profile's data colour space, bytes 16..20 of its header.
    if icc.get(16..20) != Some(b"RGB ") {
        return false;
    }
    let (data_type, pixels) = match image {
        DynamicImage::ImageRgb8(rgb) => (qcms::DataType::RGB8, rgb.as_mut()),
        DynamicImage::ImageRgba8(rgba) => (qcms::DataType::RGBA8, rgba.as_mut()),
        _ => return false,
    };
    let Some(input) = qcms::Profile::new_from_slice(icc, false) else {
        return false;
    };
    if input.is_sRGB() {
        return false;
    }
    let Some(transform) = qcms::Transform::new(&input, srgb(), data_type, qcms::Intent::Perceptual)
    else {
        return false;
    };
    transform.apply(pixels);
    true
}

/// The ICC profile of a JPEG: the `ICC_PROFILE` APP2 segments before the first scan, joined
/// in their sequence order. `None` without one, or when a part is missing.
#[must_use]
pub(super) fn jpeg_profile(data: &[u8]) -> Option<Vec<u8>> {
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    const APP2: u8 = 0xE2;
    let mut parts: Vec<(u8, &[u8])> = Vec::new();
    let mut count = 0u8;
    let mut at = 2; // after SOI
    while let Some(&[0xFF, marker]) = data.get(at..at + 2) {
        match marker {
            0xFF => at += 1,
            SOS | EOI => break,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let &[hi, lo] = data.get(at + 2..at + 4)? else {
                    return None;
                };
                let len = usize::from(u16::from_be_bytes([hi, lo])).max(2);
                let body = data.get(at + 4..at + 2 + len)?;
                if marker == APP2
                    && let Some(rest) = body.strip_prefix(b"ICC_PROFILE\0")
                    && let [sequence, total, chunk @ ..] = rest
                {
                    count = *total;
                    parts.push((*sequence, chunk));
                }
                at += 2 + len;
            }
        }
    }
    if parts.is_empty() || parts.len() != usize::from(count) {
        return None;
    }
    parts.sort_by_key(|(sequence, _)| *sequence);
    let in_order = parts
        .iter()
        .enumerate()
        .all(|(i, (sequence, _))| usize::from(*sequence) == i + 1);
    let total: usize = parts.iter().map(|(_, chunk)| chunk.len()).sum();
    (in_order && total <= MAX_PROFILE_BYTES).then(|| {
        parts
            .iter()
            .flat_map(|(_, chunk)| chunk.iter().copied())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app2(sequence: u8, total: u8, chunk: &[u8]) -> Vec<u8> {
        let mut body = b"ICC_PROFILE\0".to_vec();
        body.extend([sequence, total]);
        body.extend(chunk);
        let mut segment = vec![0xFF, 0xE2];
        segment.extend(u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        segment.extend(body);
        segment
    }

    #[test]
    fn jpeg_profile_parts_are_joined_in_sequence_order() {
        let mut data = vec![0xFF, 0xD8];
        data.extend(app2(2, 2, b"world"));
        data.extend(app2(1, 2, b"hello "));
        data.extend([0xFF, 0xDA, 0, 2]);
        assert_eq!(jpeg_profile(&data).unwrap(), b"hello world");
        // A part missing: no profile.
        let mut cut = vec![0xFF, 0xD8];
        cut.extend(app2(1, 2, b"hello "));
        cut.extend([0xFF, 0xDA, 0, 2]);
        assert_eq!(jpeg_profile(&cut), None);
        assert_eq!(jpeg_profile(&[0xFF, 0xD8, 0xFF, 0xDA]), None);
        assert_eq!(jpeg_profile(&[]), None);
    }

    #[test]
    fn srgb_and_unreadable_profiles_leave_the_pixels() {
        let original = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            4,
            4,
            image::Rgb([200, 100, 50]),
        ));
        let mut image = original.clone();
        assert!(!to_srgb(
            &mut image,
            b"not a profile, but 20 bytes and more"
        ));
        assert!(!to_srgb(&mut image, &[]));
        assert_eq!(image, original);
    }
}
