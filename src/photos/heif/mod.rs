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
pub(super) mod reduce; // also the clips' frames (`super::clip`)

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

/// What the file's codec configuration and transformations say about the planes a decode
/// holds, read from the boxes themselves (libheif 1.15 has no call for either).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Coding {
    /// Chroma samples per pixel, in quarters: 0 for grey, 2 for 4:2:0, 4 for 4:2:2, 8 for
    /// 4:4:4 (and for anything not found: the largest).
    chroma_quarters: u64,
    /// An `irot` box: libheif rotates into a second set of planes.
    rotated: bool,
}

impl Coding {
    /// The most any image in the file is coded with: the chroma of every `hvcC` and `av1C`
    /// box (4:4:4 when there is none), and whether any image is rotated. A box type met by
    /// chance in the coded data can only make this larger, never smaller.
    #[must_use]
    pub fn of(data: &[u8]) -> Self {
        let mut chroma_quarters = None::<u64>;
        let mut rotated = false;
        for at in 4..data.len().saturating_sub(4) {
            let quarters = match &data[at..at + 4] {
                // hvcC: the chroma_format_idc's two bits, 16 bytes into the payload.
                b"hvcC" => data.get(at + 4 + 16).map(|b| match b & 3 {
                    0 => 0,
                    1 => 2,
                    2 => 4,
                    _ => 8,
                }),
                // av1C: monochrome, subsampling_x, subsampling_y, in the third byte.
                b"av1C" => data.get(at + 4 + 2).map(|b| {
                    if (b >> 4) & 1 != 0 {
                        0
                    } else {
                        8 >> (((b >> 3) & 1) + ((b >> 2) & 1))
                    }
                }),
                b"irot" => {
                    rotated = true;
                    None
                }
                _ => None,
            };
            if let Some(q) = quarters {
                chroma_quarters = Some(chroma_quarters.map_or(q, |c| c.max(q)));
            }
        }
        Self {
            chroma_quarters: chroma_quarters.unwrap_or(8),
            rotated,
        }
    }
}

impl Header {
    fn pixels(self) -> u64 {
        u64::from(self.width_px) * u64::from(self.height_px)
    }

    /// Bytes held at the peak of a decode to planes, estimated from the header and the
    /// coding (C allocations are invisible to Rust's allocator): the codec's own picture and
    /// libheif's copy of its planes, a third set when libheif rotates them, and the decoder's
    /// own records of the picture (a byte and a quarter a pixel: a render of an 8-bit 4:2:0
    /// 200 MP HEIC, whose planes are 300 MB, peaked 811 MB above an ordinary one).
    #[must_use]
    pub fn working_bytes(self, coding: Coding) -> u64 {
        let sample = if self.bits > 8 { 2 } else { 1 };
        let quarters = 4 + coding.chroma_quarters + 4 * u64::from(self.alpha);
        let planes = self.pixels() * quarters * sample / 4;
        planes * (2 + u64::from(coding.rotated)) + self.pixels() * 5 / 4
    }
}

/// A decoded primary image: 8-bit RGB or RGBA, upright, averaged down by a whole factor; the
/// photo's full upright size; its embedded ICC profile, if any; and the permit that holds the
/// decode's bytes against [`super::gate`].
pub(super) struct Decoded {
    pub image: DynamicImage,
    pub full_size: (u32, u32),
    pub icc: Option<Vec<u8>>,
    pub permit: Permit,
}

/// Reads the primary image's header from a HEIF/AVIF file in memory.
pub(super) fn header(kind: Kind, data: &[u8], max_side_px: u32) -> Result<Header, PhotoError> {
    let context = Context::read(kind, data, max_side_px)?;
    let handle = context.primary(kind)?;
    handle.header(kind)
}

/// Decodes the primary image of a HEIF/AVIF file in memory to 8-bit RGB(A), upright, averaged
/// down by the whole factor `factor` gives for its upright size (1: full size). A file
/// declaring more than `max_side_px` a side, or whose decode would hold more than the memory
/// budget (see [`super::gate::largest_decode`]), is refused before decoding.
pub(super) fn decode(
    kind: Kind,
    data: &[u8],
    max_side_px: u32,
    factor: impl Fn(u32, u32) -> u32,
) -> Result<Decoded, PhotoError> {
    let context = Context::read(kind, data, max_side_px)?;
    let handle = context.primary(kind)?;
    let header = handle.header(kind)?;
    let coding = Coding::of(data);
    let limit = super::gate::largest_decode();
    let working = check_size(kind, header, coding, max_side_px, limit)?;
    let factor = factor(header.width_px, header.height_px).max(1);
    let reduced = header.pixels() / u64::from(factor * factor) * 16;
    let permit = super::gate::acquire(working + reduced + data.len() as u64);
    let icc = super::icc::enabled()
        .then(|| handle.icc_profile())
        .flatten();
    let decoded = handle.decode_planes(kind, coding.chroma_quarters)?;
    let image = reduce::reduce(&decoded.planar(kind)?, factor)
        .ok_or_else(|| PhotoError::Damaged(format!("{}: planes missing", kind.name())))?;
    Ok(Decoded {
        image,
        full_size: (header.width_px, header.height_px),
        icc,
        permit,
    })
}

/// Refuses a header over the limits (`max_side_px` a side, `limit` bytes held: see
/// [`super::gate::largest_decode`]), saying how big the photo is and what budget it would
/// need; else the bytes its decode holds.
pub(super) fn check_size(
    kind: Kind,
    header: Header,
    coding: Coding,
    max_side_px: u32,
    limit: u64,
) -> Result<u64, PhotoError> {
    let (w, h) = (header.width_px, header.height_px);
    if w == 0 || h == 0 {
        return Err(PhotoError::Damaged(format!(
            "{} declares {w}×{h} pixels",
            kind.name()
        )));
    }
    let megapixels = f64::from(w) * f64::from(h) / 1e6;
    if w > max_side_px || h > max_side_px {
        return Err(PhotoError::TooLarge(format!(
            "{} declares {w}×{h} pixels ({megapixels:.0} MP); the limit is {max_side_px} \
             pixels a side",
            kind.name(),
        )));
    }
    let working = header.working_bytes(coding);
    if working > limit {
        let mib = |b: u64| b.div_ceil(1 << 20);
        let name = kind.name();
        let needs = format!(
            "{name} of {w}×{h} pixels ({megapixels:.0} MP) needs {} MiB to decode",
            mib(working)
        );
        return Err(PhotoError::TooLarge(
            if working > super::gate::LARGEST_DECODE_BYTES {
                format!(
                    "{needs}; one decode may hold {} MiB at most, whatever the budget",
                    mib(super::gate::LARGEST_DECODE_BYTES)
                )
            } else {
                format!(
                    "{needs}; one decode may hold {} MiB (the memory budget, and never less than \
                 384 MiB): --memory-budget {}MB or more would decode it",
                    mib(limit),
                    mib(working)
                )
            },
        ));
    }
    Ok(working)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photos::gate::LARGEST_DECODE_BYTES;
    use image::GenericImageView as _;
    use std::path::Path;

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
        let phone = Coding {
            chroma_quarters: 2,
            rotated: false,
        };
        let plain = header(false, 8);
        // 8-bit 4:2:0: a byte of luma and half a byte of chroma a pixel, twice, and 1.25.
        assert_eq!(plain.working_bytes(phone), 51_000_000);
        let rotated = Coding {
            rotated: true,
            ..phone
        };
        assert_eq!(plain.working_bytes(rotated), 69_000_000);
        assert_eq!(header(false, 10).working_bytes(phone), 87_000_000);
        assert_eq!(header(true, 8).working_bytes(phone), 75_000_000);
    }

    #[test]
    fn the_coding_is_read_from_the_codec_configuration() {
        let box_with = |kind: &[u8; 4], at: usize, byte: u8| {
            let mut b = b"\0\0\0\x20".to_vec();
            b.extend(kind);
            b.resize(8 + 24, 0);
            b[8 + at] = byte;
            b
        };
        // An iPhone's hvcC: 4:2:0.
        let hevc = box_with(b"hvcC", 16, 0xFD);
        assert_eq!(Coding::of(&hevc).chroma_quarters, 2);
        // av1C 4:4:4 (no subsampling), then grey.
        assert_eq!(
            Coding::of(&box_with(b"av1C", 2, 0b0000_0000)).chroma_quarters,
            8
        );
        assert_eq!(
            Coding::of(&box_with(b"av1C", 2, 0b0000_1100)).chroma_quarters,
            2
        );
        assert_eq!(
            Coding::of(&box_with(b"av1C", 2, 0b0001_1100)).chroma_quarters,
            0
        );
        // Nothing found: the largest; an irot box: rotated.
        assert_eq!(Coding::of(b"nothing here").chroma_quarters, 8);
        let mut rotated = hevc.clone();
        rotated.extend(b"\0\0\0\x09irot\x01");
        assert!(Coding::of(&rotated).rotated && !Coding::of(&hevc).rotated);
    }

    /// The largest channel difference between two images of the same size.
    fn max_difference(a: &DynamicImage, b: &DynamicImage) -> u8 {
        assert_eq!(a.dimensions(), b.dimensions());
        let (a, b) = (a.to_rgba8(), b.to_rgba8());
        a.as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0)
    }

    /// `image` averaged over 2×2 blocks (over what remains at the last row and column).
    fn box_halved(image: &DynamicImage) -> DynamicImage {
        let rgba = image.to_rgba8();
        let (w, h) = rgba.dimensions();
        let out = image::RgbaImage::from_fn(w.div_ceil(2), h.div_ceil(2), |x, y| {
            let mut sum = [0u32; 4];
            let mut n = 0;
            for (sx, sy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (px, py) = (2 * x + sx, 2 * y + sy);
                if px < w && py < h {
                    let p = rgba.get_pixel(px, py).0;
                    for c in 0..4 {
                        sum[c] += u32::from(p[c]);
                    }
                    n += 1;
                }
            }
            image::Rgba(sum.map(|v| u8::try_from((v + n / 2) / n).unwrap()))
        });
        DynamicImage::ImageRgba8(out)
    }

    /// Every phone fixture decoded through its own planes matches libheif's own conversion
    /// to RGB (its matrix, range, depth and alpha), at full size and averaged by two.
    #[test]
    fn planes_convert_as_libheif_converts_them() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/phone");
        let names = [
            "photo.heic",
            "ten-bit.heic",
            "alpha.heic",
            "exif6.heic",
            "adobe.heic",
            "photo.avif",
            "grid.avif",
            "rotated.avif",
            "mirrored.avif",
            "twelve-bit.avif",
            "grey.avif",
            "yuv444.avif",
        ];
        for name in names {
            let path = dir.join(name);
            let (kind, data) = read_if_heif(&path).unwrap().unwrap();
            let context = Context::read(kind, &data, 40_000).unwrap();
            let handle = context.primary(kind).unwrap();
            let header = handle.header(kind).unwrap();
            let reference = handle.decode_rgb(kind, header).unwrap();
            let full = decode(kind, &data, 40_000, |_, _| 1).unwrap();
            assert_eq!(full.full_size, reference.dimensions(), "{name}");
            let diff = max_difference(&full.image, &reference);
            assert!(diff <= 3, "{name}: planes and libheif differ by {diff}");
            // Averaged by two against libheif's pixels averaged over the same 2×2 blocks.
            let half = decode(kind, &data, 40_000, |_, _| 2).unwrap();
            let diff = max_difference(&half.image, &box_halved(&reference));
            assert!(diff <= 2, "{name}: averaged by two, off by {diff}");
        }
    }

    /// A phone's 4:2:0 HEIC decodes to its own planes, chroma at half size: libheif converts
    /// nothing (asked for no colour space, libheif 1.15 makes planar RGB, 3 bytes a pixel).
    #[test]
    fn a_phone_heic_decodes_to_its_own_subsampled_planes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/phone/photo.heic");
        let (kind, data) = read_if_heif(&path).unwrap().unwrap();
        let coding = Coding::of(&data);
        assert_eq!(coding.chroma_quarters, 2);
        let context = Context::read(kind, &data, 40_000).unwrap();
        let handle = context.primary(kind).unwrap();
        let image = handle.decode_planes(kind, coding.chroma_quarters).unwrap();
        let planar = image.planar(kind).unwrap();
        assert!(matches!(planar.colour, reduce::Colour::YCbCr(_)));
        let sizes: Vec<_> = planar.planes.iter().map(|p| (p.width, p.height)).collect();
        assert_eq!(sizes, [(96, 72), (48, 36), (48, 36)]);
    }

    #[test]
    fn a_decode_over_the_limit_names_the_budget_it_would_need() {
        let header = Header {
            width_px: 40_000,
            height_px: 40_000,
            alpha: false,
            bits: 10,
        };
        let coding = Coding {
            chroma_quarters: 8,
            rotated: true,
        };
        let refusal =
            |header, coding, limit| match check_size(Kind::Heif, header, coding, 40_000, limit) {
                Err(PhotoError::TooLarge(message)) => message,
                other => panic!("{header:?} decodes under {limit}: {other:?}"),
            };
        // Beyond what any budget lets one decode hold.
        let message = refusal(header, coding, LARGEST_DECODE_BYTES);
        assert!(
            message.contains("1600 MP") && message.contains("whatever the budget"),
            "{message}"
        );
        // Beyond this budget: the message names the one that would do (200 MP, 10-bit 4:4:4,
        // rotated: 3 × 1.2 GB of planes and 250 MB, 3,668 MiB).
        let big = Header {
            width_px: 16_320,
            height_px: 12_240,
            ..header
        };
        let message = refusal(big, coding, 1 << 30);
        assert!(
            message.contains("200 MP") && message.contains("--memory-budget 3668MB"),
            "{message}"
        );
        let phone = Coding {
            chroma_quarters: 2,
            rotated: false,
        };
        let ordinary = Header {
            width_px: 4032,
            height_px: 3024,
            bits: 8,
            ..header
        };
        assert_eq!(
            check_size(Kind::Heif, ordinary, phone, 40_000, 1 << 30).ok(),
            Some(51_819_264)
        );
    }
}
