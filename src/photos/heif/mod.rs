//! HEIC/HEIF and AVIF through the system libheif, dynamically linked (LGPL), by a small FFI
//! layer of our own against its C header. Debian 12 ships libheif 1.15 (with libde265 for
//! HEVC and dav1d/aom for AV1); the `libheif-sys` 5.x binding needs 1.17 or its own static
//! copy, so the two dozen calls used here are declared by hand, each as the 1.15 header has
//! it (every one exists unchanged in later versions).
//!
//! What a phone writes is handled by libheif itself: the primary image only (depth maps,
//! thumbnails, auxiliary images and the other frames of a sequence are never decoded), grid
//! images put together from their tiles, `irot`/`imir`/`clap` applied once (EXIF orientation is
//! never applied on top), 10- and 12-bit samples brought to 8 bits, alpha kept for the
//! flattening every format gets, grey and 4:4:4 converted to RGB.
//!
//! Guards: the size the file declares is checked before anything is decoded (against the
//! side and decoded-bytes limits, and libheif's own size limit is set to the same side); the
//! working memory libheif will allocate, invisible to Rust's allocator, is estimated from the
//! header and held as a decode permit; errors become [`PhotoError`]s naming what is wrong.
mod libheif;

use std::io::Read;
use std::path::Path;

use image::DynamicImage;

use super::PhotoError;
use super::gate::Permit;
use libheif::Context;

/// The largest HEIF file read (whole, as libheif reads from memory): far above any camera's.
const MAX_FILE_BYTES: u64 = 512 << 20;

/// Brands of the `ftyp` box that say the file holds HEIF or AVIF still images.
const HEIF_BRANDS: [&[u8; 4]; 10] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
];

/// The container, for messages: "HEIF" or "AVIF".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Heif,
    Avif,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Heif => "HEIF",
            Kind::Avif => "AVIF",
        }
    }
}

/// Whether a file's first bytes are an ISO-BMFF `ftyp` box naming a HEIF or AVIF brand
/// (major or compatible), and which.
#[must_use]
pub(super) fn kind_of(head: &[u8]) -> Option<Kind> {
    if head.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let box_len = head
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_be_bytes(b) as usize);
    let end = box_len.clamp(8, head.len());
    // The major brand at 8..12, then the minor version, then the compatible brands.
    let brands = head.get(8..12).into_iter().chain(
        head.get(16..end)
            .into_iter()
            .flat_map(|b| b.chunks_exact(4)),
    );
    let (mut hevc, mut av1, mut generic) = (false, false, false);
    for brand in brands.filter(|b| HEIF_BRANDS.iter().any(|h| h.as_slice() == *b)) {
        match brand {
            b"avif" | b"avis" => av1 = true,
            b"mif1" | b"msf1" => generic = true,
            _ => hevc = true,
        }
    }
    // A brand naming the codec wins over the generic image brands.
    if hevc {
        Some(Kind::Heif)
    } else if av1 {
        Some(Kind::Avif)
    } else {
        generic.then_some(Kind::Heif)
    }
}

/// The HEIF or AVIF file at `path`, read whole; `None` when the file is not one (another
/// format, or empty: the other decoders say which).
pub(super) fn read_if_heif(path: &Path) -> Result<Option<(Kind, Vec<u8>)>, PhotoError> {
    let mut file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    let mut head = [0u8; 64];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]).map_err(PhotoError::Io)? {
            0 => break,
            n => filled += n,
        }
    }
    let Some(kind) = kind_of(&head[..filled]) else {
        return Ok(None);
    };
    let len = file.metadata().map_err(PhotoError::Io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(PhotoError::TooLarge(format!(
            "a {} file of {} MiB; the limit is {} MiB",
            kind.name(),
            len >> 20,
            MAX_FILE_BYTES >> 20
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    data.extend_from_slice(&head[..filled]);
    file.read_to_end(&mut data).map_err(PhotoError::Io)?;
    Ok(Some((kind, data)))
}

/// What the primary image declares, before anything is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// Displayed size: after `irot`, `imir` and `clap`.
    pub width_px: u32,
    pub height_px: u32,
    pub alpha: bool,
    /// Bits per luma sample (8, 10, 12); 8 when the file does not say.
    pub bits: u32,
}

impl Header {
    /// Bytes a pixel takes in the decoded 8-bit RGB(A) image.
    fn output_bytes_per_px(self) -> u64 {
        if self.alpha { 4 } else { 3 }
    }

    /// Bytes of the decoded 8-bit RGB(A) pixels.
    #[must_use]
    pub fn decoded_bytes(self) -> u64 {
        u64::from(self.width_px) * u64::from(self.height_px) * self.output_bytes_per_px()
    }

    /// Bytes libheif and we hold at the peak of one decode, estimated from the header (C
    /// allocations are invisible to Rust's allocator): the decoded YCbCr planes (4:4:4 at
    /// worst, two bytes a sample above 8 bits, and as much again for the 8-bit conversion
    /// then), the RGB(A) image libheif converts them to, and our copy of it.
    #[must_use]
    pub fn working_bytes(self) -> u64 {
        let sample = if self.bits > 8 { 2 } else { 1 };
        let planes = (3 + u64::from(self.alpha)) * sample;
        let hdr_step = if self.bits > 8 { planes } else { 0 };
        let pixels = u64::from(self.width_px) * u64::from(self.height_px);
        pixels * (planes + hdr_step + 2 * self.output_bytes_per_px())
    }
}

/// A decoded primary image: 8-bit RGB or RGBA, upright; its embedded ICC profile, if any;
/// and the permit that holds the decode's bytes against [`super::gate`].
pub(super) struct Decoded {
    pub image: DynamicImage,
    pub icc: Option<Vec<u8>>,
    pub permit: Permit,
}

/// Reads the primary image's header from a HEIF/AVIF file in memory.
pub(super) fn header(kind: Kind, data: &[u8], max_side_px: u32) -> Result<Header, PhotoError> {
    let context = Context::read(kind, data, max_side_px)?;
    let handle = context.primary(kind)?;
    handle.header(kind)
}

/// Decodes the primary image of a HEIF/AVIF file in memory to 8-bit RGB(A), upright. A file
/// declaring more than `max_side_px` a side or `max_decoded_bytes` of pixels is refused
/// before decoding.
pub(super) fn decode(
    kind: Kind,
    data: &[u8],
    max_side_px: u32,
    max_decoded_bytes: u64,
) -> Result<Decoded, PhotoError> {
    let context = Context::read(kind, data, max_side_px)?;
    let handle = context.primary(kind)?;
    let header = handle.header(kind)?;
    check_size(kind, header, max_side_px, max_decoded_bytes)?;
    let permit = super::gate::acquire(header.working_bytes() + data.len() as u64);
    let icc = super::icc::enabled()
        .then(|| handle.icc_profile())
        .flatten();
    let image = handle.decode(kind, header)?;
    Ok(Decoded { image, icc, permit })
}

/// Refuses a header over the limits, saying how big the photo is and what it would need.
pub(super) fn check_size(
    kind: Kind,
    header: Header,
    max_side_px: u32,
    max_decoded_bytes: u64,
) -> Result<(), PhotoError> {
    let (w, h) = (header.width_px, header.height_px);
    if w == 0 || h == 0 {
        return Err(PhotoError::Damaged(format!(
            "{} declares {w}×{h} pixels",
            kind.name()
        )));
    }
    if w > max_side_px || h > max_side_px || header.decoded_bytes() > max_decoded_bytes {
        return Err(PhotoError::TooLarge(format!(
            "{} declares {w}×{h} pixels ({:.0} MP), {} MiB decoded; the limit is {max_side_px} \
             pixels a side and {} MiB decoded",
            kind.name(),
            f64::from(w) * f64::from(h) / 1e6,
            header.decoded_bytes().div_ceil(1 << 20),
            max_decoded_bytes >> 20
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: [u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let len = 16 + 4 * compatible.len();
        let mut head = u32::try_from(len).unwrap().to_be_bytes().to_vec();
        head.extend(b"ftyp");
        head.extend(major);
        head.extend([0, 0, 0, 0]);
        for brand in compatible {
            head.extend(*brand);
        }
        head.extend(b"\0\0\0\x08meta");
        head
    }

    #[test]
    fn brands_say_heif_or_avif() {
        assert_eq!(kind_of(&ftyp(*b"heic", &[b"mif1"])), Some(Kind::Heif));
        assert_eq!(kind_of(&ftyp(*b"mif1", &[b"heic"])), Some(Kind::Heif));
        assert_eq!(kind_of(&ftyp(*b"avif", &[b"mif1"])), Some(Kind::Avif));
        assert_eq!(
            kind_of(&ftyp(*b"mif1", &[b"miaf", b"avif"])),
            Some(Kind::Avif)
        );
        // An MP4 or a QuickTime clip is not a photo.
        assert_eq!(kind_of(&ftyp(*b"isom", &[b"mp41"])), None);
        assert_eq!(kind_of(&ftyp(*b"qt  ", &[])), None);
        assert_eq!(kind_of(b"\0\0\0\x18ftyp"), None);
        assert_eq!(kind_of(&[]), None);
    }

    #[test]
    fn working_memory_grows_with_depth_and_alpha() {
        let header = |alpha, bits| Header {
            width_px: 4000,
            height_px: 3000,
            alpha,
            bits,
        };
        let plain = header(false, 8);
        assert_eq!(plain.decoded_bytes(), 36_000_000);
        assert_eq!(plain.working_bytes(), 12_000_000 * 9);
        assert!(header(false, 10).working_bytes() > plain.working_bytes());
        assert!(header(true, 8).working_bytes() > plain.working_bytes());
    }
}
