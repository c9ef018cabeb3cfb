//! The overlay blended straight into a frame's planes. Alpha blending commutes with the
//! RGB→YCbCr matrix (both are affine), so a sprite converted once to premultiplied codes
//! (`a·Y`, and for each chroma block the mean of `a·U`, `a·V` and `a`) is blended per frame
//! as `out = o·src + (1 − o·a)·dst`, with `o` the sprite's opacity at that time: the same
//! pixels as blending in RGB and converting, with the same BT.709 limited-range codes as
//! `shaders/bt709.wgsl`. Only the sprites' rectangles are touched; nothing is allocated per
//! frame.

use super::{Fade, Overlay};
use crate::render::{PixelLayout, VideoFrame};

const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 0.7152;

/// One sprite's premultiplied codes for one layout.
struct Prepared {
    x_px: usize,
    y_px: usize,
    width_px: usize,
    height_px: usize,
    fade: Fade,
    /// (a·code, a) per pixel of the first plane (Y, or each of R, G, B with their alpha).
    first: Vec<[f32; 2]>,
    /// (a·U, a·V, a) per chroma sample, means over its block.
    chroma: Vec<[f32; 3]>,
    /// `first` and `chroma` in fixed point ([`to_q`]) for 8-bit 4:2:0 frames, the export's
    /// usual layout: integer blending, which the compiler vectorises, instead of a float
    /// `round` per sample (the float path cost 11 % of x264's time in a 1080p export with a
    /// banded title, by `perf`).
    first_q: Vec<[u16; 2]>,
    chroma_q: Vec<[u16; 3]>,
}

/// Fixed point for the 8-bit path: codes, alpha and opacity in 1/256ths.
const ONE_Q: u32 = 256;

/// `v` (a code of 0..255, or an alpha or opacity of 0..1 scaled by the caller) in 1/256ths.
fn to_q(v: f32) -> u16 {
    // Codes are at most 255 and alphas at most 1, so this stays within u16.
    (v * ONE_Q as f32).round().clamp(0.0, f32::from(u16::MAX)) as u16
}

/// `o·src + (1 − o·a)·dst` in fixed point: `src`, `a` and `o` in 1/256ths, the products in
/// 1/65536ths, rounded to the nearest code.
fn mix_q(src: u16, a: u16, dst: u8, o: u32) -> u8 {
    let (src, a, dst) = (u32::from(src), u32::from(a), u32::from(dst));
    let out = (o * src + (ONE_Q * ONE_Q - o * a) * dst + (1 << 15)) >> 16;
    // At most 255: a premultiplied code is at most 255·a.
    out.min(255) as u8
}

/// An [`Overlay`] prepared for frames of one [`PixelLayout`].
pub struct Blender {
    layout: PixelLayout,
    width_px: u32,
    height_px: u32,
    sprites: Vec<Prepared>,
}

/// Premultiplied Y, U, V codes (0..255 scale at 8 bits) of a premultiplied RGB (0..1) with
/// alpha `a`.
fn codes(rgb: [f32; 3], a: f32, bits10: bool) -> [f32; 3] {
    let y = KR * rgb[0] + KG * rgb[1] + KB * rgb[2];
    let cb = (rgb[2] - y) / (2.0 * (1.0 - KB));
    let cr = (rgb[0] - y) / (2.0 * (1.0 - KR));
    if bits10 {
        [
            64.0 * a + 876.0 * y,
            512.0 * a + 896.0 * cb,
            512.0 * a + 896.0 * cr,
        ]
    } else {
        [
            16.0 * a + 219.0 * y,
            128.0 * a + 224.0 * cb,
            128.0 * a + 224.0 * cr,
        ]
    }
}

impl Blender {
    /// Converts `overlay`'s sprites once for frames of `layout`.
    #[must_use]
    pub fn new(overlay: &Overlay, layout: PixelLayout) -> Self {
        let sprites = overlay
            .sprites
            .iter()
            .map(|s| {
                let (w, h) = (s.width_px as usize, s.height_px as usize);
                let px = |x: usize, y: usize| {
                    let i = (y * w + x) * 4;
                    let c = |k: usize| f32::from(s.rgba[i + k]) / 255.0;
                    ([c(0), c(1), c(2)], c(3))
                };
                let bits10 = layout == PixelLayout::Yuv422P10;
                let (first, chroma): (Vec<[f32; 2]>, Vec<[f32; 3]>) = match layout {
                    PixelLayout::Rgba => {
                        let first = (0..w * h)
                            .flat_map(|i| {
                                let (rgb, a) = px(i % w, i / w);
                                [
                                    [rgb[0] * 255.0, a],
                                    [rgb[1] * 255.0, a],
                                    [rgb[2] * 255.0, a],
                                ]
                            })
                            .collect();
                        (first, Vec::new())
                    }
                    PixelLayout::Yuv420 | PixelLayout::Yuv422P10 => {
                        let first = (0..w * h)
                            .map(|i| {
                                let (rgb, a) = px(i % w, i / w);
                                [codes(rgb, a, bits10)[0], a]
                            })
                            .collect();
                        let block_h = if bits10 { 1 } else { 2 };
                        let mut chroma = Vec::with_capacity(w / 2 * h / block_h);
                        for by in 0..h / block_h {
                            for bx in 0..w / 2 {
                                let mut sum = [0.0f32; 3];
                                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                                    if dy >= block_h {
                                        continue;
                                    }
                                    let (rgb, a) = px(bx * 2 + dx, by * block_h + dy);
                                    let c = codes(rgb, a, bits10);
                                    sum[0] += c[1];
                                    sum[1] += c[2];
                                    sum[2] += a;
                                }
                                let n = (2 * block_h) as f32;
                                chroma.push([sum[0] / n, sum[1] / n, sum[2] / n]);
                            }
                        }
                        (first, chroma)
                    }
                };
                let (first_q, chroma_q) = if layout == PixelLayout::Yuv420 {
                    (
                        first.iter().map(|&[c, a]| [to_q(c), to_q(a)]).collect(),
                        chroma
                            .iter()
                            .map(|&[u, v, a]| [to_q(u), to_q(v), to_q(a)])
                            .collect(),
                    )
                } else {
                    (Vec::new(), Vec::new())
                };
                Prepared {
                    x_px: s.x_px as usize,
                    y_px: s.y_px as usize,
                    width_px: w,
                    height_px: h,
                    fade: s.fade,
                    first,
                    chroma,
                    first_q,
                    chroma_q,
                }
            })
            .collect();
        Self {
            layout,
            width_px: overlay.width_px,
            height_px: overlay.height_px,
            sprites,
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sprites.is_empty()
    }

    /// Lays the sprites, at their opacity at `t_secs`, over `frame` (of this blender's
    /// layout and size; another frame is left as it is).
    pub fn blend(&self, frame: &mut VideoFrame, t_secs: f64) {
        if (frame.layout, frame.width_px, frame.height_px)
            != (self.layout, self.width_px, self.height_px)
        {
            return;
        }
        let [p0, p1, _] = self.layout.planes(self.width_px, self.height_px);
        let (first, rest) = frame.data.split_at_mut(p0.0 * p0.1);
        let (u, v) = rest.split_at_mut(p1.0 * p1.1);
        for s in &self.sprites {
            let o = s.fade.at(t_secs);
            if o <= 0.0 {
                continue;
            }
            match self.layout {
                PixelLayout::Yuv420 => {
                    // An opacity of 0..1 in 1/256ths.
                    let o = u32::from(to_q(o.min(1.0)));
                    blend8(first, p0.0, s, o);
                    blend_chroma8(u, v, p1.0, s, o);
                }
                PixelLayout::Rgba => blend_rgba(first, p0.0, s, o),
                PixelLayout::Yuv422P10 => blend10(first, u, v, p0.0, p1.0, s, o),
            }
        }
    }
}

fn mix(src: f32, a: f32, dst: f32, o: f32) -> f32 {
    o * src + (1.0 - o * a) * dst
}

/// The luma plane at 8 bits.
fn blend8(plane: &mut [u8], stride: usize, s: &Prepared, o: u32) {
    for y in 0..s.height_px {
        let row = (s.y_px + y) * stride + s.x_px;
        let from = y * s.width_px;
        let src = &s.first_q[from..from + s.width_px];
        for (d, &[code, a]) in plane[row..row + s.width_px].iter_mut().zip(src) {
            *d = mix_q(code, a, *d, o);
        }
    }
}

fn blend_rgba(plane: &mut [u8], stride: usize, s: &Prepared, o: f32) {
    for y in 0..s.height_px {
        let row = (s.y_px + y) * stride + s.x_px * 4;
        let from = y * s.width_px * 3;
        for x in 0..s.width_px {
            let px = row + x * 4;
            for c in 0..3 {
                let [code, a] = s.first[from + x * 3 + c];
                if a > 0.0 {
                    let d = &mut plane[px + c];
                    *d = mix(code, a, f32::from(*d), o).round().clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
}

fn blend_chroma8(u: &mut [u8], v: &mut [u8], stride: usize, s: &Prepared, o: u32) {
    let (cw, ch) = (s.width_px / 2, s.height_px / 2);
    for by in 0..ch {
        let row = (s.y_px / 2 + by) * stride + s.x_px / 2;
        let src = &s.chroma_q[by * cw..(by + 1) * cw];
        let (u, v) = (&mut u[row..row + cw], &mut v[row..row + cw]);
        for ((du, dv), &[su, sv, a]) in u.iter_mut().zip(v.iter_mut()).zip(src) {
            *du = mix_q(su, a, *du, o);
            *dv = mix_q(sv, a, *dv, o);
        }
    }
}

/// 10-bit 4:2:2 planes of little-endian 16-bit samples.
fn blend10(
    y_plane: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    y_stride: usize,
    c_stride: usize,
    s: &Prepared,
    o: f32,
) {
    let put = |plane: &mut [u8], at: usize, src: f32, a: f32| {
        let d = f32::from(u16::from_le_bytes([plane[at], plane[at + 1]]));
        let out = mix(src, a, d, o).round().clamp(0.0, 1023.0) as u16;
        plane[at..at + 2].copy_from_slice(&out.to_le_bytes());
    };
    for y in 0..s.height_px {
        let row = (s.y_px + y) * y_stride + s.x_px * 2;
        for x in 0..s.width_px {
            let [code, a] = s.first[y * s.width_px + x];
            if a > 0.0 {
                put(y_plane, row + x * 2, code, a);
            }
        }
        let crow = (s.y_px + y) * c_stride + s.x_px;
        for bx in 0..s.width_px / 2 {
            let [su, sv, a] = s.chroma[y * (s.width_px / 2) + bx];
            if a > 0.0 {
                put(u, crow + bx * 2, su, a);
                put(v, crow + bx * 2, sv, a);
            }
        }
    }
}
