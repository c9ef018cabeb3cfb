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
                let (first, chroma) = match layout {
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
                Prepared {
                    x_px: s.x_px as usize,
                    y_px: s.y_px as usize,
                    width_px: w,
                    height_px: h,
                    fade: s.fade,
                    first,
                    chroma,
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
fn blend8(plane: &mut [u8], stride: usize, s: &Prepared, o: f32) {
    for y in 0..s.height_px {
        let row = (s.y_px + y) * stride + s.x_px;
        let from = y * s.width_px;
        for (i, &[code, a]) in s.first[from..from + s.width_px].iter().enumerate() {
            if a > 0.0 {
                let d = &mut plane[row + i];
                *d = mix(code, a, f32::from(*d), o).round().clamp(0.0, 255.0) as u8;
            }
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

fn blend_chroma8(u: &mut [u8], v: &mut [u8], stride: usize, s: &Prepared, o: f32) {
    let (cw, ch) = (s.width_px / 2, s.height_px / 2);
    for by in 0..ch {
        let row = (s.y_px / 2 + by) * stride + s.x_px / 2;
        for bx in 0..cw {
            let [su, sv, a] = s.chroma[by * cw + bx];
            if a > 0.0 {
                let (du, dv) = (&mut u[row + bx], &mut v[row + bx]);
                *du = mix(su, a, f32::from(*du), o).round().clamp(0.0, 255.0) as u8;
                *dv = mix(sv, a, f32::from(*dv), o).round().clamp(0.0, 255.0) as u8;
            }
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
