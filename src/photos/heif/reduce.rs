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
    fn max_value(&self) -> f32 {
        ((1u32 << self.bits) - 1) as f32
    }

    /// Adds row `y`'s samples to `sums`, one per sample column.
    fn add_row(&self, y: usize, sums: &mut [u32]) {
        let row = &self.bytes[y * self.stride..];
        if self.bits > 8 {
            for (sum, pair) in sums.iter_mut().zip(row.chunks_exact(2)) {
                *sum += u32::from(u16::from_ne_bytes([pair[0], pair[1]]));
            }
        } else {
            for (sum, &v) in sums.iter_mut().zip(row) {
                *sum += u32::from(v);
            }
        }
    }

    /// The plane averaged over the blocks that cover each output pixel of a `out_w × out_h`
    /// image `factor` times smaller than `luma_w × luma_h` (a subsampled plane covers it with
    /// proportionally smaller blocks), in sample units. Each block's rows are first added up
    /// column by column (whole rows at a time, which vectorises), then each block's columns
    /// of those sums; the sums are whole numbers, exact (a block's column holds at most about
    /// 1,026 rows of 16-bit samples: far inside `u32`).
    fn averaged(&self, luma: (usize, usize), out: (usize, usize), factor: usize) -> Vec<f32> {
        let columns = spans(self.width, luma.0, out.0, factor);
        let rows = spans(self.height, luma.1, out.1, factor);
        let mut averages = vec![0.0; out.0 * out.1];
        let mut column_sums = vec![0u32; self.width];
        for (row_out, &(y0, y1)) in averages.chunks_exact_mut(out.0).zip(&rows) {
            column_sums.fill(0);
            for y in y0..y1 {
                self.add_row(y, &mut column_sums);
            }
            for (value, &(x0, x1)) in row_out.iter_mut().zip(&columns) {
                let sum: u64 = column_sums[x0..x1].iter().map(|&v| u64::from(v)).sum();
                *value = sum as f32 / ((x1 - x0) * (y1 - y0)) as f32;
            }
        }
        averages
    }
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

/// A luma (or full-range) sample average in 0..=1, and a chroma one centred on 0.
fn luma(value: f32, plane: &Plane, full_range: bool) -> f32 {
    if full_range {
        value / plane.max_value()
    } else {
        let scale = (1u32 << plane.bits.saturating_sub(8)) as f32;
        (value - 16.0 * scale) / (219.0 * scale)
    }
}

fn chroma(value: f32, plane: &Plane, full_range: bool) -> f32 {
    let half = (1u32 << (plane.bits - 1)) as f32;
    if full_range {
        (value - half) / plane.max_value()
    } else {
        let scale = (1u32 << plane.bits.saturating_sub(8)) as f32;
        (value - half) / (224.0 * scale)
    }
}

fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The planes averaged over `factor × factor` blocks of luma (the last row and column over
/// what remains) and converted to 8-bit RGB, or RGBA when there is alpha. `None` when the
/// planes do not make an image (no luma, or a missing colour plane).
pub(in crate::photos) fn reduce(planar: &Planar, factor: u32) -> Option<DynamicImage> {
    let first = planar.planes.first()?;
    let factor = usize::try_from(factor.max(1)).ok()?;
    let luma_size = (first.width, first.height);
    let out = (luma_size.0.div_ceil(factor), luma_size.1.div_ceil(factor));
    let averaged: Vec<Vec<f32>> = planar
        .planes
        .iter()
        .map(|p| p.averaged(luma_size, out, factor))
        .collect();
    let rgb: Vec<[f32; 3]> = match (&planar.colour, averaged.as_slice()) {
        (Colour::YCbCr(m), [y, cb, cr]) => {
            let [py, pb, pr] = [&planar.planes[0], &planar.planes[1], &planar.planes[2]];
            (0..y.len())
                .map(|i| {
                    let l = luma(y[i], py, m.full_range);
                    let (b, r) = (
                        chroma(cb[i], pb, m.full_range),
                        chroma(cr[i], pr, m.full_range),
                    );
                    if m.identity {
                        // G, B, R in the Y, Cb, Cr planes.
                        return [r + 0.5, l, b + 0.5];
                    }
                    let kg = 1.0 - m.kr - m.kb;
                    [
                        l + 2.0 * (1.0 - m.kr) * r,
                        l - 2.0 * m.kb * (1.0 - m.kb) / kg * b - 2.0 * m.kr * (1.0 - m.kr) / kg * r,
                        l + 2.0 * (1.0 - m.kb) * b,
                    ]
                })
                .collect()
        }
        (Colour::Grey(full_range), [y]) => y
            .iter()
            .map(|&v| [luma(v, first, *full_range); 3])
            .collect(),
        (Colour::Rgb, [r, g, b]) => (0..r.len())
            .map(|i| {
                let p = &planar.planes;
                [
                    r[i] / p[0].max_value(),
                    g[i] / p[1].max_value(),
                    b[i] / p[2].max_value(),
                ]
            })
            .collect(),
        _ => return None,
    };
    let (w, h) = (u32::try_from(out.0).ok()?, u32::try_from(out.1).ok()?);
    let Some(alpha) = &planar.alpha else {
        let pixels = rgb.iter().flat_map(|c| c.map(to_u8)).collect();
        return image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8);
    };
    let a = alpha.averaged(luma_size, out, factor);
    let pixels = rgb
        .iter()
        .zip(&a)
        .flat_map(|(c, &a)| {
            [
                to_u8(c[0]),
                to_u8(c[1]),
                to_u8(c[2]),
                to_u8(a / alpha.max_value()),
            ]
        })
        .collect();
    image::RgbaImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgba8)
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
