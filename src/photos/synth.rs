//! Procedural "photos": landscapes with a sky, a sun and mountain ridges. They make the
//! bundled demo photos, the benchmark's photo folders and test fixtures, so the project needs
//! no downloaded pictures.

use image::{Rgb, RgbImage};

/// A tiny deterministic generator (SplitMix64), enough for picking colours and shapes.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        v
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h = h.rem_euclid(1.0) * 6.0;
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r, g, b) = match h {
        h if h < 1.0 => (c, x, 0.0),
        h if h < 2.0 => (x, c, 0.0),
        h if h < 3.0 => (0.0, c, x),
        h if h < 4.0 => (0.0, x, c),
        h if h < 5.0 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn to_rgb(c: [f32; 3]) -> Rgb<u8> {
    // Values are clamped to 0..=255 before the cast.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb([q(c[0]), q(c[1]), q(c[2])])
}

struct Ridge {
    base: f32,
    freq: [f32; 3],
    phase: [f32; 3],
    amp: f32,
    color: [f32; 3],
}

/// A landscape of `width × height` pixels; the same seed always gives the same picture.
#[must_use]
pub fn synth_photo(seed: u64, width: u32, height: u32) -> RgbImage {
    let mut rng = SplitMix(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x1234_5678);
    let hue = rng.unit();
    let sky_top = hsv(hue, 0.55, 0.55 + 0.3 * rng.unit());
    let sky_low = hsv(hue + 0.08, 0.25, 0.95);
    let sun = hsv(hue + 0.5, 0.5, 1.0);
    let (w, h) = (width as f32, height as f32);
    let (sun_x, sun_y, sun_r) = (
        w * (0.15 + 0.7 * rng.unit()),
        h * (0.15 + 0.25 * rng.unit()),
        h * (0.06 + 0.08 * rng.unit()),
    );
    let ridges: Vec<Ridge> = (0..3u8)
        .map(|i| {
            let depth = f32::from(i) / 2.0;
            Ridge {
                base: h * (0.45 + 0.17 * f32::from(i)),
                freq: [
                    1.0 + 2.0 * rng.unit(),
                    3.0 + 5.0 * rng.unit(),
                    9.0 + 14.0 * rng.unit(),
                ],
                phase: [rng.unit() * 6.3, rng.unit() * 6.3, rng.unit() * 6.3],
                amp: h * (0.12 - 0.03 * f32::from(i)),
                color: hsv(
                    hue + 0.3 + 0.1 * rng.unit(),
                    0.45 + 0.2 * depth,
                    0.6 - 0.35 * depth,
                ),
            }
        })
        .collect();
    // Ridge heights depend only on x: compute them once per column.
    let heights: Vec<[f32; 3]> = (0..width)
        .map(|x| {
            #[allow(clippy::cast_precision_loss)]
            let u = x as f32 / w * std::f32::consts::TAU;
            let mut out = [0.0; 3];
            for (o, r) in out.iter_mut().zip(&ridges) {
                let wave = (u * r.freq[0] + r.phase[0]).sin() * 0.6
                    + (u * r.freq[1] + r.phase[1]).sin() * 0.3
                    + (u * r.freq[2] + r.phase[2]).sin() * 0.1;
                *o = r.base - wave * r.amp;
            }
            out
        })
        .collect();
    RgbImage::from_fn(width, height, |x, y| {
        #[allow(clippy::cast_precision_loss)]
        let (fx, fy) = (x as f32, y as f32);
        let column = &heights[x as usize];
        for (i, ridge) in ridges.iter().enumerate().rev() {
            if fy >= column[i] {
                let shade = 1.0 - 0.25 * ((fy - column[i]) / h).min(1.0);
                return to_rgb(ridge.color.map(|c| c * shade));
            }
        }
        let mut color = mix(sky_top, sky_low, (fy / (h * 0.6)).min(1.0));
        let d = ((fx - sun_x).powi(2) + (fy - sun_y).powi(2)).sqrt();
        if d < sun_r {
            color = sun;
        } else {
            color = mix(
                color,
                sun,
                (0.35 * (1.0 - (d - sun_r) / (sun_r * 2.0))).max(0.0),
            );
        }
        to_rgb(color)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        assert_eq!(synth_photo(3, 40, 30), synth_photo(3, 40, 30));
        assert_ne!(synth_photo(3, 40, 30), synth_photo(4, 40, 30));
    }
}
