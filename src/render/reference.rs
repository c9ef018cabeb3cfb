//! A CPU rendering of exactly what `shaders/grid.wgsl` and `shaders/yuv.wgsl` compute, in the
//! same f32 arithmetic. Tests compare the GPU against it; the benchmark uses the YUV
//! conversion to prepare encode-only frames.

use super::{GridUniform, VideoFrame};

fn grid_texel(u: &GridUniform, tiles: &[&[u8]], cell_layers: &[u32], x: i64, y: i64) -> [f32; 4] {
    let bg = u.background;
    let (gw, gh) = (i64::from(u.grid_size[0]), i64::from(u.grid_size[1]));
    if x < 0 || y < 0 || x >= gw || y >= gh {
        return bg;
    }
    // Both are inside the grid, so they fit u32.
    let (qx, qy) = (u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0));
    let (cx, cy) = (qx / u.pitch[0], qy / u.pitch[1]);
    let (lx, ly) = (qx % u.pitch[0], qy % u.pitch[1]);
    if lx >= u.tile_size[0] || ly >= u.tile_size[1] {
        return bg;
    }
    let index = (cy * u.cols + cx) as usize;
    if index >= u.cell_count as usize {
        return bg;
    }
    let Some(&layer) = cell_layers.get(index) else {
        return bg;
    };
    let Some(tile) = tiles.get(layer as usize) else {
        return bg;
    };
    let at = ((ly * u.tile_size[0] + lx) * 4) as usize;
    let px = &tile[at..at + 4];
    [0, 1, 2, 3].map(|c| f32::from(px[c]) / 255.0)
}

fn mix(a: [f32; 4], b: [f32; 4], t: f32) -> [f32; 4] {
    [0, 1, 2, 3].map(|c| a[c] * (1.0 - t) + b[c] * t)
}

fn quantize(v: f32) -> u8 {
    // Clamped to 0..=255 before the cast.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = (v * 255.0).round().clamp(0.0, 255.0) as u8;
    q
}

/// `fs_main_banded`: each grid line across the motion sampled at its own band's offset
/// (wrapped when looping), then the two lines around the pixel lerped.
fn banded_sample(u: &GridUniform, tiles: &[&[u8]], cells: &[u32], frame: [f32; 2]) -> [f32; 4] {
    let vertical = u.vertical();
    let (along, across, cross_origin, pitch) = if vertical {
        (frame[1], frame[0], u.grid_origin[0], u.pitch[0])
    } else {
        (frame[0], frame[1], u.grid_origin[1], u.pitch[1])
    };
    #[allow(clippy::cast_possible_truncation)]
    let wrap = |p: i64| {
        if u.looped() {
            p.rem_euclid(u.period_px as i64)
        } else {
            p
        }
    };
    let line_color = |line: i64| {
        #[allow(clippy::cast_possible_truncation)]
        let band = (line.max(0) as u64 / u64::from(pitch)) as u32;
        let g = along - u.band_origin(band) - 0.5;
        let base = g.floor();
        #[allow(clippy::cast_possible_truncation)]
        let (a, b) = (wrap(base as i64), wrap(base as i64 + 1));
        let texel = |p: i64| {
            if vertical {
                grid_texel(u, tiles, cells, line, p)
            } else {
                grid_texel(u, tiles, cells, p, line)
            }
        };
        mix(texel(a), texel(b), g - base)
    };
    let s = across - cross_origin - 0.5;
    let base = s.floor();
    #[allow(clippy::cast_possible_truncation)]
    let line = base as i64;
    mix(line_color(line), line_color(line + 1), s - base)
}

/// Renders the frame of `uniform` (drawn 1:1, viewport at the origin) to RGBA8.
/// `tiles[layer]` holds the RGBA pixels of each texture layer.
#[must_use]
pub fn render_rgba(
    uniform: &GridUniform,
    tiles: &[&[u8]],
    cell_layers: &[u32],
    width_px: u32,
    height_px: u32,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(width_px as usize * height_px as usize * 4);
    for py in 0..height_px {
        for px in 0..width_px {
            #[allow(clippy::cast_precision_loss)]
            let pos = [px as f32 + 0.5, py as f32 + 0.5];
            let frame =
                [0, 1].map(|i| (pos[i] - uniform.viewport_origin[i]) * uniform.frame_per_target[i]);
            if uniform.banded() {
                let c = banded_sample(uniform, tiles, cell_layers, frame);
                out.extend_from_slice(&[quantize(c[0]), quantize(c[1]), quantize(c[2]), 255]);
                continue;
            }
            let s = [0, 1].map(|i| frame[i] - uniform.grid_origin[i] - 0.5);
            let base = s.map(f32::floor);
            let f = [s[0] - base[0], s[1] - base[1]];
            // Frame coordinates are far inside i64.
            #[allow(clippy::cast_possible_truncation)]
            let (x, y) = (base[0] as i64, base[1] as i64);
            let c00 = grid_texel(uniform, tiles, cell_layers, x, y);
            let c10 = grid_texel(uniform, tiles, cell_layers, x + 1, y);
            let c01 = grid_texel(uniform, tiles, cell_layers, x, y + 1);
            let c11 = grid_texel(uniform, tiles, cell_layers, x + 1, y + 1);
            let c = mix(mix(c00, c10, f[0]), mix(c01, c11, f[0]), f[1]);
            out.extend_from_slice(&[quantize(c[0]), quantize(c[1]), quantize(c[2]), 255]);
        }
    }
    out
}

const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 0.7152;

/// BT.709 limited-range RGBA → planar YUV 4:2:0, the same math as `shaders/yuv.wgsl`.
pub fn rgba_to_yuv420(rgba: &[u8], width_px: u32, height_px: u32, out: &mut VideoFrame) {
    if (out.width_px, out.height_px) != (width_px, height_px) {
        *out = VideoFrame::new(width_px, height_px);
    }
    let (w, h) = (width_px as usize, height_px as usize);
    let rgb = |x: usize, y: usize| {
        let at = (y * w + x) * 4;
        [0, 1, 2].map(|c| f32::from(rgba[at + c]) / 255.0)
    };
    let luma = |c: [f32; 3]| c[0] * KR + c[1] * KG + c[2] * KB;
    let (y_plane, chroma) = out.data.split_at_mut(w * h);
    let (u_plane, v_plane) = chroma.split_at_mut(w * h / 4);
    for y in 0..h {
        for x in 0..w {
            y_plane[y * w + x] = quantize((16.0 + 219.0 * luma(rgb(x, y))) / 255.0);
        }
    }
    let cw = w / 2;
    for y in 0..h / 2 {
        for x in 0..cw {
            let (a, b, c, d) = (
                rgb(2 * x, 2 * y),
                rgb(2 * x + 1, 2 * y),
                rgb(2 * x, 2 * y + 1),
                rgb(2 * x + 1, 2 * y + 1),
            );
            let avg = [0, 1, 2].map(|i| (a[i] + b[i] + c[i] + d[i]) * 0.25);
            let yy = luma(avg);
            let cb = (avg[2] - yy) / (2.0 * (1.0 - KB));
            let cr = (avg[0] - yy) / (2.0 * (1.0 - KR));
            u_plane[y * cw + x] = quantize((128.0 + 224.0 * cb) / 255.0);
            v_plane[y * cw + x] = quantize((128.0 + 224.0 * cr) / 255.0);
        }
    }
}

/// BT.709 limited-range RGBA → 10-bit planar YUV 4:2:2 (little-endian u16 samples, each
/// chroma sample the average of a pair across), the same math as `fs_luma10` and
/// `fs_chroma422`.
#[must_use]
pub fn rgba_to_yuv422p10(rgba: &[u8], width_px: u32, height_px: u32) -> VideoFrame {
    let mut out = VideoFrame::with_layout(super::PixelLayout::Yuv422P10, width_px, height_px);
    let (w, h) = (width_px as usize, height_px as usize);
    let rgb = |x: usize, y: usize| {
        let at = (y * w + x) * 4;
        [0, 1, 2].map(|c| f32::from(rgba[at + c]) / 255.0)
    };
    let luma = |c: [f32; 3]| c[0] * KR + c[1] * KG + c[2] * KB;
    let code = |v: f32| (v.round().clamp(0.0, 1023.0) as u16).to_le_bytes();
    let (y_plane, chroma) = out.data.split_at_mut(w * h * 2);
    let (u_plane, v_plane) = chroma.split_at_mut(w * h);
    for y in 0..h {
        for x in 0..w {
            let at = (y * w + x) * 2;
            y_plane[at..at + 2].copy_from_slice(&code(64.0 + 876.0 * luma(rgb(x, y))));
        }
        for x in 0..w / 2 {
            let (a, b) = (rgb(2 * x, y), rgb(2 * x + 1, y));
            let avg = [0, 1, 2].map(|i| (a[i] + b[i]) * 0.5);
            let yy = luma(avg);
            let cb = (avg[2] - yy) / (2.0 * (1.0 - KB));
            let cr = (avg[0] - yy) / (2.0 * (1.0 - KR));
            let at = (y * (w / 2) + x) * 2;
            u_plane[at..at + 2].copy_from_slice(&code(512.0 + 896.0 * cb));
            v_plane[at..at + 2].copy_from_slice(&code(512.0 + 896.0 * cr));
        }
    }
    out
}

/// RGBA scaled down to `out_w × out_h` by area averaging (each output pixel the weighted mean
/// of the pixels it covers), as `fs_downscale` does. Alpha is opaque.
#[must_use]
pub fn downscale_rgba(rgba: &[u8], (w, h): (u32, u32), (out_w, out_h): (u32, u32)) -> Vec<u8> {
    let (sx, sy) = (w as f32 / out_w as f32, h as f32 / out_h as f32);
    let mut out = Vec::with_capacity(out_w as usize * out_h as usize * 4);
    for oy in 0..out_h {
        for ox in 0..out_w {
            let (lo_x, lo_y) = (ox as f32 * sx, oy as f32 * sy);
            let (hi_x, hi_y) = ((lo_x + sx).min(w as f32), (lo_y + sy).min(h as f32));
            let (mut sum, mut total) = ([0f32; 3], 0f32);
            let mut y = lo_y.floor();
            while y < hi_y {
                let wy = (y + 1.0).min(hi_y) - y.max(lo_y);
                let mut x = lo_x.floor();
                while x < hi_x {
                    let wx = (x + 1.0).min(hi_x) - x.max(lo_x);
                    let at = ((y as usize) * w as usize + x as usize) * 4;
                    for c in 0..3 {
                        sum[c] += f32::from(rgba[at + c]) / 255.0 * wx * wy;
                    }
                    total += wx * wy;
                    x += 1.0;
                }
                y += 1.0;
            }
            out.extend(sum.map(|s| quantize(s / total.max(1e-6))));
            out.push(255);
        }
    }
    out
}
