//! The formats phones and new cameras write, decoded by libraries that apply the photo's own
//! rotation and mirror: HEIC/HEIF and AVIF ([`super::heif`], libheif), JPEG XL
//! ([`super::jxl`], jxl-oxide) and video clips' still frames ([`super::clip`], FFmpeg, by
//! their file type). [`super::decode`] asks here first, once per photo.

use std::path::Path;

use image::DynamicImage;

use super::PhotoError;
use super::gate::Permit;

/// The limits every decode keeps: pixels a side, and bytes of decoded pixels.
#[derive(Clone, Copy)]
pub(super) struct Limits {
    pub side_px: u32,
    pub decoded_bytes: u64,
}

impl Limits {
    /// jxl-oxide renders into 32-bit float planes: their bytes, and all it allocates, are
    /// bounded by twice the decode limit (about 67 MP of RGB).
    fn jxl_float_bytes(self) -> u64 {
        2 * self.decoded_bytes
    }
}

/// A photo decoded upright (its own rotation applied; EXIF orientation is not applied on
/// top), perhaps averaged down; its full upright size; the ICC profile its pixels are in,
/// and the decode's permit.
pub(super) struct Upright {
    pub image: DynamicImage,
    pub full_size: (u32, u32),
    pub icc: Option<Vec<u8>>,
    pub _permit: Permit,
}

/// The photo at `path` decoded, when it is a clip, a HEIF, AVIF or JPEG XL file; `None`
/// otherwise.
/// `factor` says by how much an upright `w × h` photo may be averaged down and still cover
/// its tile (HEIF and AVIF are; JPEG XL is decoded whole).
pub(super) fn decode(
    path: &Path,
    limits: Limits,
    factor: impl Fn(u32, u32) -> u32,
) -> Result<Option<Upright>, PhotoError> {
    if super::clip::is_clip(path) {
        let clip = super::clip::decode(path, factor)?;
        return Ok(Some(Upright {
            image: clip.image,
            full_size: clip.full_size,
            icc: None,
            _permit: clip.permit,
        }));
    }
    if let Some((kind, data)) = super::heif::read_if_heif(path)? {
        let d = super::heif::decode(kind, &data, limits.side_px, factor)?;
        return Ok(Some(Upright {
            image: d.image,
            full_size: d.full_size,
            icc: d.icc,
            _permit: d.permit,
        }));
    }
    Ok(
        super::jxl::decode_if_jxl(path, limits.side_px, limits.jxl_float_bytes())?.map(|d| {
            Upright {
                full_size: (d.image.width(), d.image.height()),
                image: d.image,
                icc: d.icc,
                _permit: d.permit,
            }
        }),
    )
}

/// What [`decode`] checks before decoding any pixel (the declared size against the limits);
/// `None` when the photo is not a clip, a HEIF, AVIF or JPEG XL file.
pub(super) fn probe(path: &Path, limits: Limits) -> Result<Option<()>, PhotoError> {
    if super::clip::is_clip(path) {
        return super::clip::probe(path).map(Some);
    }
    if let Some((kind, data)) = super::heif::read_if_heif(path)? {
        let header = super::heif::header(kind, &data, limits.side_px)?;
        let coding = super::heif::Coding::of(&data);
        let limit = super::gate::largest_decode();
        super::heif::check_size(kind, header, coding, limits.side_px, limit)?;
        return Ok(Some(()));
    }
    super::jxl::probe_if_jxl(path, limits.side_px, limits.jxl_float_bytes())
}
