//! A HEIF/AVIF image's own planes (YCbCr at any subsampling, grey or RGB, 8 to 16 bits)
//! averaged down by a whole factor and converted to 8-bit RGB(A) in one pass, so that a photo
//! far larger than its tile (a 200 MP phone photo) never exists as full-size RGB: the decode
//! holds the codec's planes (1.5 bytes a pixel for 8-bit 4:2:0) and this adds only the small
//! result. Averaging before the colour matrix gives the same pixels as after it: the matrix
//! is affine and the average linear (up to clamping at the gamut's edge).

use image::DynamicImage;

/// One channel's samples: a byte each, or two in native order above 8 bits.
pub(in crate::photos) struct Plane<'a> {
    pub bytes: &'a [u8],
    pub stride: usize,
    pub width: usize,
    pub height: usize,
    pub bits: u32,
}

impl Plane<'_> {
    fn max_value(&self) -> u32 {
        (1u32 << self.bits) - 1
    }

    /// Adds row `y`'s samples in columns `x0..x1` to `sums`, one per sample column.
    fn add_row<S: Sum>(&self, y: usize, (x0, x1): (usize, usize), sums: &mut [S]) {
        let row = &self.bytes[y * self.stride..];
        if self.bits > 8 {
            let row = &row[2 * x0..2 * x1];
            for (sum, pair) in sums.iter_mut().zip(row.chunks_exact(2)) {
                sum.add(u16::from_ne_bytes([pair[0], pair[1]]));
            }
        } else {
            for (sum, &v) in sums.iter_mut().zip(&row[x0..x1]) {
                sum.add(u16::from(v));
            }
        }
    }

    /// The plane averaged over the blocks that cover each output pixel of `window`, a part
    /// of a `out_w × out_h` image `factor` times smaller than `luma_w × luma_h` (a subsampled
    /// plane covers it with proportionally smaller blocks), each average then taken through
    /// `norm`. Only the samples under the window are read.
    fn averaged(&self, geometry: &Geometry, norm: Norm) -> Vec<f32> {
        let Geometry {
            luma,
            out,
            factor,
            window,
        } = *geometry;
        let columns = &spans(self.width, luma.0, out.0, factor)[window.x0..window.x1];
        let rows = &spans(self.height, luma.1, out.1, factor)[window.y0..window.y1];
        // 8-bit rows add up in 16 bits (twice the samples a vector step) while a block is at
        // most 257 rows high: 255 × 257 is 65,535.
        let rows_high = rows.iter().map(|(y0, y1)| y1 - y0).max().unwrap_or(0);
        if self.bits <= 8 && rows_high <= 257 {
            self.averaged_in::<u16>(columns, rows, norm)
        } else {
            self.averaged_in::<u32>(columns, rows, norm)
        }
    }

    /// [`Self::averaged`] over the blocks `columns × rows` (spans of this plane's samples),
    /// adding up in `S`. Each block's rows are first added up column by column (whole rows at
    /// a time, which vectorises), then each block's columns of those sums; the sums are whole
    /// numbers, exact (a block's column holds at most about 1,026 rows of 16-bit samples: far
    /// inside `u32`).
    fn averaged_in<S: Sum>(
        &self,
        columns: &[(usize, usize)],
        rows: &[(usize, usize)],
        norm: Norm,
    ) -> Vec<f32> {
        let (first, last) = (columns[0].0, columns[columns.len() - 1].1);
        let mut averages = vec![0.0; columns.len() * rows.len()];
        let mut column_sums = vec![S::default(); last - first];
        let mut block_sums = vec![0u32; columns.len()];
        for (row_out, &(y0, y1)) in averages.chunks_exact_mut(columns.len()).zip(rows) {
            column_sums.fill(S::default());
            for y in y0..y1 {
                self.add_row(y, (first, last), &mut column_sums);
            }
            add_blocks(&column_sums, columns, &mut block_sums);
            for ((value, &(x0, x1)), &sum) in row_out.iter_mut().zip(columns).zip(&block_sums) {
                // One division of whole numbers: exact where the quotient is (a mean of
                // limited-range black and white is 0.5, not a hair under).
                let count = ((x1 - x0) * (y1 - y0)) as f64;
                *value = ((f64::from(sum) - norm.offset * count) / (norm.divisor * count)) as f32;
            }
        }
        averages
    }
}

/// Each block's column sums added up: `columns` are the blocks' spans, from the first
/// block's start, which `sums` begins at. Blocks side by side and all as wide (the last may
/// be narrower: the plane's edge) are added by a loop whose width is known when compiled
/// (unrolled, no bounds checks); others span by span.
fn add_blocks<S: Sum>(sums: &[S], columns: &[(usize, usize)], out: &mut [u32]) {
    let first = columns[0].0;
    let width = columns[0].1 - first;
    let (body, _) = columns.split_at(columns.len() - 1);
    let side_by_side = body
        .iter()
        .enumerate()
        .all(|(i, &(x0, x1))| x0 == first + i * width && x1 == x0 + width);
    let done = if side_by_side {
        let (sums, out) = (&sums[..body.len() * width], &mut out[..body.len()]);
        match width {
            1 => add_fixed::<S, 1>(sums, out),
            2 => add_fixed::<S, 2>(sums, out),
            3 => add_fixed::<S, 3>(sums, out),
            4 => add_fixed::<S, 4>(sums, out),
            6 => add_fixed::<S, 6>(sums, out),
            8 => add_fixed::<S, 8>(sums, out),
            _ => 0,
        }
    } else {
        0
    };
    for (o, &(x0, x1)) in out.iter_mut().zip(columns).skip(done) {
        *o = sums[x0 - first..x1 - first].iter().map(|&s| s.into()).sum();
    }
}

/// Sums of `sums` in blocks of `W` into `out`; how many were made.
fn add_fixed<S: Sum, const W: usize>(sums: &[S], out: &mut [u32]) -> usize {
    for (o, block) in out.iter_mut().zip(sums.chunks_exact(W)) {
        *o = block.iter().map(|&s| s.into()).sum();
    }
    out.len()
}

/// A column's running sum of samples.
trait Sum: Copy + Default + Into<u32> {
    fn add(&mut self, sample: u16);
}

impl Sum for u16 {
    fn add(&mut self, sample: u16) {
        // Only 8-bit samples, at most 257 rows: see `Plane::averaged`.
        *self = self.wrapping_add(sample);
    }
}

impl Sum for u32 {
    fn add(&mut self, sample: u16) {
        *self += u32::from(sample);
    }
}

/// How a plane's sample averages become the colour maths' values: `(average - offset) /
/// divisor` (a luma or full-range sample in 0..=1, a chroma one centred on 0); both whole
/// numbers.
#[derive(Clone, Copy)]
struct Norm {
    offset: f64,
    divisor: f64,
}

impl Norm {
    fn luma(plane: &Plane, full_range: bool) -> Self {
        if full_range {
            return Self::full(plane);
        }
        let scale = f64::from(1u32 << plane.bits.saturating_sub(8));
        Self {
            offset: 16.0 * scale,
            divisor: 219.0 * scale,
        }
    }

    fn chroma(plane: &Plane, full_range: bool) -> Self {
        let half = f64::from(1u32 << (plane.bits - 1));
        let divisor = if full_range {
            f64::from(plane.max_value())
        } else {
            224.0 * f64::from(1u32 << plane.bits.saturating_sub(8))
        };
        Self {
            offset: half,
            divisor,
        }
    }

    /// 0 to the plane's largest value onto 0..=1.
    fn full(plane: &Plane) -> Self {
        Self {
            offset: 0.0,
            divisor: f64::from(plane.max_value()),
        }
    }
}

/// What a reduction reads and makes: the luma plane's size, the whole reduced image's, the
/// factor, and the part of the reduced image made.
struct Geometry {
    luma: (usize, usize),
    out: (usize, usize),
    factor: usize,
    window: Window,
}

/// A part of a reduced image, in its pixels: columns `x0..x1`, rows `y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::photos) struct Window {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

/// For each of `out` output pixels, the span of a plane `len` samples long (covering `luma`
/// luma samples) that its `factor`-wide block of luma covers: never empty.
fn spans(len: usize, luma: usize, out: usize, factor: usize) -> Vec<(usize, usize)> {
    (0..out)
        .map(|i| {
            let start = (i * factor * len / luma).min(len - 1);
            let end = ((i + 1) * factor * len)
                .div_ceil(luma)
                .clamp(start + 1, len);
            (start, end)
        })
        .collect()
}

/// A YCbCr matrix as libheif applies it: the luma weights of red and blue, and the range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::photos) struct Matrix {
    kr: f32,
    kb: f32,
    /// `matrix_coefficients` 0: the planes hold G, B, R.
    identity: bool,
    pub full_range: bool,
}

impl Matrix {
    /// From an `nclx` box's `matrix_coefficients` (ITU-T H.273), as libheif 1.15 reads it:
    /// BT.709, BT.601 (5, 6, and its default for anything else), BT.2020, identity.
    pub(in crate::photos) fn from_nclx(matrix_coefficients: i32, full_range: bool) -> Self {
        let (kr, kb) = match matrix_coefficients {
            1 => (0.2126, 0.0722),
            9 | 10 => (0.2627, 0.0593),
            _ => (0.299, 0.114),
        };
        Self {
            kr,
            kb,
            identity: matrix_coefficients == 0,
            full_range,
        }
    }

    /// R, G and B from normalised luma `l` and chroma `b`, `r` (see [`Norm`]).
    fn weights(&self) -> [f32; 4] {
        let kg = 1.0 - self.kr - self.kb;
        [
            2.0 * (1.0 - self.kr),
            2.0 * self.kb * (1.0 - self.kb) / kg,
            2.0 * self.kr * (1.0 - self.kr) / kg,
            2.0 * (1.0 - self.kb),
        ]
    }
}

/// What the planes hold.
pub(in crate::photos) enum Colour {
    /// Y, Cb, Cr.
    YCbCr(Matrix),
    /// Y only; whether it is full range.
    Grey(bool),
    /// R, G, B.
    Rgb,
}

/// A native decode's planes: three for colour, one for grey, and alpha when there is one.
pub(in crate::photos) struct Planar<'a> {
    pub colour: Colour,
    pub planes: Vec<Plane<'a>>,
    pub alpha: Option<Plane<'a>>,
}

fn to_u8(v: f32) -> u8 {
    // Rounded half up: the value is not negative once clamped.
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

/// The size of the image [`reduce`] makes of `planar` by `factor`: the luma plane's divided
/// by it, rounded up.
pub(in crate::photos) fn reduced_size(planar: &Planar, factor: u32) -> Option<(usize, usize)> {
    let first = planar.planes.first()?;
    let factor = usize::try_from(factor.max(1)).ok()?;
    Some((first.width.div_ceil(factor), first.height.div_ceil(factor)))
}

/// The planes averaged over `factor × factor` blocks of luma (the last row and column over
/// what remains) and converted to 8-bit RGB, or RGBA when there is alpha. `None` when the
/// planes do not make an image (no luma, or a missing colour plane).
pub(in crate::photos) fn reduce(planar: &Planar, factor: u32) -> Option<DynamicImage> {
    let (x1, y1) = reduced_size(planar, factor)?;
    reduce_window(
        planar,
        factor,
        Window {
            x0: 0,
            y0: 0,
            x1,
            y1,
        },
    )
}

/// [`reduce`], making only `window` of the reduced image (cut to its size), and reading only
/// the samples under it: a clip's frame cropped to its tile is averaged where the crop keeps
/// it. `None` also when the window is empty.
pub(in crate::photos) fn reduce_window(
    planar: &Planar,
    factor: u32,
    window: Window,
) -> Option<DynamicImage> {
    let (out_w, out_h) = reduced_size(planar, factor)?;
    let first = planar.planes.first()?;
    let window = Window {
        x0: window.x0.min(out_w),
        y0: window.y0.min(out_h),
        x1: window.x1.min(out_w),
        y1: window.y1.min(out_h),
    };
    if window.x0 >= window.x1 || window.y0 >= window.y1 {
        return None;
    }
    let geometry = Geometry {
        luma: (first.width, first.height),
        out: (out_w, out_h),
        factor: usize::try_from(factor.max(1)).ok()?,
        window,
    };
    let (w, h) = (window.x1 - window.x0, window.y1 - window.y0);
    let channels = if planar.alpha.is_some() { 4 } else { 3 };
    let mut bytes = vec![0u8; w * h * channels];
    let pixels = bytes.chunks_exact_mut(channels);
    match (&planar.colour, planar.planes.as_slice()) {
        (Colour::YCbCr(m), [py, pb, pr]) => {
            let y = py.averaged(&geometry, Norm::luma(py, m.full_range));
            let cb = pb.averaged(&geometry, Norm::chroma(pb, m.full_range));
            let cr = pr.averaged(&geometry, Norm::chroma(pr, m.full_range));
            let [r_cr, g_cb, g_cr, b_cb] = m.weights();
            for (((px, &l), &b), &r) in pixels.zip(&y).zip(&cb).zip(&cr) {
                let rgb = if m.identity {
                    // G, B, R in the Y, Cb, Cr planes.
                    [r + 0.5, l, b + 0.5]
                } else {
                    [l + r_cr * r, l - g_cb * b - g_cr * r, l + b_cb * b]
                };
                px[..3].copy_from_slice(&rgb.map(to_u8));
            }
        }
        (Colour::Grey(full_range), [py]) => {
            let y = py.averaged(&geometry, Norm::luma(py, *full_range));
            for (px, &l) in pixels.zip(&y) {
                px[..3].fill(to_u8(l));
            }
        }
        (Colour::Rgb, [pr, pg, pb]) => {
            let [r, g, b] = [pr, pg, pb].map(|p| p.averaged(&geometry, Norm::full(p)));
            for (((px, &r), &g), &b) in pixels.zip(&r).zip(&g).zip(&b) {
                px[..3].copy_from_slice(&[r, g, b].map(to_u8));
            }
        }
        _ => return None,
    }
    let (w, h) = (u32::try_from(w).ok()?, u32::try_from(h).ok()?);
    let Some(alpha) = &planar.alpha else {
        return image::RgbImage::from_raw(w, h, bytes).map(DynamicImage::ImageRgb8);
    };
    let a = alpha.averaged(&geometry, Norm::full(alpha));
    for (px, &a) in bytes.chunks_exact_mut(4).zip(&a) {
        px[3] = to_u8(a);
    }
    image::RgbaImage::from_raw(w, h, bytes).map(DynamicImage::ImageRgba8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(bytes: &[u8], width: usize, height: usize, bits: u32) -> Plane<'_> {
        let sample = if bits > 8 { 2 } else { 1 };
        Plane {
            bytes,
            stride: width * sample,
            width,
            height,
            bits,
        }
    }

    /// A window of the reduced image is exactly that part of the whole reduction, for 8-bit
    /// 4:2:0 (summed in 16 bits) and 10-bit 4:2:2 (in 32), grey and alpha.
    #[test]
    fn a_window_is_exactly_that_part_of_the_whole() {
        let (w, h) = (37usize, 29usize);
        let sample = |i: usize, salt: usize| (i * 7919 + salt * 104_729) % 251;
        let bytes = |len: usize, bits: u32, salt: usize| -> Vec<u8> {
            (0..len)
                .flat_map(|i| {
                    let v = (sample(i, salt) << (bits - 8)) as u16;
                    if bits > 8 {
                        v.to_ne_bytes().to_vec()
                    } else {
                        vec![v as u8]
                    }
                })
                .collect()
        };
        for (bits, chroma_w, chroma_h) in
            [(8, w.div_ceil(2), h.div_ceil(2)), (10, w.div_ceil(2), h)]
        {
            let y = bytes(w * h, bits, 1);
            let (cb, cr) = (
                bytes(chroma_w * chroma_h, bits, 2),
                bytes(chroma_w * chroma_h, bits, 3),
            );
            let a = bytes(w * h, bits, 4);
            let planar = Planar {
                colour: Colour::YCbCr(Matrix::from_nclx(1, false)),
                planes: vec![
                    plane(&y, w, h, bits),
                    plane(&cb, chroma_w, chroma_h, bits),
                    plane(&cr, chroma_w, chroma_h, bits),
                ],
                alpha: Some(plane(&a, w, h, bits)),
            };
            let grey = Planar {
                colour: Colour::Grey(true),
                planes: vec![plane(&y, w, h, bits)],
                alpha: None,
            };
            for factor in [1, 3, 4] {
                let whole = reduce(&planar, factor).expect("an image").to_rgba8();
                let whole_grey = reduce(&grey, factor).expect("an image").to_rgb8();
                let window = Window {
                    x0: 1,
                    y0: 2,
                    x1: whole.width() as usize - 1,
                    y1: 5,
                };
                let part = reduce_window(&planar, factor, window)
                    .expect("a part")
                    .to_rgba8();
                let part_grey = reduce_window(&grey, factor, window)
                    .expect("a part")
                    .to_rgb8();
                for (x, y) in
                    (0..part.height()).flat_map(|y| (0..part.width()).map(move |x| (x, y)))
                {
                    let (wx, wy) = (x + 1, y + 2);
                    assert_eq!(
                        part.get_pixel(x, y),
                        whole.get_pixel(wx, wy),
                        "{bits} bits by {factor}"
                    );
                    assert_eq!(part_grey.get_pixel(x, y), whole_grey.get_pixel(wx, wy));
                }
            }
        }
        let empty = Window {
            x0: 3,
            y0: 0,
            x1: 3,
            y1: 4,
        };
        let y = [0u8; 4];
        let grey = Planar {
            colour: Colour::Grey(true),
            planes: vec![plane(&y, 2, 2, 8)],
            alpha: None,
        };
        assert!(reduce_window(&grey, 1, empty).is_none());
    }

    #[test]
    fn spans_cover_every_sample_once_and_never_empty() {
        // 10 luma samples by 4: blocks 0..4, 4..8, 8..10; the half-size chroma 0..2, 2..4, 4..5.
        assert_eq!(spans(10, 10, 3, 4), [(0, 4), (4, 8), (8, 10)]);
        assert_eq!(spans(5, 10, 3, 4), [(0, 2), (2, 4), (4, 5)]);
        // Factor 1 on 4:2:0: each chroma sample serves two luma samples.
        assert_eq!(spans(2, 4, 4, 1), [(0, 1), (0, 1), (1, 2), (1, 2)]);
    }

    #[test]
    fn full_range_bt601_grey_and_colours_convert_as_libheif_does() {
        // 2×2 luma, one chroma sample (4:2:0): mid grey, then pure red (Y 76, Cb 85, Cr 255).
        let y = [128u8; 4];
        let (cb, cr) = ([128u8], [128u8]);
        let planar = Planar {
            colour: Colour::YCbCr(Matrix::from_nclx(6, true)),
            planes: vec![plane(&y, 2, 2, 8), plane(&cb, 1, 1, 8), plane(&cr, 1, 1, 8)],
            alpha: None,
        };
        let image = reduce(&planar, 2).expect("an image").to_rgb8();
        assert_eq!(image.dimensions(), (1, 1));
        assert_eq!(image.get_pixel(0, 0).0, [128, 128, 128]);
        let (y, cb, cr) = ([76u8; 4], [85u8], [255u8]);
        let planar = Planar {
            colour: Colour::YCbCr(Matrix::from_nclx(6, true)),
            planes: vec![plane(&y, 2, 2, 8), plane(&cb, 1, 1, 8), plane(&cr, 1, 1, 8)],
            alpha: None,
        };
        let [r, g, b] = reduce(&planar, 1)
            .expect("an image")
            .to_rgb8()
            .get_pixel(1, 1)
            .0;
        assert!(r >= 253 && g <= 2 && b <= 2, "red came out {r} {g} {b}");
    }

    #[test]
    fn ten_bit_limited_range_and_alpha_are_scaled_to_eight_bits() {
        // Limited range white (940) and black (64) in 10 bits, alpha half (511 of 1023).
        let y: Vec<u8> = [940u16, 64].iter().flat_map(|v| v.to_ne_bytes()).collect();
        let c: Vec<u8> = [512u16, 512].iter().flat_map(|v| v.to_ne_bytes()).collect();
        let a: Vec<u8> = [511u16, 511].iter().flat_map(|v| v.to_ne_bytes()).collect();
        let planar = Planar {
            colour: Colour::YCbCr(Matrix::from_nclx(1, false)),
            planes: vec![
                plane(&y, 2, 1, 10),
                plane(&c, 2, 1, 10),
                plane(&c, 2, 1, 10),
            ],
            alpha: Some(plane(&a, 2, 1, 10)),
        };
        let image = reduce(&planar, 1).expect("an image").to_rgba8();
        assert_eq!(image.get_pixel(0, 0).0, [255, 255, 255, 127]);
        assert_eq!(image.get_pixel(1, 0).0, [0, 0, 0, 127]);
        // Averaged by two: the mean of white and black.
        let image = reduce(&planar, 2).expect("an image").to_rgba8();
        assert_eq!(image.get_pixel(0, 0).0[..3], [128, 128, 128]);
    }
}
