//! What a decoder holds while it decodes, beyond the pixels it returns, told from the file's
//! header before anything is decoded: the working memory the decode permit counts (see
//! [`super::gate`]) and the 384 MiB guard refuses. Much of it is C allocations (libjpeg-turbo,
//! and the C decoders to come) that no Rust allocator sees, so it is estimated, not measured.
//!
//! A decoder with working memory of its own adds one function, header bytes in, `Some(bytes)`
//! for a header of its format (`None` for any other), to [`ESTIMATORS`].

/// One decoder's estimate: `Some(bytes)` when `head` (the file's first bytes, all of them for
/// a JPEG read whole) is of its format, `None` otherwise.
pub(crate) type Estimate = fn(head: &[u8]) -> Option<u64>;

/// Every decoder's estimate, tried in turn; the first that knows the format answers.
const ESTIMATORS: &[Estimate] = &[jpeg_coefficients, webp_planes];

/// How many bytes of a file's start the estimates read when the file is not read whole.
pub(crate) const HEAD_BYTES: u64 = 1 << 20;

/// The working memory of decoding the file that starts with `head`: 0 for formats whose
/// decoders hold only a few rows beyond their output.
#[must_use]
pub(crate) fn working_bytes(head: &[u8]) -> u64 {
    ESTIMATORS
        .iter()
        .find_map(|estimate| estimate(head))
        .unwrap_or(0)
}

/// Reads the first [`HEAD_BYTES`] of `path` and estimates from them.
pub(crate) fn working_bytes_of(path: &std::path::Path) -> std::io::Result<u64> {
    use std::io::Read;
    let file = crate::files::open_regular(path)?;
    let mut head = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut head)?;
    Ok(working_bytes(&head))
}

/// A JPEG frame header: size, components (horizontal and vertical sampling), and whether the
/// image comes in several scans.
struct JpegFrame {
    width: u64,
    height: u64,
    sampling: Vec<(u64, u64)>,
    multi_scan: bool,
}

/// A progressive JPEG, or a baseline one whose first scan holds fewer components than the
/// frame, is decoded with every DCT coefficient of the whole image in memory (libjpeg-turbo,
/// `jpeg-decoder` and `zune-jpeg` alike): 64 coefficients of 2 bytes per 8×8 block of each
/// component, at full resolution even when the output is scaled down. A single-scan JPEG
/// needs a few block rows only. `None` when `head` is not a JPEG.
fn jpeg_coefficients(head: &[u8]) -> Option<u64> {
    if !head.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let Some(frame) = jpeg_frame(head) else {
        return Some(0);
    };
    if !frame.multi_scan {
        return Some(0);
    }
    let h_max = frame.sampling.iter().map(|s| s.0).max().unwrap_or(1).max(1);
    let v_max = frame.sampling.iter().map(|s| s.1).max().unwrap_or(1).max(1);
    let blocks = frame.sampling.iter().map(|&(h, v)| {
        // libjpeg's `width_in_blocks`, padded to whole MCUs as its coefficient arrays are.
        let across = (frame.width * h)
            .div_ceil(h_max)
            .div_ceil(8)
            .next_multiple_of(h.max(1));
        let down = (frame.height * v)
            .div_ceil(v_max)
            .div_ceil(8)
            .next_multiple_of(v.max(1));
        across.saturating_mul(down)
    });
    Some(
        blocks
            .fold(0u64, u64::saturating_add)
            .saturating_mul(64 * 2),
    )
}

/// The frame header and the first scan's component count, read from the markers before the
/// first scan; `None` when `head` ends before them or is malformed.
fn jpeg_frame(head: &[u8]) -> Option<JpegFrame> {
    let mut at = 2;
    let mut frame: Option<JpegFrame> = None;
    while let Some(&[0xFF, marker]) = head.get(at..at + 2) {
        match marker {
            0xFF => at += 1,
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD9 => return frame,
            _ => {
                let &[hi, lo] = head.get(at + 2..at + 4)? else {
                    return None;
                };
                let len = usize::from(u16::from_be_bytes([hi, lo])).max(2);
                let body = head.get(at + 4..at + 2 + len)?;
                match marker {
                    // SOF0-3, 5-7, 9-11, 13-15 (not DHT C4, JPG C8, DAC CC).
                    0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                        frame = Some(sof(marker, body)?);
                    }
                    0xDA => {
                        let mut frame = frame?;
                        let in_scan = usize::from(*body.first()?);
                        frame.multi_scan |= in_scan < frame.sampling.len();
                        return Some(frame);
                    }
                    _ => {}
                }
                at += 2 + len;
            }
        }
    }
    frame
}

/// A start-of-frame segment's body.
fn sof(marker: u8, body: &[u8]) -> Option<JpegFrame> {
    let height = u64::from(u16::from_be_bytes([*body.get(1)?, *body.get(2)?]));
    let width = u64::from(u16::from_be_bytes([*body.get(3)?, *body.get(4)?]));
    let count = usize::from(*body.get(5)?);
    let sampling = (0..count)
        .map(|i| {
            let factors = *body.get(6 + i * 3 + 1)?;
            Some((u64::from(factors >> 4), u64::from(factors & 0x0F)))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(JpegFrame {
        width,
        height,
        sampling,
        // SOF2, SOF6, SOF10, SOF14: progressive.
        multi_scan: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
    })
}

/// A lossy WebP (VP8) is decoded into Y, U and V planes of whole 16×16 macroblocks (1.5
/// bytes a pixel) before it becomes RGB; a lossless one (VP8L) into 4 bytes a pixel, then
/// copied to RGB when it has no alpha. An extended one (VP8X) may be either: the larger
/// counts. `None` when `head` is not a WebP (`image-webp` 0.2).
fn webp_planes(head: &[u8]) -> Option<u64> {
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WEBP" {
        return None;
    }
    let byte = |at: usize| head.get(at).map(|&b| u64::from(b));
    let macroblocks = |side: u64| side.div_ceil(16) * 16;
    let bytes = match head.get(12..16)? {
        b"VP8 " => {
            // The frame header: a 3-byte tag, the start code, then 14-bit sizes.
            let size = |at: usize| Some((byte(at)? | byte(at + 1)? << 8) & 0x3FFF);
            macroblocks(size(26)?) * macroblocks(size(28)?) * 3 / 2
        }
        b"VP8L" => {
            // After the signature byte: 14 bits of width − 1, 14 of height − 1.
            let bits = (0..4).try_fold(0u64, |acc, i| Some(acc | byte(21 + i)? << (8 * i)))?;
            ((bits & 0x3FFF) + 1) * ((bits >> 14 & 0x3FFF) + 1) * 4
        }
        b"VP8X" => {
            let size = |at: usize| Some((byte(at)? | byte(at + 1)? << 8 | byte(at + 2)? << 16) + 1);
            macroblocks(size(24)?) * macroblocks(size(27)?) * 4
        }
        _ => 0,
    };
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG head: SOI, a frame header of `marker` for `w × h` with `components`
    /// (h, v sampling), then a scan of `in_scan` components.
    fn jpeg_head(marker: u8, w: u16, h: u16, components: &[(u8, u8)], in_scan: u8) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        let mut sof = vec![8];
        sof.extend(h.to_be_bytes());
        sof.extend(w.to_be_bytes());
        sof.push(components.len() as u8);
        for (i, (sh, sv)) in components.iter().enumerate() {
            sof.extend([i as u8 + 1, sh << 4 | sv, 0]);
        }
        data.extend([0xFF, marker]);
        data.extend((sof.len() as u16 + 2).to_be_bytes());
        data.extend(sof);
        let mut sos = vec![in_scan];
        for i in 0..in_scan {
            sos.extend([i + 1, 0]);
        }
        sos.extend([0, 63, 0]);
        data.extend([0xFF, 0xDA]);
        data.extend((sos.len() as u16 + 2).to_be_bytes());
        data.extend(sos);
        data
    }

    const YCC_420: [(u8, u8); 3] = [(2, 2), (1, 1), (1, 1)];

    /// 16000×12000 4:2:0: 2000×1500 luma blocks and 1000×750 of each chroma, 128 bytes each
    /// (576,000,000 bytes: what libjpeg-turbo allocates for it, scaled or not).
    #[test]
    fn a_progressive_jpeg_needs_its_whole_coefficient_array() {
        let head = jpeg_head(0xC2, 16_000, 12_000, &YCC_420, 1);
        assert_eq!(working_bytes(&head), 576_000_000);
        // Grey: one component, 2 bytes a pixel.
        let grey = jpeg_head(0xC2, 800, 600, &[(1, 1)], 1);
        assert_eq!(working_bytes(&grey), 800 * 600 * 2);
        // Sizes that are not whole blocks or MCUs round up as libjpeg's arrays do.
        let odd = jpeg_head(0xC2, 17, 9, &YCC_420, 1);
        assert_eq!(working_bytes(&odd), (4 * 2 + 2 * 2) * 128);
    }

    #[test]
    fn a_single_scan_jpeg_needs_rows_only_and_a_multi_scan_one_the_whole_array() {
        assert_eq!(
            working_bytes(&jpeg_head(0xC0, 16_000, 12_000, &YCC_420, 3)),
            0
        );
        // Baseline, but the first scan has only the luma: several scans.
        assert_eq!(
            working_bytes(&jpeg_head(0xC0, 16_000, 12_000, &YCC_420, 1)),
            576_000_000
        );
        // The real progressive fixture, made by ImageMagick.
        let fixture = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/progressive.jpg"),
        )
        .unwrap();
        assert!(working_bytes(&fixture) > 0);
    }

    #[test]
    fn cut_or_foreign_heads_give_no_estimate_and_no_panic() {
        let head = jpeg_head(0xC2, 16_000, 12_000, &YCC_420, 1);
        for len in 0..head.len() {
            let _ = working_bytes(&head[..len]);
        }
        assert_eq!(working_bytes(b"\x89PNG\r\n\x1a\n"), 0);
        assert_eq!(working_bytes(&[]), 0);
    }

    #[test]
    fn a_lossy_webp_needs_its_yuv_planes() {
        let mut head = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
        head.extend([0, 0, 0, 0x9D, 0x01, 0x2A]);
        head.extend(1000u16.to_le_bytes());
        head.extend(750u16.to_le_bytes());
        // 1008×752 in macroblocks, 1.5 bytes a pixel.
        assert_eq!(working_bytes(&head), 1008 * 752 * 3 / 2);
    }
}
