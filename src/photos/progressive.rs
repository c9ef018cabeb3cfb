//! A progressive JPEG decoded at 1/8 scale without the scans that scale cannot use.
//!
//! At 1/8 scale libjpeg-turbo turns each 8×8 block of a component sampled at the frame's
//! full rate into one pixel from its DC coefficient alone (`jpeg_idct_1x1`); the AC
//! coefficients of that component are decoded and then never read. In a progressive JPEG
//! they come in scans of their own (an AC scan holds one component), most of the file's
//! bytes and most of its decoding time: for a camera photo's luma, the AC refinement scans
//! alone cost more than the rest of the decode. [`without_unused_scans`] copies the file
//! without those scans, so libjpeg-turbo never decodes them.
//!
//! Two details keep the pixels the same as a decode of the whole file at 1/8:
//! - A subsampled component (4:2:0 chroma) is not reduced to 1×1 blocks: libjpeg-turbo
//!   scales its blocks up (2×2 for 4:2:0) to spare the upsampling, and those read AC
//!   coefficients, so its AC scans stay. Which components keep 1×1 blocks follows
//!   libjpeg-turbo's own rule (`jpeg_core_output_dimensions`).
//! - With AC scans missing, libjpeg-turbo would smooth the blocks and estimate their DC
//!   anew from their neighbours (block smoothing, for showing a progressive JPEG while it
//!   loads). It does not smooth when a component's first AC quantizer is 0, so the copy sets
//!   that quantizer to 0 in a table only the 1×1 components use (which never read it). When
//!   every such table is shared with a component that reads it, nothing is dropped.
//!
//! Anything this cannot parse or does not expect gives `None`, and the file is decoded
//! whole, as before.

/// Markers without a length: TEM and RST0-7 (SOI and EOI are handled on their own).
fn standalone(marker: u8) -> bool {
    marker == 0x01 || (0xD0..=0xD7).contains(&marker)
}

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DQT: u8 = 0xDB;
/// Progressive DCT frames, Huffman (SOF2) and arithmetic (SOF10) coded.
const PROGRESSIVE: [u8; 2] = [0xC2, 0xCA];
/// Every other start-of-frame marker (baseline, extended, lossless, hierarchical).
fn other_frame(marker: u8) -> bool {
    matches!(marker, 0xC0 | 0xC1 | 0xC3 | 0xC5..=0xC7 | 0xC9 | 0xCB | 0xCD..=0xCF)
}

/// One component of the frame: its id, sampling factors and quantization table.
#[derive(Clone, Copy)]
struct Component {
    id: u8,
    h: u8,
    v: u8,
    table: u8,
}

/// A piece of the file as it is parsed: a marker segment, or a scan with its entropy-coded
/// data (header included).
struct Piece {
    marker: u8,
    start: usize,
    end: usize,
}

/// The file's pieces after SOI up to and including EOI (or the end of the data), and its
/// progressive frame's components; `None` for anything else.
fn parse(data: &[u8]) -> Option<(Vec<Piece>, Vec<Component>)> {
    if data.get(..2)? != [0xFF, SOI] {
        return None;
    }
    let mut pieces = Vec::new();
    let mut components = Vec::new();
    let mut at = 2;
    loop {
        // Fill bytes before a marker.
        while data.get(at..at + 2) == Some(&[0xFF, 0xFF]) {
            at += 1;
        }
        let &[0xFF, marker] = data.get(at..at + 2)? else {
            return None;
        };
        if marker == EOI {
            pieces.push(Piece {
                marker,
                start: at,
                end: at + 2,
            });
            return Some((pieces, components));
        }
        if marker == SOI || standalone(marker) || other_frame(marker) {
            return None;
        }
        let len = usize::from(u16::from_be_bytes(
            data.get(at + 2..at + 4)?.try_into().ok()?,
        ));
        let body = data.get(at + 4..(at + 2 + len).max(at + 4))?;
        if len < 2 {
            return None;
        }
        let mut end = at + 2 + len;
        if PROGRESSIVE.contains(&marker) {
            components = frame_components(body)?;
        } else if marker == SOS {
            end = scan_end(data, end)?;
        }
        pieces.push(Piece {
            marker,
            start: at,
            end,
        });
        at = end;
    }
}

/// The components of a frame header's body (precision, height, width, count, then 3 bytes
/// each).
fn frame_components(body: &[u8]) -> Option<Vec<Component>> {
    let count = usize::from(*body.get(5)?);
    let list = body.get(6..6 + 3 * count)?;
    if count == 0 {
        return None;
    }
    let components: Vec<Component> = list
        .chunks_exact(3)
        .map(|c| Component {
            id: c[0],
            h: c[1] >> 4,
            v: c[1] & 0x0F,
            table: c[2],
        })
        .collect();
    components
        .iter()
        .all(|c| (1..=4).contains(&c.h) && (1..=4).contains(&c.v) && c.table < 4)
        .then_some(components)
}

/// Where a scan's entropy-coded data that starts at `from` ends: at the next marker that is
/// neither a stuffed zero nor a restart marker.
fn scan_end(data: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        at += memchr::memchr(0xFF, data.get(at..)?)?;
        match *data.get(at + 1)? {
            0x00 | 0xD0..=0xD7 => at += 2,
            0xFF => at += 1,
            _ => return Some(at),
        }
    }
}

/// Whether libjpeg-turbo decodes the component in 1×1 blocks at 1/8 scale: it doubles a
/// component's block size while the frame's largest sampling factors are an even multiple
/// of the component's on both axes (`jpeg_core_output_dimensions`).
fn one_by_one(c: Component, max_h: u8, max_v: u8) -> bool {
    !(max_h.is_multiple_of(2 * c.h) && max_v.is_multiple_of(2 * c.v))
}

/// The AC scan a decode at 1/8 scale does not read: one component, spectral start above 0,
/// the component in 1×1 blocks.
fn unused_scan(header: &[u8], dropped: &[u8]) -> Option<bool> {
    let count = usize::from(*header.first()?);
    let spectral_start = *header.get(1 + 2 * count)?;
    Some(count == 1 && spectral_start > 0 && dropped.contains(header.get(1)?))
}

/// A copy of the progressive JPEG `data` without the AC scans of the components that a
/// decode at 1/8 scale reads only the DC coefficients of, decoding to the same pixels at
/// that scale; `None` when there is no such scan, the file is not progressive, or anything
/// in it is unexpected.
#[must_use]
pub(super) fn without_unused_scans(data: &[u8]) -> Option<Vec<u8>> {
    let (pieces, components) = parse(data)?;
    let max_h = components.iter().map(|c| c.h).max()?;
    let max_v = components.iter().map(|c| c.v).max()?;
    let (small, read): (Vec<Component>, Vec<Component>) = components
        .iter()
        .partition(|c| one_by_one(**c, max_h, max_v));
    // A table no component that reads its AC quantizers uses.
    let quiet: Vec<u8> = small
        .iter()
        .map(|c| c.table)
        .filter(|t| read.iter().all(|c| c.table != *t))
        .collect();
    if quiet.is_empty() {
        return None;
    }
    let dropped: Vec<u8> = small
        .iter()
        .filter(|c| quiet.contains(&c.table))
        .map(|c| c.id)
        .collect();
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..2]);
    let mut any = false;
    for piece in &pieces {
        let bytes = &data[piece.start..piece.end];
        match piece.marker {
            SOS if unused_scan(bytes.get(4..)?, &dropped)? => any = true,
            DQT => {
                let at = out.len();
                out.extend_from_slice(bytes);
                silence_tables(out.get_mut(at + 4..)?, &quiet)?;
            }
            _ => out.extend_from_slice(bytes),
        }
    }
    any.then_some(out)
}

/// Sets the first AC quantizer (zig-zag position 1) to 0 in each table of the DQT body
/// `body` whose index is in `tables`.
fn silence_tables(body: &mut [u8], tables: &[u8]) -> Option<()> {
    let mut at = 0;
    while at < body.len() {
        let precision_and_index = body[at];
        let wide = precision_and_index >> 4 != 0;
        let size = if wide { 2 } else { 1 };
        if tables.contains(&(precision_and_index & 0x0F)) {
            body.get_mut(at + 1 + size..at + 1 + 2 * size)?.fill(0);
        }
        at += 1 + 64 * size;
    }
    (at == body.len()).then_some(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use turbojpeg::{Compressor, Decompressor, Image, PixelFormat, ScalingFactor, Subsamp};

    /// A photo-like RGB image: smooth gradients and fine detail, so every scan has work.
    fn pixels(w: usize, h: usize) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let detail = ((x * 7 + y * 13) % 23) as u8 * 3;
                [
                    (x * 255 / w) as u8 ^ detail,
                    (y * 255 / h) as u8,
                    ((x + y) % 256) as u8 / 2 + detail,
                ]
            })
            .collect()
    }

    /// A progressive JPEG of 203×157 photo-like pixels.
    pub(in crate::photos) fn encode(subsamp: Subsamp, grey: bool, arithmetic: bool) -> Vec<u8> {
        let (w, h) = (203, 157);
        let rgb = pixels(w, h);
        let mut compressor = Compressor::new().unwrap();
        compressor.set_quality(92).unwrap();
        compressor
            .set_subsamp(if grey { Subsamp::Gray } else { subsamp })
            .unwrap();
        compressor.set_progressive(true).unwrap();
        compressor.set_arithmetic(arithmetic).unwrap();
        let image = Image {
            pixels: rgb.as_slice(),
            width: w,
            pitch: 3 * w,
            height: h,
            format: PixelFormat::RGB,
        };
        compressor.compress_to_vec(image).unwrap()
    }

    /// `data` decoded by libjpeg-turbo at 1/8 scale.
    fn decode_eighth(data: &[u8]) -> Vec<u8> {
        decode_at(data, ScalingFactor::ONE_EIGHTH)
    }

    /// `data` decoded whole by libjpeg-turbo at `factor`, RGB.
    pub(in crate::photos) fn decode_at(data: &[u8], factor: ScalingFactor) -> Vec<u8> {
        let mut decompressor = Decompressor::new().unwrap();
        decompressor.set_scaling_factor(factor).unwrap();
        let scaled = decompressor.read_header(data).unwrap().scaled(factor);
        let mut pixels = vec![0; 3 * scaled.width * scaled.height];
        let image = Image {
            pixels: pixels.as_mut_slice(),
            width: scaled.width,
            pitch: 3 * scaled.width,
            height: scaled.height,
            format: PixelFormat::RGB,
        };
        decompressor.decompress(data, image).unwrap();
        pixels
    }

    #[test]
    fn the_copy_decodes_to_the_same_pixels_at_one_eighth() {
        let cases = [
            ("4:2:0", Subsamp::Sub2x2, false, false),
            ("4:2:2", Subsamp::Sub2x1, false, false),
            ("4:4:0", Subsamp::Sub1x2, false, false),
            ("4:4:4", Subsamp::None, false, false),
            ("grey", Subsamp::None, true, false),
            ("4:2:0 arithmetic", Subsamp::Sub2x2, false, true),
        ];
        for (name, subsamp, grey, arithmetic) in cases {
            let whole = encode(subsamp, grey, arithmetic);
            let copy =
                without_unused_scans(&whole).unwrap_or_else(|| panic!("{name}: nothing dropped"));
            assert!(
                copy.len() * 2 < whole.len(),
                "{name}: {} of {} bytes kept",
                copy.len(),
                whole.len()
            );
            assert_eq!(decode_eighth(&copy), decode_eighth(&whole), "{name}");
        }
    }

    /// The first AC quantizer of the 1×1 components' table is what turns libjpeg-turbo's
    /// block smoothing off: without it the DC values are estimated anew and differ.
    #[test]
    fn without_the_silenced_quantizer_the_pixels_differ() {
        let whole = encode(Subsamp::Sub2x2, false, false);
        let copy = without_unused_scans(&whole).unwrap();
        let (pieces, _) = parse(&whole).unwrap();
        let dqt = pieces.iter().find(|p| p.marker == DQT).unwrap();
        // Put the luma table's whole DQT segment back as it was.
        let mut loud = copy.clone();
        let at = dqt.start;
        loud[at..dqt.end].copy_from_slice(&whole[at..dqt.end]);
        assert_eq!(decode_eighth(&copy), decode_eighth(&whole));
        assert_ne!(decode_eighth(&loud), decode_eighth(&whole));
    }

    #[test]
    fn baseline_and_shared_tables_are_left_whole() {
        let mut compressor = Compressor::new().unwrap();
        compressor.set_subsamp(Subsamp::Sub2x2).unwrap();
        let rgb = pixels(64, 48);
        let image = Image {
            pixels: rgb.as_slice(),
            width: 64,
            pitch: 3 * 64,
            height: 48,
            format: PixelFormat::RGB,
        };
        let baseline = compressor.compress_to_vec(image).unwrap();
        assert!(without_unused_scans(&baseline).is_none());
        // Luma and chroma on one table: the chroma's 2×2 blocks read its AC quantizers.
        let mut shared = encode(Subsamp::Sub2x2, false, false);
        let (pieces, _) = parse(&shared).unwrap();
        let sof = pieces.iter().find(|p| p.marker == 0xC2).unwrap();
        for c in 0..3 {
            shared[sof.start + 4 + 6 + 3 * c + 2] = 0;
        }
        assert!(without_unused_scans(&shared).is_none());
    }

    #[test]
    fn cut_or_broken_files_give_none_and_never_panic() {
        let whole = encode(Subsamp::Sub2x2, false, false);
        for len in (0..whole.len()).step_by(37) {
            let _ = without_unused_scans(&whole[..len]);
        }
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for _ in 0..200 {
            let mut broken = whole.clone();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % broken.len() as u64) as usize;
                broken[at] = (state >> 32) as u8;
            }
            let _ = without_unused_scans(&broken);
        }
        assert!(without_unused_scans(&whole[..whole.len() / 2]).is_none());
        assert!(without_unused_scans(b"not a jpeg").is_none());
    }
}
