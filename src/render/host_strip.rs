//! The export's frames from a YUV strip (the still's or the rolling still's), resampled on
//! the CPU.
//!
//! A frame drawn from a plain strip (a grid moving left or right, no bands, no ring) is the
//! strip's row pairs shifted by the grid's position: every pixel lies between two strip
//! columns at one fraction for the whole frame (`strip_block` in `shaders/grid.wgsl`). The
//! encoder needs the frame in memory anyway, so instead of a GPU pass, a copy into the
//! read-back buffer and a copy out of it, [`HostStrip::write_frame`] makes the frame's planes
//! in one pass over a copy of the strip read back once per strip. The arithmetic is the
//! shader's, in whole numbers (the fraction in 256ths), so both give the same bytes
//! (`render_gpu::the_rolling_still_gives_the_still_strips_bytes` compares them on every
//! frame). On a software GPU this takes the per-frame rendering off the cores the encoder
//! needs; on any GPU it spares two copies of each frame.
//!
//! The rolling still's strip (`grid/ring.rs`) changes every frame, so it is not copied once:
//! each frame's read-back carries the ring texels that frame reads, unwrapped
//! ([`texels_read`], [`RingCopy`]), and [`frame_from_ring`] lerps them the same way.

// Columns and pixels are counted in texture sizes (at most 16384 texels, 65536 columns): far
// inside i32 and i64.
#![allow(clippy::cast_possible_wrap)]

use super::readback::ReadBack;
use super::yuv::{VideoFrame, padded_row};

/// Bytes of a strip texel: four columns, each a word of (top luma, bottom luma, U, V).
const TEXEL_BYTES: usize = 16;

/// The codes of one strip row outside its columns: what the texel clamp of the shader reads
/// left of the first column and right of the last.
#[derive(Clone, Copy)]
struct Edges {
    left: [u8; 4],
    right: [u8; 4],
}

/// A CPU copy of a plain strip, planar: per strip row, the top and bottom luma of every
/// column, and U and V split into even and odd columns (a chroma sample reads columns two
/// apart, so each read is contiguous).
pub(super) struct HostStrip {
    columns: usize,
    rows: usize,
    luma_top: Vec<u8>,
    luma_bottom: Vec<u8>,
    /// U of even columns, then of odd ones, per row; V the same.
    u: [Vec<u8>; 2],
    v: [Vec<u8>; 2],
    edges: Vec<Edges>,
}

/// Where the pixels of a row read the strip: block by block, the first column read
/// (`c - 8i`, the same for every block but where the origin's rounding differs) and the
/// fraction in 256ths.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Tap {
    shift: i32,
    weight: u16,
}

/// The taps of block `i` for a grid at `origin_x`, as the shader works them out (`fs_strip_yuv`:
/// `s = 8·i + 1 − origin`, in f32).
fn tap(i: usize, origin_x: f32) -> Tap {
    let s = (8.0 * i as f32 + 1.0) - origin_x;
    let floor = s.floor();
    let weight = ((s - floor) * 256.0).round_ties_even() as u16;
    Tap {
        shift: floor as i32 + 4 - 8 * i as i32,
        weight,
    }
}

/// The runs of blocks `[first, end)` of a frame `blocks` blocks wide whose pixels read the
/// strip alike (the same [`Tap`]): one run but where the origin's rounding differs.
fn runs(blocks: usize, origin_x: f32) -> impl Iterator<Item = (Tap, usize, usize)> {
    let mut first = 0;
    std::iter::from_fn(move || {
        if first >= blocks {
            return None;
        }
        let t = tap(first, origin_x);
        let end = (first + 1..blocks)
            .find(|&i| tap(i, origin_x) != t)
            .unwrap_or(blocks);
        let run = (t, first, end);
        first = end;
        Some(run)
    })
}

/// The strip texels (first, last) a frame `width_px` wide of a grid at `origin_x` reads: the
/// texels of columns `c .. c + 8` of each block.
pub(super) fn texels_read(width_px: usize, origin_x: f32) -> (i64, i64) {
    runs(width_px / 8, origin_x).fold((i64::MAX, i64::MIN), |(lo, hi), (t, first, end)| {
        let c = |i: usize| i64::from(t.shift) + 8 * i as i64;
        (
            lo.min(c(first).div_euclid(4)),
            hi.max((c(end - 1) + 8).div_euclid(4)),
        )
    })
}

/// A frame's strip texels copied out of the rolling still's ring strip, unwrapped: strip
/// texel `first_texel + i` at texel `i` of each row, rows `row_bytes` apart.
#[derive(Clone, Copy, Debug)]
pub(super) struct RingCopy {
    pub first_texel: i64,
    pub texels: usize,
    pub row_bytes: usize,
    pub origin_x: f32,
}

/// Writes the frame of `copy` (its texels in `bytes`) into `out`, with the shader's
/// arithmetic; `scratch` holds one row's lerped columns. False (`out` partly written) when
/// the copy lacks a texel the frame reads.
pub(super) fn frame_from_ring(
    bytes: &[u8],
    copy: RingCopy,
    out: &mut VideoFrame,
    scratch: &mut Vec<u8>,
) -> bool {
    let w = out.width_px as usize;
    let rows = out.height_px as usize / 2;
    let cw = w / 2;
    let (y_plane, uv) = out.data.split_at_mut(w * rows * 2);
    let (u_plane, v_plane) = uv.split_at_mut(cw * rows);
    scratch.resize(4 * w, 0);
    for (tap, first, end) in runs(w / 8, copy.origin_x) {
        let x0 = 8 * first;
        let len = 8 * (end - first);
        // Column x + shift of the strip is column x + shift − 4·first_texel of the copy.
        let Ok(j0) = usize::try_from(x0 as i64 + i64::from(tap.shift) - 4 * copy.first_texel)
        else {
            return false;
        };
        if 4 * (j0 + len + 1) > 16 * copy.texels {
            return false;
        }
        for r in 0..rows {
            let Some(row) = bytes.get(r * copy.row_bytes..r * copy.row_bytes + 16 * copy.texels)
            else {
                return false;
            };
            let words = &mut scratch[..4 * len];
            let lo = &row[4 * j0..4 * (j0 + len)];
            let hi = &row[4 * (j0 + 1)..4 * (j0 + 1 + len)];
            lerp_into(words, lo, hi, tap.weight);
            let (top, bottom) = y_plane[2 * r * w..(2 * r + 2) * w].split_at_mut(w);
            let luma = top[x0..x0 + len].iter_mut().zip(&mut bottom[x0..x0 + len]);
            for (word, (t, b)) in words.chunks_exact(4).zip(luma) {
                (*t, *b) = (word[0], word[1]);
            }
            // A chroma sample is its even pixel's pair of columns (x0 is even).
            let c = r * cw + x0 / 2..r * cw + x0 / 2 + len / 2;
            let chroma = u_plane[c.clone()].iter_mut().zip(&mut v_plane[c]);
            for (word, (u, v)) in words.chunks_exact(8).zip(chroma) {
                (*u, *v) = (word[2], word[3]);
            }
        }
    }
    true
}

/// `(a·(256 − w) + b·w + 128) / 256` for each sample of `out`, `a` and `b` from `lo` and `hi`.
fn lerp_into(out: &mut [u8], lo: &[u8], hi: &[u8], weight: u16) {
    let keep = 256 - weight;
    for ((o, &a), &b) in out.iter_mut().zip(lo).zip(hi) {
        *o = ((u16::from(a) * keep + u16::from(b) * weight + 128) >> 8) as u8;
    }
}

/// Copies strip texels `x .. x + width` of every row of `texture` (16 bytes a texel) into
/// `buffer`, from byte `offset` on, rows `row_bytes` apart.
pub(super) fn copy_texels(
    encoder: &mut wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    buffer: &wgpu::Buffer,
    (x, width): (u32, u32),
    (offset, row_bytes): (u64, u32),
) {
    encoder.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d { x, y: 0, z: 0 },
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::TexelCopyBufferInfo {
            buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset,
                bytes_per_row: Some(row_bytes),
                rows_per_image: Some(texture.height()),
            },
        },
        wgpu::Extent3d {
            width,
            height: texture.height(),
            depth_or_array_layers: 1,
        },
    );
}

/// The plain strip in `texture` read back (blocking) and made planar (see `HostStrip`);
/// `None` when reading it back fails or the CPU cannot resample it.
pub(super) fn read_strip(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
) -> Option<HostStrip> {
    let (texels, rows) = (texture.width(), texture.height());
    let row_bytes = padded_row(16 * texels);
    // Once per composition of a strip, not per frame: a buffer of its own.
    let mut slot = ReadBack::new(
        device,
        "gridreel strip read-back",
        u64::from(row_bytes) * u64::from(rows),
    );
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("gridreel strip read-back"),
    });
    copy_texels(
        &mut encoder,
        texture,
        &slot.buffer,
        (0, texels),
        (0, row_bytes),
    );
    slot.start_map(queue, encoder);
    slot.wait_mapped(device).ok()?;
    let strip = {
        let mapped = slot.buffer.slice(..).get_mapped_range().ok()?;
        let size = (texels as usize, rows as usize);
        HostStrip::from_texels(&mapped, size, row_bytes as usize)
    };
    slot.buffer.unmap();
    strip
}

impl HostStrip {
    /// The planar copy of a strip read back (Rgba32Uint, a texel per four columns): `rows`
    /// rows of `texels` texels each, `row_bytes` apart in `bytes`; `None` when its edge
    /// texels are not one colour per row (then the clamp at its ends is not a single code,
    /// and the GPU draws the frame).
    pub fn from_texels(
        bytes: &[u8],
        (texels, rows): (usize, usize),
        row_bytes: usize,
    ) -> Option<Self> {
        Self::from_texel_rows((texels, rows), |r, row| {
            row.copy_from_slice(bytes.get(r * row_bytes..r * row_bytes + row.len())?);
            Some(())
        })
    }

    /// The planar copy of a strip of `rows` rows of `texels` texels, `fill` writing row `r`'s
    /// texels into the slice it is given (what a GPU strip texel holds), rows in parallel;
    /// `None` when `fill` fails or the edge texels of a row are not one colour (see
    /// [`HostStrip::from_texels`]).
    pub fn from_texel_rows(
        (texels, rows): (usize, usize),
        fill: impl Fn(usize, &mut [u8]) -> Option<()> + Sync,
    ) -> Option<Self> {
        use rayon::prelude::*;
        if texels == 0 {
            return None;
        }
        let columns = 4 * texels;
        let half = columns / 2;
        let mut strip = Self {
            columns,
            rows,
            luma_top: vec![0; columns * rows],
            luma_bottom: vec![0; columns * rows],
            u: [vec![0; half * rows], vec![0; half * rows]],
            v: [vec![0; half * rows], vec![0; half * rows]],
            edges: Vec::new(),
        };
        let [u_even, u_odd] = &mut strip.u;
        let [v_even, v_odd] = &mut strip.v;
        let planes = (
            strip.luma_top.par_chunks_mut(columns),
            strip.luma_bottom.par_chunks_mut(columns),
            u_even.par_chunks_mut(half),
            u_odd.par_chunks_mut(half),
            v_even.par_chunks_mut(half),
            v_odd.par_chunks_mut(half),
        );
        let edges = planes
            .into_par_iter()
            .enumerate()
            .map_init(
                || vec![0u8; texels * TEXEL_BYTES],
                |row, (r, (top, bottom, u_even, u_odd, v_even, v_odd))| {
                    fill(r, row)?;
                    for (n, word) in row.chunks_exact(4).enumerate() {
                        top[n] = word[0];
                        bottom[n] = word[1];
                        let (u, v) = if n % 2 == 0 {
                            (&mut *u_even, &mut *v_even)
                        } else {
                            (&mut *u_odd, &mut *v_odd)
                        };
                        u[n / 2] = word[2];
                        v[n / 2] = word[3];
                    }
                    let uniform = |texel: &[u8]| {
                        let first: [u8; 4] = texel[..4].try_into().ok()?;
                        texel.chunks_exact(4).all(|w| w == first).then_some(first)
                    };
                    Some(Edges {
                        left: uniform(row.get(..TEXEL_BYTES)?)?,
                        right: uniform(row.get(row.len() - TEXEL_BYTES..)?)?,
                    })
                },
            )
            .collect::<Option<Vec<Edges>>>()?;
        strip.edges = edges;
        Some(strip)
    }

    /// Writes the frame of a grid at `origin_x` into `out` (8-bit 4:2:0, as wide as a
    /// multiple of 8 and twice as tall as the strip has rows).
    pub fn write_frame(&self, origin_x: f32, out: &mut VideoFrame) {
        let w = out.width_px as usize;
        let rows = self.rows.min(out.height_px as usize / 2);
        let cw = w / 2;
        let (y_plane, uv) = out.data.split_at_mut(w * rows * 2);
        let (u_plane, v_plane) = uv.split_at_mut(cw * rows);
        for (tap, first, end) in runs(w / 8, origin_x) {
            let span = (first * 8, end * 8);
            let c_span = (span.0 / 2)..(span.1 / 2);
            let half = self.columns / 2;
            for r in 0..rows {
                let row = r * self.columns;
                let edges = self.edges[r];
                let (top, bottom) = y_plane[2 * r * w..(2 * r + 2) * w].split_at_mut(w);
                let luma = |plane: &[u8], out: &mut [u8], code: usize| {
                    let plane = &plane[row..row + self.columns];
                    self.resample(tap, plane, &mut out[span.0..span.1], span.0, edges, code);
                };
                luma(&self.luma_top, top, 0);
                luma(&self.luma_bottom, bottom, 1);
                let chroma = |planes: &[Vec<u8>; 2], out: &mut [u8], code: usize| {
                    let even = &planes[0][r * half..(r + 1) * half];
                    let odd = &planes[1][r * half..(r + 1) * half];
                    let out = &mut out[c_span.clone()];
                    self.resample_chroma(tap, (even, odd), out, c_span.start, edges, code);
                };
                chroma(&self.u, &mut u_plane[r * cw..(r + 1) * cw], 2);
                chroma(&self.v, &mut v_plane[r * cw..(r + 1) * cw], 3);
            }
        }
    }

    /// Luma samples `x0 ..` of one row into `out`: sample x reads columns x + shift and the
    /// next; left of the strip the left edge's code, right of it the right edge's.
    fn resample(
        &self,
        tap: Tap,
        plane: &[u8],
        out: &mut [u8],
        x0: usize,
        edges: Edges,
        code: usize,
    ) {
        let columns = self.columns as i64;
        // Samples whose two columns both lie in the strip: 0 <= n and n + 1 < columns.
        let n0 = x0 as i64 + i64::from(tap.shift);
        let len = out.len() as i64;
        let lo = (-n0).clamp(0, len) as usize;
        let hi = (columns - 1 - n0).clamp(lo as i64, len) as usize;
        out[..lo].fill(edges.left[code]);
        out[hi..].fill(edges.right[code]);
        if hi > lo {
            let from = (n0 + lo as i64) as usize;
            let count = hi - lo;
            lerp_into(
                &mut out[lo..hi],
                &plane[from..from + count],
                &plane[from + 1..from + 1 + count],
                tap.weight,
            );
        }
    }

    /// Chroma samples `xc0 ..` of one row: sample xc reads columns 2·xc + shift and the next,
    /// from the even and odd columns' planes.
    fn resample_chroma(
        &self,
        tap: Tap,
        (even, odd): (&[u8], &[u8]),
        out: &mut [u8],
        xc0: usize,
        edges: Edges,
        code: usize,
    ) {
        let columns = self.columns as i64;
        let n0 = 2 * xc0 as i64 + i64::from(tap.shift);
        let len = out.len() as i64;
        // Sample k reads column n0 + 2k: in the strip (with its next) for
        // 0 <= n0 + 2k <= columns - 2.
        let lo = ((-n0 + 1).div_euclid(2)).clamp(0, len) as usize;
        let hi = ((columns - 2 - n0).div_euclid(2) + 1).clamp(lo as i64, len) as usize;
        out[..lo].fill(edges.left[code]);
        out[hi..].fill(edges.right[code]);
        if hi > lo {
            let n = n0 + 2 * lo as i64; // column of sample lo
            let count = hi - lo;
            let half = (n / 2) as usize;
            // n even: even[n/2 + k] then odd[n/2 + k]; n odd: odd[(n-1)/2 + k] then even[(n+1)/2 + k].
            let (a, b) = if n % 2 == 0 {
                (&even[half..half + count], &odd[half..half + count])
            } else {
                (&odd[half..half + count], &even[half + 1..half + 1 + count])
            };
            lerp_into(&mut out[lo..hi], a, b, tap.weight);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A strip of `texels` texels and `rows` rows with background edges and varied codes
    /// between them, as bytes read back (rows padded to `row_bytes`).
    fn texels(texels: usize, rows: usize, row_bytes: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; row_bytes * rows];
        for r in 0..rows {
            for n in 0..4 * texels {
                let edge = n < 4 || n >= 4 * texels - 4;
                for code in 0..4 {
                    bytes[r * row_bytes + 4 * n + code] = if edge {
                        (10 * code + r) as u8
                    } else {
                        ((n * 37 + r * 11 + code * 71) % 256) as u8
                    };
                }
            }
        }
        bytes
    }

    /// The shader's block, sample by sample, with its texel clamp: the reference.
    fn column(
        bytes: &[u8],
        row: usize,
        row_bytes: usize,
        texels: usize,
        n: i64,
        code: usize,
    ) -> u16 {
        let texel = (n.div_euclid(4)).clamp(0, texels as i64 - 1) as usize;
        let phase = n.rem_euclid(4) as usize;
        u16::from(bytes[row * row_bytes + texel * 16 + phase * 4 + code])
    }

    #[test]
    fn frames_equal_the_shaders_arithmetic_sample_by_sample() {
        let (t, rows, row_bytes) = (13, 3, 256);
        let bytes = texels(t, rows, row_bytes);
        let strip = HostStrip::from_texels(&bytes, (t, rows), row_bytes).unwrap();
        let w = 48;
        // Entering from the right, across, leaving at the left; whole and fractional.
        for origin in [
            60.0, 47.3, 20.5, 3.99, 0.0, -0.25, -7.7, -30.0, -41.5, -48.0, -70.0,
        ] {
            let mut frame = VideoFrame::new(w as u32, 2 * rows as u32);
            strip.write_frame(origin, &mut frame);
            let (y, u, v) = frame.planes();
            for r in 0..rows {
                for x in 0..w {
                    let tp = tap(x / 8, origin);
                    let n = (x - x / 8 * 8) as i64 + i64::from(tp.shift) + 8 * (x / 8) as i64;
                    let want = |code: usize, n: i64| {
                        let a = column(&bytes, r, row_bytes, t, n, code);
                        let b = column(&bytes, r, row_bytes, t, n + 1, code);
                        ((a * (256 - tp.weight) + b * tp.weight + 128) >> 8) as u8
                    };
                    assert_eq!(
                        y[2 * r * w + x],
                        want(0, n),
                        "origin {origin}, row {r}, x {x}"
                    );
                    assert_eq!(y[(2 * r + 1) * w + x], want(1, n), "origin {origin}");
                    if x % 2 == 0 {
                        let xc = x / 2;
                        assert_eq!(u[r * w / 2 + xc], want(2, n), "origin {origin}, xc {xc}");
                        assert_eq!(v[r * w / 2 + xc], want(3, n), "origin {origin}, xc {xc}");
                    }
                }
            }
        }
    }

    /// The rolling still's frames from copied texels: the same arithmetic, the copy starting
    /// at any strip texel; a copy short of a texel the frame reads is refused.
    #[test]
    fn ring_frames_equal_the_shaders_arithmetic_sample_by_sample() {
        let (t, rows, row_bytes) = (16, 2, 256);
        let bytes = texels(t, rows, row_bytes);
        let w = 48;
        for (first_texel, origin) in [(0, 0.0), (2, -7.7), (-3, 13.25), (5, -20.5), (1, -3.99)] {
            let copy = RingCopy {
                first_texel,
                texels: t,
                row_bytes,
                origin_x: origin,
            };
            let (lo, hi) = texels_read(w, origin);
            assert!(
                lo >= first_texel && hi < first_texel + t as i64,
                "origin {origin}"
            );
            let mut frame = VideoFrame::new(w as u32, 2 * rows as u32);
            assert!(frame_from_ring(&bytes, copy, &mut frame, &mut Vec::new()));
            let (y, u, v) = frame.planes();
            for r in 0..rows {
                for x in 0..w {
                    let tp = tap(x / 8, origin);
                    // Strip column n is column n − 4·first_texel of the copy.
                    let n = x as i64 + i64::from(tp.shift) - 4 * first_texel;
                    let want = |code: usize| {
                        let a = column(&bytes, r, row_bytes, t, n, code);
                        let b = column(&bytes, r, row_bytes, t, n + 1, code);
                        ((a * (256 - tp.weight) + b * tp.weight + 128) >> 8) as u8
                    };
                    assert_eq!(y[2 * r * w + x], want(0), "origin {origin}, x {x}");
                    assert_eq!(y[(2 * r + 1) * w + x], want(1), "origin {origin}, x {x}");
                    if x % 2 == 0 {
                        assert_eq!(u[r * w / 2 + x / 2], want(2), "origin {origin}, x {x}");
                        assert_eq!(v[r * w / 2 + x / 2], want(3), "origin {origin}, x {x}");
                    }
                }
            }
            let short = RingCopy {
                first_texel: lo + 1,
                ..copy
            };
            assert!(!frame_from_ring(&bytes, short, &mut frame, &mut Vec::new()));
        }
    }

    #[test]
    fn a_strip_whose_edges_are_not_one_colour_is_left_to_the_gpu() {
        let (t, rows, row_bytes) = (5, 2, 128);
        let mut bytes = texels(t, rows, row_bytes);
        assert!(HostStrip::from_texels(&bytes, (t, rows), row_bytes).is_some());
        bytes[row_bytes + 5] ^= 1; // row 1, texel 0, column 1
        assert!(HostStrip::from_texels(&bytes, (t, rows), row_bytes).is_none());
    }
}
