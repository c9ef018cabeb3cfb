//! An export's frames made without a GPU: the strip of `fs_compose_strip` composed on the CPU
//! straight from the tiles, then every frame resampled from it by [`HostStrip::write_frame`],
//! as the GPU path already does once its strip is read back (`host_strip.rs`).
//!
//! Where the grid moves as one, sideways (no bands, no loop), and the frames are 8-bit 4:2:0
//! whose width is a multiple of 8, the GPU's whole share of an export is composing the still
//! and its strip once; every frame is then made on the CPU. Composing them here instead costs
//! tens of milliseconds of arithmetic and spares opening a device: on a machine whose only
//! Vulkan device is the CPU (lavapipe), that is the driver's start-up and the LLVM it maps,
//! which stays resident to the end (about 60 MB). The arithmetic is the shaders', in the same
//! f32 operations in the same order, so that the strip has the GPU's bytes
//! (`render_gpu::frames_composed_on_the_cpu_equal_the_gpus` compares them).

use super::grid::{GridUniform, strip_width};
use super::host_strip::HostStrip;
use super::yuv::{PixelLayout, VideoFrame};
use crate::layout::Layout;
use crate::settings::Color;

/// BT.709's weights, as `bt709.wgsl` declares them (f32).
const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 0.7152;

/// The frames of an export whose grid moves as one, sideways, made on the CPU.
pub struct HostFrames {
    strip: HostStrip,
    layout: Layout,
}

/// An RGB texel as the shader reads it from an 8-bit UNORM texture.
type Rgb = [f32; 3];

/// A UNORM byte as Mesa's software rasteriser converts it: times 1/255 in f32, which for
/// some bytes is one bit off `byte / 255`; that bit changes a code in a few per million.
fn unorm(byte: u8) -> f32 {
    f32::from(byte) * (1.0 / 255.0)
}

/// `mix(a, b, f)` as the shader compiles it.
fn mix(a: Rgb, b: Rgb, f: f32) -> Rgb {
    [0, 1, 2].map(|c| a[c] * (1.0 - f) + b[c] * f)
}

fn luma(c: Rgb) -> f32 {
    c[0] * KR + c[1] * KG + c[2] * KB
}

/// `pack4x8unorm`'s rounding of one code in 0..1.
fn pack(v: f32) -> u8 {
    // Clamped to 0..=255 before the cast.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = (v.clamp(0.0, 1.0) * 255.0).round_ties_even() as u8;
    q
}

fn luma_code(c: Rgb) -> u8 {
    pack((16.0 + 219.0 * luma(c)) / 255.0)
}

fn chroma_codes(c: Rgb) -> [u8; 2] {
    let y = luma(c);
    let cb = (c[2] - y) / (2.0 * (1.0 - KB));
    let cr = (c[0] - y) / (2.0 * (1.0 - KR));
    [cb, cr].map(|v| pack((128.0 + 224.0 * v) / 255.0))
}

impl HostFrames {
    /// Whether frames of `layout` in `pixels` are made here: a grid moving as one, sideways
    /// or standing still, into 8-bit 4:2:0 frames a multiple of 8 wide, whose still would fit
    /// a texture on any GPU (8192 pixels a side, wgpu's default limit). A wider grid is drawn
    /// through the rolling still, which holds a frame's width of it and not the whole.
    #[must_use]
    pub fn applies(layout: &Layout, pixels: PixelLayout) -> bool {
        let side = wgpu::Limits::default().max_texture_dimension_2d;
        layout.moves_as_one()
            && pixels == PixelLayout::Yuv420
            && layout.frame_w_px.is_multiple_of(8)
            && layout.grid_w_px + 2 <= side
            && layout.grid_h_px + 2 <= side
    }

    /// Bytes the strip takes for `layout` (the frames need nothing else).
    #[must_use]
    pub fn bytes_for(layout: &Layout) -> u64 {
        let columns = 4 * u64::from(strip_width(layout.grid_w_px + 2));
        // Per row pair and column: both lumas, U and V.
        columns * u64::from(layout.frame_h_px / 2) * 4
    }

    /// The strip of the grid of `layout` on `background`, cell i showing `tiles[cells[i]]`
    /// (an index past the tiles: background), composed for frames of `layout`. `None` where
    /// [`HostFrames::applies`] does not hold or a tile is not of the layout's size.
    #[must_use]
    pub fn compose(
        layout: &Layout,
        background: Color,
        tiles: &[&[u8]],
        cells: &[u32],
    ) -> Option<Self> {
        if !Self::applies(layout, PixelLayout::Yuv420) {
            return None;
        }
        let tile_bytes = 4 * layout.tile_w_px as usize * layout.tile_h_px as usize;
        if tiles.iter().any(|t| t.len() != tile_bytes) {
            return None;
        }
        let u = GridUniform::new(layout, 0.0, background, GridUniform::full_frame(layout));
        let still = Still {
            u: &u,
            background: background.to_array().map(unorm),
            tiles,
            cells,
        };
        let (texels, rows) = (
            strip_width(still.width()) as usize,
            (layout.frame_h_px / 2) as usize,
        );
        let strip = HostStrip::from_texel_rows((texels, rows), |j, row| {
            still.compose_strip_row(j, &mut [Vec::new(), Vec::new(), Vec::new()], row);
            Some(())
        })?;
        Some(Self {
            strip,
            layout: *layout,
        })
    }

    /// Writes the frame at `t_secs` into `out` (8-bit 4:2:0 of the layout's frame size).
    pub fn write_frame(&self, t_secs: f64, out: &mut VideoFrame) {
        let (x, _) = self.layout.grid_origin_at(t_secs);
        // What `GridUniform::new` hands the shader: the origin in f32.
        #[allow(clippy::cast_possible_truncation)]
        self.strip.write_frame(x as f32, out);
    }
}

/// The whole-grid still with its one-pixel background border, read from the tiles (what
/// `fs_compose` writes, texel for texel).
struct Still<'a> {
    u: &'a GridUniform,
    /// The background as the shader reads it back from the still (a UNORM byte), not as the
    /// uniform hands it to `fs_compose` (`byte / 255`, which the still stores as the byte).
    background: Rgb,
    tiles: &'a [&'a [u8]],
    cells: &'a [u32],
}

impl Still<'_> {
    fn width(&self) -> u32 {
        self.u.grid_size[0] + 2
    }

    fn height(&self) -> u32 {
        self.u.grid_size[1] + 2
    }

    /// Still row `y` as the shader reads it (`textureLoad`), into `out`.
    fn row(&self, y: u32, out: &mut Vec<Rgb>) {
        let u = self.u;
        let bg = self.background;
        out.clear();
        out.resize(self.width() as usize, bg);
        // Grid row y - 1; the border rows and gaps are background.
        let Some(gy) = y.checked_sub(1).filter(|&gy| gy < u.grid_size[1]) else {
            return;
        };
        let (cy, ly) = (gy / u.pitch[1], gy % u.pitch[1]);
        if ly >= u.tile_size[1] {
            return;
        }
        let tile_w = u.tile_size[0] as usize;
        for cx in 0..u.cols {
            let index = (cy * u.cols + cx) as usize;
            if index >= u.cell_count as usize {
                break;
            }
            let Some(tile) = self
                .cells
                .get(index)
                .and_then(|&l| self.tiles.get(l as usize))
            else {
                continue;
            };
            let at = 4 * ly as usize * tile_w;
            let x0 = 1 + (cx * u.pitch[0]) as usize;
            let Some(line) = tile.get(at..at + 4 * tile_w) else {
                continue;
            };
            for (texel, px) in out[x0..x0 + tile_w].iter_mut().zip(line.chunks_exact(4)) {
                *texel = [unorm(px[0]), unorm(px[1]), unorm(px[2])];
            }
        }
    }

    /// Strip row `j` (frame rows 2j and 2j + 1), as `fs_compose_strip` writes it: per strip
    /// column, the upper and lower luma codes and the U, V of it and the next averaged.
    fn compose_strip_row(&self, j: usize, lines: &mut [Vec<Rgb>; 3], out: &mut [u8]) {
        let u = self.u;
        let top = i64::from(self.height()) - 1;
        // Frame row 2j's centre is still coordinate 2j + 1.5 - origin; the texels around it.
        #[allow(clippy::cast_precision_loss)]
        let s = 2.0 * j as f32 + 1.0 - u.grid_origin[1];
        let base = s.floor();
        let f = s - base;
        #[allow(clippy::cast_possible_truncation)]
        let base = base as i64;
        for (i, line) in (0i64..).zip(lines.iter_mut()) {
            // Clamped into 0..=top, which fits u32.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let y = (base + i).clamp(0, top) as u32;
            self.row(y, line);
        }
        let last = self.width() as usize - 1;
        // Strip column c is still column c - 4, clamped into the still.
        let pair = |c: usize| {
            let x = c.saturating_sub(4).min(last);
            (
                mix(lines[0][x], lines[1][x], f),
                mix(lines[1][x], lines[2][x], f),
            )
        };
        let columns = out.len() / 4;
        let mut here = pair(0);
        for (c, word) in out.chunks_exact_mut(4).enumerate().take(columns) {
            let next = pair(c + 1);
            let sum = [0, 1, 2].map(|k| (here.0[k] + here.1[k] + next.0[k] + next.1[k]) * 0.25);
            let [cu, cv] = chroma_codes(sum);
            word.copy_from_slice(&[luma_code(here.0), luma_code(here.1), cu, cv]);
            here = next;
        }
    }
}
